import Crypto
import ES9PlusAPI
import ES9PlusHTTPClient
import EUICC
import EUICCSimulator
import Foundation
import Hummingbird
import HummingbirdTLS
import LPA
import Logging
import NIOCore
import NIOPosix
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPTestSupport
import SwiftASN1
import Testing
import X509

/// A TLS server certificate for 127.0.0.1 tests, issued by `issuer` (certificate, key).
func tlsCredentials(issuer: Certificate, issuerKey: P256.Signing.PrivateKey, subject: String = "smdp.openrsp.test",
                    notBefore: Date = Date().addingTimeInterval(-60), notAfter: Date = Date().addingTimeInterval(3600),
                    names: [GeneralName] = [.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]) throws -> SMDPTLSCredentials {
    let key = P256.Signing.PrivateKey()
    let leaf = try Certificate(
        version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
        notValidBefore: notBefore, notValidAfter: notAfter,
        issuer: issuer.subject, subject: try DistinguishedName { CommonName(subject) },
        signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions {
            AuthorityKeyIdentifier(keyIdentifier: try SGP22CertificateFields.subjectKeyIdentifier(issuer)[...])
            Critical(KeyUsage(digitalSignature: true))
            SubjectAlternativeNames(names)
            try ExtendedKeyUsage([.serverAuth])
        },
        issuerPrivateKey: Certificate.PrivateKey(issuerKey))
    return try SMDPTLSCredentials(certificateChainDER: [try PKIEncoding.der(leaf)], privateKey: key)
}

/// An HTTPS server on 127.0.0.1 that answers every ES9+ request with one fixed status and body: the
/// SM-DP+ behind a broken proxy, or something that is not an SM-DP+ at all.
func withFixedAnswer<T: Sendable>(tls: SMDPTLSCredentials, status: HTTPResponse.Status, contentType: String, body text: String,
                                  _ body: (Int) async throws -> T) async throws -> T {
    let router = Router()
    for function in [ES9PlusFunction.initiateAuthentication, .authenticateClient, .getBoundProfilePackage, .cancelSession] {
        router.post(RouterPath(function.path)) { _, _ -> Response in
            Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "test.fixed-answer")
    logger.logLevel = .warning
    let app = Application(
        router: router, server: try .tls(.http1(), tlsConfiguration: tls.serverTLSConfiguration()),
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }, logger: logger)
    return try await runUntilDone(app, ports: ports, continuation, body)
}

/// The LPA's downloader on a software eUICC issued from the site's PKI, its state in `euicc` (the layout
/// `openrsp --simulator DIR` uses, so the CLI can continue with the same eUICC).
func softEUICCDownloader(site: LiveSite, euicc: URL, connect: @escaping ES9PlusConnector) async throws -> ProfileDownloader {
    let identity = try EUICCIdentity.load(pkiDirectory: site.directory.appendingPathComponent("pki"))
    let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: euicc))
    let es10 = try ES10Client(transport: InProcessTransport(card: card))
    try await es10.open()
    return ProfileDownloader(es10: es10, connect: connect,
                             deviceInfo: try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities()))
}

@Suite("TLS certificate refusals are classified and named (issue 13 item 4)")
struct TLSCertificateDiagnosisTests {
    enum Case: String, CaseIterable, Sendable {
        case expired, notYetValid, unknownIssuer, wrongHost
    }

    /// The TLS credentials for each case: issued by the site's CI except for the unknown issuer.
    static func credentials(_ kind: Case, site: LiveSite) throws -> SMDPTLSCredentials {
        let ci = site.pki.ci
        let day: TimeInterval = 86400
        switch kind {
        case .expired:
            return try tlsCredentials(issuer: ci.certificate, issuerKey: ci.privateKey, subject: "expired.openrsp.test",
                                      notBefore: Date().addingTimeInterval(-30 * day), notAfter: Date().addingTimeInterval(-day))
        case .notYetValid:
            return try tlsCredentials(issuer: ci.certificate, issuerKey: ci.privateKey, subject: "future.openrsp.test",
                                      notBefore: Date().addingTimeInterval(day), notAfter: Date().addingTimeInterval(30 * day))
        case .unknownIssuer:
            let other = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID)).ci
            return try tlsCredentials(issuer: other.certificate, issuerKey: other.privateKey, subject: "stranger.openrsp.test")
        case .wrongHost:
            // SAN dNSName only: the generator's DP-TLS also names 127.0.0.1, which swift-nio-ssl matches against
            // the peer address whatever host name was asked for.
            return try tlsCredentials(issuer: ci.certificate, issuerKey: ci.privateKey, names: [.dnsName("smdp.openrsp.test")])
        }
    }

    @Test("each refused certificate is reported with its class, subject, validity and a fix", arguments: Case.allCases)
    func classified(_ kind: Case) async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let request = try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address)
        let error = try await site.withServer(tls: try Self.credentials(kind, site: site)) { port in
            try await LiveTLSTests.attempt(try site.client(port: port, timeout: .seconds(5)), request)
        }
        guard case let .tlsCertificate(problem) = try #require(error, "the call succeeded") else {
            Issue.record("expected .tlsCertificate, got \(String(describing: error))")
            return
        }
        let text = "\(problem)"
        switch kind {
        case .expired:
            #expect(problem.kind == .expired)
            #expect(problem.subject == "CN=expired.openrsp.test")
            #expect(text.contains("expired on \(problem.notValidAfter.formatted(.iso8601))") && text.contains("--tls-ca"), "\(text)")
        case .notYetValid:
            #expect(problem.kind == .notYetValid)
            #expect(problem.subject == "CN=future.openrsp.test")
            #expect(text.contains("not valid before") && text.contains("clock"), "\(text)")
        case .unknownIssuer:
            #expect(problem.kind == .unknownIssuer)
            #expect(problem.subject == "CN=stranger.openrsp.test")
            #expect(text.contains("does not chain to a trusted root") && text.contains("--tls-ca FILE"), "\(text)")
        case .wrongHost:
            #expect(problem.kind == .hostNameMismatch)
            #expect(problem.names == ["smdp.openrsp.test"] && problem.host == "127.0.0.1")
            #expect(text.contains("not valid for 127.0.0.1: it names smdp.openrsp.test"), "\(text)")
        }
        #expect(!text.contains("CERTIFICATE_VERIFY_FAILED"), "\(text)")
        // The refused server saw no ES9+ request.
        #expect(try await site.store.profileCounts().values.reduce(0, +) == 0)
    }
}

@Suite("ES9+ transport failures keep their kind up to ProfileDownloadError (issue 13 item 6)")
struct TransportFailureKindTests {
    /// Runs a download from 127.0.0.1:`port` with the site's software eUICC and returns how it failed.
    static func failedDownload(site: LiveSite, port: Int, roots: [[UInt8]]? = nil) async throws -> ProfileDownloadFailure {
        let client = try site.client(port: port, trusting: roots, timeout: .seconds(5))
        let downloader = try await softEUICCDownloader(site: site, euicc: site.directory.appendingPathComponent("euicc")) { _ in client }
        let code = try ActivationCode(smdpAddress: "127.0.0.1:\(port)", matchingId: "ORDER-1")
        do {
            _ = try await downloader.download(code)
        } catch {
            return error
        }
        throw LiveTestError.serverDidNotStart
    }

    @Test("HTTP 500 is an HTTP status, not 'not reachable'")
    func http500() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let failure = try await withFixedAnswer(tls: site.loaded.tls, status: .internalServerError, contentType: "text/plain",
                                                body: "upstream failed") { port in
            try await Self.failedDownload(site: site, port: port)
        }
        #expect(failure.step == .initiateAuthentication && failure.cancellation == nil)
        guard case let .httpStatus(code, _) = failure.error else { Issue.record("expected .httpStatus, got \(failure.error)"); return }
        #expect(code == 500)
        #expect("\(failure)".contains("answered HTTP 500") && !"\(failure)".contains("not reachable"), "\(failure)")
    }

    @Test("a 200 answer that is not ES9+ JSON is a malformed response; so is a non-JSON content type", arguments: [
        ("application/json", "<html>garbage</html>"), ("text/html", "{}"),
    ])
    func garbage(_ contentType: String, _ text: String) async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let failure = try await withFixedAnswer(tls: site.loaded.tls, status: .ok, contentType: contentType, body: text) { port in
            try await Self.failedDownload(site: site, port: port)
        }
        guard case .malformedServerResponse = failure.error else { Issue.record("expected .malformedServerResponse, got \(failure.error)"); return }
        #expect("\(failure)".contains("not ES9+") && !"\(failure)".contains("not reachable"), "\(failure)")
    }

    @Test("a closed port is unreachable; a refused TLS certificate is a TLS refusal")
    func unreachableAndTLS() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let closed = try await releasedPort(tls: site.loaded.tls)
        let unreachable = try await Self.failedDownload(site: site, port: closed)
        guard case .serverUnreachable = unreachable.error else { Issue.record("expected .serverUnreachable, got \(unreachable.error)"); return }
        let otherRoot = try PKIEncoding.der(try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID)).ci.certificate)
        let refused = try await site.withServer { port in try await Self.failedDownload(site: site, port: port, roots: [otherRoot]) }
        guard case let .tlsRefused(error) = refused.error else { Issue.record("expected .tlsRefused, got \(refused.error)"); return }
        guard case let .tlsCertificate(problem) = error as? ES9PlusHTTPClientError else { Issue.record("expected .tlsCertificate, got \(error)"); return }
        #expect(problem.kind == .unknownIssuer)
    }
}
