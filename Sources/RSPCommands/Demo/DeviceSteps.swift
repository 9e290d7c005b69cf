import EUICC
import EthereumCore
import Foundation
import LPA
import RSPASN1
import RSPCrypto
import Settlement

/// The LPA downloads and installs the profile on the software eUICC: activation code → ES9+ over HTTPS
/// (trusting the CI certificate) → ES10b. ProfileDownloader also sends the install notification.
// SWAP (b): the chain-pinned LPA does the TrustRegistry check itself (SPKI of the CERT.DPauth / TLS
// certificate the SM-DP+ presents, `--trust chain|ci|both`); replace `registryPreCheck` and the
// ProfileDownloader construction below with it.
struct DownloadProfileStep: DemoStep {
    let name = "download"
    let title = "download and install the profile through the LPA (HTTPS)"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let smdp = try state.require(state.smdp, "the SM-DP+")
        let code = try ActivationCode(parsing: try state.require(state.activationCode, "the activation code"))
        state.registryTrustsSMDP = try await registryPreCheck(state, env)
        guard state.registryTrustsSMDP == true else {
            throw DemoError.invalid("the TrustRegistry does not list the SM-DP+'s CERT.DPauth key as a trusted SM-DP+")
        }
        let pool = ES9ClientPool(trustRootsDER: [smdp.pki.ciCertificateDER])
        env.resources.onCleanup { await pool.shutdown() }
        let deviceInfo = try ProfileDownloadCommand.deviceInfo()
        let result = try await DemoEUICC.withES10(env.config.euiccDirectory) { es10 in
            let downloader = ProfileDownloader(es10: es10, connect: { try pool.client(for: $0) }, deviceInfo: deviceInfo) { step in
                env.progress("LPA: \(step.rawValue)")
            }
            do {
                return try await downloader.download(code)
            } catch let failure as ProfileDownloadFailure {
                throw ProfileDownloadCommandError(failure: failure)
            }
        }
        guard let iccid = result.iccid, iccid == state.iccid else {
            throw DemoError.invalid("the eUICC installed ICCID \(result.iccid?.digits ?? "none"), expected \(state.iccid?.digits ?? "-")")
        }
        state.download = .init(iccid: iccid.digits, isdpAid: hex(result.isdpAid), notificationSeqNumber: result.notificationSeqNumber,
                               notificationDeliveredDuringDownload: result.notificationDelivered)
        env.progress("installed ICCID \(iccid.digits) in ISD-P \(hex(result.isdpAid))")
    }

    /// TrustRegistry.isTrusted(SMDP, sha256(SPKI of CERT.DPauth)) for the certificate in the PKI.
    private func registryPreCheck(_ state: DemoState, _ env: DemoEnvironment) async throws -> Bool {
        let registry = try state.require(state.contracts, "the contracts").registry
        guard let dpAuth = try PKILoader.load(from: env.config.pkiDirectory).certificates[.dpAuth] else {
            throw DemoError.missing("no CERT.DPauth in the PKI")
        }
        let trusted = try await registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: try Hash32(CertificateDigests.spkiSHA256(dpAuth))))
        env.progress("TrustRegistry.isTrusted(SM-DP+, sha256(DPauth SPKI)) = \(trusted)")
        return trusted
    }
}

/// Delivers pending notifications (the install notification, if the download could not) over ES9+
/// handleNotification and removes each from the eUICC once acknowledged.
struct InstallNotificationStep: DemoStep {
    let name = "notification"
    let title = "send the install notification"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let smdp = try state.require(state.smdp, "the SM-DP+")
        let download = try state.require(state.download, "the download result")
        let pool = ES9ClientPool(trustRootsDER: [smdp.pki.ciCertificateDER])
        env.resources.onCleanup { await pool.shutdown() }
        let deliveries = try await DemoEUICC.withES10(env.config.euiccDirectory) { es10 in
            try await NotificationProcessor(es10: es10, connect: { try pool.client(for: $0) }).process()
        }
        for delivery in deliveries {
            switch delivery.outcome {
            case .delivered:
                state.notificationsDelivered.append(delivery.seqNumber)
            case .sendFailed(let why), .removeFailed(let why):
                throw DemoError.invalid("notification \(delivery.seqNumber) (\(delivery.event)) not delivered: \(why)")
            }
        }
        if download.notificationDeliveredDuringDownload {
            state.notificationsDelivered.insert(download.notificationSeqNumber, at: 0)
            env.progress("install notification seq \(download.notificationSeqNumber) was delivered and removed during the download")
        }
        let remaining = try await DemoEUICC.withES10(env.config.euiccDirectory) { es10 in
            try await NotificationProcessor(es10: es10, connect: { try pool.client(for: $0) }).list()
        }
        guard remaining.isEmpty else { throw DemoError.invalid("\(remaining.count) notification(s) still pending on the eUICC") }
        let record = try await smdp.store.profile(iccid: try state.require(state.iccid, "the ICCID"))
        env.progress("no notification pending; SM-DP+ profile state \(record?.state.rawValue ?? "unknown")")
    }
}

/// ES10c.EnableProfile on the software eUICC.
struct EnableProfileStep: DemoStep {
    let name = "enable"
    let title = "enable the profile"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let iccid = try state.require(state.iccid, "the ICCID")
        let result = try await DemoEUICC.withES10(env.config.euiccDirectory) { try await $0.enableProfile(.iccid(iccid)) }
        guard result == .ok else { throw DemoError.invalid("EnableProfile \(iccid.digits): \(result)") }
        state.enabled = true
        env.progress("ICCID \(iccid.digits) enabled")
    }
}
