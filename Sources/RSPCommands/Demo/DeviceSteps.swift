import LPAChainTrust
import EUICC
import EthereumCore
import Foundation
import LPA
import LPAClient
import RSPASN1
import RSPCrypto
import Settlement
import X509

/// The LPA downloads and installs the profile on the software eUICC: activation code → ES9+ over HTTPS
/// → ES10b, with `--trust both`: every TLS connection's CERT.DPtls key must be an active SM-DP+ key on
/// chain before anything is sent, and before the eUICC sees the SM-DP+ the LPA checks CERT.DPauth to
/// the CI itself and `TrustRegistry.isTrusted(SMDP, sha256(DPauth SPKI))`. ProfileDownloader also
/// sends the install notification.
struct DownloadProfileStep: DemoStep {
    let name = "download"
    let title = "download and install the profile through the chain-pinned LPA (HTTPS)"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let smdp = try state.require(state.smdp, "the SM-DP+")
        let code = try ActivationCode(parsing: try state.require(state.activationCode, "the activation code"))
        let registry = try state.require(state.contracts, "the contracts").registry
        let trust = try SMDPTrustPolicy(mode: .both, oracle: RegistrySMDPTrustOracle(registry: registry, timeout: .seconds(10)),
                                        ciTrustStore: try CITrustStore([try Certificate(derEncoded: smdp.pki.ciCertificateDER)]))
        let lpa = LPAAssembly(trustRootsDER: [smdp.pki.ciCertificateDER], trust: trust)
        env.resources.onCleanup { await lpa.shutdown() }
        let result = try await DemoEUICC.withES10(env.config.euiccDirectory) { es10 in
            let downloader = lpa.downloader(es10: es10) { step in
                env.progress("LPA: \(step.rawValue)")
            }
            do {
                return try await downloader.download(code)
            } catch let failure as ProfileDownloadFailure {
                throw ProfileDownloadCommandError(failure: failure)
            }
        }
        guard let evidence = result.trustEvidence else { throw DemoError.invalid("the LPA reported no SM-DP+ trust check") }
        state.registryTrustsSMDP = true
        env.progress("LPA trusted the SM-DP+: TLS key active in the TrustRegistry on every connection; CERT.DPauth chains to the CI "
            + "and TrustRegistry.isTrusted(SM-DP+, \(hex(evidence.dpAuthSPKISHA256).prefix(16))…) = true")
        guard let iccid = result.iccid, iccid == state.iccid else {
            throw DemoError.invalid("the eUICC installed ICCID \(result.iccid?.digits ?? "none"), expected \(state.iccid?.digits ?? "-")")
        }
        state.download = .init(iccid: iccid.digits, isdpAid: hex(result.isdpAid), notificationSeqNumber: result.notificationSeqNumber,
                               notificationDeliveredDuringDownload: result.notificationDelivered)
        env.progress("installed ICCID \(iccid.digits) in ISD-P \(hex(result.isdpAid))")
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
        let lpa = LPAAssembly(trustRootsDER: [smdp.pki.ciCertificateDER])
        env.resources.onCleanup { await lpa.shutdown() }
        let deliveries = try await DemoEUICC.withES10(env.config.euiccDirectory) { es10 in
            try await lpa.notificationProcessor(es10: es10).process()
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
            try await lpa.notificationProcessor(es10: es10).list()
        }
        guard remaining.isEmpty else { throw DemoError.invalid("\(remaining.count) notification(s) still pending on the eUICC") }
        let iccid = try state.require(state.iccid, "the ICCID")
        let record = try await smdp.store.profile(iccid: iccid)
        env.progress("no notification pending; SM-DP+ profile state \(record?.state.rawValue ?? "unknown")")
        guard let grant = try await smdp.store.entitlementOrder(iccid: iccid)?.grant else {
            throw DemoError.invalid("the SM-DP+ recorded no entitlement grant for ICCID \(iccid.digits)")
        }
        state.entitlementGrant = grant
        env.progress("SM-DP+ recorded entitlement #\(try state.require(state.entitlementId, "the entitlement")) → ICCID \(grant.iccid.digits) for the eUICC that authenticated")
        try await recordDelivery(&state, env)
    }

    /// At HandleNotification the SM-DP+ recorded the delivery on chain (markDelivered with the hash of the
    /// eUICC-signed ProfileInstallationResult); checks it against the contract.
    private func recordDelivery(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let recorder = try state.require(state.deliveryRecorder, "the SM-DP+ delivery recorder")
        let id = try state.require(state.entitlementId, "the entitlement")
        let plans = try state.require(state.contracts, "the contracts").plans
        if let failure = await recorder.failures.first { throw DemoError.invalid("the SM-DP+ did not record the delivery: \(failure.reason)") }
        guard let record = await recorder.records.last else { throw DemoError.invalid("the SM-DP+ recorded no delivery on chain") }
        let terms = try await plans.call(PlanEntitlements.deliveryTerms(tokenId: id))
        guard terms.installResultHash == record.installResultHash, terms.delivered else {
            throw DemoError.invalid("PlanEntitlements does not hold the SM-DP+'s delivery record")
        }
        let outcome = try await DemoUsageOutbox.outcome(of: record.transaction, state)
        state.record(name, "markDelivered (SM-DP+)", outcome)
        state.delivery = .init(smdp: terms.smdp.checksummed, installResultHash: record.installResultHash.hex,
                               transaction: record.transaction.hex, profileType: try await DemoProfileType.of(state))
        env.progress("delivery on chain: entitlement #\(id), install result sha256 \(record.installResultHash.hex) (transaction \(record.transaction.hex))")
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
