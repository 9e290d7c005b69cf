import ES9PlusAPI
import ES9PlusHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStoreSQLite
import SMDPTestSupport
import Testing

/// Connections that send a request's headers and then one body byte per `trickle`, from given source
/// addresses on 127.0.0.0/8 (the slow-body attack of issue 14 item 1). Records when each one was closed.
final class SlowBodyFlood: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let closed = NIOLockedValueBox<[Duration]>([])
    private let started = ContinuousClock.now
    private(set) var channels: [any Channel] = []
    private(set) var connectFailures = 0

    /// Opens `perSource` connections from each of `sources` to 127.0.0.1:`port`; `tls` wraps each in TLS.
    func open(port: Int, sources: [String], perSource: Int, tls: NIOSSLContext?, trickle: TimeAmount = .milliseconds(500)) async {
        for source in sources {
            for _ in 0..<perSource {
                let bootstrap = ClientBootstrap(group: group)
                    .connectTimeout(.seconds(5))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                        }
                    }
                do {
                    let channel = try await bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0))
                        .connect(host: "127.0.0.1", port: port).get()
                    channels.append(channel)
                    let box = closed
                    let start = started
                    channel.closeFuture.whenComplete { _ in box.withLockedValue { $0.append(ContinuousClock.now - start) } }
                    let head = "POST /gsma/rsp2/es9plus/initiateAuthentication HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                    channel.writeAndFlush(ByteBuffer(string: head), promise: nil)
                    channel.eventLoop.scheduleRepeatedTask(initialDelay: trickle, delay: trickle) { task in
                        guard channel.isActive else { task.cancel(); return }
                        channel.writeAndFlush(ByteBuffer(string: " "), promise: nil)
                    }
                } catch {
                    connectFailures += 1
                }
            }
        }
    }

    var closedCount: Int { closed.withLockedValue { $0.count } }
    var latestClose: Duration? { closed.withLockedValue { $0.max() } }

    /// Waits until every opened connection is closed or `limit` passes; returns whether all were closed.
    func waitAllClosed(within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while closedCount < channels.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        return closedCount == channels.count
    }

    func shutdown() async throws {
        for channel in channels { channel.close(promise: nil) }
        try await group.shutdownGracefully()
    }
}

@Suite("SM-DP+ hardening: slow clients, connection caps, rate limits, fixed error texts, TLS suites, file modes")
struct HardeningTests {
    static let address = LiveSite.address

    /// A released order for a generated profile; returns its matchingId.
    func releasedOrder(_ site: LiveSite, iccid: String) async throws -> (ICCID, String) {
        let upp = try MinimalProfilePackageBuilder(iccid: try ICCID(digits: iccid), profileType: "generated").build()
        let record = try await ProfileInventory(store: site.store).importPackage(upp)
        let orders = ES2PlusOrderService(store: site.store, configuration: site.loaded.configuration)
        let ordered = try await orders.downloadOrder(iccid: record.iccid)
        return (ordered, try await orders.confirmOrder(iccid: ordered, releaseFlag: true).matchingId)
    }

    /// A whole download over TLS with the ES9+ HTTPS client and the test eUICC; returns the profile state.
    func download(_ site: LiveSite, port: Int, iccid: ICCID, matchingId: String) async throws -> ProfileDownloadState? {
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let client = try site.client(port: port)
        do {
            let initiated = try await client.initiateAuthentication(try euicc.initiateAuthenticationRequest(smdpAddress: Self.address)).requireOutput()
            let authenticated = try await client.authenticateClient(try await euicc.authenticateServer(initiated, matchingId: matchingId)).requireOutput()
            _ = try await client.getBoundProfilePackage(try await euicc.prepareDownload(authenticated, confirmationCode: nil)).requireOutput()
            try await client.handleNotification(try euicc.installationResult(iccid: iccid, success: true))
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return try await site.store.profile(iccid: iccid)?.state
    }

    @Test("2,000 slow-body TLS connections from 20 loopback hosts: refused or closed by the deadline, never held; the server lives and serves a download")
    func slowBodyFlood() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let (iccid, matchingId) = try await releasedOrder(site, iccid: "89000123456789012341")
        let metrics = SMDPMetrics()
        let limits = try ConnectionLimits(requestDeadline: .seconds(2), maxConnectionsPerAddress: 50, maxConnections: 600)
        var tlsClient = TLSConfiguration.makeClientConfiguration()
        tlsClient.trustRoots = .certificates([try NIOSSLCertificate(bytes: site.loaded.ciCertificateDER, format: .der)])
        tlsClient.certificateVerification = .noHostnameVerification
        let tls = try NIOSSLContext(configuration: tlsClient)
        let (state, flood) = try await site.withServer(limits: limits, metrics: metrics) { port -> (ProfileDownloadState?, SlowBodyFlood) in
            let flood = SlowBodyFlood()
            await flood.open(port: port, sources: (2...21).map { "127.0.0.\($0)" }, perSource: 100, tls: tls)
            // Every connection ends: over the per-address cap at once, the rest at the 2 s request deadline
            // (a queue beyond the 600-connection cap waits for accept, then gets its own 2 s).
            let allClosed = try await flood.waitAllClosed(within: .seconds(40))
            #expect(allClosed, "\(flood.closedCount) of \(flood.channels.count) connections closed")
            return (try await download(site, port: port, iccid: iccid, matchingId: matchingId), flood)
        }
        try await flood.shutdown()
        #expect(flood.channels.count + flood.connectFailures == 2000)
        #expect(state == .installed)
        let text = String(decoding: metrics.emit(), as: UTF8.self)
        #expect(text.contains(#"openrsp_smdp_refused_total{reason="per_address"}"#))
        #expect(text.contains(#"openrsp_smdp_refused_total{reason="request_deadline"}"#))
    }
}

/// One raw HTTP/1.1 exchange (`Connection: close`) over plain TCP or TLS from a chosen loopback source
/// address: the status line, the headers and the body as the server sent them.
struct RawHTTP {
    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: String
    }

    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var bytes: [UInt8] = []
        let done: EventLoopPromise<[UInt8]>
        init(done: EventLoopPromise<[UInt8]>) { self.done = done }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { bytes += Array(buffer: unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { done.succeed(bytes) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { done.fail(error); context.close(promise: nil) }
    }

    static func send(port: Int, from source: String = "127.0.0.1", tls: NIOSSLContext? = nil, method: String = "POST", path: String,
                     headers: [String: String] = [:], body: String = "") async throws -> Answer {
        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.next().makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                    try channel.pipeline.syncOperations.addHandler(Collector(done: done))
                }
            }
            .bind(to: try SocketAddress(ipAddress: source, port: 0)).connect(host: "127.0.0.1", port: port).get()
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        try await channel.writeAndFlush(ByteBuffer(string: head + "\r\n" + body)).get()
        let text = String(decoding: try await done.futureResult.get(), as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let lines = parts[0].components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: status, headers: fields, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}

extension HardeningTests {
    static let es9 = "/gsma/rsp2/es9plus/"
    static let json = ["Content-Type": "application/json", "X-Admin-Protocol": "gsma/rsp/v2.2.2"]

    @Test("Failed answers carry the code, a fixed text and the request id, never a decoder's words; X-Request-ID names the log lines")
    func fixedErrorTexts() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let answers = try await site.withServer(insecureHTTP: true) { port in
            [
                // Base64 that is not DER: swift-asn1 used to put its file name and line into the message.
                try await RawHTTP.send(port: port, path: Self.es9 + "authenticateClient", headers: Self.json,
                                       body: #"{"transactionId":"0102030405060708","authenticateServerResponse":"vzgDAgEB"}"#),
                try await RawHTTP.send(port: port, path: Self.es9 + "getBoundProfilePackage", headers: Self.json, body: "{not json"),
                try await RawHTTP.send(port: port, path: Self.es9 + "cancelSession", headers: Self.json,
                                       body: #"{"transactionId":"0102030405060708","cancelSessionResponse":"vzWCAgEB"}"#),
            ]
        }
        for answer in answers {
            #expect(answer.status == 200)
            let requestId = try #require(answer.headers["x-request-id"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            let status = try #require(((object["header"] as? [String: Any])?["functionExecutionStatus"] as? [String: Any]))
            let codes = try #require(status["statusCodeData"] as? [String: Any])
            let message = try #require(codes["message"] as? String)
            #expect(message.hasSuffix("(request \(requestId))"), "\(message)")
            #expect(!answer.body.contains(".swift") && !answer.body.contains("SELECT") && !answer.body.contains("line"), "\(answer.body)")
        }
    }

    @Test("ES9+ rate limit per address: beyond the burst HTTP 429 with Retry-After, counted; another address is not affected")
    func rateLimit() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let metrics = SMDPMetrics()
        let (flooder, other) = try await site.withServer(insecureHTTP: true, rateLimit: RateLimit(ratePerSecond: 0.05, burst: 5), metrics: metrics) { port in
            var statuses: [RawHTTP.Answer] = []
            for _ in 0..<12 {
                statuses.append(try await RawHTTP.send(port: port, from: "127.0.0.5", path: Self.es9 + "initiateAuthentication",
                                                       headers: Self.json, body: "{}"))
            }
            let other = try await RawHTTP.send(port: port, from: "127.0.0.6", path: Self.es9 + "initiateAuthentication",
                                               headers: Self.json, body: "{}")
            return (statuses, other)
        }
        #expect(flooder.prefix(5).allSatisfy { $0.status == 200 })
        let limited = flooder.filter { $0.status == 429 }
        #expect(limited.count >= 5)
        #expect(limited.allSatisfy { Int($0.headers["retry-after"] ?? "") ?? 0 >= 1 })
        #expect(other.status == 200)
        #expect(String(decoding: metrics.emit(), as: UTF8.self).contains(#"openrsp_smdp_refused_total{reason="rate_limit"} \#(limited.count)"#))
    }

    @Test("/metrics with a token: 401 without or with a wrong bearer token, 200 with it")
    func metricsToken() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let token = "metrics-secret-\(UUID().uuidString)"
        let answers = try await site.withServer(insecureHTTP: true, metricsTokenSHA256: ES2PlusOperator.hash(token: token)) { port in
            [
                try await RawHTTP.send(port: port, method: "GET", path: "/metrics"),
                try await RawHTTP.send(port: port, method: "GET", path: "/metrics", headers: ["Authorization": "Bearer wrong"]),
                try await RawHTTP.send(port: port, method: "GET", path: "/metrics", headers: ["Authorization": "Bearer \(token)"]),
                try await RawHTTP.send(port: port, method: "GET", path: "/health"),
            ]
        }
        #expect(answers.map(\.status) == [401, 401, 200, 200])
        #expect(answers[2].body.contains("openrsp_smdp_profiles"))
    }

    @Test("TLS: SHA-1 CBC suites (ECDHE-ECDSA-AES128-SHA, AES256-SHA) are refused; TLS 1.2 AES-GCM and TLS 1.3 are served")
    func tlsSuites() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        func context(_ suites: String?, max: TLSVersion) throws -> NIOSSLContext {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: site.loaded.ciCertificateDER, format: .der)])
            configuration.certificateVerification = .noHostnameVerification
            configuration.maximumTLSVersion = max
            if let suites { configuration.cipherSuites = suites }
            return try NIOSSLContext(configuration: configuration)
        }
        let outcomes = try await site.withServer { port in
            var outcomes: [String: Int] = [:]
            for (name, suites, version) in [("sha1-ecdsa", "ECDHE-ECDSA-AES128-SHA", TLSVersion.tlsv12), ("sha1-rsa", "AES256-SHA", .tlsv12),
                                            ("gcm", "ECDHE-ECDSA-AES128-GCM-SHA256", .tlsv12), ("tls13", nil, .tlsv13)] {
                do {
                    outcomes[name] = try await RawHTTP.send(port: port, tls: try context(suites, max: version), method: "GET", path: "/health").status
                } catch {
                    outcomes[name] = -1
                }
            }
            return outcomes
        }
        #expect(outcomes == ["sha1-ecdsa": -1, "sha1-rsa": -1, "gcm": 200, "tls13": 200])
    }

    @Test("a database file the SM-DP+ creates is 0600 whatever the umask (it holds profile packages)")
    func databaseFileMode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-mode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("smdp.sqlite").path
        let previous = umask(0o022)
        defer { umask(previous) }
        _ = try SQLiteSMDPStore(path: path)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600)
    }
}

extension HardeningTests {
    @Test("the SM-DP+'s database locked by another process: HTTP 503 with Retry-After, counted as unavailable, never 8.2.5/4.3")
    func storeOutageIs503() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let body = String(decoding: try ES9PlusJSON.encode(try euicc.initiateAuthenticationRequest(smdpAddress: Self.address)), as: UTF8.self)
        let metrics = SMDPMetrics()
        // Another process holds the write lock longer than the store's 5 s busy timeout: until its stdin closes
        // (the test ends), not for a fixed time that a loaded machine can outlast before the request is sent.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = ["python3", "-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE')
            print('locked', flush=True); sys.stdin.read()
            """, site.directory.appendingPathComponent("smdp.sqlite").path]
        let output = Pipe()
        let input = Pipe()
        locker.standardOutput = output
        locker.standardInput = input
        try locker.run()
        defer {
            try? input.fileHandleForWriting.close()
            kill(locker.processIdentifier, SIGKILL)
            locker.waitUntilExit()
        }
        // Wait until the lock is held.
        var printed = Data()
        while !String(decoding: printed, as: UTF8.self).contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed.append(chunk)
        }
        try #require(String(decoding: printed, as: UTF8.self).contains("locked"), "the lock holder did not start")
        let answer = try await site.withServer(insecureHTTP: true, metrics: metrics) { port in
            try await RawHTTP.send(port: port, path: Self.es9 + "initiateAuthentication", headers: Self.json, body: body)
        }
        #expect(answer.status == 503, "\(answer.status) \(answer.body)")
        #expect(answer.headers["retry-after"] == "5")
        #expect(!answer.body.contains("8.2.5"))
        #expect(String(decoding: metrics.emit(), as: UTF8.self).contains(#"outcome="unavailable""#))
    }
}
