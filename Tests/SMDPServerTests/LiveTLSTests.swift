import ES9PlusAPI
import ES9PlusHTTPClient
import LPA
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStoreSQLite
import SMDPTestSupport
import Synchronization
import Testing
import X509
import Crypto

/// A PKI written by the RSPCrypto generator into a temp dir and loaded back the way `openrsp smdp serve` does,
/// plus a SQLite database file.
struct LiveSite {
    static let address = "127.0.0.1"
    let directory: URL
    let pki: TestPKI
    let loaded: SMDPServerPKI
    let store: SQLiteSMDPStore
    let service: ES9PlusService

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-live-\(UUID().uuidString)")
        pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "smdp.openrsp.test"))
        try PKIWriter.write(pki, to: directory.appendingPathComponent("pki"), overwrite: false)
        loaded = try await SMDPServerPKI.load(directory: directory.appendingPathComponent("pki"), address: Self.address)
        store = try SQLiteSMDPStore(path: directory.appendingPathComponent("smdp.sqlite").path)
        service = ES9PlusService(store: store, configuration: loaded.configuration)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Runs the SM-DP+ over TLS on 127.0.0.1 with `port` (0: one the OS picks), calls `body` with the port, then
    /// stops it. `service` replaces the site's (e.g. one configured with an address that includes the port).
    /// `limits`, `rateLimit`, `metricsTokenSHA256` and `metrics` go to the server's settings (hardening tests).
    func withServer<T: Sendable>(tls: SMDPTLSCredentials? = nil, port: Int = 0, service: ES9PlusService? = nil,
                                 insecureHTTP: Bool = false, limits: ConnectionLimits? = nil, rateLimit: RateLimit? = .defaultES9Plus,
                                 metricsTokenSHA256: [UInt8]? = nil, metrics: SMDPMetrics = SMDPMetrics(),
                                 _ body: (Int) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let settings = try SMDPServerSettings(host: "127.0.0.1", port: port, transport: insecureHTTP ? .insecureLoopbackHTTP : .tls(tls ?? loaded.tls),
                                              limits: limits, rateLimit: rateLimit, metricsTokenSHA256: metricsTokenSHA256)
        var logger = Logger(label: "test.smdp.live")
        logger.logLevel = .warning
        let app = try buildApplication(service: service ?? self.service, settings: settings, logger: logger, metrics: metrics) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        return try await runUntilDone(app, ports: ports, continuation, body)
    }

    /// A client for the running server (tests that expect a failure pass a short `timeout`).
    func client(port: Int, host: String = "127.0.0.1", trusting roots: [[UInt8]]? = nil,
                timeout: TimeAmount = .seconds(20), check: ES9PlusServerCertificateCheck? = nil) throws -> ES9PlusHTTPClient {
        try ES9PlusHTTPClient(smdpAddress: "\(host):\(port)",
                              configuration: ES9PlusHTTPClientConfiguration(trustRootsDER: roots ?? [loaded.ciCertificateDER],
                                                                            timeout: timeout, serverCertificateCheck: check))
    }
}

enum LiveTestError: Error { case serverDidNotStart }

@Suite("SMDPServer + ES9PlusHTTPClient over real TLS on 127.0.0.1")
struct LiveTLSTests {
    static let files = ts48Files()

    @Test("TS.48 UPP imported, order created, ES9PlusHTTPClient drives the download; the profile ends Installed in SQLite",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func fullDownloadOverTLS() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let upp = try ts48Package(Self.files[0])
        let record = try await ProfileInventory(store: site.store).importPackage(upp)
        let orders = ES2PlusOrderService(store: site.store, configuration: site.loaded.configuration)
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let order = try await orders.confirmOrder(iccid: iccid, confirmationCode: "1234", releaseFlag: true)
        #expect(order.activationCode.hasPrefix("LPA:1$127.0.0.1$\(order.matchingId)$"))
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])

        let installed = try await site.withServer { port in
            let client = try site.client(port: port)
            do {
                let initiated = try await client.initiateAuthentication(try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address))
                    .requireOutput()
                let authenticated = try await client.authenticateClient(try await euicc.authenticateServer(initiated, matchingId: order.matchingId))
                    .requireOutput()
                #expect(authenticated.smdpSigned2.ccRequiredFlag)
                let bpp = try await client.getBoundProfilePackage(try await euicc.prepareDownload(authenticated, confirmationCode: "1234"))
                    .requireOutput()
                #expect(try euicc.unbind(bpp.boundProfilePackage, dpPbCertificateDER: authenticated.smdpCertificate).upp == upp)
                try await client.handleNotification(try euicc.installationResult(iccid: iccid, success: true))
                try await client.shutdown()
            } catch {
                try await client.shutdown()
                throw error
            }
            return try await site.store.profile(iccid: iccid)
        }
        #expect(installed?.state == .installed)
        #expect(installed?.eid == euicc.eid)
        // The database file on disk holds the result, read by a fresh store.
        let reopened = try SQLiteSMDPStore(path: site.directory.appendingPathComponent("smdp.sqlite").path)
        #expect(try await reopened.profile(iccid: iccid)?.state == .installed)
    }

    @Test("a Failed ES9+ answer over the wire surfaces as .failed with subjectCode/reasonCode")
    func failedStatusOverTLS() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let error = try await site.withServer { port -> ES9PlusHTTPClientError? in
            let client = try site.client(port: port)
            let request = try euicc.initiateAuthenticationRequest(smdpAddress: "smdp.elsewhere.example")
            var caught: ES9PlusHTTPClientError?
            do {
                _ = try await client.initiateAuthentication(request).requireOutput()
            } catch let error as ES9PlusHTTPClientError {
                caught = error
            } catch let error as ES9PlusClientError {
                caught = error.httpError
            }
            try await client.shutdown()
            return caught
        }
        let failure = try #require(error)
        #expect(failure.status == .invalidSMDPAddress)
        guard case let .failed(data, status) = failure else { Issue.record("expected .failed, got \(failure)"); return }
        #expect(data.subjectCode == "8.8.1" && data.reasonCode == "3.8")
        #expect(status == .failed)
    }

    @Test("a client trusting another CI fails the TLS handshake with .tlsCertificate(unknownIssuer); nothing reaches the service")
    func wrongTrustRoot() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let otherRoot = try PKIEncoding.der(try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID)).ci.certificate)
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let request = try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address)
        let error = try await site.withServer { port -> ES9PlusHTTPClientError? in
            try await Self.attempt(try site.client(port: port, trusting: [otherRoot], timeout: .seconds(3)), request)
        }
        guard case let .tlsCertificate(problem) = try #require(error, "the call succeeded") else {
            Issue.record("expected .tlsCertificate, got \(String(describing: error))")
            return
        }
        #expect(problem.kind == .unknownIssuer)
        #expect(try await site.store.profileCounts().values.reduce(0, +) == 0)
    }

    @Test("the server-certificate check sees the verified DP-TLS certificate on every connection; refusing it fails the call with .serverCertificateRefused")
    func serverCertificateCheck() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let request = try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address)
        struct NotInRegistry: Error, CustomStringConvertible { var description: String { "key not in the registry" } }
        let seen = Mutex<[[UInt8]]>([])
        let (refused, accepted) = try await site.withServer { port -> (ES9PlusHTTPClientError?, ES9PlusHTTPClientError?) in
            let refusing = try site.client(port: port, timeout: .seconds(5)) { der in
                seen.withLock { $0.append(der) }
                throw NotInRegistry()
            }
            let accepting = try site.client(port: port, timeout: .seconds(5)) { der in seen.withLock { $0.append(der) } }
            return (try await Self.attempt(refusing, request), try await Self.attempt(accepting, request))
        }
        guard case let .serverCertificateRefused(reason, trust) = try #require(refused, "a refused certificate let the call through") else {
            Issue.record("expected .serverCertificateRefused, got \(String(describing: refused))")
            return
        }
        #expect(reason.contains("key not in the registry") && trust == nil)
        #expect(accepted == nil, "an accepted certificate must let the call through: \(String(describing: accepted))")
        // Both connections handed over the server's leaf, the DP-TLS certificate, once each.
        #expect(seen.withLock { $0 } == [site.loaded.tls.certificateChainDER[0], site.loaded.tls.certificateChainDER[0]])
    }

    @Test("a test server whose port is taken fails with the bind error instead of waiting forever for it to run")
    func takenPortFails() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        try await site.withServer { port in
            do {
                try await site.withServer(port: port) { _ in Issue.record("a second server ran on the taken port \(port)") }
            } catch {
                #expect(!(error is LiveTestError), "expected the bind error, got \(error)")
            }
        }
    }

    @Test("a response larger than maxResponseBytes fails with .responseTooLarge(limit:)")
    func responseTooLarge() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let request = try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address)
        let error = try await site.withServer { port -> ES9PlusHTTPClientError? in
            let client = try ES9PlusHTTPClient(smdpAddress: "127.0.0.1:\(port)", configuration: ES9PlusHTTPClientConfiguration(
                trustRootsDER: [site.loaded.ciCertificateDER], timeout: .seconds(5), maxResponseBytes: 64))
            return try await Self.attempt(client, request)
        }
        #expect(error == .responseTooLarge(limit: 64))
    }

    @Test("a server that accepts the connection and never answers: .transport after the deadline; a closed port: .transport")
    func silentServerAndClosedPort() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let request = try euicc.initiateAuthenticationRequest(smdpAddress: LiveSite.address)
        // A TCP listener that accepts and then says nothing (no TLS, no HTTP).
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let silentPort = try #require(silent.localAddress?.port)
        let timedOut = try await Self.attempt(try site.client(port: silentPort, timeout: .milliseconds(500)), request)
        try await silent.close()
        guard case let .transport(reason) = try #require(timedOut, "a silent server answered") else {
            Issue.record("expected .transport, got \(String(describing: timedOut))")
            return
        }
        #expect(reason.contains("deadline"))
        // The same port, now closed: the connection is refused.
        let refused = try await Self.attempt(try site.client(port: silentPort, timeout: .seconds(2)), request)
        guard case .transport = try #require(refused, "a closed port answered") else {
            Issue.record("expected .transport, got \(String(describing: refused))")
            return
        }
    }

    /// One initiateAuthentication; returns its error (nil on success) and shuts the client down.
    static func attempt(_ client: ES9PlusHTTPClient, _ request: InitiateAuthenticationRequest) async throws -> ES9PlusHTTPClientError? {
        var caught: ES9PlusHTTPClientError?
        do throws(ES9PlusClientError) {
            _ = try await client.initiateAuthentication(request)
        } catch {
            caught = try #require(error.httpError, "not an HTTPS failure: \(error)")
        }
        try await client.shutdown()
        return caught
    }

    @Test("the client refuses bad addresses and empty or malformed trust roots")
    func clientConfiguration() {
        #expect(throws: ES9PlusHTTPClientError.invalidServerAddress("a/b:1")) {
            try ES9PlusHTTPClient(smdpAddress: "a/b:1", configuration: .init(trustRootsDER: [[0x30, 0x00]]))
        }
        #expect(throws: ES9PlusHTTPClientError.invalidServerAddress("host:99999")) {
            try ES9PlusHTTPClient(smdpAddress: "host:99999", configuration: .init(trustRootsDER: [[0x30, 0x00]]))
        }
        #expect(throws: ES9PlusHTTPClientError.invalidTrustRoot("no trust root configured")) {
            try ES9PlusHTTPClient(smdpAddress: "host", configuration: .init(trustRootsDER: []))
        }
        #expect(throws: ES9PlusHTTPClientError.self) {
            try ES9PlusHTTPClient(smdpAddress: "host", configuration: .init(trustRootsDER: [[0x30, 0x03, 0x02, 0x01, 0x00]]))
        }
    }
}

@Suite("SMDPServerPKI loading")
struct SMDPServerPKITests {
    @Test("a PKI directory whose DP-TLS certificate comes from another CI is refused; a missing key is named")
    func refusesForeignDPTLS() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-pki-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let ours = root.appendingPathComponent("ours")
        let other = root.appendingPathComponent("other")
        try PKIWriter.write(try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID)), to: ours, overwrite: false)
        try PKIWriter.write(try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID)), to: other, overwrite: false)
        _ = try await SMDPServerPKI.load(directory: ours, address: "localhost")
        let fm = FileManager.default
        for name in ["dp-tls.pem", "dp-tls.der", "dp-tls.key.pem"] {
            try fm.removeItem(at: ours.appendingPathComponent(name))
            try fm.copyItem(at: other.appendingPathComponent(name), to: ours.appendingPathComponent(name))
        }
        do {
            _ = try await SMDPServerPKI.load(directory: ours, address: "localhost")
            Issue.record("loaded a PKI whose DP-TLS certificate chains to another CI")
        } catch {
            #expect(error.description.contains("dp-tls"), "\(error)")
        }
        try fm.removeItem(at: other.appendingPathComponent("dp-auth.key.pem"))
        do {
            _ = try await SMDPServerPKI.load(directory: other, address: "localhost")
            Issue.record("loaded a PKI without the DPauth key")
        } catch {
            #expect(error.description.contains("dp-auth.key.pem"))
        }
    }
}
