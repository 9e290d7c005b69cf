import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPTestSupport
import Testing
import X509

/// Each failure case asserts the ES9+ subject/reason code and that the profile state did not change
/// beyond what SGP.22 asks.
@Suite("ES9+ failures: codes and unchanged state")
struct ES9PlusNegativeTests {
    static let files = ts48Files()
    static let needsTS48 = Testing.ConditionTrait.enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48")

    /// A testbed with one released profile and an eUICC trusting our CI.
    func released(confirmationCode: String? = nil, orderEID: EID? = nil, maxAttempts: Int = 3)
        async throws -> (SMDPTestbed, TestEUICC, ICCID, String) {
        let testbed = try SMDPTestbed(maxConfirmationCodeAttempts: maxAttempts)
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]), eid: orderEID,
                                                                  confirmationCode: confirmationCode)
        return (testbed, try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate]), iccid, matchingId)
    }

    @Test("malformed JSON, Base64, hex and DER are typed errors with the request-format code", Self.needsTS48)
    func malformedRequests() async throws {
        let (testbed, euicc, iccid, matchingId) = try await released()
        let initiated = try #require(try await testbed.initiate(euicc).output)
        let good = try await euicc.authenticateServer(initiated, matchingId: matchingId)
        let json = try #require(try JSONSerialization.jsonObject(with: try ES9PlusJSON.encode(good)) as? [String: String])
        let derText = try #require(json["authenticateServerResponse"])
        let der = try #require(Data(base64Encoded: derText))
        func variant(_ key: String, _ value: String) throws -> Data {
            var copy = json
            copy[key] = value
            return try JSONSerialization.data(withJSONObject: copy)
        }
        let cases: [(String, Data, ES9PlusAPIError)] = [
            ("not JSON", Data("{\"transactionId\": ".utf8), .malformedJSON("")),
            ("missing field", Data("{\"transactionId\":\"\(initiated.transactionId.hex)\"}".utf8), .missingField("authenticateServerResponse")),
            ("bad Base64", try variant("authenticateServerResponse", "***"), .invalidBase64(field: "authenticateServerResponse")),
            ("bad hex", try variant("transactionId", "XYZ"), .invalidHex(field: "transactionId")),
            ("truncated DER", try variant("authenticateServerResponse", der.dropLast(5).base64EncodedString()),
             .invalidTLV(field: "authenticateServerResponse", reason: "")),
            ("trailing bytes", try variant("authenticateServerResponse", (der + [0]).base64EncodedString()),
             .invalidTLV(field: "authenticateServerResponse", reason: "")),
            ("wrong tag", try variant("authenticateServerResponse", Data([0xBF, 0x21, 0x00]).base64EncodedString()),
             .invalidTLV(field: "authenticateServerResponse", reason: "")),
        ]
        for (name, body, expected) in cases {
            do {
                _ = try ES9PlusJSON.decode(AuthenticateClientRequest.self, from: body)
                Issue.record("\(name): decoded")
            } catch {
                #expect(sameCase(error, expected), "\(name): \(error)")
                #expect(error.status == (expected.status), "\(name)")
            }
        }
        #expect(try await testbed.state(iccid) == .released)
        // The untouched request still works afterwards: the failures changed nothing.
        let response = await testbed.service.authenticateClient(try ES9PlusJSON.decode(AuthenticateClientRequest.self, from: try ES9PlusJSON.encode(good)))
        #expect(response.failure == nil)
    }

    @Test("wrong smdpAddress is 8.8.1/3.8; the address with our port or without a port is accepted", Self.needsTS48)
    func smdpAddress() async throws {
        let (testbed, euicc, iccid, _) = try await released()
        for address in ["other.example.com", "smdp.openrsp.test:8443", "smdp.openrsp.test.evil", "smdp.openrsp.test$x"] {
            let response = try await testbed.initiate(euicc, address: address)
            #expect(response.failure == .invalidSMDPAddress, "\(address)")
        }
        for address in ["smdp.openrsp.test", "SMDP.openrsp.test:443"] {
            #expect(try await testbed.initiate(euicc, address: address).failure == nil, "\(address)")
        }
        #expect(try await testbed.state(iccid) == .released)
    }

    @Test("an eUICC supporting none of our CIs gets 8.8.2/3.1")
    func unsupportedCI() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let stranger = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [stranger.ci.certificate])
        #expect(try await testbed.initiate(euicc).failure == .ciPKIdNotSupported)
    }

    @Test("unknown transactionId, replayed authenticateClient and an expired session are 8.10.1/3.9", Self.needsTS48)
    func transactionFailures() async throws {
        let (testbed, euicc, iccid, matchingId) = try await released()
        let initiated = try #require(try await testbed.initiate(euicc).output)
        let request = try await euicc.authenticateServer(initiated, matchingId: matchingId)
        var unknown = request
        unknown.transactionId = try TransactionID(Array(repeating: 0x77, count: 16))
        #expect(await testbed.service.authenticateClient(unknown).failure == .transactionIdUnknown)
        #expect(await testbed.service.authenticateClient(request).failure == nil)
        let replay = await testbed.service.authenticateClient(request)
        #expect(replay.failure == .transactionIdUnknown)
        #expect(try await testbed.store.session(transactionId: initiated.transactionId)?.phase == .clientAuthenticated)
        #expect(try await testbed.state(iccid) == .released)

        let late = try #require(try await testbed.initiate(euicc).output)
        let lateRequest = try await euicc.authenticateServer(late, matchingId: matchingId)
        testbed.clock.advance(testbed.configuration.sessionLifetime + 1)
        #expect(await testbed.service.authenticateClient(lateRequest).failure == .transactionIdUnknown)
        #expect(try await testbed.store.session(transactionId: late.transactionId) == nil)
        #expect(try await testbed.state(iccid) == .released)
    }

    @Test("wrong EID for a matchingId is 8.1.1/3.8; unknown matchingId 8.2.6/3.8; unreleased profile 8.2/1.2", Self.needsTS48)
    func orderBinding() async throws {
        let otherEID = try EID.withCheckDigits(prefix30: "890490320000000000000000055555")
        let (testbed, euicc, iccid, matchingId) = try await released(orderEID: otherEID)
        #expect(try await testbed.authenticate(euicc, matchingId: matchingId).1.failure == .eidMismatch)
        #expect(try await testbed.authenticate(euicc, matchingId: "NO-SUCH-ID").1.failure == .matchingIdRefused)
        #expect(try await testbed.state(iccid) == .released)
        #expect(try await testbed.store.order(iccid: iccid)?.eid == otherEID)

        let record = try await testbed.inventory.importPackage(try ts48Package(Self.files.last ?? Self.files[0]).reversedICCIDVariant())
        let confirmedICCID = try await testbed.orders.downloadOrder(iccid: record.iccid)
        let confirmed = try await testbed.orders.confirmOrder(iccid: confirmedICCID, releaseFlag: false)
        #expect(try await testbed.authenticate(euicc, matchingId: confirmed.matchingId).1.failure == .profileNotReleased)
        #expect(try await testbed.state(confirmedICCID) == .confirmed)
    }

    @Test("a tampered euiccSignature1 is 8.1/6.1; an EUM under an untrusted CI is 8.11.1/3.9", Self.needsTS48)
    func euiccAuthenticationFailures() async throws {
        let (testbed, euicc, iccid, matchingId) = try await released()
        let initiated = try #require(try await testbed.initiate(euicc).output)
        let good = try await euicc.authenticateServer(initiated, matchingId: matchingId)
        guard case let .ok(signed1, signature1, euiccCert, eumCert) = good.authenticateServerResponse else { Issue.record("not ok"); return }
        var raw = signature1.rawValue
        raw[10] ^= 0x01
        let tampered = AuthenticateClientRequest(transactionId: good.transactionId, authenticateServerResponse: try .makeOk(
            euiccSigned1: signed1, euiccSignature1: try ECDSASignature(raw), euiccCertificate: euiccCert, eumCertificate: eumCert))
        #expect(await testbed.service.authenticateClient(tampered).failure == .euiccSignatureInvalid)

        let foreign = try TestPKIGenerator.generate(TestPKIOptions(eid: euicc.eid))
        let foreignEUICC = try TestEUICC(pki: foreign, trustedCIs: [testbed.pki.ci.certificate])
        #expect(try await testbed.authenticate(foreignEUICC, matchingId: matchingId).1.failure == .ciPublicKeyUnknown)
        #expect(try await testbed.state(iccid) == .released)
    }

    @Test("a wrong confirmation code is 8.2.7/3.8 until the limit, then 8.2.7/6.4 and the order is locked", Self.needsTS48)
    func confirmationCodeLock() async throws {
        let (testbed, euicc, iccid, matchingId) = try await released(confirmationCode: "1234", maxAttempts: 3)
        // Missing code: 8.2.7/2.2, nothing counted.
        let missing = try await downloadFailure(testbed, euicc, matchingId, code: nil)
        #expect(missing == .confirmationCodeMissing)
        for attempt in 1...2 {
            #expect(try await downloadFailure(testbed, euicc, matchingId, code: "9999") == .confirmationCodeRefused, "attempt \(attempt)")
            #expect(try await testbed.state(iccid) == .released)
        }
        #expect(try await downloadFailure(testbed, euicc, matchingId, code: "9999") == .confirmationCodeRetriesExceeded)
        #expect(try await testbed.state(iccid) == .error)
        let order = try #require(try await testbed.store.order(iccid: iccid))
        #expect(order.isLocked && order.confirmationCodeFailures == 3)
        // Even the right code no longer works.
        #expect(try await testbed.authenticate(euicc, matchingId: matchingId).1.failure == .maxRetriesExceeded)
        #expect(try await testbed.state(iccid) == .error)
    }

    @Test("an expired download order is 8.8.5/4.1", Self.needsTS48)
    func expiredOrder() async throws {
        let testbed = try SMDPTestbed()
        let record = try await testbed.inventory.importPackage(try ts48Package(Self.files[0]))
        _ = try await testbed.orders.downloadOrder(iccid: record.iccid, expiresAt: testbed.clock.now().addingTimeInterval(60))
        let confirmed = try await testbed.orders.confirmOrder(iccid: record.iccid, releaseFlag: true)
        testbed.clock.advance(120)
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        #expect(try await testbed.authenticate(euicc, matchingId: confirmed.matchingId).1.failure == .downloadOrderExpired)
        #expect(try await testbed.state(record.iccid) == .released)
    }

    /// Runs authenticate + getBoundProfilePackage and returns the getBoundProfilePackage failure.
    func downloadFailure(_ testbed: SMDPTestbed, _ euicc: TestEUICC, _ matchingId: String, code: String?) async throws -> ES9PlusStatus? {
        let (_, authenticated) = try await testbed.authenticate(euicc, matchingId: matchingId)
        let output = try #require(authenticated.output, "\(String(describing: authenticated.failure))")
        let request = try await euicc.prepareDownload(output, confirmationCode: code)
        return await testbed.service.getBoundProfilePackage(request).failure
    }
}

func sameCase(_ a: ES9PlusAPIError, _ b: ES9PlusAPIError) -> Bool {
    switch (a, b) {
    case (.malformedJSON, .malformedJSON): return true
    case let (.invalidBase64(x), .invalidBase64(y)): return x == y
    case let (.invalidHex(x), .invalidHex(y)): return x == y
    case let (.missingField(x), .missingField(y)): return x == y
    case let (.invalidTLV(x, _), .invalidTLV(y, _)): return x == y
    case let (.invalidLength(x, _, _), .invalidLength(y, _, _)): return x == y
    default: return false
    }
}

extension Array where Element == UInt8 {
    /// The same UPP with a different ICCID in the ProfileHeader (last digits changed), so one package
    /// file can stand for two profiles. The ICCID sits in `83 0A` inside the header PE.
    func reversedICCIDVariant() throws -> [UInt8] {
        guard let index = (0..<(count - 11)).first(where: { self[$0] == 0x83 && self[$0 + 1] == 0x0A }) else {
            throw RSPASN1Error.invalidEncoding("no ICCID in the ProfileHeader")
        }
        var copy = self
        copy[index + 2 + 8] = copy[index + 2 + 8] == 0x11 ? 0x22 : 0x11
        return copy
    }
}
