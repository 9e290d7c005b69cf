import ES9PlusAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import RSPASN1
import SMDPCore
import SMDPServer
import SMDPTestSupport
import Testing

@Suite("SMDPServer ES9+ router (HummingbirdTesting .router)")
struct ES9PlusRouterTests {
    static let files = ts48Files()

    @Test("a request without Content-Type application/json is answered 200 Failed 1.2.1/2.1 and creates no session")
    func contentType() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        let request = try euicc.initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)
        try await routerApplication(testbed).test(.router) { client in
            for contentType in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx"] {
                let response = try await client.es9(.initiateAuthentication, request, headers: [.contentType: contentType])
                let decoded = try decodeES9(response, ES9PlusNoOutput.self)
                #expect(decoded.failure == .invalidRequestFormat, "\(contentType)")
            }
            let missing = try await client.es9(.initiateAuthentication, request, headers: [:])
            #expect(try decodeES9(missing, ES9PlusNoOutput.self).failure == .invalidRequestFormat)
            // With a charset parameter the same request is executed.
            let ok = try await client.es9(.initiateAuthentication, request,
                                          headers: [.contentType: "application/json; charset=utf-8"])
            #expect(try decodeES9(ok, InitiateAuthenticationOutput.self).failure == nil)
        }
    }

    @Test("malformed JSON, bad Base64 and missing fields answer Failed with a code; the session is left unchanged")
    func malformedJSON() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        try await routerApplication(testbed).test(.router) { client in
            let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let initiated = try decodeES9(
                try await client.es9(.initiateAuthentication, try euicc.initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)),
                InitiateAuthenticationOutput.self)
            let output = try #require(initiated.output)
            let before = try #require(try await testbed.store.session(transactionId: output.transactionId))
            let tid = output.transactionId.bytes.map { String(format: "%02X", $0) }.joined()
            let cases: [(String, ES9PlusStatus)] = [
                ("{", .invalidRequestFormat),
                ("[1,2,3]", .invalidRequestFormat),
                (#"{"transactionId":"\#(tid)","authenticateServerResponse":"%%%not-base64"}"#, .invalidRequestFormat),
                (#"{"transactionId":"\#(tid)","authenticateServerResponse":"AAEC"}"#, .invalidRequestFormat),
                (#"{"transactionId":"zz","authenticateServerResponse":"vzgA"}"#, .invalidRequestFormat),
                (#"{"transactionId":"\#(tid)"}"#, .mandatoryFieldMissing),
            ]
            for (body, expected) in cases {
                let decoded = try decodeES9(try await client.es9(.authenticateClient, raw: body), ES9PlusNoOutput.self)
                #expect(decoded.header.functionExecutionStatus.status == .failed)
                #expect(decoded.failure == expected, "\(body)")
            }
            #expect(try await testbed.store.session(transactionId: output.transactionId) == before)
        }
    }

    @Test("a body over the limit is answered 413; one under it is read")
    func sizeLimit() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        try await routerApplication(testbed, maxRequestBodyBytes: 4096).test(.router) { client in
            let big = #"{"pad":""# + String(repeating: "A", count: 5000) + #""}"#
            let response = try await client.es9(.initiateAuthentication, raw: big)
            #expect(response.status == .contentTooLarge)
            let small = try await client.es9(.initiateAuthentication, raw: #"{"pad":"A"}"#)
            #expect(try decodeES9(small, ES9PlusNoOutput.self).failure == .mandatoryFieldMissing)
        }
        try await routerApplication(testbed).test(.router) { client in
            let over = String(repeating: " ", count: SMDPServerSettings.defaultMaxRequestBodyBytes + 1)
            let response = try await client.es9(.handleNotification, raw: over)
            #expect(response.status == .contentTooLarge)
        }
    }

    @Test("unknown ES9+ functions and paths are 404; GET /health reports the store")
    func unknownAndHealth() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        try await routerApplication(testbed).test(.router) { client in
            for uri in ["/gsma/rsp2/es9plus/getEuiccInfo", "/gsma/rsp2/es9plus/", "/gsma/rsp2/es2plus/downloadOrder", "/"] {
                let response = try await client.execute(uri: uri, method: .post, headers: jsonHeaders, body: ByteBuffer(string: "{}"))
                #expect(response.status == .notFound, "\(uri)")
            }
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == #"{"status":"ok"}"#)
        }
    }

    @Test("X-Admin-Protocol: a client's gsma/rsp/v2.x.y is echoed, anything else gets ours")
    func adminProtocol() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        try await routerApplication(testbed).test(.router) { client in
            let cases: [(String?, String)] = [
                ("gsma/rsp/v2.5.0", "gsma/rsp/v2.5.0"), ("gsma/rsp/v2.1.0", "gsma/rsp/v2.1.0"),
                (nil, ES9PlusProtocol.adminProtocolVersion), ("gsma/rsp/v3.0.0", ES9PlusProtocol.adminProtocolVersion),
            ]
            for (sent, expected) in cases {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let sent { headers[adminProtocolName] = sent }
                let response = try await client.es9(.cancelSession, raw: "{}", headers: headers)
                #expect(response.headers[adminProtocolName] == expected)
            }
        }
    }

    @Test("initiateAuthentication maps to the service (session stored); wrong smdpAddress and unknown transactionIds fail with SGP.22 codes")
    func functionMapping() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        try await routerApplication(testbed).test(.router) { client in
            let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let wrong = try await client.es9(.initiateAuthentication, try euicc.initiateAuthenticationRequest(smdpAddress: "other.example"))
            #expect(try decodeES9(wrong, InitiateAuthenticationOutput.self).failure == .invalidSMDPAddress)

            let initiated = try decodeES9(
                try await client.es9(.initiateAuthentication, try euicc.initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)),
                InitiateAuthenticationOutput.self)
            let output = try #require(initiated.output)
            #expect(output.serverSigned1.euiccChallenge == euicc.challenge)
            #expect(try await testbed.store.session(transactionId: output.transactionId)?.phase == .authenticationInitiated)

            // authenticateClient under a transactionId the server never issued.
            let genuine = try await euicc.authenticateServer(output, matchingId: "NO-SUCH-ORDER")
            let unknownTid = try TransactionID(Array(repeating: 0x42, count: 16))
            let foreign = AuthenticateClientRequest(transactionId: unknownTid, authenticateServerResponse: genuine.authenticateServerResponse)
            let unknown = try decodeES9(try await client.es9(.authenticateClient, foreign), AuthenticateClientOutput.self)
            #expect(unknown.failure == .transactionIdUnknown)
            // The genuine request reaches order lookup: no order for this matchingId.
            let noOrder = try decodeES9(try await client.es9(.authenticateClient, genuine), AuthenticateClientOutput.self)
            #expect(noOrder.failure != nil && noOrder.failure != .transactionIdUnknown)
        }
    }

    @Test("full download through the router: every ES9+ function, handleNotification 204 empty, profile Installed",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func fullDownload() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let upp = try ts48Package(Self.files[0])
        let (iccid, matchingId) = try await releasedOrder(testbed, upp)
        try await routerApplication(testbed).test(.router) { client in
            let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let initiated = try #require(try decodeES9(
                try await client.es9(.initiateAuthentication, try euicc.initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)),
                InitiateAuthenticationOutput.self).output)
            let authenticated = try #require(try decodeES9(
                try await client.es9(.authenticateClient, try await euicc.authenticateServer(initiated, matchingId: matchingId)),
                AuthenticateClientOutput.self).output)
            #expect(authenticated.profileMetadata.iccid == iccid)
            let bpp = try #require(try decodeES9(
                try await client.es9(.getBoundProfilePackage, try await euicc.prepareDownload(authenticated, confirmationCode: nil)),
                GetBoundProfilePackageOutput.self).output)
            #expect(try euicc.unbind(bpp.boundProfilePackage, dpPbCertificateDER: authenticated.smdpCertificate).upp == upp)
            #expect(try await testbed.state(iccid) == .downloaded)

            let notified = try await client.es9(.handleNotification, try euicc.installationResult(iccid: iccid, success: true))
            #expect(notified.status == .noContent)
            #expect(notified.body.readableBytes == 0)
            #expect(notified.headers[adminProtocolName] == "gsma/rsp/v2.2.2")
            #expect(try await testbed.state(iccid) == .installed)
            // A replayed notification is still 204 and changes nothing.
            #expect(try await client.es9(.handleNotification, try euicc.installationResult(iccid: iccid, success: false)).status == .noContent)
            #expect(try await testbed.state(iccid) == .installed)
        }
    }

    @Test("cancelSession through the router: postponed returns the profile to Released",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func cancelSession() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let (iccid, matchingId) = try await releasedOrder(testbed, try ts48Package(Self.files[0]))
        try await routerApplication(testbed).test(.router) { client in
            let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let initiated = try #require(try decodeES9(
                try await client.es9(.initiateAuthentication, try euicc.initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)),
                InitiateAuthenticationOutput.self).output)
            let authenticated = try decodeES9(
                try await client.es9(.authenticateClient, try await euicc.authenticateServer(initiated, matchingId: matchingId)),
                AuthenticateClientOutput.self)
            #expect(authenticated.failure == nil)
            let cancelled = try decodeES9(try await client.es9(.cancelSession, try euicc.cancelSession(reason: .postponed)),
                                          ES9PlusNoOutput.self)
            #expect(cancelled.header.functionExecutionStatus.status == .executedSuccess)
            #expect(try await testbed.state(iccid) == .released)
            let again = try decodeES9(try await client.es9(.cancelSession, try euicc.cancelSession(reason: .postponed)),
                                      ES9PlusNoOutput.self)
            #expect(again.failure == .transactionIdUnknown)
        }
    }
}

@Suite("SMDPServer settings")
struct SMDPServerSettingsTests {
    @Test("plain HTTP is refused on non-loopback bind addresses", arguments: ["0.0.0.0", "192.168.1.10", "::", "example.com", "128.0.0.1"])
    func refusesNonLoopback(host: String) {
        #expect(throws: SMDPServerError.insecureHTTPOnNonLoopback(host: host)) {
            try SMDPServerSettings(host: host, port: 8080, transport: .insecureLoopbackHTTP)
        }
    }

    @Test("plain HTTP is allowed on loopback", arguments: ["127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST"])
    func allowsLoopback(host: String) throws {
        #expect(SMDPServerSettings.isLoopback(host))
        _ = try SMDPServerSettings(host: host, port: 0, transport: .insecureLoopbackHTTP)
    }

    @Test("ports and limits are range-checked")
    func ranges() {
        #expect(throws: SMDPServerError.self) { try SMDPServerSettings(host: "127.0.0.1", port: 70000, transport: .insecureLoopbackHTTP) }
        #expect(throws: SMDPServerError.self) {
            try SMDPServerSettings(host: "127.0.0.1", port: 1, transport: .insecureLoopbackHTTP, maxRequestBodyBytes: 10)
        }
    }
}

@Suite("SMDPServer session purger")
struct SessionPurgerTests {
    @Test("an abandoned session is purged once its lifetime has passed, not before")
    func purgesExpired() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        let output = try #require(await testbed.service.initiateAuthentication(
            try euicc.initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)).output)
        let purger = SessionPurger(store: testbed.store, clock: testbed.clock, logger: Logger(label: "test.purger"))
        #expect(try await purger.purgeOnce() == 0)
        #expect(try await testbed.store.session(transactionId: output.transactionId) != nil)
        testbed.clock.advance(testbed.configuration.sessionLifetime + 1)
        #expect(try await purger.purgeOnce() == 1)
        #expect(try await testbed.store.session(transactionId: output.transactionId) == nil)
    }
}
