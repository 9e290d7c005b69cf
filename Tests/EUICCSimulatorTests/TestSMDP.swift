import Crypto
import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import RSPCrypto
import SwiftASN1
import Testing
import X509

/// The SM-DP+ side of one download, done with the real primitives (RSPASN1 messages, RSPCrypto
/// signatures, ECKA, KDF, BSP): builds signed ES9+ outputs and a Bound Profile Package.
/// (Until SMDPCore's BoundProfilePackageBuilder is merged, the BPP is assembled here from the same
/// primitives.)
struct TestSMDP {
    let dpAuthCertificate: [UInt8]
    let dpAuthKey: P256.Signing.PrivateKey
    let dpPbCertificate: [UInt8]
    let dpPbKey: P256.Signing.PrivateKey
    let ciPKId: [UInt8]
    var address = "smdp.openrsp.test"
    var transactionId: TransactionID = try! TransactionID([0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF])
    var hostId: [UInt8] = Array("openrsp1".utf8)

    init(pki: TestPKI) throws {
        dpAuthCertificate = try PKIEncoding.der(pki.dpAuth.certificate)
        dpAuthKey = pki.dpAuth.privateKey
        dpPbCertificate = try PKIEncoding.der(pki.dpPb.certificate)
        dpPbKey = pki.dpPb.privateKey
        ciPKId = try SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate)
    }

    init(dpAuthCertificate: [UInt8], dpAuthKey: P256.Signing.PrivateKey, dpPbCertificate: [UInt8], dpPbKey: P256.Signing.PrivateKey, ciPKId: [UInt8]) {
        self.dpAuthCertificate = dpAuthCertificate
        self.dpAuthKey = dpAuthKey
        self.dpPbCertificate = dpPbCertificate
        self.dpPbKey = dpPbKey
        self.ciPKId = ciPKId
    }

    static func ctxParams1() throws -> CtxParams1 {
        .commonAuthentication(CtxParamsForCommonAuthentication(
            matchingId: "23", deviceInfo: try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities())))
    }

    /// initiateAuthentication output turned into the ES10b request.
    func authenticateServerRequest(euiccChallenge: [UInt8], transactionId tid: TransactionID? = nil,
                                   certificate: [UInt8]? = nil, ciPKId: [UInt8]? = nil, corruptSignature: Bool = false) throws -> AuthenticateServerRequest {
        let signed = try ServerSigned1(transactionId: tid ?? transactionId, euiccChallenge: euiccChallenge,
                                       serverAddress: address, serverChallenge: Array(repeating: 0x5C, count: 16))
        var signature = try SGP22ECDSA.sign(signed.rawDER, with: dpAuthKey).raw
        if corruptSignature { signature[10] ^= 0x01 }
        return try AuthenticateServerRequest(serverSigned1: signed, serverSignature1: ECDSASignature(signature),
                                             euiccCiPKIdToBeUsed: ciPKId ?? self.ciPKId,
                                             serverCertificate: certificate ?? dpAuthCertificate, ctxParams1: Self.ctxParams1())
    }

    /// authenticateClient output turned into the ES10b request.
    func prepareDownloadRequest(euiccSignature1: ECDSASignature, transactionId tid: TransactionID? = nil,
                                ccRequired: Bool = false, hashCc: [UInt8]? = nil) throws -> PrepareDownloadRequest {
        let signed = try SmdpSigned2(transactionId: tid ?? transactionId, ccRequiredFlag: ccRequired)
        let signature = try SGP22ECDSA.sign(signed.rawDER + euiccSignature1.tlv, with: dpPbKey)
        return try PrepareDownloadRequest(smdpSigned2: signed, smdpSignature2: ECDSASignature(signature.raw),
                                          hashCc: hashCc, smdpCertificate: dpPbCertificate)
    }

    struct BPPOptions {
        var replaceSessionKeys = false
        var metadataICCID: ICCID?
    }

    /// getBoundProfilePackage: binds `upp` for the eUICC's one-time key `euiccOtpk`.
    func boundProfilePackage(upp: [UInt8], euiccOtpk: [UInt8], eid: EID, options: BPPOptions = BPPOptions()) throws -> BoundProfilePackage {
        let header = try ProfileElementSequence(der: upp).header
        let crt = try ControlRefTemplate(hostId: hostId)
        let otKey = ECKAKeyPair()
        let smdpOtpk = otKey.publicPoint.uncompressed
        let signedData = try InitialiseSecureChannelRequest.signedData(transactionId: transactionId, controlRefTemplate: crt,
                                                                      smdpOtpk: smdpOtpk, euiccOtpk: euiccOtpk)
        let sign = try SGP22ECDSA.sign(signedData, with: dpPbKey)
        let isc = InitialiseSecureChannelRequest(transactionId: transactionId, controlRefTemplate: crt, smdpOtpk: smdpOtpk,
                                                 smdpSign: try ECDSASignature(sign.raw))
        let shared = try otKey.sharedSecret(with: ECKAPublicPoint(uncompressed: euiccOtpk))
        var context = BSPContext(keys: try BSPSessionKeys.derive(sharedSecret: shared, hostId: hostId, eid: eid))
        let configure = try ConfigureISDPRequest().derEncoded()
        let first87 = try context.protectSegmented(configure, tag: .encryptedCommand)
        let metadata = try StoreMetadataRequest(
            iccid: options.metadataICCID ?? header.iccid, serviceProviderName: "OpenRSP Test", profileName: "TS.48 test profile",
            notificationConfigurationInfo: [NotificationConfigurationInformation(profileManagementOperation: [.install, .enable, .disable, .delete],
                                                                                 notificationAddress: address)])
        let seq88 = try context.protectSegmented(try metadata.derEncoded(), tag: .macOnly)
        var second87: [[UInt8]]?
        var seq86: [[UInt8]]
        if options.replaceSessionKeys {
            let ppk = (mcv: Array(repeating: UInt8(0x11), count: 16), enc: Array(repeating: UInt8(0x22), count: 16), mac: Array(repeating: UInt8(0x33), count: 16))
            let replace = try ReplaceSessionKeysRequest(initialMacChainingValue: ppk.mcv, ppkEnc: ppk.enc, ppkCmac: ppk.mac)
            second87 = try context.protectSegmented(try replace.derEncoded(), tag: .encryptedCommand)
            var ppkContext = BSPContext(keys: try BSPSessionKeys(initialMCV: ppk.mcv, sEnc: ppk.enc, sMac: ppk.mac))
            seq86 = try ppkContext.protectSegmented(upp, tag: .profileElement)
        } else {
            seq86 = try context.protectSegmented(upp, tag: .profileElement)
        }
        return try BoundProfilePackage(initialiseSecureChannelRequest: isc, firstSequenceOf87: first87, sequenceOf88: seq88,
                                       secondSequenceOf87: second87, sequenceOf86: seq86)
    }
}

/// A generated PKI, a simulator on a fresh state directory, and an ES10 client on an in-process transport.
struct Fixture {
    let pki: TestPKI
    let directory: URL
    let identity: EUICCIdentity
    let card: SoftEUICC
    let transport: InProcessTransport
    let client: ES10Client
    let smdp: TestSMDP

    static let sharedPKI: TestPKI? = try? TestPKIGenerator.generate(TestPKIOptions(eid: TestPKIOptions.defaultEID))

    init(chunkSize: Int = 120, extraCIs: [Certificate] = [], directory: URL? = nil, configuration: SoftEUICCConfiguration = SoftEUICCConfiguration(),
         faultInjector: (@Sendable (PersistencePoint) throws -> Void)? = nil) async throws {
        pki = try #require(Fixture.sharedPKI)
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("euicc-test-\(UUID().uuidString)")
        identity = try EUICCIdentity(certificateDER: PKIEncoding.der(pki.euicc.certificate), eumCertificateDER: PKIEncoding.der(pki.eum.certificate),
                                     privateKey: pki.euicc.privateKey, trustedCIs: [pki.ci.certificate] + extraCIs)
        card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: self.directory, faultInjector: faultInjector),
                             configuration: configuration)
        transport = InProcessTransport(card: card)
        client = try ES10Client(transport: transport, chunkSize: chunkSize)
        try await client.open()
        smdp = try TestSMDP(pki: pki)
    }

    /// AuthenticateServer + PrepareDownload; returns the euiccOtpk.
    func authenticateAndPrepare(smdp: TestSMDP? = nil) async throws -> [UInt8] {
        let smdp = smdp ?? self.smdp
        let challenge = try await client.getEUICCChallenge()
        let auth = try await client.authenticateServer(try smdp.authenticateServerRequest(euiccChallenge: challenge))
        guard case let .ok(_, signature1, _, _) = auth else { throw TestFailure("AuthenticateServer failed: \(auth)") }
        let prepare = try await client.prepareDownload(try smdp.prepareDownloadRequest(euiccSignature1: signature1))
        guard case let .ok(signed2, _) = prepare else { throw TestFailure("PrepareDownload failed: \(prepare)") }
        return signed2.euiccOtpk
    }

    /// A full download of `upp`; returns the PIR.
    func download(upp: [UInt8], options: TestSMDP.BPPOptions = TestSMDP.BPPOptions()) async throws -> ProfileInstallationResult {
        let otpk = try await authenticateAndPrepare()
        let bpp = try smdp.boundProfilePackage(upp: upp, euiccOtpk: otpk, eid: identity.eid, options: options)
        return try await client.loadBoundProfilePackage(bpp)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The TS.48 UPPs in `<packageRoot>/../shared/testdata/ts48/`, or nil when absent.
enum TS48 {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/testdata/ts48")
    }

    static func upp(_ name: String = "TS48v2_SAIP2.3_NoBERTLV.der") -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
        return Array(data)
    }

    static var available: Bool { upp() != nil }

    /// The same UPP with the ProfileHeader's ICCID replaced (all other PEs byte-identical).
    static func replacingICCID(_ upp: [UInt8], with iccid: ICCID) throws -> [UInt8] {
        let sequence = try ProfileElementSequence(der: upp)
        var header = sequence.header
        header.iccid = iccid
        return try header.derEncoded() + sequence.elements.dropFirst().flatMap(\.rawDER)
    }
}

/// The final-result part of a PIR.
func finalResult(_ pir: ProfileInstallationResult) -> FinalResult { pir.profileInstallationResultData.finalResult }
