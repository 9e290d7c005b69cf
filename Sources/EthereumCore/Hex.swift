// Hex at the JSON/CLI edge only. Inside EthereumCore bytes stay `[UInt8]`.

/// Errors from parsing hex text or from constructing fixed-length byte values.
public enum FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingHexPrefix
    case oddHexLength(Int)
    case invalidHexCharacter(Character)
    case wrongLength(expected: Int, actual: Int)
    /// JSON-RPC QUANTITY must be `0x` followed by at least one digit and no leading zeros.
    case nonCanonicalQuantity(String)

    public var description: String {
        switch self {
        case .missingHexPrefix: return "hex text must start with 0x"
        case .oddHexLength(let n): return "hex text has an odd number of digits (\(n))"
        case .invalidHexCharacter(let c): return "invalid hex character '\(c)'"
        case .wrongLength(let expected, let actual): return "expected \(expected) bytes, got \(actual)"
        case .nonCanonicalQuantity(let s): return "not a canonical hex quantity: \(s)"
        }
    }
}

/// Hex encoding and decoding of byte strings (Ethereum JSON-RPC DATA).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex, `0x`-prefixed unless `prefix` is false.
    public static func encode(_ bytes: some Sequence<UInt8>, prefix: Bool = true) -> String {
        var out: [UInt8] = prefix ? [0x30, 0x78] : []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes even-length hex. `0x` is optional unless `requirePrefix` is set.
    public static func decode(_ text: String, requirePrefix: Bool = false) throws(FormatError) -> [UInt8] {
        var utf8 = Array(text.utf8)[...]
        if utf8.count >= 2, utf8[utf8.startIndex] == 0x30, utf8[utf8.startIndex + 1] | 0x20 == 0x78 {
            utf8 = utf8.dropFirst(2)
        } else if requirePrefix {
            throw .missingHexPrefix
        }
        guard utf8.count % 2 == 0 else { throw .oddHexLength(utf8.count) }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = utf8.startIndex
        while i < utf8.endIndex {
            let hi = try nibble(utf8[i]), lo = try nibble(utf8[i + 1])
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) throws(FormatError) -> UInt8 {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: throw .invalidHexCharacter(Character(Unicode.Scalar(c)))
        }
    }
}

/// A 32-byte hash (block hash, transaction hash, Keccak-256 output, log topic).
public struct Hash32: Sendable, Hashable, CustomStringConvertible, Codable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) throws(FormatError) {
        guard bytes.count == 32 else { throw .wrongLength(expected: 32, actual: bytes.count) }
        self.bytes = bytes
    }

    /// Parses `0x` + 64 hex digits.
    public init(hex: String) throws(FormatError) {
        try self.init(Hex.decode(hex, requirePrefix: true))
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    public static let zero = Hash32(unchecked: [UInt8](repeating: 0, count: 32))

    /// The 32-byte big-endian word of `value`: the ABI word, and the topic of an indexed uint256.
    public init(word value: UInt256) { self.init(unchecked: value.bigEndianBytes) }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    /// JSON form: `0x` + 64 hex digits.
    public init(from decoder: any Decoder) throws {
        try self.init(hex: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}
