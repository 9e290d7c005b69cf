import ArgumentParser
import ES9PlusAPI
import ES9PlusHTTPClient
import EUICC
import EUICCSimulator
import Foundation
import LPA
import LPAClient
import RSPASN1
import RSPCrypto

/// TLS trust of the ES9+ client: the CI certificate in `$OPENRSP_HOME/pki` plus `--tls-ca` files.
struct ES9TrustOptions: ParsableArguments {
    @Option(name: .customLong("tls-ca"), help: "Extra trusted TLS root (PEM or DER certificate file); repeatable.")
    var tlsCA: [String] = []

    /// DER trust roots: `$OPENRSP_HOME/pki` CI certificate (when present) and every `--tls-ca` file.
    func trustRootsDER() throws -> [[UInt8]] {
        var files: [URL] = tlsCA.map { URL(fileURLWithPath: $0) }
        let pki = DataDirectory.resolve().url.appendingPathComponent("pki", isDirectory: true)
        let ciNames = [PKIDirectoryLayout.derName(.ci), PKIDirectoryLayout.pemName(.ci)]
        if let ci = ciNames.map({ pki.appendingPathComponent($0) }).first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            files.insert(ci, at: 0)
        }
        guard !files.isEmpty else {
            throw DeviceCommandError.noPKI("no TLS trust root: no CI certificate in \(pki.path) and no --tls-ca given")
        }
        return try files.flatMap { url in
            do {
                return try PKIDecoder.certificates(Array(try Data(contentsOf: url))).map { try PKIEncoding.der($0) }
            } catch {
                throw DeviceCommandError.invalidArgument("TLS root \(url.path): \(error)")
            }
        }
    }
}

/// A failed download, with the step, the SGP.22 code and the cancel outcome.
struct ProfileDownloadCommandError: CodedCommandError {
    let failure: ProfileDownloadFailure
    /// Why the software eUICC refused (which segment, which check), when it is the device.
    var euiccDetail: String?

    var code: Int { Kind.downloadFailed.rawValue }

    /// The SGP.22 code of the failure: subject/reason of an SM-DP+ refusal, or the ES10 error.
    var sgp22Code: String {
        switch failure.error {
        case let .server(status): "\(status.subjectCode)/\(status.reasonCode)"
        case let .authenticateServerRejected(code): "AuthenticateServer \(code)"
        case let .prepareDownloadRejected(code): "PrepareDownload \(code)"
        case let .installationFailed(command, reason): "\(command) \(reason)"
        case let .euicc(error): "ES10 \(error)"
        default: "-"
        }
    }

    var cancelOutcome: String {
        guard let cancellation = failure.cancellation else { return "no session to cancel" }
        var parts = ["reason \(cancellation.reason)"]
        switch cancellation.euiccResponse {
        case .success: parts.append("eUICC cancelled")
        case let .failure(error): parts.append("eUICC CancelSession failed: \(error)")
        }
        switch cancellation.serverOutcome {
        case .success(nil): parts.append("SM-DP+ cancelled")
        case let .success(status?): parts.append("SM-DP+ refused CancelSession: \(status)")
        case let .failure(error): parts.append("SM-DP+ CancelSession not done: \(error)")
        }
        return parts.joined(separator: ", ")
    }

    var description: String {
        "download failed at \(failure.step.rawValue): \(failure.error); code: \(sgp22Code)"
            + (euiccDetail.map { "; eUICC: \($0)" } ?? "") + "; cancel: \(cancelOutcome)"
    }
}

/// The JSON data of a completed download.
struct DownloadReport: Encodable {
    var iccid: String?
    var isdpAid: String
    var profileName: String?
    var serviceProviderName: String?
    var profileState: String?
    var notificationSeqNumber: Int
    var notificationSent: Bool
}

/// `openrsp profile download`: ES9+ over HTTPS to the SM-DP+, ES10b to the eUICC.
struct ProfileDownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download and install a profile from an activation code (SGP.22 §3.1.3).",
        discussion: "The SM-DP+ is reached over HTTPS; its TLS certificate must chain to the CI certificate in " +
            "$OPENRSP_HOME/pki or to a --tls-ca root. Before the eUICC sees the SM-DP+'s ServerSigned1 the LPA " +
            "checks CERT.DPauth by --trust (default both: on-chain TrustRegistry and CI chain; see docs/CHAIN-TRUST.md); " +
            "with chain or both, the key of the TLS certificate must be an active SM-DP+ key in the TrustRegistry too, " +
            "checked at the handshake of every connection before anything is sent. " +
            "Progress goes to stderr; with --json it goes to stdout as lpac's progress lines " +
            "({\"type\":\"progress\",\"payload\":{\"code\":0,\"message\":\"es9p_initiate_authentication\",\"data\":\"<SM-DP+ address>\"}}), " +
            "followed by the final {\"type\":\"lpa\",...} envelope; on failure its message is the failing step's lpac name " +
            "and data the detail. Error codes: docs/CLI-ERRORS.md."
    )

    @Option(name: [.short, .customLong("activation-code")], help: "Activation code (LPA:1$<SM-DP+ address>$<matching ID>[...]).")
    var activationCode: String
    @Option(name: [.short, .customLong("confirmation-code")], help: "Confirmation code, when the SM-DP+ requires one.")
    var confirmationCode: String?
    @OptionGroup var trust: ES9TrustOptions
    @OptionGroup var smdpTrust: LPATrustOptions
    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let report = try await perform()
            try output.emit(report) {
                textTable(["ICCID", "NAME", "PROVIDER", "STATE", "NOTIFICATION"], [[
                    report.iccid ?? "-", report.profileName ?? "", report.serviceProviderName ?? "", report.profileState ?? "-",
                    report.notificationSent ? "sent (seq \(report.notificationSeqNumber))" : "pending (seq \(report.notificationSeqNumber))",
                ]])
            }
        }
    }

    /// Runs the download; throws `ProfileDownloadCommandError` when it fails after starting.
    func perform() async throws -> DownloadReport {
            let code: ActivationCode
            do {
                code = try ActivationCode(parsing: activationCode)
            } catch {
                throw DeviceCommandError.invalidArgument("activation code: \(error)")
            }
            if code.confirmationCodeRequired, confirmationCode == nil {
                throw DeviceCommandError.invalidArgument("the activation code requires a confirmation code (-c)")
            }
            let (policy, oracle) = try await smdpTrust.policy(tlsCAFiles: trust.tlsCA)
            let trustRoots: [[UInt8]]
            do { trustRoots = try trust.trustRootsDER() } catch {
                // The registry client is closed on every path (AsyncHTTPClient traps on an unclosed client).
                try? await oracle?.shutdown()
                throw error
            }
            let lpa = LPAAssembly(trustRootsDER: trustRoots, trust: policy)
            let json = output.json
            let confirmation = confirmationCode
            let report: DownloadReport
            do {
                report = try await withES10Device(device) { es10, card in
                    let downloader = lpa.downloader(es10: es10) { step in
                        if !json {
                            FileHandle.standardError.write(Data("[\(step.rawValue)]\n".utf8))
                        } else if let name = step.lpacProgressName {
                            OutputOptions.printProgress(name, data: code.smdpAddress)
                        }
                    }
                    let result: ProfileDownloadResult
                    do {
                        result = try await downloader.download(code, confirmationCode: confirmation)
                    } catch let failure as ProfileDownloadFailure {
                        throw ProfileDownloadCommandError(failure: failure, euiccDetail: await card?.lastFailure?.description)
                    }
                    var profile: ProfileInfo?
                    if let iccid = result.iccid, case let .ok(list) = try await es10.getProfilesInfo() {
                        profile = list.first { $0.iccid == iccid }
                    }
                    return DownloadReport(iccid: result.iccid?.digits, isdpAid: hex(result.isdpAid), profileName: profile?.profileName,
                                          serviceProviderName: profile?.serviceProviderName,
                                          profileState: profile?.profileState?.description,
                                          notificationSeqNumber: result.notificationSeqNumber,
                                          notificationSent: result.notificationDelivered)
                }
            } catch {
                await lpa.shutdown()
                try? await oracle?.shutdown()
                throw error
            }
            await lpa.shutdown()
            // Closing the registry client after the work is done; a failure here changes no result.
            try? await oracle?.shutdown()
            return report
    }
}
