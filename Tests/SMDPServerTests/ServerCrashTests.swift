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

/// Forwards to the real HTTPS client and SIGKILLs the server right after `function` answered, so the
/// LPA continues against a dead SM-DP+.
struct KillAfterClient: ES9PlusClient {
    let inner: ES9PlusHTTPClient
    let function: ES9PlusFunction
    let server: SMDPServeProcess

    private func after<T>(_ called: ES9PlusFunction, _ value: T) -> T {
        if called == function { server.kill9() }
        return value
    }

    func initiateAuthentication(_ request: InitiateAuthenticationRequest) async throws(ES9PlusClientError) -> InitiateAuthenticationResponse {
        after(.initiateAuthentication, try await inner.initiateAuthentication(request))
    }
    func authenticateClient(_ request: AuthenticateClientRequest) async throws(ES9PlusClientError) -> AuthenticateClientResponse {
        after(.authenticateClient, try await inner.authenticateClient(request))
    }
    func getBoundProfilePackage(_ request: GetBoundProfilePackageRequest) async throws(ES9PlusClientError) -> GetBoundProfilePackageResponse {
        after(.getBoundProfilePackage, try await inner.getBoundProfilePackage(request))
    }
    func handleNotification(_ request: HandleNotificationRequest) async throws(ES9PlusClientError) {
        try await inner.handleNotification(request)
        _ = after(.handleNotification, ())
    }
    func cancelSession(_ request: ES9CancelSessionRequest) async throws(ES9PlusClientError) -> ES9CancelSessionResponse {
        after(.cancelSession, try await inner.cancelSession(request))
    }
}

/// A PKI directory, a SQLite database with one released order, and a software eUICC issued from the PKI.
struct CrashSite {
    static let address = "127.0.0.1"
    let directory: URL
    let pki: URL
    let database: URL
    let store: SQLiteSMDPStore
    let ciDER: [UInt8]
    let iccid: ICCID
    let activationCode: LPA.ActivationCode
    let es10: ES10Client
    let deviceInfo: DeviceInfo

    init(upp: [UInt8]) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-crash-\(UUID().uuidString)")
        pki = directory.appendingPathComponent("pki")
        database = directory.appendingPathComponent("smdp.sqlite")
        let generated = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "smdp.openrsp.test"))
        try PKIWriter.write(generated, to: pki, overwrite: false)
        ciDER = try PKIEncoding.der(generated.ci.certificate)
        let loaded = try await SMDPServerPKI.load(directory: pki, address: Self.address).configuration
        store = try SQLiteSMDPStore(path: database.path)
        let record = try await ProfileInventory(store: store).importPackage(upp)
        let orders = ES2PlusOrderService(store: store, configuration: loaded)
        iccid = try await orders.downloadOrder(iccid: record.iccid)
        let order = try await orders.confirmOrder(iccid: iccid, releaseFlag: true)
        activationCode = try LPA.ActivationCode(smdpAddress: Self.address, matchingId: order.matchingId)
        let identity = try EUICCIdentity.load(pkiDirectory: pki)
        let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: directory.appendingPathComponent("euicc")))
        es10 = try ES10Client(transport: InProcessTransport(card: card))
        try await es10.open()
        deviceInfo = try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities())
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func start() async throws -> SMDPServeProcess {
        try await SMDPServeProcess.start(pki: pki, database: database, address: Self.address, home: directory)
    }

    /// AsyncHTTPClient retries a refused connection until the deadline, so calls to the killed server
    /// take `timeout` to fail; 10 s keeps that short and still leaves room on a loaded machine.
    func client(_ server: SMDPServeProcess, timeout: TimeAmount = .seconds(10)) throws -> ES9PlusHTTPClient {
        try ES9PlusHTTPClient(smdpAddress: "127.0.0.1:\(server.port)",
                              configuration: ES9PlusHTTPClientConfiguration(trustRootsDER: [ciDER], timeout: timeout))
    }

    func downloader(_ client: any ES9PlusClient) -> ProfileDownloader {
        ProfileDownloader(es10: es10, connect: { address in
            guard address == Self.address else { throw LiveTestError.serverDidNotStart }
            return client
        }, deviceInfo: deviceInfo)
    }

    /// The profile and the SM-DP+ sessions that name it, read from the database file.
    func profileState() async throws -> ProfileDownloadState? { try await store.profile(iccid: iccid)?.state }

    func installedOnEUICC() async throws -> Bool {
        guard case let .ok(profiles) = try await es10.getProfilesInfo() else { return false }
        return profiles.contains { $0.iccid == iccid }
    }

    func pendingNotifications() async throws -> [NotificationMetadata] {
        try await NotificationProcessor(es10: es10, connect: { _ in throw LiveTestError.serverDidNotStart }).list()
    }
}

@Suite("openrsp smdp serve killed with SIGKILL mid-download, restarted on the same database", .serialized)
struct ServerCrashTests {
    static let files = ts48Files()
    static let ready = !files.isEmpty && SMDPServeProcess.executable != nil

    @Test("killed between getBoundProfilePackage and the install notification: Downloaded after restart; the eUICC's pending notification makes it Installed",
          .enabled(if: ready, "needs TS.48 test data (<packageRoot>/../shared/testdata/ts48) and the built openrsp binary"))
    func killAfterBoundProfilePackage() async throws {
        let site = try await CrashSite(upp: try ts48Package(Self.files[0]))
        defer { site.remove() }
        let first = try await site.start()
        defer { first.kill9() }
        let firstClient = try site.client(first)
        let result = try await site.downloader(KillAfterClient(inner: firstClient, function: .getBoundProfilePackage, server: first))
            .download(site.activationCode)
        try await firstClient.shutdown()
        #expect(first.process.terminationReason == .uncaughtSignal && first.process.terminationStatus == SIGKILL)
        #expect(result.iccid == site.iccid)
        #expect(!result.notificationDelivered)
        #expect(try await site.installedOnEUICC())
        #expect(try await site.pendingNotifications().map(\.iccid) == [site.iccid])
        // What the dead server committed before answering: the BPP was delivered.
        #expect(try await site.profileState() == .downloaded)
        let session = try #require(try await site.store.session(transactionId: result.transactionId))
        #expect(session.phase == DownloadSessionPhase.bppDelivered)

        let second = try await site.start()
        defer { second.stop() }
        let secondClient = try site.client(second)
        let deliveries = try await NotificationProcessor(es10: site.es10, connect: { _ in secondClient }).process()
        try await secondClient.shutdown()
        #expect(deliveries.count == 1)
        if case .delivered = try #require(deliveries.first).outcome {} else { Issue.record("notification not delivered: \(deliveries)") }
        #expect(try await site.profileState() == .installed)
        #expect(try await site.pendingNotifications().isEmpty)
    }

    @Test("killed between authenticateClient and getBoundProfilePackage: still Released after restart; the same eUICC downloads it to Installed",
          .enabled(if: ready, "needs TS.48 test data (<packageRoot>/../shared/testdata/ts48) and the built openrsp binary"))
    func killAfterAuthenticateClient() async throws {
        let site = try await CrashSite(upp: try ts48Package(Self.files[0]))
        defer { site.remove() }
        let first = try await site.start()
        defer { first.kill9() }
        let firstClient = try site.client(first)
        var failure: ProfileDownloadFailure?
        do throws(ProfileDownloadFailure) {
            _ = try await site.downloader(KillAfterClient(inner: firstClient, function: .authenticateClient, server: first))
                .download(site.activationCode)
        } catch {
            failure = error
        }
        try await firstClient.shutdown()
        let failed = try #require(failure, "the download must fail once the server is gone")
        #expect(failed.step == .getBoundProfilePackage)
        // The LPA cancelled the session on the eUICC; the SM-DP+ could not be told.
        let cancellation = try #require(failed.cancellation)
        if case .failure = cancellation.euiccResponse { Issue.record("eUICC CancelSession failed") }
        if case .success = cancellation.serverOutcome { Issue.record("a dead server cannot have answered cancelSession") }
        #expect(try await !site.installedOnEUICC())
        #expect(try await site.profileState() == .released)

        let second = try await site.start()
        defer { second.stop() }
        let secondClient = try site.client(second)
        let retried = try await site.downloader(secondClient).download(site.activationCode)
        try await secondClient.shutdown()
        #expect(retried.iccid == site.iccid)
        #expect(retried.notificationDelivered)
        #expect(try await site.installedOnEUICC())
        #expect(try await site.profileState() == .installed)
    }
}
