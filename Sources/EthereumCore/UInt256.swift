// Unsigned 256-bit integer for token amounts, wei values and EVM words.
// Fixed width (four 64-bit limbs); arithmetic is checked and never wraps.
import BigInt

/// Errors from `UInt256` construction and checked arithmetic.
public enum UInt256Error: Error, Equatable, Sendable, CustomStringConvertible {
    case overflow
    case underflow
    case divisionByZero
    /// A value that needs more than 256 bits, or a negative value.
    case outOfRange
    case invalidDecimal(String)

    public var description: String {
        switch self {
        case .overflow: return "256-bit arithmetic overflow"
        case .underflow: return "256-bit arithmetic underflow (result below zero)"
        case .divisionByZero: return "division by zero"
        case .outOfRange: return "value does not fit in 0 ..< 2^256"
        case .invalidDecimal(let s): return "not a decimal unsigned integer: \(s)"
        }
    }
}

/// An integer in 0 ..< 2^256. Stored as four little-endian-ordered 64-bit limbs.
public struct UInt256: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Limbs, least significant first.
    public let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public init(limbs w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    public init(_ value: UInt64) { self.init(limbs: value, 0, 0, 0) }
    public init(integerLiteral value: UInt64) { self.init(value) }

    public static let zero = UInt256(0)
    public static let max = UInt256(limbs: .max, .max, .max, .max)

    public var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }

    /// Big-endian bytes, at most 32 (shorter input is left-padded with zeros).
    public init(bigEndian bytes: some Collection<UInt8>) throws(FormatError) {
        guard bytes.count <= 32 else { throw .wrongLength(expected: 32, actual: bytes.count) }
        var limbs: [UInt64] = [0, 0, 0, 0]
        for (i, b) in bytes.reversed().enumerated() {
            limbs[i / 8] |= UInt64(b) << (8 * UInt64(i % 8))
        }
        self.init(limbs: limbs[0], limbs[1], limbs[2], limbs[3])
    }

    /// The 32-byte big-endian representation (an EVM word).
    public var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for (i, limb) in [w3, w2, w1, w0].enumerated() {
            for j in 0..<8 { out[8 * i + j] = UInt8(truncatingIfNeeded: limb >> (8 * UInt64(7 - j))) }
        }
        return out
    }

    /// Big-endian bytes without leading zeros; zero is the empty array (RLP integer form).
    public var minimalBigEndianBytes: [UInt8] {
        Array(bigEndianBytes.drop(while: { $0 == 0 }))
    }

    /// Number of significant bits (0 for zero).
    public var bitWidth: Int {
        if w3 != 0 { return 256 - w3.leadingZeroBitCount }
        if w2 != 0 { return 192 - w2.leadingZeroBitCount }
        if w1 != 0 { return 128 - w1.leadingZeroBitCount }
        return 64 - w0.leadingZeroBitCount
    }

    public init(_ big: BigUInt) throws(UInt256Error) {
        guard big.bitWidth <= 256 else { throw .outOfRange }
        let words = big.words.map { UInt64($0) }
        func w(_ i: Int) -> UInt64 { i < words.count ? words[i] : 0 }
        self.init(limbs: w(0), w(1), w(2), w(3))
    }

    public init(_ big: BigInt) throws(UInt256Error) {
        guard big.sign == .plus || big.magnitude.isZero else { throw .outOfRange }
        try self.init(big.magnitude)
    }

    public var bigUInt: BigUInt {
        BigUInt(words: [UInt(w0), UInt(w1), UInt(w2), UInt(w3)])
    }

    /// Decimal text, digits only (no sign, no separators).
    public init(decimal text: String) throws(UInt256Error) {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let big = BigUInt(text, radix: 10) else { throw .invalidDecimal(text) }
        try self.init(big)
    }

    /// JSON-RPC QUANTITY: `0x` then hex digits without leading zeros (`0x0` for zero).
    public init(quantity text: String) throws(FormatError) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 3, utf8[0] == 0x30, utf8[1] == 0x78 else { throw .nonCanonicalQuantity(text) }
        let digits = utf8[2...]
        guard digits.count <= 64, !(digits.count > 1 && digits.first == 0x30) else {
            throw .nonCanonicalQuantity(text)
        }
        var limbs: [UInt64] = [0, 0, 0, 0]
        for (i, c) in digits.reversed().enumerated() {
            limbs[i / 16] |= UInt64(try Hex.nibble(c)) << (4 * UInt64(i % 16))
        }
        self.init(limbs: limbs[0], limbs[1], limbs[2], limbs[3])
    }

    /// JSON-RPC QUANTITY text (`0x0`, `0x1f`, ...).
    public var quantityHex: String {
        let hex = Hex.encode(minimalBigEndianBytes, prefix: false)
        let trimmed = hex.drop(while: { $0 == "0" })
        return "0x" + (trimmed.isEmpty ? "0" : trimmed)
    }

    public var description: String { bigUInt.description }

    public static func < (a: UInt256, b: UInt256) -> Bool {
        if a.w3 != b.w3 { return a.w3 < b.w3 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        return a.w0 < b.w0
    }

    // MARK: Checked arithmetic

    public func adding(_ o: UInt256) throws(UInt256Error) -> UInt256 {
        let (r0, c0) = w0.addingReportingOverflow(o.w0)
        let (s1, c1a) = w1.addingReportingOverflow(o.w1)
        let (r1, c1b) = s1.addingReportingOverflow(c0 ? 1 : 0)
        let (s2, c2a) = w2.addingReportingOverflow(o.w2)
        let (r2, c2b) = s2.addingReportingOverflow((c1a || c1b) ? 1 : 0)
        let (s3, c3a) = w3.addingReportingOverflow(o.w3)
        let (r3, c3b) = s3.addingReportingOverflow((c2a || c2b) ? 1 : 0)
        if c3a || c3b { throw .overflow }
        return UInt256(limbs: r0, r1, r2, r3)
    }

    public func subtracting(_ o: UInt256) throws(UInt256Error) -> UInt256 {
        let (r0, b0) = w0.subtractingReportingOverflow(o.w0)
        let (s1, b1a) = w1.subtractingReportingOverflow(o.w1)
        let (r1, b1b) = s1.subtractingReportingOverflow(b0 ? 1 : 0)
        let (s2, b2a) = w2.subtractingReportingOverflow(o.w2)
        let (r2, b2b) = s2.subtractingReportingOverflow((b1a || b1b) ? 1 : 0)
        let (s3, b3a) = w3.subtractingReportingOverflow(o.w3)
        let (r3, b3b) = s3.subtractingReportingOverflow((b2a || b2b) ? 1 : 0)
        if b3a || b3b { throw .underflow }
        return UInt256(limbs: r0, r1, r2, r3)
    }

    public func multiplied(by o: UInt256) throws(UInt256Error) -> UInt256 {
        // Partial products a_i·b_j with i + j ≥ 4 land at or above 2^256.
        if (w1 != 0 && o.w3 != 0) || (w2 != 0 && (o.w2 | o.w3) != 0) || (w3 != 0 && (o.w1 | o.w2 | o.w3) != 0) {
            throw .overflow
        }
        // Schoolbook rows; a carry out of limb 3 means the product is ≥ 2^256.
        var c: UInt64, r0: UInt64, r1: UInt64, r2: UInt64, r3: UInt64
        (c, r0) = Self.mulAdd(w0, o.w0, 0, 0)
        (c, r1) = Self.mulAdd(w0, o.w1, 0, c)
        (c, r2) = Self.mulAdd(w0, o.w2, 0, c)
        (c, r3) = Self.mulAdd(w0, o.w3, 0, c)
        if c != 0 { throw .overflow }
        (c, r1) = Self.mulAdd(w1, o.w0, r1, 0)
        (c, r2) = Self.mulAdd(w1, o.w1, r2, c)
        (c, r3) = Self.mulAdd(w1, o.w2, r3, c)
        if c != 0 { throw .overflow }
        (c, r2) = Self.mulAdd(w2, o.w0, r2, 0)
        (c, r3) = Self.mulAdd(w2, o.w1, r3, c)
        if c != 0 { throw .overflow }
        (c, r3) = Self.mulAdd(w3, o.w0, r3, 0)
        if c != 0 { throw .overflow }
        return UInt256(limbs: r0, r1, r2, r3)
    }

    /// x·y + acc + carry as (high, low); at most (2^64−1)² + 2(2^64−1) = 2^128 − 1, so it never wraps.
    @inline(__always)
    static func mulAdd(_ x: UInt64, _ y: UInt64, _ acc: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
        let (hi, lo) = x.multipliedFullWidth(by: y)
        let (lo1, c1) = lo.addingReportingOverflow(acc)
        let (lo2, c2) = lo1.addingReportingOverflow(carry)
        return (hi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0), lo2)
    }

    public func quotientAndRemainder(dividingBy o: UInt256) throws(UInt256Error) -> (quotient: UInt256, remainder: UInt256) {
        guard !o.isZero else { throw .divisionByZero }
        if o.w1 | o.w2 | o.w3 == 0, w1 | w2 | w3 == 0 {
            return (UInt256(w0 / o.w0), UInt256(w0 % o.w0))
        }
        let (q, r) = bigUInt.quotientAndRemainder(dividingBy: o.bigUInt)
        return (try UInt256(q), try UInt256(r))
    }

    public func divided(by o: UInt256) throws(UInt256Error) -> UInt256 {
        try quotientAndRemainder(dividingBy: o).quotient
    }

    public static func + (a: UInt256, b: UInt256) throws(UInt256Error) -> UInt256 { try a.adding(b) }
    public static func - (a: UInt256, b: UInt256) throws(UInt256Error) -> UInt256 { try a.subtracting(b) }
    public static func * (a: UInt256, b: UInt256) throws(UInt256Error) -> UInt256 { try a.multiplied(by: b) }
}
