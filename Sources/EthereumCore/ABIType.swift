// Solidity contract ABI types and values (https://docs.soliditylang.org/en/latest/abi-spec.html).
import BigInt

/// Errors from ABI type parsing, encoding and strict decoding.
public enum ABIError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidType(String)
    /// A value whose shape does not match its type (e.g. a string for a uint).
    case typeMismatch(expected: String)
    case valueOutOfRange(type: String)
    case wrongCount(expected: Int, actual: Int)
    /// Data ends before a head word or a tail it points to.
    case truncated(needed: Int, available: Int)
    /// An offset that points outside the enclosing data (or backwards into the head).
    case invalidOffset(UInt256)
    case lengthTooLarge(UInt256)
    /// Non-zero bits where the ABI requires zero padding or sign extension.
    case dirtyPadding(type: String)
    case invalidBool(UInt256)
    case invalidUTF8
    case wrongSelector(expected: [UInt8], actual: [UInt8])
    case wrongTopicCount(expected: Int, actual: Int)
    case wrongTopic0
    case nestingTooDeep

    public var description: String {
        switch self {
        case .invalidType(let t): return "ABI: invalid type \(t)"
        case .typeMismatch(let t): return "ABI: value does not match type \(t)"
        case .valueOutOfRange(let t): return "ABI: value out of range for \(t)"
        case .wrongCount(let e, let a): return "ABI: expected \(e) values, got \(a)"
        case .truncated(let n, let a): return "ABI: data too short (needs \(n) bytes, \(a) available)"
        case .invalidOffset(let o): return "ABI: offset \(o) outside the data"
        case .lengthTooLarge(let l): return "ABI: length \(l) exceeds the data"
        case .dirtyPadding(let t): return "ABI: non-zero padding in \(t)"
        case .invalidBool(let v): return "ABI: bool must be 0 or 1, got \(v)"
        case .invalidUTF8: return "ABI: string is not valid UTF-8"
        case .wrongSelector(let e, let a): return "ABI: selector \(Hex.encode(a)) is not \(Hex.encode(e))"
        case .wrongTopicCount(let e, let a): return "ABI: event needs \(e) topics, log has \(a)"
        case .wrongTopic0: return "ABI: log topic0 is not this event's signature hash"
        case .nestingTooDeep: return "ABI: types nested too deeply"
        }
    }
}

/// An ABI type. `description` is the canonical form used in signatures ("uint256", "(address,bool)[]").
public indirect enum ABIType: Sendable, Hashable, CustomStringConvertible {
    case uint(Int)
    case int(Int)
    case address
    case bool
    /// bytes1 ... bytes32
    case fixedBytes(Int)
    case bytes
    case string
    /// T[]
    case array(ABIType)
    /// T[k]
    case fixedArray(ABIType, Int)
    case tuple([ABIType])

    public static let uint256 = ABIType.uint(256)

    public var description: String {
        switch self {
        case .uint(let n): return "uint\(n)"
        case .int(let n): return "int\(n)"
        case .address: return "address"
        case .bool: return "bool"
        case .fixedBytes(let n): return "bytes\(n)"
        case .bytes: return "bytes"
        case .string: return "string"
        case .array(let t): return "\(t)[]"
        case .fixedArray(let t, let k): return "\(t)[\(k)]"
        case .tuple(let ts): return "(" + ts.map(\.description).joined(separator: ",") + ")"
        }
    }

    /// Dynamic per the spec: bytes, string, T[], and T[k] / tuples containing a dynamic type.
    public var isDynamic: Bool {
        switch self {
        case .bytes, .string, .array: return true
        case .fixedArray(let t, _): return t.isDynamic
        case .tuple(let ts): return ts.contains(where: \.isDynamic)
        default: return false
        }
    }

    /// Bytes this type occupies in the head of an enclosing sequence.
    var headSize: Int {
        if isDynamic { return 32 }
        switch self {
        case .fixedArray(let t, let k): return t.headSize * k
        case .tuple(let ts): return ts.reduce(0) { $0 + $1.headSize }
        default: return 32
        }
    }

    /// Parses a type string: elementary names ("uint" = uint256, "int" = int256), tuples "(…)", suffixes "[]" / "[k]".
    public init(parsing text: String) throws(ABIError) {
        var parser = ABITypeParser(Array(text.utf8))
        let t = try parser.parseType(depth: 0)
        guard parser.pos == parser.chars.count else { throw .invalidType(text) }
        self = t
    }
}

struct ABITypeParser {
    let chars: [UInt8]
    var pos = 0
    init(_ chars: [UInt8]) { self.chars = chars }

    var text: String { String(decoding: chars, as: UTF8.self) }

    mutating func parseType(depth: Int) throws(ABIError) -> ABIType {
        guard depth < 32 else { throw .nestingTooDeep }
        var base: ABIType
        if pos < chars.count, chars[pos] == UInt8(ascii: "(") {
            pos += 1
            var members = [ABIType]()
            if pos < chars.count, chars[pos] == UInt8(ascii: ")") {
                pos += 1
            } else {
                while true {
                    members.append(try parseType(depth: depth + 1))
                    guard pos < chars.count else { throw .invalidType(text) }
                    if chars[pos] == UInt8(ascii: ",") { pos += 1; continue }
                    if chars[pos] == UInt8(ascii: ")") { pos += 1; break }
                    throw .invalidType(text)
                }
            }
            base = .tuple(members)
        } else {
            let start = pos
            while pos < chars.count, chars[pos] != UInt8(ascii: "["), chars[pos] != UInt8(ascii: ","),
                  chars[pos] != UInt8(ascii: ")") { pos += 1 }
            base = try Self.elementary(String(decoding: chars[start..<pos], as: UTF8.self))
        }
        while pos < chars.count, chars[pos] == UInt8(ascii: "[") {
            pos += 1
            let start = pos
            while pos < chars.count, chars[pos] != UInt8(ascii: "]") { pos += 1 }
            guard pos < chars.count else { throw .invalidType(text) }
            let digits = String(decoding: chars[start..<pos], as: UTF8.self)
            pos += 1
            if digits.isEmpty {
                base = .array(base)
            } else {
                guard digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.first != "0",
                      let k = Int(digits), k <= 1 << 20 else { throw .invalidType(text) }
                base = .fixedArray(base, k)
            }
        }
        return base
    }

    static func elementary(_ name: String) throws(ABIError) -> ABIType {
        switch name {
        case "address": return .address
        case "bool": return .bool
        case "bytes": return .bytes
        case "string": return .string
        case "uint": return .uint(256)
        case "int": return .int(256)
        case "function": return .fixedBytes(24)
        default: break
        }
        func size(after prefix: String) -> Int? {
            guard name.hasPrefix(prefix) else { return nil }
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.first != "0", digits.allSatisfy(\.isASCII) else { return nil }
            return Int(digits)
        }
        if let n = size(after: "uint"), n % 8 == 0, (8...256).contains(n) { return .uint(n) }
        if let n = size(after: "int"), n % 8 == 0, (8...256).contains(n) { return .int(n) }
        if let n = size(after: "bytes"), (1...32).contains(n) { return .fixedBytes(n) }
        throw .invalidType(name)
    }
}

/// An ABI value. Integers: `uint` for uintN, `int` (signed, arbitrary precision) for intN; ranges are checked against the type.
public indirect enum ABIValue: Sendable, Hashable {
    case uint(UInt256)
    case int(BigInt)
    case address(Address)
    case bool(Bool)
    case fixedBytes([UInt8])
    case bytes([UInt8])
    case string(String)
    /// Elements of T[] or T[k].
    case array([ABIValue])
    case tuple([ABIValue])
}
