import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import X509

/// Checks of the eUICC's certificates and signatures (SGP.22 §5.6.2 authenticateClient).
extension ES9PlusService {
    /// Validates CERT.EUM and CERT.EUICC to a trusted CI by SGP.22 rules and returns the eUICC's EID.
    /// Failure codes: 8.11.1/3.9 unknown CI, 8.1.2/6.1|6.3 EUM invalid/expired, 8.1.3/6.1|6.3 eUICC
    /// invalid/expired, 8.1.4/6.1 EID outside the EUM's range.
    func validateEUICCChain(euiccCertificate euiccDER: [UInt8], eumCertificate eumDER: [UInt8]) async throws(ES9PlusFailure) -> EID {
        let eum: Certificate
        let euicc: Certificate
        do { eum = try PKIDecoder.certificate(eumDER) } catch {
            throw ES9PlusFailure(.eumCertificateInvalid, "EUM certificate: \(error)")
        }
        do { euicc = try PKIDecoder.certificate(euiccDER) } catch {
            throw ES9PlusFailure(.euiccCertificateInvalid, "eUICC certificate: \(error)")
        }
        let ciPKId: [UInt8]
        do { ciPKId = try SGP22CertificateFields.authorityKeyIdentifier(eum) } catch {
            throw ES9PlusFailure(.eumCertificateInvalid, "EUM certificate: \(error)")
        }
        guard let ci = configuration.trustStore.certificate(forPKId: ciPKId) else {
            throw ES9PlusFailure(.ciPublicKeyUnknown, "EUM certificate is issued by unknown CI \(HexBytes.encode(ciPKId))")
        }
        let now = clock.now()
        guard ci.publicKey.isValidSignature(eum.signature, for: eum), eum.issuer == ci.subject else {
            throw ES9PlusFailure(.eumCertificateInvalid, "EUM certificate is not signed by CI \(HexBytes.encode(ciPKId))")
        }
        guard now >= eum.notValidBefore, now <= eum.notValidAfter else {
            throw ES9PlusFailure(.eumCertificateExpired, "EUM certificate is outside its validity period")
        }
        guard eum.publicKey.isValidSignature(euicc.signature, for: euicc), euicc.issuer == eum.subject else {
            throw ES9PlusFailure(.euiccCertificateInvalid, "eUICC certificate is not signed by the EUM")
        }
        guard now >= euicc.notValidBefore, now <= euicc.notValidAfter else {
            throw ES9PlusFailure(.euiccCertificateExpired, "eUICC certificate is outside its validity period")
        }
        let result = await SGP22ChainValidator.validate(leaf: euicc, role: .euicc, intermediates: [eum], trustedCI: ci, at: now)
        guard result.isValid else {
            let reasons = result.failureReasons.joined(separator: "; ")
            if reasons.contains("name constraints") {
                throw ES9PlusFailure(.eidOutsideEUMRange, reasons)
            }
            if reasons.contains("EUM") || reasons.localizedCaseInsensitiveContains("basic constraints") {
                throw ES9PlusFailure(.eumCertificateInvalid, reasons)
            }
            throw ES9PlusFailure(.euiccCertificateInvalid, reasons)
        }
        do { return try SGP22CertificateFields.eid(euicc) } catch {
            throw ES9PlusFailure(.euiccCertificateInvalid, "eUICC certificate: \(error)")
        }
    }

    // MARK: - authenticateClient (SGP.22 §5.6.2)

    public func authenticateClient(_ request: AuthenticateClientRequest) async -> AuthenticateClientResponse {
        do {
            return .success(try await authenticate(request))
        } catch {
            return .failed(error.status, message: error.message)
        }
    }

    func authenticate(_ request: AuthenticateClientRequest) async throws(ES9PlusFailure) -> AuthenticateClientOutput {
        var session = try await liveSession(request.transactionId)
        guard session.phase == .authenticationInitiated else {
            throw ES9PlusFailure(.transactionIdUnknown, "session \(request.transactionId) is not awaiting authenticateClient")
        }
        guard case let .ok(signed1, signature1, euiccDER, eumDER) = request.authenticateServerResponse else {
            if case let .error(_, code) = request.authenticateServerResponse {
                try await apply(SMDPStateChange(sessionDeletes: [session.transactionId]))
                throw ES9PlusFailure(.euiccSignatureInvalid, "the eUICC refused the server authentication: \(code)")
            }
            throw ES9PlusFailure(.euiccSignatureInvalid, "no authenticateResponseOk")
        }
        guard signed1.transactionId == session.transactionId else {
            throw ES9PlusFailure(.transactionIdUnknown, "euiccSigned1 carries transactionId \(signed1.transactionId)")
        }
        let eid = try await validateEUICCChain(euiccCertificate: euiccDER, eumCertificate: eumDER)
        guard verify(signature1, over: signed1.rawDER, certificateDER: euiccDER) else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "euiccSignature1 does not verify")
        }
        guard signed1.serverChallenge == session.serverChallenge else {
            throw ES9PlusFailure(.euiccSignatureInvalid, "serverChallenge does not match the session")
        }
        // The eUICC is authenticated from here: a business refusal below keeps its certificate in the
        // session, so that the CancelSession the LPA sends next can be verified and ends the session.
        session.euiccCertificate = euiccDER
        session.eid = eid
        do {
            return try await authorizeDownload(session: session, signed1: signed1, signature1: signature1, eid: eid)
        } catch {
            do { try await apply(SMDPStateChange(sessionUpserts: [session])) } catch {
                // The refusal is what the client needs; without the stored certificate its cancel is refused too.
            }
            throw error
        }
    }

    /// The order and profile checks of authenticateClient, after the eUICC's signature was verified.
    private func authorizeDownload(session authenticated: DownloadSession, signed1: EuiccSigned1, signature1: ECDSASignature,
                                   eid: EID) async throws(ES9PlusFailure) -> AuthenticateClientOutput {
        var session = authenticated
        let matchingId: String?
        switch signed1.ctxParams1 {
        case .commonAuthentication(let ctx): matchingId = ctx.matchingId
        }
        try await passEntitlementGate(matchingId: matchingId, eid: eid, session: session)
        let (foundOrder, profile) = try await findOrder(matchingId: matchingId, eid: eid)
        var order = foundOrder
        if let bound = order.eid, bound != eid {
            throw ES9PlusFailure(.eidMismatch, "the order for this matchingId is bound to another EID")
        }
        if let bound = profile.eid, bound != eid {
            throw ES9PlusFailure(.eidMismatch, "the profile is bound to another EID")
        }
        switch profile.state {
        case .released: break
        case .downloaded where profile.eid == eid:
            // A delivery to this very eUICC that never reported back (a crash on either side after the BPP
            // was sent): it may download again in this session; no other eUICC can (the profile is bound).
            break
        case .allocated, .linked, .confirmed:
            throw ES9PlusFailure(.profileNotReleased, "profile \(profile.iccid) is \(profile.state.rawValue)")
        default:
            throw ES9PlusFailure(.noEligibleProfile, "profile \(profile.iccid) is \(profile.state.rawValue)")
        }
        try checkEligibility(profile, euiccInfo2: signed1.euiccInfo2)
        guard let dpPb = configuration.dpPb(forCI: session.ciPKId) else {
            throw ES9PlusFailure(.noDPauthForSupportedCI, "no CERT.DPpb for CI \(HexBytes.encode(session.ciPKId))")
        }
        let metadata: StoreMetadataRequest
        let smdpSigned2: SmdpSigned2
        let signature2: ECDSASignature
        do {
            metadata = try profile.storeMetadata(notificationConfiguration: configuration.notificationRequests.configuration(
                forProfileType: profile.profileType, address: configuration.address))
            smdpSigned2 = try SmdpSigned2(transactionId: session.transactionId, ccRequiredFlag: order.requiresConfirmationCode)
            // smdpSignature2 covers smdpSigned2 ‖ 5F37 40 ‖ euiccSignature1 (notes §2).
            signature2 = try ECDSASignature(try SGP22ECDSA.sign(smdpSigned2.rawDER + signature1.tlv, with: dpPb.privateKey).raw)
            session.profileMetadata = try metadata.derEncoded()
        } catch {
            throw ES9PlusFailure(.noEligibleProfile, "cannot build profile metadata: \(error)")
        }
        session.phase = .clientAuthenticated
        session.iccid = profile.iccid
        session.matchingId = order.matchingId
        session.smdpSignature2 = signature2.rawValue
        session.ccRequired = order.requiresConfirmationCode
        order.eid = eid
        try await apply(SMDPStateChange(orderUpserts: [order], sessionUpserts: [session]))
        return AuthenticateClientOutput(transactionId: session.transactionId, profileMetadata: metadata, smdpSigned2: smdpSigned2,
                                        smdpSignature2: signature2, smdpCertificate: dpPb.certificateDER)
    }

    /// Profile eligibility (SGP.22 §3.1.3): the eUICC must support the UPP's SAIP version
    /// (euiccInfo2.profileVersion is the highest version it supports).
    func checkEligibility(_ profile: ProfilePackageRecord, euiccInfo2: EUICCInfo2) throws(ES9PlusFailure) {
        let header: ProfileHeader
        do { header = try ProfileElementSequence(der: profile.unprotectedProfilePackage).header } catch {
            throw ES9PlusFailure(.noEligibleProfile, "stored profile package is unreadable: \(error)")
        }
        let supported = euiccInfo2.profileVersion
        guard (header.majorVersion, header.minorVersion) <= (Int(supported.major), Int(supported.minor)) else {
            throw ES9PlusFailure(.noEligibleProfile,
                                 "profile needs SAIP \(header.majorVersion).\(header.minorVersion), the eUICC supports \(supported)")
        }
    }

    /// The order for `matchingId`, or — without one — the single released order bound to `eid`.
    func findOrder(matchingId: String?, eid: EID) async throws(ES9PlusFailure) -> (DownloadOrder, ProfilePackageRecord) {
        let order: DownloadOrder
        do {
            if let matchingId, !matchingId.isEmpty {
                guard let found = try await store.order(matchingId: matchingId) else {
                    throw ES9PlusFailure(.matchingIdRefused, "matchingId \(matchingId) is unknown")
                }
                order = found
            } else {
                var candidate: DownloadOrder?
                for item in try await store.orders(eid: eid) {
                    if try await store.profile(iccid: item.iccid)?.state == .released { candidate = item; break }
                }
                guard let candidate else { throw ES9PlusFailure(.matchingIdRefused, "no matchingId and no released order for this EID") }
                order = candidate
            }
        } catch let failure as ES9PlusFailure {
            throw failure
        } catch {
            throw ES9PlusFailure(.matchingIdRefused, "\(error)")
        }
        if order.isLocked {
            throw ES9PlusFailure(.maxRetriesExceeded, "the order for this matchingId is locked")
        }
        if let expiry = order.expiresAt, clock.now() >= expiry {
            throw ES9PlusFailure(.downloadOrderExpired, "the download order expired")
        }
        let profile: ProfilePackageRecord?
        do { profile = try await store.profile(iccid: order.iccid) } catch { throw storeFailure(error) }
        guard let profile else { throw ES9PlusFailure(.noEligibleProfile, "the ordered profile is gone") }
        return (order, profile)
    }
}
