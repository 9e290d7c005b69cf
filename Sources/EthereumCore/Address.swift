// Ethereum account address: the last 20 bytes of Keccak-256(uncompressed public key x || y).
// Text form: EIP-55 mixed-case checksum (https://eips.ethereum.org/EIPS/eip-55).

/// Errors from parsing or constructing an `Address`.
public enum AddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidHex(FormatError)
    case wrongLength(Int)
    /// Mixed-case text whose case pattern is not the EIP-55 checksum.
    case invalidChecksum(expected: String)
    /// A public key that is not 64 bytes (x || y) or 65 bytes (0x04 || x || y).
    case invalidPublicKey(length: Int)

    public var description: String {
        switch self {
        case .invalidHex(let e): return "address: \(e)"
        case .wrongLength(let n): return "address must be 20 bytes, got \(n)"
        case .invalidChecksum(let expected): return "address EIP-55 checksum mismatch (expected \(expected))"
        case .invalidPublicKey(let n): return "public key must be 64 or 65 (0x04-prefixed) bytes, got \(n)"
        }
    }
}

/// A 20-byte Ethereum address.
public struct Address: Sendable, Hashable, CustomStringConvertible, Codable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) throws(AddressError) {
        guard bytes.count == 20 else { throw .wrongLength(bytes.count) }
        self.bytes = bytes
    }

    /// Parses `0x` + 40 hex digits. All-lower or all-upper text is accepted without checksum;
    /// mixed case must match EIP-55.
    public init(hex text: String) throws(AddressError) {
        let raw: [UInt8]
        do { raw = try Hex.decode(text, requirePrefix: true) } catch { throw .invalidHex(error) }
        try self.init(raw)
        let digits = text.dropFirst(2)
        let hasLower = digits.contains(where: { $0.isLowercase }), hasUpper = digits.contains(where: { $0.isUppercase })
        if hasLower && hasUpper, String(digits) != String(checksummed.dropFirst(2)) {
            throw .invalidChecksum(expected: checksummed)
        }
    }

    /// Address of an uncompressed secp256k1 public key (64 bytes x || y, or 65 with the 0x04 prefix).
    public init(publicKey: [UInt8]) throws(AddressError) {
        let xy: [UInt8]
        switch publicKey.count {
        case 64: xy = publicKey
        case 65 where publicKey[0] == 0x04: xy = Array(publicKey[1...])
        default: throw .invalidPublicKey(length: publicKey.count)
        }
        self.bytes = Array(Keccak256.digest(xy)[12...])
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    public static let zero = Address(unchecked: [UInt8](repeating: 0, count: 20))

    /// EIP-55: hex digit i is upper-case iff nibble i of Keccak-256(lower-case hex) is >= 8.
    public var checksummed: String {
        let lower = Hex.encode(bytes, prefix: false)
        let hash = Keccak256.digest(Array(lower.utf8))
        var out = "0x"
        for (i, c) in lower.enumerated() {
            let nibble = i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f
            out.append(nibble >= 8 ? Character(c.uppercased()) : c)
        }
        return out
    }

    public var lowercaseHex: String { Hex.encode(bytes) }
    public var description: String { checksummed }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(hex: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(checksummed)
    }
}
