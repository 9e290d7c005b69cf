import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto

/// What handleNotification did with a notification. ES9+ answers HTTP 204 whatever the outcome;
/// the outcome is for logs, metrics and ES2+ HandleDownloadProgressInfo.
public enum NotificationOutcome: Hashable, Sendable {
    /// A ProfileInstallationResult moved the profile to Installed.
    case installed(ICCID)
    /// A ProfileInstallationResult with an errorResult moved the profile to Error.
    case installationFailed(ICCID, BppCommandId, ErrorReason)
    /// A signed notification (enable, disable, delete) with a valid signature and certificate chain.
    case acknowledged(seqNumber: Int, iccid: ICCID?)
    /// Ignored without any state change, with the reason.
    case rejected(ES9PlusFailure)
}

extension ES9PlusService {
    // MARK: - handleNotification (SGP.22 §5.6.4)

    public func handleNotification(_ request: HandleNotificationRequest) async -> NotificationOutcome {
        do {
            switch request.pendingNotification {
            case .profileInstallationResult(let result): return try await installationResult(result)
            case .otherSignedNotification(let notification): return try await otherNotification(notification)
            }
        } catch {
            return .rejected(error)
        }
    }

    func installationResult(_ result: ProfileInstallationResult) async throws(ES9PlusFailure) -> NotificationOutcome {
        let data = result.profileInstallationResultData
        // A PIR may arrive long after the session's lifetime (the LPA retries pending notifications),
        // so a delivered session is looked up without the expiry check.
        let stored: DownloadSession?
        do { stored = try await store.session(transactionId: data.transactionId) } catch { throw storeFailure(error) }
        guard let session = stored, session.phase == .bppDelivered, let euiccDER = session.euiccCertificate, let iccid = session.iccid else {
            throw ES9PlusFailure(.transactionIdUnknown, "no BPP was delivered in session \(data.transactionId)")
        }
        // euiccSignPIR covers the whole ProfileInstallationResultData TLV (BF27…).
        guard verify(result.euiccSignPIR, over: data.rawDER, certificateDER: euiccDER) else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "euiccSignPIR does not verify")
        }
        if let oid = data.smdpOid, let dpAuth = configuration.dpAuth(forCI: session.ciPKId), oid != dpAuth.smdpOid {
            throw ES9PlusFailure(.invalidSMDPOid, "the PIR names SM-DP+ OID \(oid)")
        }
        let outcome: NotificationOutcome
        let target: ProfileDownloadState
        switch data.finalResult {
        case .success:
            outcome = .installed(iccid)
            target = .installed
        case let .error(commandId, reason, _):
            outcome = .installationFailed(iccid, commandId, reason)
            target = .error
        }
        try await apply(SMDPStateChange(profileTransitions: [try transition(iccid, .downloaded, target)],
                                        sessionDeletes: [session.transactionId]))
        if target == .installed { await recordDelivery(result, iccid: iccid) }
        return outcome
    }

    /// An installed profile released for an entitlement: the recorder gets the entitlement and the
    /// SHA-256 of the eUICC-signed ProfileInstallationResult (the state change above is already done).
    func recordDelivery(_ result: ProfileInstallationResult, iccid: ICCID) async {
        guard let recorder = deliveryRecorder,
              let order = try? await store.entitlementOrder(iccid: iccid), order.grant?.iccid == iccid,
              let der = try? result.derEncoded() else { return }
        await recorder.recordDelivery(entitlement: order.entitlement, iccid: iccid, installResultSHA256: Array(SHA256.hash(data: der)))
    }

    func otherNotification(_ notification: OtherSignedNotification) async throws(ES9PlusFailure) -> NotificationOutcome {
        _ = try await validateEUICCChain(euiccCertificate: notification.euiccCertificate, eumCertificate: notification.eumCertificate)
        let metadata = notification.tbsOtherNotification
        guard verify(notification.euiccNotificationSignature, over: metadata.rawDER, certificateDER: notification.euiccCertificate) else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "euiccNotificationSignature does not verify")
        }
        return .acknowledged(seqNumber: metadata.seqNumber, iccid: metadata.iccid)
    }

    // MARK: - cancelSession (SGP.22 §5.6.5)

    public func cancelSession(_ request: ES9CancelSessionRequest) async -> ES9CancelSessionResponse {
        do {
            try await cancel(request)
            return ES9CancelSessionResponse(header: .success, output: ES9PlusNoOutput())
        } catch {
            return .failed(error.status, message: error.message)
        }
    }

    /// Ends the session. `postponed` and `timeout` leave the order downloadable again (a delivered
    /// profile returns to Released); every other reason terminates the order (profile → Error).
    func cancel(_ request: ES9CancelSessionRequest) async throws(ES9PlusFailure) {
        let session = try await liveSession(request.transactionId)
        guard case let .ok(signed, signature) = request.cancelSessionResponse else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "the eUICC returned a CancelSession error")
        }
        guard signed.transactionId == session.transactionId else {
            throw ES9PlusFailure(.transactionIdUnknown, "euiccCancelSessionSigned carries transactionId \(signed.transactionId)")
        }
        guard let euiccDER = session.euiccCertificate else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "the eUICC of session \(session.transactionId) is not authenticated yet")
        }
        guard verify(signature, over: signed.rawDER, certificateDER: euiccDER) else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "euiccCancelSessionSignature does not verify")
        }
        guard let dpAuth = configuration.dpAuth(forCI: session.ciPKId), signed.smdpOid == dpAuth.smdpOid else {
            throw ES9PlusFailure(.invalidSMDPOid, "smdpOid \(signed.smdpOid) is not this SM-DP+")
        }
        var change = SMDPStateChange(sessionDeletes: [session.transactionId])
        if let iccid = session.iccid {
            let profile: ProfilePackageRecord?
            do { profile = try await store.profile(iccid: iccid) } catch { throw storeFailure(error) }
            if let state = profile?.state {
                let retryable = signed.reason == .postponed || signed.reason == .timeout
                if retryable, state == .downloaded {
                    change.profileTransitions = [try transition(iccid, .downloaded, .released)]
                } else if !retryable, state == .released || state == .downloaded {
                    change.profileTransitions = [try transition(iccid, state, .error)]
                }
            }
        }
        try await apply(change)
    }
}
