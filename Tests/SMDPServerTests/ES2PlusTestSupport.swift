import ES9PlusAPI
import ES2PlusAPI
import ES2PlusHTTPClient
import Foundation
import PostgresSupport
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStorePostgres
import SMDPStoreSQLite
import SMDPTestSupport
import Testing

/// `OPENRSP_TEST_POSTGRES_URL`; nil when unset (PostgreSQL cases are skipped).
let es2TestPostgresURL: String? = ProcessInfo.processInfo.environment["OPENRSP_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

enum ES2StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when `OPENRSP_TEST_POSTGRES_URL` is set.
    static var available: [ES2StoreKind] { es2TestPostgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    var testDescription: String { rawValue }
}

/// Two operators: `mno-a` (token `token-a`) and `mno-b` (token `token-b`).
enum TestOperators {
    static let tokenA = "token-a-\(String(repeating: "x", count: 24))"
    static let tokenB = "token-b-\(String(repeating: "y", count: 24))"

    static func registry(callbackA: URL? = nil) throws -> ES2PlusOperatorRegistry {
        try ES2PlusOperatorRegistry([
            try ES2PlusOperator(id: "mno-a", tokenSHA256: ES2PlusOperator.hash(token: tokenA), callbackURL: callbackA),
            try ES2PlusOperator(id: "mno-b", tokenSHA256: ES2PlusOperator.hash(token: tokenB)),
        ])
    }
}

/// A PKI written into a temp dir and loaded the way `smdp serve` does, plus a store (a SQLite file, or a
/// fresh PostgreSQL schema) that can be reopened as a restarted server would.
struct ES2Site {
    static let address = "127.0.0.1"
    let directory: URL
    let pki: TestPKI
    let loaded: SMDPServerPKI
    let kind: ES2StoreKind
    let schema: PostgresSchemaName

    var sqlitePath: String { directory.appendingPathComponent("smdp.sqlite").path }

    init(kind: ES2StoreKind = .sqlite) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-es2-\(UUID().uuidString)")
        pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "smdp.openrsp.test"))
        try PKIWriter.write(pki, to: directory.appendingPathComponent("pki"), overwrite: false)
        loaded = try await SMDPServerPKI.load(directory: directory.appendingPathComponent("pki"), address: Self.address)
        self.kind = kind
        schema = try PostgresSchemaName("t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// Opens the site's store for `body` (a new connection each call, like a server process starting).
    func withStore<T: Sendable>(clock: any SMDPClock = SystemClock(), _ body: (any SMDPStore) async throws -> T) async throws -> T {
        switch kind {
        case .sqlite:
            return try await body(try SQLiteSMDPStore(path: sqlitePath, clock: clock))
        case .postgres:
            let configuration = try PostgresStoreConfiguration(url: try #require(es2TestPostgresURL))
            return try await PostgresSMDPStore.withStore(configuration, schema: schema, clock: clock) { store in try await body(store) }
        }
    }

    /// Drops the PostgreSQL schema (no-op for SQLite; the directory is removed by `remove()`).
    func dropDatabase() async throws {
        guard kind == .postgres else { return }
        try await withStore { store in try await (store as? PostgresSMDPStore)?.dropSchema() }
    }

    /// Runs the SM-DP+ (ES9+ and ES2+) over TLS on 127.0.0.1 with an OS-chosen port.
    func withServer<T: Sendable>(store: any SMDPStore, operators: ES2PlusOperatorRegistry, clock: any SMDPClock = SystemClock(),
                                 _ body: (Int) async throws -> T) async throws -> T {
        let service = ES9PlusService(store: store, configuration: loaded.configuration, clock: clock)
        let es2 = ES2PlusRoutes(service: ES2PlusOrderService(store: store, configuration: loaded.configuration, clock: clock),
                                operators: operators)
        let settings = try SMDPServerSettings(host: "127.0.0.1", port: 0, transport: .tls(loaded.tls))
        var logger = Logger(label: "test.smdp.es2")
        logger.logLevel = .notice
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try buildApplication(service: service, settings: settings, logger: logger, es2plus: es2) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        return try await runUntilDone(app, ports: ports, continuation, body)
    }

    func client(port: Int, requester: String = "mno-a", token: String = TestOperators.tokenA) throws -> ES2PlusHTTPClient {
        try ES2PlusHTTPClient(baseURL: "https://127.0.0.1:\(port)", requesterId: requester, token: token,
                              trustRootsDER: [loaded.ciCertificateDER])
    }

    /// A synthetic profile (the ES2+ functions never read the package bytes).
    static func record(_ iccid: String, type: String = "es2-test") throws -> ProfilePackageRecord {
        ProfilePackageRecord(iccid: try ICCID(digits: iccid), profileType: type, unprotectedProfilePackage: [0xA0, 0x00],
                             serviceProviderName: "SP", profileName: "P", profileClass: .test, state: .available, eid: nil,
                             updatedAt: Date())
    }
}

/// Runs `app` until `body` (given the listening port) finishes.
func runUntilDone<App: ApplicationProtocol, T: Sendable>(_ app: App, ports: AsyncStream<Int>, _ portsContinuation: AsyncStream<Int>.Continuation,
                                                         _ body: (Int) async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            // A server that stops before it runs (the port is taken) ends the stream, so nobody waits forever.
            defer { portsContinuation.finish() }
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            group.cancelAll()
            try await group.waitForAll()
            throw LiveTestError.serverDidNotStart
        }
        do {
            let value = try await body(port)
            group.cancelAll()
            return value
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// An operator's HTTPS endpoint for HandleDownloadProgressInfo: records every report and answers 204.
actor ProgressReceiver {
    private(set) var reports: [ES2PlusHandleDownloadProgressInfoRequest] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func record(_ report: ES2PlusHandleDownloadProgressInfoRequest) {
        reports.append(report)
        let ready = waiters.filter { $0.count <= reports.count }
        waiters.removeAll { $0.count <= reports.count }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns once `count` reports have arrived.
    func waitFor(_ count: Int) async {
        if reports.count >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    static let path = "/gsma/rsp2/es2plus/handleDownloadProgressInfo"

    /// Serves the receiver over TLS (CERT.DP.TLS of the test PKI: SAN 127.0.0.1) on `port` (0: any) during `body`.
    nonisolated func serve<T: Sendable>(tls: SMDPTLSCredentials, port: Int = 0, _ body: (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post(RouterPath(Self.path)) { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 64 * 1024)
            let report = try JSONDecoder().decode(ES2PlusHandleDownloadProgressInfoRequest.self, from: Data(bytes.readableBytesView))
            await self.record(report)
            return Response(status: .noContent)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test.operator")
        logger.logLevel = .warning
        let app = Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: tls.serverTLSConfiguration()),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        return try await runUntilDone(app, ports: ports, continuation, body)
    }
}

/// A port nothing listens on right now (bound once by a receiver, then released).
func releasedPort(tls: SMDPTLSCredentials) async throws -> Int {
    try await ProgressReceiver().serve(tls: tls) { $0 }
}
