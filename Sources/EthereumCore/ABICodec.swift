// ABI head/tail encoding and strict decoding (Solidity ABI spec, "Formal Specification of the Encoding").
import BigInt

/// Encodes and decodes sequences of ABI values.
public enum ABI {
    /// Encodes `values` as the tuple `(types…)`: heads, then tails of dynamic members.
    public static func encode(_ types: [ABIType], _ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        guard types.count == values.count else { throw .wrongCount(expected: types.count, actual: values.count) }
        let headLength = types.reduce(0) { $0 + $1.headSize }
        var head = [UInt8](), tail = [UInt8]()
        head.reserveCapacity(headLength)
        for (t, v) in zip(types, values) {
            let enc = try encode(t, v)
            if t.isDynamic {
                head += UInt256(UInt64(headLength + tail.count)).bigEndianBytes
                tail += enc
            } else {
                head += enc
            }
        }
        return head + tail
    }

    /// Encodes one value of type `t` (its full encoding, as it appears in a tail or head).
    public static func encode(_ t: ABIType, _ v: ABIValue) throws(ABIError) -> [UInt8] {
        switch (t, v) {
        case (.uint(let bits), .uint(let x)):
            guard x.bitWidth <= bits else { throw .valueOutOfRange(type: t.description) }
            return x.bigEndianBytes
        case (.int(let bits), .int(let x)):
            let limit = BigInt(1) << (bits - 1)
            guard x >= -limit, x < limit else { throw .valueOutOfRange(type: t.description) }
            return twosComplementWord(x)
        case (.address, .address(let a)):
            return [UInt8](repeating: 0, count: 12) + a.bytes
        case (.bool, .bool(let b)):
            return UInt256(UInt64(b ? 1 : 0)).bigEndianBytes
        case (.fixedBytes(let n), .fixedBytes(let b)):
            guard b.count == n else { throw .valueOutOfRange(type: t.description) }
            return b + [UInt8](repeating: 0, count: 32 - n)
        case (.bytes, .bytes(let b)):
            return UInt256(UInt64(b.count)).bigEndianBytes + padded(b)
        case (.string, .string(let s)):
            let b = Array(s.utf8)
            return UInt256(UInt64(b.count)).bigEndianBytes + padded(b)
        case (.array(let et), .array(let items)):
            return UInt256(UInt64(items.count)).bigEndianBytes + (try encode(Array(repeating: et, count: items.count), items))
        case (.fixedArray(let et, let k), .array(let items)):
            guard items.count == k else { throw .wrongCount(expected: k, actual: items.count) }
            return try encode(Array(repeating: et, count: k), items)
        case (.tuple(let ts), .tuple(let items)):
            return try encode(ts, items)
        default:
            throw .typeMismatch(expected: t.description)
        }
    }

    /// Right-pads to a multiple of 32 bytes.
    static func padded(_ b: [UInt8]) -> [UInt8] {
        b + [UInt8](repeating: 0, count: (32 - b.count % 32) % 32)
    }

    static func twosComplementWord(_ x: BigInt) -> [UInt8] {
        let magnitude = x.sign == .minus ? (BigUInt(1) << 256) - x.magnitude : x.magnitude
        let raw = Array(magnitude.serialize())
        return [UInt8](repeating: 0, count: 32 - raw.count) + raw
    }

    /// Strictly decodes `data` as the tuple `(types…)`. Trailing bytes after the last tail are allowed
    /// (the spec permits them); everything referenced must lie inside `data`.
    public static func decode(_ types: [ABIType], from data: [UInt8]) throws(ABIError) -> [ABIValue] {
        var reader = ABIReader(data: data)
        return try reader.sequence(types, start: 0, end: data.count, depth: 0)
    }
}

/// Strict ABI decoder over one buffer. Every read is bounds-checked against the enclosing region.
struct ABIReader {
    let data: [UInt8]
    static let maxDepth = 32

    func word(at offset: Int, end: Int) throws(ABIError) -> [UInt8] {
        guard offset >= 0, end - offset >= 32 else { throw .truncated(needed: 32, available: Swift.max(0, end - offset)) }
        return Array(data[offset..<(offset + 32)])
    }

    func wordValue(at offset: Int, end: Int) throws(ABIError) -> UInt256 {
        let w = try word(at: offset, end: end)
        do { return try UInt256(bigEndian: w) } catch { throw .truncated(needed: 32, available: 0) }
    }

    /// Reads a length or offset word that must fit in Int and in the data.
    func smallValue(at offset: Int, end: Int, asLength: Bool) throws(ABIError) -> Int {
        let v = try wordValue(at: offset, end: end)
        guard v.bitWidth <= 48 else { throw asLength ? .lengthTooLarge(v) : .invalidOffset(v) }
        return Int(v.w0)
    }

    mutating func sequence(_ types: [ABIType], start: Int, end: Int, depth: Int) throws(ABIError) -> [ABIValue] {
        guard depth < Self.maxDepth else { throw .nestingTooDeep }
        let headLength = types.reduce(0) { $0 + $1.headSize }
        guard end - start >= headLength else { throw .truncated(needed: headLength, available: end - start) }
        var values = [ABIValue]()
        values.reserveCapacity(types.count)
        var headPos = start
        for t in types {
            if t.isDynamic {
                let offset = try smallValue(at: headPos, end: end, asLength: false)
                // A tail must start after this sequence's head and inside the enclosing region.
                guard offset >= headLength, offset < end - start else { throw .invalidOffset(UInt256(UInt64(offset))) }
                values.append(try value(t, at: start + offset, end: end, depth: depth + 1))
            } else {
                values.append(try value(t, at: headPos, end: end, depth: depth + 1))
            }
            headPos += t.headSize
        }
        return values
    }

    mutating func value(_ t: ABIType, at pos: Int, end: Int, depth: Int) throws(ABIError) -> ABIValue {
        switch t {
        case .uint(let bits):
            let v = try wordValue(at: pos, end: end)
            guard v.bitWidth <= bits else { throw .dirtyPadding(type: t.description) }
            return .uint(v)
        case .int(let bits):
            let w = try word(at: pos, end: end)
            let negative = w[0] & 0x80 != 0
            let unsigned = BigUInt(words: Array(w.reversed()).chunked8())
            let signed: BigInt = negative ? BigInt(unsigned) - (BigInt(1) << 256) : BigInt(unsigned)
            let limit = BigInt(1) << (bits - 1)
            guard signed >= -limit, signed < limit else { throw .dirtyPadding(type: t.description) }
            return .int(signed)
        case .address:
            let w = try word(at: pos, end: end)
            guard w[0..<12].allSatisfy({ $0 == 0 }) else { throw .dirtyPadding(type: "address") }
            return .address(Address(unchecked: Array(w[12...])))
        case .bool:
            let v = try wordValue(at: pos, end: end)
            guard v <= 1 else { throw .invalidBool(v) }
            return .bool(v == 1)
        case .fixedBytes(let n):
            let w = try word(at: pos, end: end)
            guard w[n...].allSatisfy({ $0 == 0 }) else { throw .dirtyPadding(type: t.description) }
            return .fixedBytes(Array(w[..<n]))
        case .bytes, .string:
            let length = try smallValue(at: pos, end: end, asLength: true)
            let available = end - pos - 32
            guard length <= available else { throw .truncated(needed: length, available: available) }
            let raw = Array(data[(pos + 32)..<(pos + 32 + length)])
            if case .bytes = t { return .bytes(raw) }
            guard let s = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8 }
            return .string(s)
        case .array(let et):
            let count = try smallValue(at: pos, end: end, asLength: true)
            let available = end - pos - 32
            let elementSize = et.headSize
            guard elementSize > 0, count <= available / elementSize else { throw .lengthTooLarge(UInt256(UInt64(count))) }
            return .array(try sequence(Array(repeating: et, count: count), start: pos + 32, end: end, depth: depth))
        case .fixedArray(let et, let k):
            guard et.headSize > 0, k <= (end - pos) / et.headSize else {
                throw .truncated(needed: et.headSize * k, available: end - pos)
            }
            return .array(try sequence(Array(repeating: et, count: k), start: pos, end: end, depth: depth))
        case .tuple(let ts):
            return .tuple(try sequence(ts, start: pos, end: end, depth: depth))
        }
    }
}

extension Array where Element == UInt8 {
    /// Little-endian bytes to 64-bit little-endian words (self.count must be a multiple of 8).
    func chunked8() -> [UInt] {
        stride(from: 0, to: count, by: 8).map { i in
            (0..<8).reduce(UInt(0)) { $0 | UInt(self[i + $1]) << (8 * UInt($1)) }
        }
    }
}
