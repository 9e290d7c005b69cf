import ES9PlusAPI
import Foundation
import Logging
import RSPASN1
import SMDPCore
import SMDPServer
import SMDPTestSupport
import Testing

@Suite("HandleDownloadProgressInfo: queued with the transition, delivered over HTTPS, retried, kept across restarts")
struct ProgressCallbackTests {
    static let iccid = "8949449999999990011"

    func sender(_ store: any SMDPStore, _ site: ES2Site, callback: URL, clock: any SMDPClock) throws -> DownloadProgressSender {
        var logger = Logger(label: "test.progress")
        logger.logLevel = .warning
        return try DownloadProgressSender(
            outbox: store, operators: try TestOperators.registry(callbackA: callback),
            settings: DownloadProgressSenderSettings(requesterId: ES2Site.address, trustRootsDER: [site.loaded.ciCertificateDER],
                                                     retry: DownloadProgressRetryPolicy(base: .seconds(5), maximum: .seconds(60)),
                                                     timeout: .seconds(5)),
            clock: clock, logger: logger)
    }

    @Test("receiver down: the report stays queued with the attempt recorded; after a restart (new store, new sender) it is delivered",
          arguments: ES2StoreKind.available)
    func retryAcrossRestart(kind: ES2StoreKind) async throws {
        let site = try await ES2Site(kind: kind)
        defer { site.remove() }
        let clock = ManualClock()
        let port = try await releasedPort(tls: site.loaded.tls)
        let callback = try #require(URL(string: "https://127.0.0.1:\(port)\(ProgressReceiver.path)"))
        let iccid = try ICCID(digits: Self.iccid)

        // Server run 1: the operator orders, releases and cancels over ES2+; the receiver is down.
        try await site.withStore(clock: clock) { store in
            try await store.insertProfile(try ES2Site.record(Self.iccid))
            try await site.withServer(store: store, operators: try TestOperators.registry(callbackA: callback), clock: clock) { port in
                let client = try site.client(port: port)
                _ = try await client.downloadOrder(iccid: Self.iccid)
                _ = try await client.confirmOrder(iccid: Self.iccid, releaseFlag: true)
                // Nothing is reported before the release.
                #expect(try await store.pendingDownloadProgress().isEmpty)
                try await client.cancelOrder(iccid: Self.iccid, finalProfileStatusIndicator: "Available")
                try await client.shutdown()
            }
            let queued = try await store.pendingDownloadProgress()
            try #require(queued.count == 1)
            #expect(queued[0].requesterId == "mno-a")
            #expect(queued[0].iccid == iccid && queued[0].from == .released && queued[0].to == .available)

            let first = try sender(store, site, callback: callback, clock: clock)
            let pass = try await first.deliverDue()
            try await first.shutdown()
            #expect(pass.failed == 1 && pass.delivered == 0)
            let after = try await store.pendingDownloadProgress()
            #expect(after.count == 1)
            #expect(after.first?.attempts == 1)
            #expect(after.first?.lastError != nil)
            // Not due again before the backoff elapsed.
            #expect(try await store.claimDueDownloadProgress(at: clock.now(), leaseUntil: clock.now(), limit: 10).isEmpty)
        }

        // Server run 2: a fresh store connection and sender; the receiver is up on the same port.
        clock.advance(10)
        let receiver = ProgressReceiver()
        try await receiver.serve(tls: site.loaded.tls, port: port) { _ in
            try await site.withStore(clock: clock) { store in
                let second = try sender(store, site, callback: callback, clock: clock)
                let pass = try await second.deliverDue()
                try await second.shutdown()
                #expect(pass.delivered == 1 && pass.failed == 0)
                #expect(try await store.pendingDownloadProgress().isEmpty)
            }
        }
        let reports = await receiver.reports
        try #require(reports.count == 1)
        let report = reports[0]
        #expect(report.iccid == Self.iccid)
        #expect(report.profileType == "es2-test")
        #expect(report.profileState == "Available")
        #expect(report.notificationPointId == 3)
        #expect(report.notificationPointStatus.status == .failed)
        #expect(report.header.functionRequesterIdentifier == ES2Site.address)
        #expect(report.header.functionCallIdentifier.hasPrefix("progress-"))
        try await site.dropDatabase()
    }

    @Test("a requester without a callback URL: its reports are dropped, not retried")
    func noCallbackURL() async throws {
        let site = try await ES2Site()
        defer { site.remove() }
        try await site.withStore { store in
            try await store.insertProfile(try ES2Site.record(Self.iccid))
            let orders = ES2PlusOrderService(store: store, configuration: site.loaded.configuration)
            let iccid = try ICCID(digits: Self.iccid)
            _ = try await orders.downloadOrder(iccid: iccid, requesterId: "mno-b")
            _ = try await orders.confirmOrder(iccid: iccid, releaseFlag: true, requesterId: "mno-b")
            try await orders.cancelOrder(iccid: iccid, finalProfileState: .unavailable, requesterId: "mno-b")
            #expect(try await store.pendingDownloadProgress().count == 1)
            let sender = try sender(store, site, callback: try #require(URL(string: "https://127.0.0.1:1/x")), clock: SystemClock())
            let pass = try await sender.deliverDue()
            try await sender.shutdown()
            #expect(pass.dropped == 1)
            #expect(try await store.pendingDownloadProgress().isEmpty)
        }
    }

    @Test("orders placed in-process (no requester) queue nothing")
    func noRequesterNoReport() async throws {
        let site = try await ES2Site()
        defer { site.remove() }
        try await site.withStore { store in
            try await store.insertProfile(try ES2Site.record(Self.iccid))
            let orders = ES2PlusOrderService(store: store, configuration: site.loaded.configuration)
            let iccid = try ICCID(digits: Self.iccid)
            _ = try await orders.downloadOrder(iccid: iccid)
            _ = try await orders.confirmOrder(iccid: iccid, releaseFlag: true)
            try await orders.cancelOrder(iccid: iccid, finalProfileState: .available)
            #expect(try await store.pendingDownloadProgress().isEmpty)
        }
    }
}
