import ArgumentParser
import ES9PlusHTTPClient
import EUICC
import LPA
import LPAClient
import EUICCSimulator
import Foundation
import Logging
@testable import RSPCommands
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStoreSQLite
import Testing
#if canImport(Glibc)
import Glibc
#endif

enum LiveSMDPError: Error { case noPort, serverDidNotStart, listFailed, notificationBlocked }

/// Counts the ES9+ address lookups of one download (1 = the activation code's SM-DP+).
final class LookupCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int { lock.withLock { count += 1; return count } }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// The real SM-DP+ (SMDPServer over TLS) on 127.0.0.1 with a generated PKI in a temp directory, and a
/// software eUICC directory issued from the same PKI.
struct LiveSMDP {
    let root: URL
    let port: Int
    let address: String
    let loaded: SMDPServerPKI
    let store: SQLiteSMDPStore
    let service: ES9PlusService

    init() async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("download-cmd-\(UUID().uuidString)")
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "smdp.openrsp.test"))
        _ = try PKIWriter.write(pki, to: root.appendingPathComponent("pki"), overwrite: false)
        _ = try PKIWriter.write(pki, to: root.appendingPathComponent("euicc/pki"), overwrite: false)
        port = try StartSMDPStep.freeLoopbackPort()
        address = "127.0.0.1:\(port)"
        loaded = try await SMDPServerPKI.load(directory: root.appendingPathComponent("pki"), address: address)
        store = try SQLiteSMDPStore(path: root.appendingPathComponent("smdp.sqlite").path)
        service = ES9PlusService(store: store, configuration: loaded.configuration)
    }

    var simulator: String { root.appendingPathComponent("euicc").path }

    /// The CI certificate file the CLI is told to trust (`--tls-ca`).
    var ciFile: String {
        let pki = root.appendingPathComponent("pki")
        let der = pki.appendingPathComponent(PKIDirectoryLayout.derName(.ci))
        return FileManager.default.fileExists(atPath: der.path) ? der.path : pki.appendingPathComponent(PKIDirectoryLayout.pemName(.ci)).path
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// Imports a TS.48 UPP, creates and releases an order with `confirmationCode`; returns ICCID and activation code.
    func order(upp: [UInt8], confirmationCode: String) async throws -> (ICCID, String) {
        let record = try await ProfileInventory(store: store).importPackage(upp)
        let orders = ES2PlusOrderService(store: store, configuration: loaded.configuration)
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let order = try await orders.confirmOrder(iccid: iccid, confirmationCode: confirmationCode, releaseFlag: true)
        let code = ActivationCodeText.make(address: address, matchingId: order.matchingId)
        return (iccid, code)
    }

    /// Runs the server over TLS while `body` runs.
    func withServer<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let (started, continuation) = AsyncStream<Bool>.makeStream()
        let settings = try SMDPServerSettings(host: "127.0.0.1", port: port, transport: .tls(loaded.tls))
        var logger = Logger(label: "test.smdp.cli")
        logger.logLevel = .warning
        let app = try buildApplication(service: service, settings: settings, logger: logger) { _ in
            continuation.yield(true)
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // A server that stops before it runs (the port was taken meanwhile) ends the stream.
                defer { continuation.finish() }
                try await app.run()
            }
            var iterator = started.makeAsyncIterator()
            guard await iterator.next() == true else {
                group.cancelAll()
                try await group.waitForAll()
                throw LiveSMDPError.serverDidNotStart
            }
            do {
                let value = try await body()
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Runs `profile download` with `arguments` against this server in-process; returns its failure (nil on success).
    func failedDownload(_ arguments: [String]) async throws -> ProfileDownloadCommandError? {
        try await withServer { () async throws -> ProfileDownloadCommandError? in
            let command = try #require(try OpenRSPCommand.parseAsRoot(arguments) as? ProfileDownloadCommand)
            do {
                _ = try await command.perform()
                return nil
            } catch let error as ProfileDownloadCommandError {
                return error
            }
        }
    }

    /// The pending notifications on the software eUICC.
    func pendingNotifications() async throws -> [NotificationMetadata] {
        let es10 = try ES10Client(transport: InProcessTransport(card: try DeviceOptions.softEUICC(at: root.appendingPathComponent("euicc"))))
        try await es10.open()
        guard case let .notificationMetadataList(list) = try await es10.listNotification() else { throw LiveSMDPError.listFailed }
        try await es10.close()
        return list
    }

    /// The ICCIDs installed on the software eUICC.
    func installedICCIDs() async throws -> [ICCID?] {
        let es10 = try ES10Client(transport: InProcessTransport(card: try DeviceOptions.softEUICC(at: root.appendingPathComponent("euicc"))))
        try await es10.open()
        guard case let .ok(list) = try await es10.getProfilesInfo() else { return [] }
        try await es10.close()
        return list.map(\.iccid)
    }
}

/// Activation code text `LPA:1$<address>$<matchingId>$$1` (confirmation code required).
enum ActivationCodeText {
    static func make(address: String, matchingId: String) -> String {
        "LPA:1$\(address)$\(matchingId)$$1"
    }
}

@Suite("openrsp profile download / notification process against the real SM-DP+ over TLS")
struct ProfileDownloadCommandTests {
    @Test("profile download -a CODE -c CC installs on the software eUICC and marks Installed in the SM-DP+",
          .enabled(if: SharedTS48.first != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func download() async throws {
        let site = try await LiveSMDP()
        defer { site.remove() }
        let upp = Array(try Data(contentsOf: try #require(SharedTS48.first)))
        let (iccid, code) = try await site.order(upp: upp, confirmationCode: "4711")

        let sim = ["--simulator", site.simulator]
        let tls = ["--tls-ca", site.ciFile]
        try await site.withServer {
            try await openrsp(["profile", "download", "-a", code, "-c", "4711", "--trust", "ci"] + tls + sim)
        }
        #expect(try await site.installedICCIDs() == [iccid])
        #expect(try await site.store.profile(iccid: iccid)?.state == .installed)
        // The install notification was delivered and removed during the download.
        #expect(try await site.pendingNotifications().isEmpty)

    }

    @Test("notification process delivers a pending install notification over HTTPS and removes it once acknowledged",
          .enabled(if: SharedTS48.first != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func processNotification() async throws {
        let site = try await LiveSMDP()
        defer { site.remove() }
        let upp = Array(try Data(contentsOf: try #require(SharedTS48.first)))
        let (iccid, code) = try await site.order(upp: upp, confirmationCode: "4711")
        let sim = ["--simulator", site.simulator]
        let tls = ["--tls-ca", site.ciFile]

        // Download through the LPA over HTTPS, but let the connection for the install notification fail
        // (the second address lookup), so the notification stays pending on the eUICC.
        let result = try await site.withServer { () async throws -> ProfileDownloadResult in
            let client = try ES9PlusHTTPClient(smdpAddress: site.address, configuration: ES9PlusHTTPClientConfiguration(
                trustRootsDER: [site.loaded.ciCertificateDER]))
            let lookups = LookupCounter()
            let es10 = try ES10Client(transport: InProcessTransport(card: try DeviceOptions.softEUICC(at: URL(fileURLWithPath: site.simulator))))
            try await es10.open()
            let downloader = ProfileDownloader(es10: es10, connect: { _ in
                guard lookups.next() == 1 else { throw LiveSMDPError.notificationBlocked }
                return client
            }, deviceInfo: LPAAssembly.deviceInfo)
            let outcome = await Result { () async throws -> ProfileDownloadResult in try await downloader.download(try ActivationCode(parsing: code), confirmationCode: "4711") }
            try await es10.close()
            try await client.shutdown()
            return try outcome.get()
        }
        #expect(!result.notificationDelivered)
        let pending = try await site.pendingNotifications()
        #expect(pending.map(\.seqNumber) == [result.notificationSeqNumber])
        #expect(pending.first?.notificationAddress == site.address)
        #expect(try await site.store.profile(iccid: iccid)?.state != .installed)

        try await site.withServer {
            try await openrsp(["notification", "process", String(result.notificationSeqNumber)] + tls + sim)
        }
        #expect(try await site.pendingNotifications().isEmpty)
        #expect(try await site.store.profile(iccid: iccid)?.state == .installed)
        // Asking for a sequence number that is not pending fails.
        await #expect(throws: ExitCode.self) { try await openrsp(["notification", "process", "9999"] + tls + sim) }
    }

    @Test("an install the software eUICC refuses: the error gives the SGP.22 code and the eUICC's reason (issue 13 item 2)",
          .enabled(if: SharedTS48.first != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func euiccReasonInMessage() async throws {
        // The profile is already on the eUICC (installed from another SM-DP+, whose eUICC state is copied
        // over), so the eUICC refuses StoreMetadata with installFailedDueToIccidAlreadyExistsOnEuicc.
        let upp = Array(try Data(contentsOf: try #require(SharedTS48.first)))
        let first = try await LiveSMDP()
        defer { first.remove() }
        let (_, firstCode) = try await first.order(upp: upp, confirmationCode: "4711")
        try await first.withServer {
            try await openrsp(["profile", "download", "-a", firstCode, "-c", "4711", "--trust", "ci", "--tls-ca", first.ciFile,
                               "--simulator", first.simulator])
        }
        let site = try await LiveSMDP()
        defer { site.remove() }
        try FileManager.default.createDirectory(atPath: site.simulator, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: first.simulator + "/" + EUICCStateStore.fileName,
                                         toPath: site.simulator + "/" + EUICCStateStore.fileName)
        let (iccid, code) = try await site.order(upp: upp, confirmationCode: "4711")
        let arguments = ["profile", "download", "-a", code, "-c", "4711", "--trust", "ci", "--tls-ca", site.ciFile, "--simulator", site.simulator]
        let failure = try await site.failedDownload(arguments)
        let error = try #require(failure, "a second install of the same ICCID succeeded")
        #expect(error.failure.step == .loadBoundProfilePackage)
        #expect(error.sgp22Code.contains("installFailedDueToIccidAlreadyExistsOnEuicc"))
        #expect(error.euiccDetail?.contains("ICCID \(iccid.digits) is already installed") == true)
        #expect(error.description.contains("; eUICC: LoadBoundProfilePackage"))
        #expect(try await site.store.profile(iccid: iccid)?.state == .error)
    }

    @Test("a wrong confirmation code fails with 8.2.7, the session is cancelled and nothing is installed",
          .enabled(if: SharedTS48.first != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func wrongConfirmationCode() async throws {
        let site = try await LiveSMDP()
        defer { site.remove() }
        let upp = Array(try Data(contentsOf: try #require(SharedTS48.first)))
        let (iccid, code) = try await site.order(upp: upp, confirmationCode: "4711")
        let arguments = ["profile", "download", "-a", code, "-c", "0000", "--trust", "ci", "--tls-ca", site.ciFile, "--simulator", site.simulator]

        let failure = try await site.failedDownload(arguments)
        let error = try #require(failure, "the download with a wrong confirmation code succeeded")
        #expect(error.failure.step == .getBoundProfilePackage)
        #expect(error.sgp22Code.hasPrefix("8.2.7/"))
        #expect(error.failure.cancellation != nil)
        #expect(try await site.installedICCIDs().isEmpty)
        #expect(try await site.store.profile(iccid: iccid)?.state != .installed)

        // Through run(): the process exits 1.
        try await site.withServer {
            await #expect(throws: ExitCode.self) { try await openrsp(arguments) }
        }
    }

    @Test("--trust chain with an unreachable registry node refuses the SM-DP+ before the eUICC sees it; --trust parses only chain, ci, both",
          .enabled(if: SharedTS48.first != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func chainTrustUnreachable() async throws {
        #expect(throws: (any Error).self) { try OpenRSPCommand.parseAsRoot(["profile", "download", "-a", "LPA:1$x$y", "--trust", "chain-only"]) }
        let site = try await LiveSMDP()
        defer { site.remove() }
        let upp = Array(try Data(contentsOf: try #require(SharedTS48.first)))
        let (iccid, code) = try await site.order(upp: upp, confirmationCode: "4711")
        let arguments = ["profile", "download", "-a", code, "-c", "4711", "--trust", "chain", "--rpc-url", "http://127.0.0.1:1",
                         "--registry", "0x5fbdb2315678afecb367f032d93f642f64180aa3", "--tls-ca", site.ciFile, "--simulator", site.simulator]
        let failure = try await site.failedDownload(arguments)
        let error = try #require(failure, "the download succeeded without a reachable TrustRegistry")
        // The TLS pin (CERT.DPtls key in the registry) runs on the first connection, before initiateAuthentication is sent.
        #expect(error.failure.step == .initiateAuthentication)
        guard case .smdpNotTrusted(.registryUnavailable) = error.failure.error else { Issue.record("wrong error \(error.failure.error)"); return }
        #expect(try await site.installedICCIDs().isEmpty)
        #expect(try await site.store.profile(iccid: iccid)?.state == .released)
    }
}
