// JSON-RPC hex encodings (Ethereum JSON-RPC spec, "Hex value encoding"):
// QUANTITY: 0x-prefixed, most compact (no leading zeros, "0x0" for zero), here at most 256 bits.
// DATA: 0x-prefixed, two hex digits per byte (even length, "0x" for empty).

import EthereumCore

/// A JSON-RPC QUANTITY. Decoding rejects leading zeros, an empty `0x`, a missing `0x`,
/// non-hex digits and values above 2^256 - 1.
public struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let value: UInt256

    public init(_ value: UInt256) { self.value = value }
    public init(_ value: UInt64) { self.value = UInt256(value) }

    /// Parses QUANTITY text strictly.
    public init(hex text: String) throws(HexTypeError) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == 0x30, utf8[1] == 0x78 else { throw .missingPrefix(text) }
        guard utf8.count > 2 else { throw .emptyQuantity }
        let digits = utf8[2...]
        guard digits.allSatisfy(Self.isHexDigit) else { throw .invalidCharacter(text) }
        guard digits.count == 1 || digits.first != 0x30 else { throw .leadingZeros(text) }
        guard digits.count <= 64 else { throw .overflow(text) }
        do {
            value = try UInt256(quantity: text)
        } catch {
            throw .invalidCharacter(text)
        }
    }

    /// The canonical text (`0x0`, `0x1f`).
    public var hex: String { value.quantityHex }
    public var description: String { hex }

    /// The value as `UInt64`, or `.outOfRange` when it does not fit (block numbers, nonces, gas).
    public func uint64() throws(HexTypeError) -> UInt64 {
        guard value.w1 == 0, value.w2 == 0, value.w3 == 0 else { throw .outOfRange(hex) }
        return value.w0
    }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(hex: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }

    static func isHexDigit(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x61...0x66).contains(c) || (0x41...0x46).contains(c)
    }
}

/// JSON-RPC DATA: arbitrary bytes as `0x` + even-length hex.
public struct DataHex: Sendable, Hashable, Codable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(hex text: String) throws(HexTypeError) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == 0x30, utf8[1] == 0x78 else { throw .missingPrefix(text) }
        guard utf8.count % 2 == 0 else { throw .oddLength(text) }
        guard utf8[2...].allSatisfy(Quantity.isHexDigit) else { throw .invalidCharacter(text) }
        do {
            bytes = try Hex.decode(text, requirePrefix: true)
        } catch {
            throw .invalidCharacter(text)
        }
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(hex: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}

/// Why a QUANTITY or DATA string was rejected.
public enum HexTypeError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingPrefix(String)
    case emptyQuantity
    case leadingZeros(String)
    case overflow(String)
    case oddLength(String)
    case invalidCharacter(String)
    case outOfRange(String)

    public var description: String {
        switch self {
        case .missingPrefix(let s): return "hex value must start with 0x: \(s.prefix(80))"
        case .emptyQuantity: return "QUANTITY \"0x\" has no digits (zero is \"0x0\")"
        case .leadingZeros(let s): return "QUANTITY has leading zeros: \(s.prefix(80))"
        case .overflow(let s): return "QUANTITY exceeds 256 bits: \(s.prefix(80))"
        case .oddLength(let s): return "DATA has an odd number of hex digits: \(s.prefix(80))"
        case .invalidCharacter(let s): return "invalid hex digit in \(s.prefix(80))"
        case .outOfRange(let s): return "QUANTITY \(s) does not fit in 64 bits"
        }
    }
}

/// A block selector: a number or one of the tags.
public enum BlockTag: Sendable, Hashable, Encodable, CustomStringConvertible {
    case number(UInt64)
    case latest, earliest, pending, safe, finalized

    public var rpcValue: String {
        switch self {
        case .number(let n): return Quantity(n).hex
        case .latest: return "latest"
        case .earliest: return "earliest"
        case .pending: return "pending"
        case .safe: return "safe"
        case .finalized: return "finalized"
        }
    }

    public var description: String { rpcValue }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rpcValue)
    }
}
