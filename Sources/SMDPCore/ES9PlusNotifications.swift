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
    /// A signed notification (enable, disable, delete) that moved the profile in the inventory.
    case profileStateChanged(seqNumber: Int, iccid: ICCID, from: ProfileDownloadState, to: ProfileDownloadState)
    /// A signed notification with a valid signature and certificate chain that changed nothing: the profile
    /// is not one this SM-DP+ installed on that eUICC, or is already in (or past) the notified state.
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
        let current: ProfilePackageRecord?
        let delivered: [DownloadSession]
        do throws(SMDPStoreError) {
            current = try await store.profile(iccid: iccid)
            delivered = try await store.deliveredSessions(iccid: iccid)
        } catch { throw storeFailure(error) }
        let others = delivered.map(\.transactionId).filter { $0 != session.transactionId }
        switch data.finalResult {
        case .success:
            // The profile is on the eUICC: every other delivery of it is moot. A success after the delivery
            // had expired to Error still counts (the eUICC signed it).
            let from: ProfileDownloadState = current?.state == .error ? .error : .downloaded
            try await apply(SMDPStateChange(profileTransitions: [try transition(iccid, from, .installed)],
                                            sessionDeletes: [session.transactionId] + others))
            await recordDelivery(result, iccid: iccid)
            return .installed(iccid)
        case let .error(commandId, reason, _):
            // A failure of one delivery moves the profile only when no other delivery of it may still succeed.
            let last = others.isEmpty && current?.state == .downloaded
            try await apply(SMDPStateChange(profileTransitions: last ? [try transition(iccid, .downloaded, .error)] : [],
                                            sessionDeletes: [session.transactionId]))
            return .installationFailed(iccid, commandId, reason)
        }
    }

    /// An installed profile released for an entitlement: the recorder gets the entitlement and the
    /// SHA-256 of the eUICC-signed ProfileInstallationResult (the state change above is already done).
    func recordDelivery(_ result: ProfileInstallationResult, iccid: ICCID) async {
        guard let recorder = deliveryRecorder,
              let order = try? await store.entitlementOrder(iccid: iccid), order.grant?.iccid == iccid,
              let der = try? result.derEncoded() else { return }
        await recorder.recordDelivery(entitlement: order.entitlement, iccid: iccid, installResultSHA256: Array(SHA256.hash(data: der)))
    }

    /// Enable, disable and delete notifications (requested through StoreMetadata, see
    /// `NotificationRequestPolicy`) move the inventory: Installed/Enabled/Disabled → Enabled, Disabled or
    /// Deleted, only for a profile this SM-DP+ delivered to the very eUICC that signed the notification.
    /// A move the state machine does not allow (a late enable after a delete) changes nothing.
    func otherNotification(_ notification: OtherSignedNotification) async throws(ES9PlusFailure) -> NotificationOutcome {
        let eid = try await validateEUICCChain(euiccCertificate: notification.euiccCertificate, eumCertificate: notification.eumCertificate)
        let metadata = notification.tbsOtherNotification
        guard verify(notification.euiccNotificationSignature, over: metadata.rawDER, certificateDER: notification.euiccCertificate) else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "euiccNotificationSignature does not verify")
        }
        let acknowledged = NotificationOutcome.acknowledged(seqNumber: metadata.seqNumber, iccid: metadata.iccid)
        guard let iccid = metadata.iccid, let target = Self.inventoryState(after: metadata.profileManagementOperation) else {
            return acknowledged
        }
        let stored: ProfilePackageRecord?
        do { stored = try await store.profile(iccid: iccid) } catch { throw storeFailure(error) }
        guard let profile = stored, profile.eid == eid, profile.state != target,
              ProfileStateMachine.canTransition(from: profile.state, to: target) else {
            return acknowledged
        }
        try await apply(SMDPStateChange(profileTransitions: [try transition(iccid, profile.state, target)]))
        return .profileStateChanged(seqNumber: metadata.seqNumber, iccid: iccid, from: profile.state, to: target)
    }

    /// The inventory state a profile-management notification reports (nil for install or several bits).
    static func inventoryState(after event: NotificationEvent) -> ProfileDownloadState? {
        switch event {
        case .enable: .enabled
        case .disable: .disabled
        case .delete: .deleted
        default: nil
        }
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
            let delivered: [DownloadSession]
            do throws(SMDPStoreError) {
                profile = try await store.profile(iccid: iccid)
                delivered = try await store.deliveredSessions(iccid: iccid)
            } catch { throw storeFailure(error) }
            // A cancel changes the profile only for the session that holds its delivery: a Downloaded profile
            // delivered to another session (or to this and another) is left to that delivery's result.
            let holdsDelivery = delivered.map(\.transactionId) == [session.transactionId]
            if let state = profile?.state, state != .downloaded || holdsDelivery {
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
