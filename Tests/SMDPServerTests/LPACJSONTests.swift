import Foundation
import RSPASN1
import SMDPCore
import LPA
import SMDPServer
import Synchronization
import Testing

/// Collects what a pipe delivers, from FileHandle's reader thread.
final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let handle: FileHandle

    init(_ handle: FileHandle) {
        self.handle = handle
        handle.readabilityHandler = { [unowned self] handle in
            let chunk = handle.availableData
            lock.withLock { data.append(chunk) }
        }
    }

    /// After the writer exited: stops the handler and adds what is left.
    func finish() -> Data {
        handle.readabilityHandler = nil
        let rest = handle.readDataToEndOfFile()
        return lock.withLock { data + rest }
    }
}

/// The `openrsp` binary run as a child process: its exit status and stdout lines.
struct OpenRSPRun {
    let status: Int32
    let lines: [String]
    let stderr: String

    static func run(_ arguments: [String], home: URL) async throws -> OpenRSPRun {
        guard let executable = SMDPServeProcess.executable else { throw SMDPServeProcess.Failure.binaryNotFound }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENRSP_HOME"] = home.path
        process.environment = environment
        let (stdout, stderr) = (Pipe(), Pipe())
        process.standardOutput = stdout
        process.standardError = stderr
        // Drained by FileHandle's own threads: a blocking read here would hold one of the few cooperative
        // threads the in-process SM-DP+ needs to answer the child.
        let (out, err) = (OutputBuffer(stdout.fileHandleForReading), OutputBuffer(stderr.fileHandleForReading))
        let (exited, exit) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exit.finish() }
        try process.run()
        for await _ in exited {}
        let (outData, errData) = (out.finish(), err.finish())
        let lines = String(decoding: outData, as: UTF8.self).split(separator: "\n").map(String.init)
        return OpenRSPRun(status: process.terminationStatus, lines: lines, stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Each stdout line as `(type, code, message, data)`; a line that is not an envelope fails the test.
    var envelopes: [(type: String, code: Int, message: String, data: Any?)] {
        lines.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let type = object["type"] as? String, let payload = object["payload"] as? [String: Any],
                  let code = payload["code"] as? Int, let message = payload["message"] as? String else {
                Issue.record("not an lpac envelope: \(line)")
                return nil
            }
            return (type, code, message, payload["data"])
        }
    }
}

/// A LiveSite whose SM-DP+ address includes the port (as the CLI's activation code needs), one released order
/// for a generated profile (confirmation code 4711), and the software eUICC directory the CLI uses.
struct JSONBed {
    let site: LiveSite
    let port: Int
    let address: String
    let service: ES9PlusService
    let iccid: ICCID
    let activationCode: String

    init() async throws {
        site = try await LiveSite()
        port = try await releasedPort(tls: site.loaded.tls)
        address = "127.0.0.1:\(port)"
        let configured = try await SMDPServerPKI.load(directory: site.directory.appendingPathComponent("pki"), address: address)
        service = ES9PlusService(store: site.store, configuration: configured.configuration)
        iccid = try ICCID(digits: "89000123456789012341")
        try await ProfileInventory(store: site.store).importPackage(try MinimalProfilePackageBuilder(iccid: iccid, profileType: "json").build())
        let orders = ES2PlusOrderService(store: site.store, configuration: configured.configuration)
        _ = try await orders.downloadOrder(iccid: iccid)
        activationCode = try await orders.confirmOrder(iccid: iccid, confirmationCode: "4711", releaseFlag: true).activationCode
    }

    var simulator: String { site.directory.appendingPathComponent("euicc").path }

    func withServer<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await site.withServer(port: port, service: service) { _ in try await body() }
    }
}

@Suite("profile download --json prints lpac's progress lines and final envelope (issue 13 item 9)")
struct LPACJSONTests {
    @Test("a failing download: lpac's steps up to the failure, both cancels, then message = failing step, data = detail; a good one ends in success")
    func progressLines() async throws {
        let bed = try await JSONBed()
        defer { bed.site.remove() }
        let (site, address, iccid) = (bed.site, bed.address, bed.iccid)
        let download = ["profile", "download", "--json", "-a", bed.activationCode, "--trust", "ci", "--simulator", bed.simulator]

        let (failed, succeeded) = try await bed.withServer {
            (try await OpenRSPRun.run(download + ["-c", "0000"], home: site.directory),
             try await OpenRSPRun.run(download + ["-c", "4711"], home: site.directory))
        }

        #expect(failed.status == 1, "\(failed.stderr)")
        let failedSteps = failed.envelopes
        #expect(failedSteps.dropLast().allSatisfy { $0.type == "progress" && $0.code == 0 && $0.data as? String == address })
        #expect(failedSteps.dropLast().map(\.message) == [
            "es10b_get_euicc_challenge_and_info", "es9p_initiate_authentication", "openrsp_check_smdp_trust", "es10b_authenticate_server",
            "es9p_authenticate_client", "es10b_prepare_download", "es9p_get_bound_profile_package",
            "es10b_cancel_session", "es9p_cancel_session",
        ])
        let final = try #require(failedSteps.last)
        #expect(final.type == "lpa" && final.code == 26 && final.message == "es9p_get_bound_profile_package")
        #expect((final.data as? String)?.contains("8.2.7/") == true, "\(String(describing: final.data))")

        #expect(succeeded.status == 0, "\(succeeded.stderr)")
        let steps = succeeded.envelopes
        #expect(steps.dropLast().map(\.message) == [
            "es10b_get_euicc_challenge_and_info", "es9p_initiate_authentication", "openrsp_check_smdp_trust", "es10b_authenticate_server",
            "es9p_authenticate_client", "es10b_prepare_download", "es9p_get_bound_profile_package",
            "es10b_load_bound_profile_package", "es9p_handle_notification", "es10b_remove_notification_from_list",
        ])
        let success = try #require(steps.last)
        #expect(success.type == "lpa" && success.code == 0 && success.message == "success")
        #expect((success.data as? [String: Any])?["iccid"] as? String == iccid.digits)
        #expect(try await site.store.profile(iccid: iccid)?.state == .installed)
    }

    @Test("notification process --json: lpac's steps with the sequence number; a failed send ends with message es9p_handle_notification")
    func notificationProgressLines() async throws {
        let bed = try await JSONBed()
        defer { bed.site.remove() }
        let home = bed.site.directory
        // An in-process download whose install notification is not delivered (the connector refuses the
        // second address lookup), so it stays pending on the eUICC the CLI then uses.
        let lookups = Mutex(0)
        let result = try await bed.withServer {
            let client = try bed.site.client(port: bed.port)
            let downloader = try await softEUICCDownloader(site: bed.site, euicc: URL(fileURLWithPath: bed.simulator)) { _ in
                guard lookups.withLock({ $0 += 1; return $0 }) == 1 else { throw LiveTestError.serverDidNotStart }
                return client
            }
            return try await downloader.download(try ActivationCode(parsing: bed.activationCode), confirmationCode: "4711")
        }
        #expect(!result.notificationDelivered)
        let seq = String(result.notificationSeqNumber)
        let process = ["notification", "process", "--json", "--simulator", bed.simulator]

        // The SM-DP+ is down: the send fails and the notification stays.
        let refused = try await OpenRSPRun.run(process, home: home)
        #expect(refused.status == 1)
        #expect(refused.envelopes.map(\.message) == ["es10b_retrieve_notifications_list", "es9p_handle_notification", "es9p_handle_notification"])
        #expect(refused.envelopes.dropFirst().first?.data as? String == seq)
        let failure = try #require(refused.envelopes.last)
        #expect(failure.type == "lpa" && failure.code == 28)
        #expect((failure.data as? String)?.contains("notification \(seq):") == true, "\(String(describing: failure.data))")

        let delivered = try await bed.withServer { try await OpenRSPRun.run(process, home: home) }
        #expect(delivered.status == 0, "\(delivered.stderr)")
        #expect(delivered.envelopes.map(\.message) == [
            "es10b_retrieve_notifications_list", "es9p_handle_notification", "es10b_remove_notification_from_list", "success",
        ])
        #expect(delivered.envelopes.dropFirst().dropLast().allSatisfy { $0.type == "progress" && $0.data as? String == seq })
        #expect(try await bed.site.store.profile(iccid: bed.iccid)?.state == .installed)
    }
}
