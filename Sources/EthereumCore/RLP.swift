// Recursive Length Prefix (Ethereum Yellow Paper, Appendix B), strict canonical decoding.

/// Errors from strict RLP decoding and from reading decoded items as typed values.
public enum RLPError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case truncated(needed: Int, available: Int)
    case trailingBytes(Int)
    /// A single byte < 0x80 encoded as a one-byte string (0x81 0x00..0x7f).
    case nonCanonicalSingleByte
    /// A long-form length that fits the short form, or a length with leading zero bytes.
    case nonCanonicalLength
    case lengthTooLarge
    case nestingTooDeep
    case expectedBytes
    case expectedList
    /// An integer with leading zero bytes (zero must be the empty string).
    case nonCanonicalInteger
    case integerTooLarge(maxBytes: Int)
    case wrongListLength(expected: Int, actual: Int)
    case wrongByteLength(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .empty: return "RLP: no input"
        case .truncated(let n, let a): return "RLP: truncated (needs \(n) bytes, \(a) available)"
        case .trailingBytes(let n): return "RLP: \(n) trailing bytes after the item"
        case .nonCanonicalSingleByte: return "RLP: single byte below 0x80 must encode as itself"
        case .nonCanonicalLength: return "RLP: non-canonical length prefix"
        case .lengthTooLarge: return "RLP: length does not fit in memory"
        case .nestingTooDeep: return "RLP: lists nested too deeply"
        case .expectedBytes: return "RLP: expected a byte string, found a list"
        case .expectedList: return "RLP: expected a list, found a byte string"
        case .nonCanonicalInteger: return "RLP: integer has leading zero bytes"
        case .integerTooLarge(let n): return "RLP: integer longer than \(n) bytes"
        case .wrongListLength(let e, let a): return "RLP: expected a list of \(e) items, found \(a)"
        case .wrongByteLength(let e, let a): return "RLP: expected \(e) bytes, found \(a)"
        }
    }
}

/// An RLP item: a byte string or a list of items.
public indirect enum RLPItem: Equatable, Sendable {
    case bytes([UInt8])
    case list([RLPItem])

    /// Canonical integer: big-endian without leading zeros, zero as the empty string.
    public static func uint(_ value: UInt256) -> RLPItem { .bytes(value.minimalBigEndianBytes) }
    @_disfavoredOverload
    public static func uint(_ value: UInt64) -> RLPItem { .uint(UInt256(value)) }

    public func asBytes() throws(RLPError) -> [UInt8] {
        guard case .bytes(let b) = self else { throw .expectedBytes }
        return b
    }

    public func asList() throws(RLPError) -> [RLPItem] {
        guard case .list(let items) = self else { throw .expectedList }
        return items
    }

    /// Reads a canonical unsigned integer of at most 32 bytes.
    public func asUInt256() throws(RLPError) -> UInt256 {
        let b = try asBytes()
        guard b.first != 0 else { throw .nonCanonicalInteger }
        guard b.count <= 32 else { throw .integerTooLarge(maxBytes: 32) }
        do { return try UInt256(bigEndian: b) } catch { throw .integerTooLarge(maxBytes: 32) }
    }

    /// Reads a canonical unsigned integer of at most 8 bytes.
    public func asUInt64() throws(RLPError) -> UInt64 {
        let v = try asUInt256()
        guard v.bitWidth <= 64 else { throw .integerTooLarge(maxBytes: 8) }
        return v.w0
    }
}

/// RLP encoder and strict decoder.
public enum RLP {
    /// Maximum list nesting accepted by the decoder.
    public static let maxDepth = 64

    public static func encode(_ item: RLPItem) -> [UInt8] {
        var out = [UInt8]()
        append(item, to: &out)
        return out
    }

    static func append(_ item: RLPItem, to out: inout [UInt8]) {
        switch item {
        case .bytes(let b):
            if b.count == 1 && b[0] < 0x80 {
                out.append(b[0])
            } else {
                appendHeader(count: b.count, shortBase: 0x80, to: &out)
                out.append(contentsOf: b)
            }
        case .list(let items):
            var body = [UInt8]()
            for i in items { append(i, to: &body) }
            appendHeader(count: body.count, shortBase: 0xc0, to: &out)
            out.append(contentsOf: body)
        }
    }

    static func appendHeader(count: Int, shortBase: UInt8, to out: inout [UInt8]) {
        if count <= 55 {
            out.append(shortBase + UInt8(count))
        } else {
            let len = UInt256(UInt64(count)).minimalBigEndianBytes
            out.append(shortBase + 55 + UInt8(len.count))
            out.append(contentsOf: len)
        }
    }

    /// Decodes exactly one item spanning all of `data`.
    public static func decode(_ data: [UInt8]) throws(RLPError) -> RLPItem {
        guard !data.isEmpty else { throw .empty }
        var pos = 0
        let item = try decodeItem(data, &pos, end: data.count, depth: 0)
        guard pos == data.count else { throw .trailingBytes(data.count - pos) }
        return item
    }

    /// Reads one header at `pos`: whether it is a list, and the payload range.
    static func header(_ d: [UInt8], _ pos: inout Int, end: Int) throws(RLPError) -> (isList: Bool, start: Int, count: Int) {
        guard pos < end else { throw .truncated(needed: 1, available: 0) }
        let prefix = d[pos]
        pos += 1
        switch prefix {
        case 0x00...0x7f:
            return (false, pos - 1, 1)
        case 0x80...0xb7, 0xc0...0xf7:
            let isList = prefix >= 0xc0
            let count = Int(prefix - (isList ? 0xc0 : 0x80))
            guard end - pos >= count else { throw .truncated(needed: count, available: end - pos) }
            if !isList, count == 1, d[pos] < 0x80 { throw .nonCanonicalSingleByte }
            return (isList, pos, count)
        default:
            let isList = prefix >= 0xf8
            let lenOfLen = Int(prefix - (isList ? 0xf7 : 0xb7))
            guard end - pos >= lenOfLen else { throw .truncated(needed: lenOfLen, available: end - pos) }
            guard d[pos] != 0 else { throw .nonCanonicalLength }
            guard lenOfLen <= 7 else { throw .lengthTooLarge }
            var count = 0
            for i in 0..<lenOfLen { count = count << 8 | Int(d[pos + i]) }
            pos += lenOfLen
            guard count > 55 else { throw .nonCanonicalLength }
            guard end - pos >= count else { throw .truncated(needed: count, available: end - pos) }
            return (isList, pos, count)
        }
    }

    static func decodeItem(_ d: [UInt8], _ pos: inout Int, end: Int, depth: Int) throws(RLPError) -> RLPItem {
        let h = try header(d, &pos, end: end)
        if h.start == pos - 1 && !h.isList && h.count == 1 && d[h.start] < 0x80 {
            return .bytes([d[h.start]])
        }
        pos = h.start + h.count
        guard h.isList else { return .bytes(Array(d[h.start..<(h.start + h.count)])) }
        guard depth < maxDepth else { throw .nestingTooDeep }
        var items = [RLPItem]()
        var inner = h.start
        while inner < h.start + h.count {
            items.append(try decodeItem(d, &inner, end: h.start + h.count, depth: depth + 1))
        }
        return .list(items)
    }
}
