import Crypto
import EUICC
import Foundation
import RSPASN1
import RSPCrypto
import SwiftASN1
import X509

/// The RSP session from a successful AuthenticateServer until the BPP is installed, the load fails,
/// or CancelSession. Memory only: a power loss ends it (SGP.22 interruption).
struct DownloadSession: Sendable {
    let transactionId: TransactionID
    let serverAddress: String
    let ciPKId: [UInt8]
    /// smdpOid from CERT.DPauth (SubjectAltName registeredID).
    let smdpOid: ASN1ObjectIdentifier
    let euiccSignature1: [UInt8]
    var prepared: PreparedDownload?
}

/// What PrepareDownload leaves for the BPP load.
struct PreparedDownload: Sendable {
    let dpPbCertificate: Certificate
    let otKeyPair: ECKAKeyPair
    let euiccOtpk: [UInt8]
}

extension SoftEUICC {
    /// ES10b.AuthenticateServer (SGP.22 §5.7.13): CI PKId trusted, CERT.DPauth chains to that CI by
    /// SGP.22 rules, serverSignature1 over the received serverSigned1, euiccChallenge matches the last
    /// GetEUICCChallenge. On success signs euiccSigned1 and opens the download session.
    func authenticateServer(_ request: AuthenticateServerRequest) async -> AuthenticateServerResponse {
        let signed = request.serverSigned1
        let tid = signed.transactionId
        func fail(_ code: AuthenticateErrorCode, _ why: String) -> AuthenticateServerResponse {
            report(EUICCDiagnostic(kind: .failure, function: "AuthenticateServer", code: "\(code)", message: why))
            return .error(transactionId: tid, code: code)
        }

        guard identity.ciPKIds.contains(request.euiccCiPKIdToBeUsed) else {
            return fail(.ciPKUnknown, "CI \(HexBytes.encode(request.euiccCiPKIdToBeUsed)) is not trusted (trusted: " +
                        identity.ciPKIds.map { HexBytes.encode($0) }.joined(separator: ", ") + "; add one with `openrsp euicc ci add`)")
        }
        let certificate: Certificate
        do {
            certificate = try PKIDecoder.certificate(request.serverCertificate)
        } catch {
            return fail(.invalidCertificate, "CERT.DPauth: \(error)")
        }
        guard P256.Signing.PublicKey(certificate.publicKey) != nil else { return fail(.unsupportedCurve, "CERT.DPauth is not a P-256 key") }
        do {
            guard try SGP22CertificateFields.roles(certificate).contains(.dpAuth) else {
                return fail(.invalidOid, "CERT.DPauth lacks the id-rspRole-dp-auth policy")
            }
        } catch {
            return fail(.invalidOid, "CERT.DPauth: \(error)")
        }
        let validation: SGP22ChainValidationResult
        do {
            validation = try await identity.trustStore.validate(leaf: certificate, role: .dpAuth, againstPKId: request.euiccCiPKIdToBeUsed, at: Date())
        } catch {
            return fail(.ciPKUnknown, "\(error)")
        }
        guard validation.isValid else {
            return fail(.invalidCertificate, "CERT.DPauth \(certificate.subject): " + validation.failureReasons.joined(separator: "; "))
        }
        guard verify(request.serverSignature1.rawValue, over: signed.rawDER, by: certificate) else {
            return fail(.invalidSignature, "serverSignature1 does not verify with CERT.DPauth")
        }
        guard let challenge = euiccChallenge else { return fail(.noSessionContext, "no GetEUICCChallenge before AuthenticateServer") }
        guard challenge == signed.euiccChallenge else { return fail(.euiccChallengeMismatch, "serverSigned1 carries another euiccChallenge") }
        let smdpOid: ASN1ObjectIdentifier
        do {
            smdpOid = try SGP22CertificateFields.smdpOID(certificate)
        } catch {
            return fail(.invalidCertificate, "CERT.DPauth has no SM-DP+ OID: \(error)")
        }
        do {
            let euiccSigned1 = try EuiccSigned1(transactionId: tid, serverAddress: signed.serverAddress, serverChallenge: signed.serverChallenge,
                                                euiccInfo2: euiccInfo2(), ctxParams1: request.ctxParams1)
            let signature = try sign(euiccSigned1.rawDER)
            euiccChallenge = nil
            bppLoad = nil
            session = DownloadSession(transactionId: tid, serverAddress: signed.serverAddress, ciPKId: request.euiccCiPKIdToBeUsed,
                                      smdpOid: smdpOid, euiccSignature1: signature.rawValue, prepared: nil)
            return try .makeOk(euiccSigned1: euiccSigned1, euiccSignature1: signature,
                               euiccCertificate: identity.certificateDER, eumCertificate: identity.eumCertificateDER)
        } catch {
            return fail(.undefinedError, "cannot sign euiccSigned1: \(error)")
        }
    }

    /// ES10b.PrepareDownload (SGP.22 §5.7.14): session present, CERT.DPpb chains to the session's CI,
    /// smdpSignature2 over `smdpSigned2 ‖ 5F37 40 ‖ euiccSignature1`, transactionId matches. Generates
    /// otPK/otSK.EUICC.ECKA and signs euiccSigned2 (‖ 5F37 40 ‖ smdpSignature2).
    func prepareDownload(_ request: PrepareDownloadRequest) async -> PrepareDownloadResponse {
        let tid = request.smdpSigned2.transactionId
        func fail(_ code: DownloadErrorCode, _ why: String) -> PrepareDownloadResponse {
            report(EUICCDiagnostic(kind: .failure, function: "PrepareDownload", code: "\(code)", message: why))
            return .error(transactionId: tid, code: code)
        }
        guard var current = session, current.prepared == nil else { return fail(.noSessionContext, "no authenticated session awaiting PrepareDownload") }
        let certificate: Certificate
        do {
            certificate = try PKIDecoder.certificate(request.smdpCertificate)
        } catch {
            return fail(.invalidCertificate, "CERT.DPpb: \(error)")
        }
        guard P256.Signing.PublicKey(certificate.publicKey) != nil else { return fail(.unsupportedCurve, "CERT.DPpb is not a P-256 key") }
        let validation: SGP22ChainValidationResult
        do {
            validation = try await identity.trustStore.validate(leaf: certificate, role: .dpPb, againstPKId: current.ciPKId, at: Date())
        } catch {
            return fail(.invalidCertificate, "CERT.DPpb: \(error)")
        }
        guard validation.isValid else {
            return fail(.invalidCertificate, "CERT.DPpb \(certificate.subject): " + validation.failureReasons.joined(separator: "; "))
        }
        let signedData = request.smdpSigned2.rawDER + [0x5F, 0x37, 0x40] + current.euiccSignature1
        guard verify(request.smdpSignature2.rawValue, over: signedData, by: certificate) else {
            return fail(.invalidSignature, "smdpSignature2 does not verify with CERT.DPpb")
        }
        guard tid == current.transactionId else { return fail(.invalidTransactionId, "transactionId \(tid) is not the session's") }
        if request.smdpSigned2.ccRequiredFlag, request.hashCc == nil {
            return fail(.undefinedError, "the SM-DP+ requires a confirmation code and no hashCc was given")
        }
        let keyPair = ECKAKeyPair()
        let otpk = keyPair.publicPoint.uncompressed
        do {
            let signed2 = try EUICCSigned2(transactionId: tid, euiccOtpk: otpk,
                                           hashCc: request.smdpSigned2.ccRequiredFlag ? request.hashCc : nil)
            let signature = try sign(signed2.rawDER + [0x5F, 0x37, 0x40] + request.smdpSignature2.rawValue)
            current.prepared = PreparedDownload(dpPbCertificate: certificate, otKeyPair: keyPair, euiccOtpk: otpk)
            session = current
            return .ok(euiccSigned2: signed2, euiccSignature2: signature)
        } catch {
            return fail(.undefinedError, "cannot sign euiccSigned2: \(error)")
        }
    }

    /// ES10b.CancelSession (SGP.22 §5.7.14a): signs `euiccCancelSessionSigned` and ends the session.
    func cancelSession(_ request: CancelSessionRequest) throws -> CancelSessionResponse {
        guard let current = session, current.transactionId == request.transactionId else {
            return .error(.invalidTransactionId)
        }
        let signed = try EuiccCancelSessionSigned(transactionId: request.transactionId, smdpOid: current.smdpOid, reason: request.reason)
        let signature = try sign(signed.rawDER)
        session = nil
        bppLoad = nil
        return .ok(signed: signed, signature: signature)
    }

    // MARK: Signatures

    /// Signs with SK.EUICC.ECDSA (SHA-256, r‖s).
    func sign(_ message: [UInt8]) throws -> ECDSASignature {
        let signature = try SGP22ECDSA.sign(message, with: identity.privateKey)
        return try ECDSASignature(signature.raw)
    }

    /// Verifies an r‖s signature by the holder of `certificate`; any malformed input is `false`.
    func verify(_ raw: [UInt8], over message: [UInt8], by certificate: Certificate) -> Bool {
        do {
            return try SGP22CertificateFields.verify(SGP22Signature(raw: raw), over: message, signedBy: certificate)
        } catch {
            return false
        }
    }
}
