// The IMSI in clear, when the visited network needs it, travels sealed to the visited operator's P-256
// key with HPKE (RFC 9180, the standardised ECIES): DHKEM(P-256, HKDF-SHA256), HKDF-SHA256,
// AES-128-GCM, base mode, from swift-crypto (no hand-written crypto). The key is the one of the
// visited MNO's certificate, whose SubjectPublicKeyInfo hash the TrustRegistry holds
// (`entities(mno).spkiHash`): `recipientKey(spki:registeredHash:)` refuses any other.
import Crypto
import Foundation

public enum IMSISealingError: Error, Equatable, Sendable, CustomStringConvertible {
    case keyNotRegistered
    case badKey
    case openFailed

    public var description: String {
        switch self {
        case .keyNotRegistered: "the key's SubjectPublicKeyInfo does not hash to the registered SPKI hash"
        case .badKey: "not a P-256 SubjectPublicKeyInfo"
        case .openFailed: "the sealed IMSI does not open with this key and context"
        }
    }
}

public struct SealedIMSI: Sendable, Hashable {
    public let encapsulatedKey: Data   // 65 bytes, the sender's ephemeral P-256 key
    public let ciphertext: Data

    /// Copies both into zero-based `Data` (swift-crypto may hand out slices).
    public init(encapsulatedKey: Data, ciphertext: Data) {
        self.encapsulatedKey = Data(Array(encapsulatedKey))
        self.ciphertext = Data(Array(ciphertext))
    }
}

public enum IMSISealing {
    public static let ciphersuite = HPKE.Ciphersuite(kem: .P256_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .AES_GCM_128)

    /// HPKE info: binds the sealed IMSI to one authorisation (its EIP-712 digest).
    public static func info(authorization digest: [UInt8]) -> Data { Data("OpenRSP roaming IMSI v1".utf8 + digest) }

    /// The visited operator's key from its certificate's DER SubjectPublicKeyInfo, checked against the
    /// registry's SHA-256 of it.
    public static func recipientKey(spki: [UInt8], registeredHash: [UInt8]) throws(IMSISealingError) -> P256.KeyAgreement.PublicKey {
        guard Array(SHA256.hash(data: spki)) == registeredHash else { throw .keyNotRegistered }
        do { return try P256.KeyAgreement.PublicKey(derRepresentation: spki) } catch { throw .badKey }
    }

    public static func seal(imsi: String, to key: P256.KeyAgreement.PublicKey, authorization digest: [UInt8]) throws -> SealedIMSI {
        var sender = try HPKE.Sender(recipientKey: key, ciphersuite: ciphersuite, info: info(authorization: digest))
        let ct = try sender.seal(Data(imsi.utf8))
        return SealedIMSI(encapsulatedKey: sender.encapsulatedKey, ciphertext: ct)
    }

    public static func open(_ sealed: SealedIMSI, with key: P256.KeyAgreement.PrivateKey, info: Data, aad: Data = Data()) throws(IMSISealingError) -> Data {
        do {
            var recipient = try HPKE.Recipient(privateKey: key, ciphersuite: ciphersuite, info: info,
                                               encapsulatedKey: sealed.encapsulatedKey)
            return try recipient.open(sealed.ciphertext, authenticating: aad)
        } catch {
            throw .openFailed
        }
    }
}

extension IMSISealing {
    /// Seals `imsi` to the visited operator's key given as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), refused unless
    /// its SHA-256 is `registeredHash` (the TrustRegistry's `spkiHash` of the visited MNO).
    public static func seal(imsi: String, toPublicKeyPEM pem: String, registeredHash: [UInt8],
                            authorization digest: [UInt8]) throws(IMSISealingError) -> SealedIMSI {
        let spki: [UInt8]
        do { spki = Array(try P256.KeyAgreement.PublicKey(pemRepresentation: pem).derRepresentation) } catch { throw .badKey }
        let key = try recipientKey(spki: spki, registeredHash: registeredHash)
        do { return try seal(imsi: imsi, to: key, authorization: digest) } catch { throw .badKey }
    }

    /// Opens a sealed IMSI of the authorisation with digest `digest` with the visited operator's private key (PEM).
    public static func open(_ sealed: SealedIMSI, privateKeyPEM pem: String, authorization digest: [UInt8]) throws(IMSISealingError) -> String {
        let key: P256.KeyAgreement.PrivateKey
        do { key = try P256.KeyAgreement.PrivateKey(pemRepresentation: pem) } catch { throw .badKey }
        let clear = try open(sealed, with: key, info: info(authorization: digest))
        guard let imsi = String(data: clear, encoding: .utf8), (6...15).contains(imsi.count), imsi.allSatisfy(\.isASCII),
              imsi.allSatisfy(\.isNumber) else { throw .openFailed }
        return imsi
    }
}
