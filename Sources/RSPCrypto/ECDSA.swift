import Crypto
import Foundation

/// Errors from SGP.22 ECDSA signature handling.
public enum ECDSASignatureError: Error, Equatable, CustomStringConvertible {
    /// A raw signature must be exactly r‖s, 64 bytes (SGP.22 §2.6.7, BSI TR-03111 plain format).
    case wrongRawLength(actual: Int)
    /// r or s is zero or not below the P-256 group order n.
    case scalarOutOfRange(component: String)
    /// The bytes are not a DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
    case malformedDER
    /// A `5F37 40 <r‖s>` TLV had the wrong tag or length.
    case malformedSignatureTLV

    public var description: String {
        switch self {
        case .wrongRawLength(let n): return "ECDSA signature must be 64 bytes (r‖s), got \(n)"
        case .scalarOutOfRange(let c): return "ECDSA signature component \(c) is outside [1, n-1]"
        case .malformedDER: return "ECDSA signature is not a DER Ecdsa-Sig-Value"
        case .malformedSignatureTLV: return "expected signature TLV 5F 37 40 followed by 64 bytes"
        }
    }
}

/// An ECDSA P-256 signature in the SGP.22 wire form: r‖s, each 32 bytes big-endian, left-padded.
/// SGP.22 messages carry it as the TLV `5F 37 40 <r‖s>`; only X.509 certificates use DER `Ecdsa-Sig-Value`.
public struct SGP22Signature: Hashable, Sendable {
    /// r‖s, 64 bytes.
    public let raw: [UInt8]

    /// P-256 group order n, big-endian.
    static let p256Order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]

    /// Validates length (64) and that 1 ≤ r, s ≤ n−1.
    public init(raw: [UInt8]) throws(ECDSASignatureError) {
        guard raw.count == 64 else { throw .wrongRawLength(actual: raw.count) }
        try Self.checkScalar(Array(raw[0..<32]), component: "r")
        try Self.checkScalar(Array(raw[32..<64]), component: "s")
        self.raw = raw
    }

    /// Decodes an X9.62 DER `Ecdsa-Sig-Value` (as found in certificate signatures).
    public init(der: [UInt8]) throws(ECDSASignatureError) {
        let parsed: P256.Signing.ECDSASignature
        do {
            parsed = try P256.Signing.ECDSASignature(derRepresentation: der)
        } catch {
            throw .malformedDER
        }
        // swift-crypto re-encodes what it parsed; a strict DER input round-trips byte for byte.
        guard Array(parsed.derRepresentation) == der else { throw .malformedDER }
        try self.init(raw: Array(parsed.rawRepresentation))
    }

    /// Decodes the SGP.22 TLV `5F 37 40 <r‖s>` (exactly 67 bytes).
    public init(tlv: [UInt8]) throws(ECDSASignatureError) {
        guard tlv.count == 67, tlv[0] == 0x5F, tlv[1] == 0x37, tlv[2] == 0x40 else { throw .malformedSignatureTLV }
        try self.init(raw: Array(tlv[3...]))
    }

    /// The X9.62 DER `Ecdsa-Sig-Value` encoding.
    public var der: [UInt8] {
        get throws { Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation) }
    }

    /// `5F 37 40 <r‖s>` as carried in SGP.22 messages.
    public var tlv: [UInt8] { [0x5F, 0x37, 0x40] + raw }

    static func checkScalar(_ value: [UInt8], component: String) throws(ECDSASignatureError) {
        guard value.contains(where: { $0 != 0 }) else { throw .scalarOutOfRange(component: component) }
        // Big-endian equal-length comparison: value < n.
        guard value.lexicographicallyPrecedes(p256Order) else { throw .scalarOutOfRange(component: component) }
    }
}

/// ECDSA over P-256 with SHA-256, signatures in SGP.22 r‖s form.
public enum SGP22ECDSA {
    /// Signs `message` (hashed with SHA-256) and returns r‖s.
    public static func sign(_ message: [UInt8], with key: P256.Signing.PrivateKey) throws -> SGP22Signature {
        let signature = try key.signature(for: message)
        return try SGP22Signature(raw: Array(signature.rawRepresentation))
    }

    /// Verifies r‖s over `message` (SHA-256) with `key`.
    public static func verify(_ signature: SGP22Signature, over message: [UInt8], with key: P256.Signing.PublicKey) -> Bool {
        guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature.raw) else { return false }
        return key.isValidSignature(ecdsa, for: message)
    }

    /// Verifies r‖s over a precomputed SHA-256 digest (used by NIST SigVer vectors, which give messages
    /// but also suit callers that hash in pieces).
    public static func verify(_ signature: SGP22Signature, digest: SHA256Digest, with key: P256.Signing.PublicKey) -> Bool {
        guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature.raw) else { return false }
        return key.isValidSignature(ecdsa, for: digest)
    }
}

/// Hex at the edge (CLI, JSON, test vectors).
public enum HexBytes {
    public struct InvalidHex: Error, CustomStringConvertible {
        public let input: String
        public var description: String { "invalid hex string (\(input.count) chars)" }
    }

    /// Decodes hex (upper or lower case, optional whitespace); throws on odd length or non-hex characters.
    public static func decode(_ hex: String) throws(InvalidHex) -> [UInt8] {
        let chars = Array(hex.utf8.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 })
        guard chars.count % 2 == 0 else { throw InvalidHex(input: hex) }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { throw InvalidHex(input: hex) }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
