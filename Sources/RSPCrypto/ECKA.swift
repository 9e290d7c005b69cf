import Crypto
import Foundation

/// Errors from ECKA (elliptic-curve key agreement, BSI TR-03111) as used for the BSP session keys.
public enum ECKAError: Error, Equatable, CustomStringConvertible {
    /// An uncompressed point must be `04‖X‖Y`, 65 bytes for P-256.
    case wrongPointLength(actual: Int)
    /// The first byte must be `04` (uncompressed).
    case notUncompressed(firstByte: UInt8)
    /// X‖Y is not a point on P-256.
    case pointNotOnCurve
    /// A raw private scalar was not 32 bytes or not in [1, n-1].
    case invalidPrivateKey

    public var description: String {
        switch self {
        case .wrongPointLength(let n): return "ECKA public point must be 65 bytes (04‖X‖Y), got \(n)"
        case .notUncompressed(let b): return String(format: "ECKA public point must start with 04, got %02X", b)
        case .pointNotOnCurve: return "ECKA public point is not on P-256"
        case .invalidPrivateKey: return "ECKA private key is not a valid P-256 scalar"
        }
    }
}

/// A P-256 public point in uncompressed form `04‖X‖Y` (SGP.22 `otPK.*.ECKA`, carried as `5F49 41 …`).
public struct ECKAPublicPoint: Hashable, Sendable {
    /// `04‖X‖Y`, 65 bytes.
    public let uncompressed: [UInt8]

    /// Validates length, the `04` prefix and that the point lies on P-256.
    public init(uncompressed bytes: [UInt8]) throws(ECKAError) {
        guard bytes.count == 65 else { throw .wrongPointLength(actual: bytes.count) }
        guard bytes[0] == 0x04 else { throw .notUncompressed(firstByte: bytes[0]) }
        do {
            _ = try P256.KeyAgreement.PublicKey(x963Representation: bytes)
        } catch {
            throw .pointNotOnCurve
        }
        self.uncompressed = bytes
    }

    public init(_ key: P256.KeyAgreement.PublicKey) {
        self.uncompressed = Array(key.x963Representation)
    }

    /// The key for swift-crypto (always succeeds: the point was validated on construction).
    var keyAgreementKey: P256.KeyAgreement.PublicKey {
        get throws { try P256.KeyAgreement.PublicKey(x963Representation: uncompressed) }
    }
}

/// A one-time ECKA key pair (`otSK/otPK.DP.ECKA` or `otSK/otPK.EUICC.ECKA`) on P-256.
public struct ECKAKeyPair: Sendable {
    public let privateKey: P256.KeyAgreement.PrivateKey

    /// Generates a fresh one-time key pair.
    public init() {
        self.privateKey = P256.KeyAgreement.PrivateKey()
    }

    /// Imports a 32-byte big-endian private scalar (test vectors, persisted eUICC state).
    public init(rawPrivateScalar: [UInt8]) throws(ECKAError) {
        guard rawPrivateScalar.count == 32 else { throw .invalidPrivateKey }
        do {
            self.privateKey = try P256.KeyAgreement.PrivateKey(rawRepresentation: rawPrivateScalar)
        } catch {
            throw .invalidPrivateKey
        }
    }

    /// `04‖X‖Y` of the public half.
    public var publicPoint: ECKAPublicPoint { ECKAPublicPoint(privateKey.publicKey) }

    /// ShS = X coordinate (32 bytes) of otSK × otPK_peer (ECKA-DH, BSI TR-03111 §4.3.1).
    public func sharedSecret(with peer: ECKAPublicPoint) throws -> [UInt8] {
        let secret = try privateKey.sharedSecretFromKeyAgreement(with: peer.keyAgreementKey)
        return secret.withUnsafeBytes { Array($0) }
    }
}
