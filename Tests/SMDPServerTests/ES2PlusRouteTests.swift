import ES9PlusAPI
import ES2PlusAPI
import ES2PlusHTTPClient
import Foundation
import RSPASN1
import SMDPCore
import SMDPServer
import SMDPTestSupport
import Testing

@Suite("ES2+ over real HTTPS on 127.0.0.1: functions, codes, authentication, bad input")
struct ES2PlusRouteTests {
    static let iccid1 = "8949449999999990001"
    static let iccid2 = "8949449999999990002"
    static let eid = "89049032123451234512345678901235"

    /// A site with two synthetic profiles, the server running, a client for mno-a.
    func withRunningServer(_ kind: ES2StoreKind = .sqlite,
                           _ body: (any SMDPStore, ES2Site, Int, ES2PlusHTTPClient) async throws -> Void) async throws {
        let site = try await ES2Site(kind: kind)
        defer { site.remove() }
        do {
            try await site.withStore { store in
                try await store.insertProfile(try ES2Site.record(Self.iccid1))
                try await store.insertProfile(try ES2Site.record(Self.iccid2))
                try await site.withServer(store: store, operators: try TestOperators.registry()) { port in
                    let client = try site.client(port: port)
                    do {
                        try await body(store, site, port, client)
                        try await client.shutdown()
                    } catch {
                        try await client.shutdown()
                        throw error
                    }
                }
            }
        } catch {
            try await site.dropDatabase()
            throw error
        }
        try await site.dropDatabase()
    }

    func state(_ store: any SMDPStore, _ iccid: String) async throws -> ProfileDownloadState? {
        try await store.profile(iccid: try ICCID(digits: iccid))?.state
    }

    /// The `Failed` code pair a call threw.
    func failure(_ call: () async throws -> Void) async -> String? {
        do {
            try await call()
            return nil
        } catch let ES2PlusClientError.failed(data) {
            return "\(data.subjectCode)/\(data.reasonCode)"
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("downloadOrder → confirmOrder → releaseProfile → cancelOrder succeed and move the profile", arguments: ES2StoreKind.available)
    func lifecycle(kind: ES2StoreKind) async throws {
        try await withRunningServer(kind) { store, _, _, client in
            let ordered = try await client.downloadOrder(iccid: Self.iccid1)
            #expect(ordered.iccid == Self.iccid1)
            #expect(ordered.header.functionExecutionStatus.status == .executedSuccess)
            #expect(try await state(store, Self.iccid1) == .allocated)
            #expect(try await store.orderRequester(iccid: try ICCID(digits: Self.iccid1)) == "mno-a")

            let confirmed = try await client.confirmOrder(iccid: Self.iccid1, eid: Self.eid, matchingId: "MATCH-1", releaseFlag: false)
            #expect(confirmed.matchingId == "MATCH-1")
            #expect(confirmed.eid == Self.eid)
            #expect(confirmed.smdpAddress == ES2Site.address)
            #expect(try await state(store, Self.iccid1) == .confirmed)

            try await client.releaseProfile(iccid: Self.iccid1)
            #expect(try await state(store, Self.iccid1) == .released)

            try await client.cancelOrder(iccid: Self.iccid1, matchingId: "MATCH-1", finalProfileStatusIndicator: "Unavailable")
            #expect(try await state(store, Self.iccid1) == .unavailable)
            #expect(try await store.order(iccid: try ICCID(digits: Self.iccid1)) == nil)
            #expect(try await store.orderRequester(iccid: try ICCID(digits: Self.iccid1)) == nil)

            // By profile type, with the 20-digit F-padded ICCID form accepted on input.
            let byType = try await client.downloadOrder(eid: Self.eid, profileType: "es2-test")
            #expect(byType.iccid == Self.iccid2)
            #expect(try await state(store, Self.iccid2) == .linked)
            let generated = try await client.confirmOrder(iccid: Self.iccid2 + "F", releaseFlag: true)
            #expect(generated.matchingId?.count == 24)
            #expect(try await state(store, Self.iccid2) == .released)
        }
    }

    @Test("each function's error codes, with no state change", arguments: ES2StoreKind.available)
    func errorCodes(kind: ES2StoreKind) async throws {
        try await withRunningServer(kind) { store, site, port, client in
            // downloadOrder
            #expect(await failure { _ = try await client.downloadOrder(iccid: "8949449999999999999") } == "8.2.1/3.9")
            #expect(await failure { _ = try await client.downloadOrder(profileType: "no-such-type") } == "8.2.5/3.7")
            #expect(await failure { _ = try await client.downloadOrder() } == "1.3.1/2.2")
            #expect(await failure { _ = try await client.downloadOrder(eid: "123", iccid: Self.iccid1) } == "8.1.1/2.1")
            #expect(await failure { _ = try await client.downloadOrder(iccid: "89ABC") } == "8.2.1/2.1")
            #expect(try await state(store, Self.iccid1) == .available)
            _ = try await client.downloadOrder(eid: Self.eid, iccid: Self.iccid1)
            #expect(await failure { _ = try await client.downloadOrder(iccid: Self.iccid1) } == "8.2.1/3.3")

            // confirmOrder
            let otherEID = "89049032123451234512345678909965"
            #expect(await failure { _ = try await client.confirmOrder(iccid: Self.iccid1, eid: otherEID, releaseFlag: true) } == "8.1.1/3.10")
            #expect(await failure { _ = try await client.confirmOrder(iccid: Self.iccid1, matchingId: "bad id!", releaseFlag: true) } == "8.2.6/3.8")
            #expect(await failure {
                _ = try await client.confirmOrder(iccid: Self.iccid1, confirmationCode: String(repeating: "1", count: 65), releaseFlag: true)
            } == "8.2.7/3.8")
            #expect(await failure { _ = try await client.confirmOrder(iccid: Self.iccid2, releaseFlag: true) } == "8.2.1/3.5")
            #expect(try await state(store, Self.iccid1) == .linked)
            _ = try await client.confirmOrder(iccid: Self.iccid1, matchingId: "TAKEN", releaseFlag: false)
            _ = try await client.downloadOrder(iccid: Self.iccid2)
            #expect(await failure { _ = try await client.confirmOrder(iccid: Self.iccid2, matchingId: "TAKEN", releaseFlag: false) } == "8.2.6/3.3")
            #expect(try await state(store, Self.iccid2) == .allocated)

            // releaseProfile
            #expect(await failure { try await client.releaseProfile(iccid: Self.iccid2) } == "8.2.1/3.5")
            #expect(await failure { try await client.releaseProfile(iccid: "8949449999999999999") } == "8.2.1/3.9")

            // cancelOrder
            #expect(await failure {
                try await client.cancelOrder(iccid: Self.iccid1, eid: otherEID, finalProfileStatusIndicator: "Available")
            } == "8.1.1/3.10")
            #expect(await failure {
                try await client.cancelOrder(iccid: Self.iccid1, matchingId: "OTHER", finalProfileStatusIndicator: "Available")
            } == "8.2.6/3.10")
            #expect(await failure { try await client.cancelOrder(iccid: Self.iccid1, finalProfileStatusIndicator: "Gone") } == "1.2.1/2.1")
            #expect(try await state(store, Self.iccid1) == .confirmed)

            // Another operator may not touch mno-a's order.
            let other = try site.client(port: port, requester: "mno-b", token: TestOperators.tokenB)
            #expect(await failure { try await other.releaseProfile(iccid: Self.iccid1) } == "8.2.1/1.2")
            #expect(await failure { try await other.cancelOrder(iccid: Self.iccid1, finalProfileStatusIndicator: "Available") } == "8.2.1/1.2")
            try await other.shutdown()
            #expect(try await state(store, Self.iccid1) == .confirmed)
        }
    }

    @Test("missing or wrong bearer token → 401 JSON and no state change; requester mismatch → 403")
    func authentication() async throws {
        try await withRunningServer { store, _, _, client in
            let body = Array(#"{"header":{"functionRequesterIdentifier":"mno-a","functionCallIdentifier":"1"},"iccid":"\#(Self.iccid1)"}"#.utf8)
            for authorization in ["", "Bearer wrong-token", "Basic \(TestOperators.tokenA)", "Bearer"] {
                let (status, answer) = try await client.postRaw(path: ES2PlusFunction.downloadOrder.path, body: body, authorization: authorization)
                #expect(status == 401)
                #expect(String(decoding: answer, as: UTF8.self) == #"{"error":"unauthorized"}"#)
            }
            #expect(try await state(store, Self.iccid1) == .available)
            // mno-b's token with mno-a's functionRequesterIdentifier.
            let (status, _) = try await client.postRaw(path: ES2PlusFunction.downloadOrder.path, body: body,
                                                       authorization: "Bearer \(TestOperators.tokenB)")
            #expect(status == 403)
            #expect(try await state(store, Self.iccid1) == .available)
        }
    }

    @Test("malformed JSON, wrong content type, missing field → Failed; oversized body → 413; no state change")
    func badInput() async throws {
        try await withRunningServer { store, _, _, client in
            func code(_ body: String, contentType: String = "application/json") async throws -> String? {
                let (status, answer) = try await client.postRaw(path: ES2PlusFunction.downloadOrder.path, body: Array(body.utf8),
                                                                contentType: contentType)
                #expect(status == 200)
                let decoded = try ES9PlusJSON.decode(ES2PlusHeaderOnlyResponse.self, from: Data(answer))
                return decoded.header.functionExecutionStatus.statusCodeData.map { "\($0.subjectCode)/\($0.reasonCode)" }
            }
            #expect(try await code("{not json") == "1.2.1/2.1")
            #expect(try await code(#"{"iccid":"\#(Self.iccid1)"}"#) == "1.3.1/2.2")
            #expect(try await code(#"{"header":{"functionRequesterIdentifier":"mno-a","functionCallIdentifier":"1"},"iccid":"\#(Self.iccid1)"}"#,
                                   contentType: "text/plain") == "1.2.1/2.1")
            #expect(try await code(#"{"header":{"functionRequesterIdentifier":"mno-a","functionCallIdentifier":"1"},"iccid":7}"#) == "1.2.1/2.1")
            let huge = #"{"header":{"functionRequesterIdentifier":"mno-a","functionCallIdentifier":"1"},"profileType":""#
                + String(repeating: "a", count: 70 * 1024) + #""}"#
            let (status, _) = try await client.postRaw(path: ES2PlusFunction.downloadOrder.path, body: Array(huge.utf8))
            #expect(status == 413)
            #expect(try await state(store, Self.iccid1) == .available)
            #expect(try await state(store, Self.iccid2) == .available)
        }
    }
}
