import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto

extension ES9PlusService {
    // MARK: - getBoundProfilePackage (SGP.22 §5.6.3)

    public func getBoundProfilePackage(_ request: GetBoundProfilePackageRequest) async -> GetBoundProfilePackageResponse {
        do {
            return .success(try await bind(request))
        } catch {
            return .failed(error.status, message: error.message)
        }
    }

    func bind(_ request: GetBoundProfilePackageRequest) async throws(ES9PlusFailure) -> GetBoundProfilePackageOutput {
        var session = try await liveSession(request.transactionId)
        switch session.phase {
        case .clientAuthenticated: break
        case .bppDelivered: throw ES9PlusFailure(.bppNotAvailable, "the BPP of this session was already delivered")
        case .authenticationInitiated:
            throw ES9PlusFailure(.transactionIdUnknown, "session \(request.transactionId) is not awaiting getBoundProfilePackage")
        }
        guard case let .ok(signed2, signature2) = request.prepareDownloadResponse else {
            if case let .error(_, code) = request.prepareDownloadResponse {
                try await apply(SMDPStateChange(sessionDeletes: [session.transactionId]))
                throw ES9PlusFailure(.euiccSignatureInvalid, "the eUICC refused PrepareDownload: \(code)")
            }
            throw ES9PlusFailure(.euiccSignatureInvalid, "no downloadResponseOk")
        }
        guard signed2.transactionId == session.transactionId else {
            throw ES9PlusFailure(.transactionIdUnknown, "euiccSigned2 carries transactionId \(signed2.transactionId)")
        }
        guard let euiccDER = session.euiccCertificate, let smdpSignature2 = session.smdpSignature2,
              let eid = session.eid, let iccid = session.iccid, let metadataDER = session.profileMetadata else {
            throw ES9PlusFailure(.transactionIdUnknown, "session \(session.transactionId) lacks authentication data")
        }
        // euiccSignature2 covers euiccSigned2 ‖ 5F37 40 ‖ smdpSignature2 (notes §2).
        guard verify(signature2, over: signed2.rawDER + [0x5F, 0x37, 0x40] + smdpSignature2, certificateDER: euiccDER) else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "euiccSignature2 does not verify")
        }
        let loadedOrder: DownloadOrder?
        let loadedProfile: ProfilePackageRecord?
        do {
            loadedOrder = try await store.order(iccid: iccid)
            loadedProfile = try await store.profile(iccid: iccid)
        } catch { throw storeFailure(error) }
        guard var order = loadedOrder, let profile = loadedProfile else {
            throw ES9PlusFailure(.bppNotAvailable, "the order for profile \(iccid) was cancelled")
        }
        if order.isLocked { throw ES9PlusFailure(.confirmationCodeRetriesExceeded, "the order is locked") }
        if let expiry = order.expiresAt, clock.now() >= expiry {
            throw ES9PlusFailure(.downloadOrderExpired, "the download order expired")
        }
        if let bound = order.eid, bound != eid { throw ES9PlusFailure(.eidMismatch, "the order is bound to another EID") }
        if let storedHash = order.confirmationCodeHash {
            guard let hashCc = signed2.hashCc else {
                throw ES9PlusFailure(.confirmationCodeMissing, "a confirmation code is required")
            }
            let expected = ConfirmationCode.hashCc(storedHash: storedHash, transactionId: session.transactionId)
            guard constantTimeEquals(hashCc, expected) else {
                try await recordWrongConfirmationCode(&order, profile: profile, session: session)
            }
        }
        let redelivery = profile.state == .downloaded && profile.eid == eid
        guard profile.state == .released || redelivery else {
            throw ES9PlusFailure(.bppNotAvailable, "profile \(iccid) is \(profile.state.rawValue)")
        }
        let built: BuiltBoundProfilePackage
        do {
            built = try builder.build(
                euiccOtpk: signed2.euiccOtpk, eid: eid, transactionId: session.transactionId,
                dpPbKey: try dpPbKey(session), storeMetadata: try StoreMetadataRequest(der: metadataDER),
                unprotectedProfilePackage: profile.unprotectedProfilePackage)
        } catch let failure as ES9PlusFailure {
            throw failure
        } catch {
            throw ES9PlusFailure(.euiccSignatureInvalid, "cannot bind the profile: \(error)")
        }
        session.phase = .bppDelivered
        order.eid = eid
        // A redelivery leaves the profile Downloaded; the earlier delivered session stays, since its
        // result may still arrive.
        try await apply(SMDPStateChange(
            profileTransitions: redelivery ? [] : [try transition(iccid, .released, .downloaded, bind: eid)],
            orderUpserts: [order], sessionUpserts: [session]))
        return GetBoundProfilePackageOutput(transactionId: session.transactionId, boundProfilePackage: built.boundProfilePackage)
    }

    /// Counts a wrong confirmation code; at the limit the order is locked and the profile goes to Error.
    /// The session ends either way (a retry needs a new session).
    private func recordWrongConfirmationCode(_ order: inout DownloadOrder, profile: ProfilePackageRecord,
                                             session: DownloadSession) async throws(ES9PlusFailure) -> Never {
        order.confirmationCodeFailures += 1
        var change = SMDPStateChange(sessionDeletes: [session.transactionId])
        if order.confirmationCodeFailures >= configuration.maxConfirmationCodeAttempts {
            order.isLocked = true
            change.profileTransitions = [try transition(profile.iccid, profile.state, .error)]
            change.orderUpserts = [order]
            try await apply(change)
            throw ES9PlusFailure(.confirmationCodeRetriesExceeded, "wrong confirmation code; the order is now locked")
        }
        change.orderUpserts = [order]
        try await apply(change)
        throw ES9PlusFailure(.confirmationCodeRefused,
                             "wrong confirmation code (\(order.confirmationCodeFailures) of \(configuration.maxConfirmationCodeAttempts))")
    }

    func dpPbKey(_ session: DownloadSession) throws(ES9PlusFailure) -> P256.Signing.PrivateKey {
        guard let dpPb = configuration.dpPb(forCI: session.ciPKId) else {
            throw ES9PlusFailure(.noDPauthForSupportedCI, "no CERT.DPpb for CI \(HexBytes.encode(session.ciPKId))")
        }
        return dpPb.privateKey
    }
}

func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}
