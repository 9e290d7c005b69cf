import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import SwiftASN1
import Testing
import X509

/// The eUICC side of an ES9+ exchange, with real keys and real checks (what an eUICC and LPA do
/// between the ES9+ calls): verifies the SM-DP+ signatures and certificate chains, signs with SK.EUICC,
/// makes the one-time ECKA key, and unbinds the BPP with BSP.
public final class TestEUICC {
    public let eid: EID
    public let key: P256.Signing.PrivateKey
    public let certificateDER: [UInt8]
    public let eumCertificateDER: [UInt8]
    /// CIs this eUICC trusts for verifying SM-DP+ certificates.
    public let trustedCIs: [Certificate]
    public let signingCIPKIds: [[UInt8]]

    /// euiccInfo2.profileVersion: the highest SAIP version this eUICC supports.
    public var profileVersion = VersionType(2, 3, 1)
    public private(set) var challenge: [UInt8] = []
    public private(set) var euiccSignature1: ECDSASignature?
    public private(set) var serverCertificate: Certificate?
    public private(set) var oneTimeKey: ECKAKeyPair?
    public private(set) var transactionId: TransactionID?
    public private(set) var smdpOid: ASN1ObjectIdentifier?

    public init(pki: TestPKI, trustedCIs: [Certificate]) throws {
        eid = try SGP22CertificateFields.eid(pki.euicc.certificate)
        key = pki.euicc.privateKey
        certificateDER = try PKIEncoding.der(pki.euicc.certificate)
        eumCertificateDER = try PKIEncoding.der(pki.eum.certificate)
        self.trustedCIs = trustedCIs
        signingCIPKIds = [try SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate)]
    }

    /// An eUICC with its own certificate for `eid`, issued by the EUM of `pki` (same recipe as the
    /// PKI generator; the EID may lie outside the EUM's name constraint).
    public init(eid: EID, issuedBy pki: TestPKI, trustedCIs: [Certificate]) throws {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let subject = DistinguishedName(pki.euicc.certificate.subject.map { rdn in
            RelativeDistinguishedName(rdn.map { attribute in
                guard attribute.type == SGP22OID.serialNumber else { return attribute }
                do { return try RelativeDistinguishedName.Attribute(type: SGP22OID.serialNumber, printableString: eid.digits) } catch {
                    return attribute
                }
            })
        })
        let eumSKI = try SGP22CertificateFields.subjectKeyIdentifier(pki.eum.certificate)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(365 * 24 * 3600),
            issuer: pki.eum.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                AuthorityKeyIdentifier(keyIdentifier: eumSKI[...])
                SubjectKeyIdentifier(hash: publicKey)
                Critical(KeyUsage(digitalSignature: true))
                try SGP22CertificateFields.policiesExtension(for: .euicc)
            },
            issuerPrivateKey: Certificate.PrivateKey(pki.eum.privateKey))
        self.eid = eid
        self.key = key
        certificateDER = try PKIEncoding.der(certificate)
        eumCertificateDER = try PKIEncoding.der(pki.eum.certificate)
        self.trustedCIs = trustedCIs
        signingCIPKIds = [try SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate)]
    }

    public var verificationCIPKIds: [[UInt8]] {
        get throws { try trustedCIs.map { try SGP22CertificateFields.subjectKeyIdentifier($0) } }
    }

    public func euiccInfo1() throws -> EUICCInfo1 {
        EUICCInfo1(svn: VersionType(2, 2, 2), euiccCiPKIdListForVerification: try verificationCIPKIds,
                   euiccCiPKIdListForSigning: signingCIPKIds)
    }

    public func euiccInfo2() throws -> EUICCInfo2 {
        EUICCInfo2(profileVersion: profileVersion, svn: VersionType(2, 2, 2), euiccFirmwareVer: VersionType(1, 0, 0),
                   extCardResource: [0x81, 0x01, 0x00], uiccCapability: NamedBits(setBits: [0, 1, 2]),
                   rspCapability: NamedBits(setBits: [0]), euiccCiPKIdListForVerification: try verificationCIPKIds,
                   euiccCiPKIdListForSigning: signingCIPKIds, ppVersion: VersionType(0, 0, 1), sasAcreditationNumber: "OPENRSP-TEST")
    }

    /// ES10b GetEUICCChallenge + GetEUICCInfo1, as the LPA puts them into initiateAuthentication.
    public func initiateAuthenticationRequest(smdpAddress: String) throws -> InitiateAuthenticationRequest {
        challenge = (0..<16).map { _ in UInt8.random(in: 0...255) }
        return try InitiateAuthenticationRequest(smdpAddress: smdpAddress, euiccChallenge: challenge, euiccInfo1: try euiccInfo1())
    }

    /// ES10b AuthenticateServer: checks CERT.DPauth (chain to the CI it names), serverSignature1 and the
    /// challenge, then signs euiccSigned1.
    public func authenticateServer(_ output: InitiateAuthenticationOutput, matchingId: String?) async throws -> AuthenticateClientRequest {
        let ci = try #require(trustedCIs.first { (try? SGP22CertificateFields.subjectKeyIdentifier($0)) == output.euiccCiPKIdToBeUsed })
        let dpAuth = try PKIDecoder.certificate(output.serverCertificate)
        let chain = await SGP22ChainValidator.validate(leaf: dpAuth, role: .dpAuth, trustedCI: ci, at: Date())
        #expect(chain.isValid, "CERT.DPauth: \(chain.failureReasons)")
        let signature = try SGP22Signature(raw: output.serverSignature1.rawValue)
        #expect(try SGP22CertificateFields.verify(signature, over: output.serverSigned1.rawDER, signedBy: dpAuth), "serverSignature1")
        #expect(output.serverSigned1.euiccChallenge == challenge)
        serverCertificate = dpAuth
        smdpOid = try SGP22CertificateFields.smdpOID(dpAuth)
        transactionId = output.transactionId
        let ctx = CtxParams1.commonAuthentication(CtxParamsForCommonAuthentication(
            matchingId: matchingId, deviceInfo: try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities())))
        let signed1 = try EuiccSigned1(transactionId: output.transactionId, serverAddress: output.serverSigned1.serverAddress,
                                       serverChallenge: output.serverSigned1.serverChallenge, euiccInfo2: try euiccInfo2(), ctxParams1: ctx)
        let signature1 = try ECDSASignature(try SGP22ECDSA.sign(signed1.rawDER, with: key).raw)
        euiccSignature1 = signature1
        return AuthenticateClientRequest(
            transactionId: output.transactionId,
            authenticateServerResponse: try .makeOk(euiccSigned1: signed1, euiccSignature1: signature1,
                                                    euiccCertificate: certificateDER, eumCertificate: eumCertificateDER))
    }

    /// ES10b PrepareDownload: checks CERT.DPpb and smdpSignature2, makes otPK.EUICC.ECKA, computes hashCc.
    public func prepareDownload(_ output: AuthenticateClientOutput, confirmationCode: String?) async throws -> GetBoundProfilePackageRequest {
        let dpPb = try PKIDecoder.certificate(output.smdpCertificate)
        let ciPKId = try SGP22CertificateFields.authorityKeyIdentifier(dpPb)
        let ci = try #require(trustedCIs.first { (try? SGP22CertificateFields.subjectKeyIdentifier($0)) == ciPKId })
        let chain = await SGP22ChainValidator.validate(leaf: dpPb, role: .dpPb, trustedCI: ci, at: Date())
        #expect(chain.isValid, "CERT.DPpb: \(chain.failureReasons)")
        let signature1 = try #require(euiccSignature1)
        let smdpSignature2 = try SGP22Signature(raw: output.smdpSignature2.rawValue)
        #expect(try SGP22CertificateFields.verify(smdpSignature2, over: output.smdpSigned2.rawDER + signature1.tlv, signedBy: dpPb),
                "smdpSignature2")
        let otKey = ECKAKeyPair()
        oneTimeKey = otKey
        var hashCc: [UInt8]?
        if output.smdpSigned2.ccRequiredFlag, let confirmationCode {
            let inner = Array(SHA256.hash(data: Array(confirmationCode.utf8)))
            hashCc = Array(SHA256.hash(data: inner + output.transactionId.bytes))
        }
        let signed2 = try EUICCSigned2(transactionId: output.transactionId, euiccOtpk: otKey.publicPoint.uncompressed, hashCc: hashCc)
        let signature2 = try ECDSASignature(try SGP22ECDSA.sign(signed2.rawDER + output.smdpSignature2.tlv, with: key).raw)
        return GetBoundProfilePackageRequest(transactionId: output.transactionId,
                                             prepareDownloadResponse: .ok(euiccSigned2: signed2, euiccSignature2: signature2))
    }

    /// ES8+ via LoadBoundProfilePackage: verifies smdpSign with CERT.DPpb, agrees the session keys and
    /// opens every segment. Returns (StoreMetadata DER, UPP).
    public func unbind(_ bpp: BoundProfilePackage, dpPbCertificateDER: [UInt8]) throws -> (metadata: [UInt8], upp: [UInt8]) {
        let otKey = try #require(oneTimeKey)
        let isc = bpp.initialiseSecureChannelRequest
        let dpPb = try PKIDecoder.certificate(dpPbCertificateDER)
        let signed = try isc.signedData(euiccOtpk: otKey.publicPoint.uncompressed)
        #expect(try SGP22CertificateFields.verify(try SGP22Signature(raw: isc.smdpSign.rawValue), over: signed, signedBy: dpPb), "smdpSign")
        #expect(isc.transactionId == transactionId)
        let shared = try otKey.sharedSecret(with: try ECKAPublicPoint(uncompressed: isc.smdpOtpk))
        var context = BSPContext(keys: try BSPSessionKeys.derive(sharedSecret: shared, hostId: isc.controlRefTemplate.hostId, eid: eid))
        for segment in bpp.firstSequenceOf87 + bpp.sequenceOf88 + bpp.sequenceOf86 { #expect(segment.count <= 1020) }
        let configure = try bpp.firstSequenceOf87.flatMap { try context.unprotect($0).plaintext }
        #expect(configure.first == 0xBF && configure.dropFirst().first == 0x24)
        let metadata = try bpp.sequenceOf88.flatMap { try context.unprotect($0).plaintext }
        let upp = try bpp.sequenceOf86.flatMap { try context.unprotect($0).plaintext }
        return (metadata, upp)
    }

    /// The ProfileInstallationResult the eUICC signs after installing (or failing).
    public func installationResult(iccid: ICCID, success: Bool) throws -> HandleNotificationRequest {
        let tid = try #require(transactionId)
        let metadata = try NotificationMetadata(seqNumber: 1, profileManagementOperation: .install,
                                                notificationAddress: "smdp.openrsp.test", iccid: iccid)
        let final: FinalResult = success
            ? .success(aid: [0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0x01], simaResponse: [0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00])
            : .error(bppCommandId: .loadProfileElements, errorReason: .installFailedDueToPEProcessingError, simaResponse: nil)
        let data = try ProfileInstallationResultData(transactionId: tid, notificationMetadata: metadata, smdpOid: smdpOid, finalResult: final)
        let signature = try ECDSASignature(try SGP22ECDSA.sign(data.rawDER, with: key).raw)
        return HandleNotificationRequest(pendingNotification: .profileInstallationResult(
            ProfileInstallationResult(profileInstallationResultData: data, euiccSignPIR: signature)))
    }

    /// ES10b CancelSession, then the LPA's ES9+ cancelSession request.
    public func cancelSession(reason: CancelSessionReason) throws -> ES9CancelSessionRequest {
        let tid = try #require(transactionId)
        let signed = try EuiccCancelSessionSigned(transactionId: tid, smdpOid: try #require(smdpOid), reason: reason)
        let signature = try ECDSASignature(try SGP22ECDSA.sign(signed.rawDER, with: key).raw)
        return ES9CancelSessionRequest(transactionId: tid, cancelSessionResponse: .ok(signed: signed, signature: signature))
    }
}
