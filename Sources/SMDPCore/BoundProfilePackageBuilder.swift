import Crypto
import RSPASN1
import RSPCrypto

/// A failure while binding a profile package to one eUICC session.
public enum BoundProfilePackageBuildError: Error, Equatable, Sendable, CustomStringConvertible {
    /// otPK.EUICC.ECKA from EUICCSigned2 is not a valid uncompressed P-256 point.
    case invalidEuiccOneTimeKey(String)
    /// hostId is not 1–16 bytes, or the shared secret has the wrong size.
    case keyDerivation(String)
    /// Encoding one of the BPP parts failed.
    case encoding(String)
    /// BSP protection failed.
    case protection(String)
    /// Signing smdpSign with SK.DPpb failed.
    case signing(String)

    public var description: String {
        switch self {
        case .invalidEuiccOneTimeKey(let m): "invalid otPK.EUICC.ECKA: \(m)"
        case .keyDerivation(let m): "BSP key derivation failed: \(m)"
        case .encoding(let m): "BPP encoding failed: \(m)"
        case .protection(let m): "BSP protection failed: \(m)"
        case .signing(let m): "smdpSign failed: \(m)"
        }
    }
}

/// Profile protection keys (PPK) for a pre-protected profile package: when present, the BPP carries
/// `secondSequenceOf87` = ReplaceSessionKeys (`BF26`) and the `86` segments are protected with these keys
/// and a fresh block counter (SGP.22 §2.5.4, notes §3 item 6).
public struct ProfileProtectionKeys: Hashable, Sendable {
    public let keys: BSPSessionKeys

    public init(keys: BSPSessionKeys) { self.keys = keys }

    /// Fresh random PPK-ENC, PPK-MAC and initial MCV.
    public static func random() throws(BoundProfilePackageBuildError) -> ProfileProtectionKeys {
        func random16() -> [UInt8] { SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) } }
        do {
            return ProfileProtectionKeys(keys: try BSPSessionKeys(initialMCV: random16(), sEnc: random16(), sMac: random16()))
        } catch { throw .keyDerivation("\(error)") }
    }
}

/// The protected parts of a BPP, A0 to A3, each segment a complete `86`/`87`/`88` TLV.
public struct ProtectedBPPSegments: Hashable, Sendable {
    public let firstSequenceOf87: [[UInt8]]
    public let sequenceOf88: [[UInt8]]
    public let secondSequenceOf87: [[UInt8]]?
    public let sequenceOf86: [[UInt8]]
}

/// The result of binding: the BPP, its DER, and the SM-DP+ one-time public key it carries.
public struct BuiltBoundProfilePackage: Sendable {
    public let boundProfilePackage: BoundProfilePackage
    /// `BF36 L …`, the value of `boundProfilePackage` in the ES9+ getBoundProfilePackage response.
    public let der: [UInt8]
    /// otPK.DP.ECKA (`04‖X‖Y`).
    public let smdpOtpk: ECKAPublicPoint
}

/// Builds a Bound Profile Package (SGP.22 §2.5.4, §5.7.x ES8+; notes §2–§5):
///
/// ```
/// BF36 { BF23 InitialiseSecureChannelRequest (signed with SK.DPpb),
///        A0 { 87 ConfigureISDP }, A1 { 88 StoreMetadata … }, [A2 { 87 ReplaceSessionKeys }],
///        A3 { 86 UPP segment … } }
/// ```
///
/// The SM-DP+ makes a one-time ECKA key pair, agrees ShS with otPK.EUICC.ECKA, derives S-ENC / S-MAC /
/// MCV with X9.63 over `SharedInfo = 88 10 len(hostId) hostId 10 EID`, and protects each segment
/// with `BSPContext`: `87`/`86` encrypted + MAC at ≤ 1007 plaintext bytes, `88` MAC-only at ≤ 1008,
/// so no TLV exceeds 1020 bytes (SGP.22 §2.5.3).
public struct BoundProfilePackageBuilder: Sendable {
    /// CRT `84` hostId default: 8 bytes "OpenRSP1". SGP.22 leaves the value to the SM-DP+ (1–16 bytes).
    public static let defaultHostId: [UInt8] = Array("OpenRSP1".utf8)

    public var hostId: [UInt8]
    /// Plaintext bytes per `86` segment. nil (the default) keeps every TLV within SGP.22's 1020 bytes;
    /// interop tests set 1008 to send what other deployed SM-DP+s send (1036-byte TLVs).
    public var profileElementPieceBytes: Int?

    public init(hostId: [UInt8] = BoundProfilePackageBuilder.defaultHostId, profileElementPieceBytes: Int? = nil) {
        self.hostId = hostId
        self.profileElementPieceBytes = profileElementPieceBytes
    }

    /// Binds `unprotectedProfilePackage` (SAIP DER) to the session.
    /// - Parameters:
    ///   - euiccOtpk: otPK.EUICC.ECKA, the `5F49` value of EUICCSigned2.
    ///   - smdpOneTimeKey: otSK/otPK.DP.ECKA; a fresh pair by default (pass a fixed one only in tests).
    ///   - profileProtectionKeys: when given, adds A2 ReplaceSessionKeys and protects A3 with these keys.
    public func build(
        euiccOtpk: [UInt8],
        eid: EID,
        transactionId: TransactionID,
        dpPbKey: P256.Signing.PrivateKey,
        storeMetadata: StoreMetadataRequest,
        unprotectedProfilePackage: [UInt8],
        configureISDP: ConfigureISDPRequest = ConfigureISDPRequest(),
        profileProtectionKeys: ProfileProtectionKeys? = nil,
        smdpOneTimeKey: ECKAKeyPair = ECKAKeyPair()
    ) throws(BoundProfilePackageBuildError) -> BuiltBoundProfilePackage {
        let euiccPoint: ECKAPublicPoint
        do { euiccPoint = try ECKAPublicPoint(uncompressed: euiccOtpk) } catch {
            throw .invalidEuiccOneTimeKey(error.description)
        }
        let crt: ControlRefTemplate
        do { crt = try ControlRefTemplate(keyType: 0x88, keyLen: 0x10, hostId: hostId) } catch {
            throw .keyDerivation("hostId: \(error)")
        }
        let smdpOtpk = smdpOneTimeKey.publicPoint

        // smdpSign covers 82 01 01 ‖ 80 tid ‖ A6 CRT ‖ 5F49 smdpOtpk ‖ 5F49 euiccOtpk (notes §2).
        let signedData: [UInt8]
        do {
            signedData = try InitialiseSecureChannelRequest.signedData(
                remoteOpId: 1, transactionId: transactionId, controlRefTemplate: crt,
                smdpOtpk: smdpOtpk.uncompressed, euiccOtpk: euiccPoint.uncompressed)
        } catch { throw .encoding("InitialiseSecureChannelRequest signed data: \(error)") }
        let smdpSign: ECDSASignature
        do {
            let signature = try SGP22ECDSA.sign(signedData, with: dpPbKey)
            smdpSign = try ECDSASignature(signature.raw)
        } catch { throw .signing("\(error)") }
        let isc = InitialiseSecureChannelRequest(
            remoteOpId: 1, transactionId: transactionId, controlRefTemplate: crt,
            smdpOtpk: smdpOtpk.uncompressed, smdpSign: smdpSign)

        let sessionKeys: BSPSessionKeys
        do {
            let shared = try smdpOneTimeKey.sharedSecret(with: euiccPoint)
            sessionKeys = try BSPSessionKeys.derive(sharedSecret: shared, hostId: hostId, eid: eid)
        } catch { throw .keyDerivation("\(error)") }

        let segments = try Self.protect(
            sessionKeys: sessionKeys, configureISDP: configureISDP, storeMetadata: storeMetadata,
            unprotectedProfilePackage: unprotectedProfilePackage, profileProtectionKeys: profileProtectionKeys,
            profileElementPieceBytes: profileElementPieceBytes)
        do {
            let bpp = try BoundProfilePackage(
                initialiseSecureChannelRequest: isc,
                firstSequenceOf87: segments.firstSequenceOf87,
                sequenceOf88: segments.sequenceOf88,
                secondSequenceOf87: segments.secondSequenceOf87,
                sequenceOf86: segments.sequenceOf86)
            return BuiltBoundProfilePackage(boundProfilePackage: bpp, der: try bpp.derEncoded(), smdpOtpk: smdpOtpk)
        } catch { throw .encoding("BoundProfilePackage: \(error)") }
    }

    /// Protects A0–A3 with already agreed session keys (the part of `build` after key agreement;
    /// exposed so the notes §5 worked example, whose keys are fixed, can be checked byte for byte).
    public static func protect(
        sessionKeys: BSPSessionKeys,
        configureISDP: ConfigureISDPRequest,
        storeMetadata: StoreMetadataRequest,
        unprotectedProfilePackage: [UInt8],
        profileProtectionKeys: ProfileProtectionKeys? = nil,
        profileElementPieceBytes: Int? = nil
    ) throws(BoundProfilePackageBuildError) -> ProtectedBPPSegments {
        let configureDER: [UInt8]
        let metadataDER: [UInt8]
        do {
            configureDER = try configureISDP.derEncoded()
            metadataDER = try storeMetadata.derEncoded()
        } catch { throw .encoding("\(error)") }

        var context = BSPContext(keys: sessionKeys)
        do {
            let first87 = try context.protectSegmented(configureDER, tag: .encryptedCommand)
            let seq88 = try context.protectSegmented(metadataDER, tag: .macOnly)
            var second87: [[UInt8]]?
            if let ppk = profileProtectionKeys {
                let replace = try ReplaceSessionKeysRequest(
                    initialMacChainingValue: ppk.keys.initialMCV, ppkEnc: ppk.keys.sEnc, ppkCmac: ppk.keys.sMac)
                second87 = try context.protectSegmented(try replace.derEncoded(), tag: .encryptedCommand)
                context.replaceSessionKeys(ppk.keys)
            }
            let seq86 = try context.protectSegmented(unprotectedProfilePackage, tag: .profileElement, pieceBytes: profileElementPieceBytes)
            return ProtectedBPPSegments(firstSequenceOf87: first87, sequenceOf88: seq88,
                                        secondSequenceOf87: second87, sequenceOf86: seq86)
        } catch let error as BSPError {
            throw .protection(error.description)
        } catch {
            throw .encoding("\(error)")
        }
    }
}
