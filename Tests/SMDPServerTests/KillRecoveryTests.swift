import ES9PlusAPI
import ES9PlusHTTPClient
import EUICC
import EUICCSimulator
import Foundation
import LPA
import NIOCore
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStoreSQLite
import SMDPTestSupport
import Testing

/// Forwards to the real HTTPS client; when `function` has been answered by the server (its state
/// committed) it SIGKILLs the server and drops the answer, as if the process died before writing it.
struct KillAndLoseClient: ES9PlusClient {
    struct AnswerLost: Error {}
    let inner: ES9PlusHTTPClient
    let function: ES9PlusFunction
    let server: SMDPServeProcess

    /// The answer is lost as when the connection dies: to the LPA the SM-DP+ is unreachable.
    private func lose<T>(_ called: ES9PlusFunction, _ value: T) throws(ES9PlusClientError) -> T {
        guard called == function else { return value }
        server.kill9()
        throw .transport(.unreachable, AnswerLost())
    }

    func initiateAuthentication(_ r: InitiateAuthenticationRequest) async throws(ES9PlusClientError) -> InitiateAuthenticationResponse {
        try lose(.initiateAuthentication, try await inner.initiateAuthentication(r))
    }
    func authenticateClient(_ r: AuthenticateClientRequest) async throws(ES9PlusClientError) -> AuthenticateClientResponse {
        try lose(.authenticateClient, try await inner.authenticateClient(r))
    }
    func getBoundProfilePackage(_ r: GetBoundProfilePackageRequest) async throws(ES9PlusClientError) -> GetBoundProfilePackageResponse {
        try lose(.getBoundProfilePackage, try await inner.getBoundProfilePackage(r))
    }
    func handleNotification(_ r: HandleNotificationRequest) async throws(ES9PlusClientError) {
        try await inner.handleNotification(r)
        _ = try lose(.handleNotification, ())
    }
    func cancelSession(_ r: ES9CancelSessionRequest) async throws(ES9PlusClientError) -> ES9CancelSessionResponse {
        try lose(.cancelSession, try await inner.cancelSession(r))
    }
}

/// An APDU transport that dies (as the LPA process would) `limit` commands after `arm()`: armed when the
/// download reaches loadBoundProfilePackage, it lets that many STORE DATA blocks of the BPP through.
final class DyingTransport: APDUTransport, @unchecked Sendable {
    struct Died: Error {}
    let inner: any APDUTransport
    let limit: Int
    private let lock = NSLock()
    private var remaining: Int?

    init(_ inner: any APDUTransport, limit: Int) {
        self.inner = inner
        self.limit = limit
    }

    func arm() { lock.withLock { remaining = limit } }

    func connect() async throws { try await inner.connect() }
    func disconnect() async throws { try await inner.disconnect() }

    func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU {
        let alive = lock.withLock { () -> Bool in
            guard let left = remaining else { return true }
            remaining = left - 1
            return left > 0
        }
        guard alive else { throw Died() }
        return try await inner.transmit(command)
    }
}

@Suite("kill -9 at every step of a download (SM-DP+ and LPA), then retry: nothing stranded, nothing installed twice", .serialized)
struct KillRecoveryTests {
    static let ready = SMDPServeProcess.executable != nil

    /// A generated profile (no shared data needed) ordered for the site's software eUICC.
    static func site() async throws -> CrashSite {
        try await CrashSite(upp: try MinimalProfilePackageBuilder(iccid: try ICCID(digits: "89000123456789012341"), profileType: "generated").build())
    }

    /// Retries the download against a fresh server on the same database with a fresh software eUICC on the
    /// same state directory (a power cycle), then delivers what is pending; returns the final states.
    static func recover(_ site: CrashSite) async throws -> (onEUICC: Int, state: ProfileDownloadState?, pending: Int) {
        let server = try await site.start()
        defer { server.stop() }
        let client = try site.client(server)
        let card = try SoftEUICC(identity: try EUICCIdentity.load(pkiDirectory: site.pki),
                                 store: EUICCStateStore(directory: site.directory.appendingPathComponent("euicc")))
        let es10 = try ES10Client(transport: InProcessTransport(card: card))
        try await es10.open()
        if try await (site.profileState()) != .installed {
            let downloader = ProfileDownloader(es10: es10, connect: { _ in client }, deviceInfo: site.deviceInfo)
            do { _ = try await downloader.download(site.activationCode) } catch {
                // Already on the eUICC (installed before the crash): its pending notification settles it below.
            }
        }
        _ = try await NotificationProcessor(es10: es10, connect: { _ in client }).process()
        try await client.shutdown()
        guard case let .ok(profiles) = try await es10.getProfilesInfo() else { return (0, nil, -1) }
        let pending = try await NotificationProcessor(es10: es10, connect: { _ in client }).list().count
        return (profiles.filter { $0.iccid == site.iccid }.count, try await site.profileState(), pending)
    }

    @Test("the SM-DP+ dies right after committing each ES9+ function, before its answer reaches the LPA",
          .enabled(if: ready, "needs the built openrsp binary"),
          arguments: [ES9PlusFunction.initiateAuthentication, .authenticateClient, .getBoundProfilePackage, .handleNotification])
    func serverDiesAfterCommit(function: ES9PlusFunction) async throws {
        let site = try await Self.site()
        defer { site.remove() }
        let first = try await site.start()
        defer { first.kill9() }
        let client = try site.client(first, timeout: .seconds(3))
        _ = try? await site.downloader(KillAndLoseClient(inner: client, function: function, server: first)).download(site.activationCode)
        try await client.shutdown()
        let (copies, state, pending) = try await Self.recover(site)
        #expect(copies == 1, "installed \(copies) times after a kill at \(function)")
        #expect(state == .installed, "profile \(String(describing: state)) after a kill at \(function)")
        #expect(pending == 0)
    }

    @Test("the LPA dies in the middle of loadBoundProfilePackage (the eUICC is power-cycled), at several points",
          .enabled(if: ready, "needs the built openrsp binary"), arguments: [0, 2, 4])
    func lpaDiesDuringLoad(apdusBeforeDeath: Int) async throws {
        let site = try await Self.site()
        defer { site.remove() }
        let server = try await site.start()
        let client = try site.client(server)
        let card = try SoftEUICC(identity: try EUICCIdentity.load(pkiDirectory: site.pki),
                                 store: EUICCStateStore(directory: site.directory.appendingPathComponent("euicc")))
        let dying = DyingTransport(InProcessTransport(card: card), limit: apdusBeforeDeath)
        let es10 = try ES10Client(transport: dying)
        try await es10.open()
        let downloader = ProfileDownloader(es10: es10, connect: { _ in client }, deviceInfo: site.deviceInfo) { step in
            if step == .loadBoundProfilePackage { dying.arm() }
        }
        var died = false
        do { _ = try await downloader.download(site.activationCode) } catch { died = true }
        try await client.shutdown()
        server.stop()
        try #require(died, "the LPA did not die during the load")
        #expect(try await site.profileState() == .downloaded)
        let (copies, state, pending) = try await Self.recover(site)
        #expect(copies == 1)
        #expect(state == .installed)
        #expect(pending == 0)
    }
}

