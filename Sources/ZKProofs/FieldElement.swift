// Prime-field arithmetic for BN254 (alt_bn128): the base field F_p of the curve and the scalar
// field F_n of its prime-order group, as four little-endian 64-bit limbs in Montgomery form
// (R = 2^256). Written by hand (no maintained Swift library here has BN254); checked against
// py_ecc-generated vectors in Tests/ZKProofsTests. In the source, no branch or memory access
// depends on a value: carries are propagated arithmetically and the final conditional subtraction
// is a masked select (the machine code is not verified to keep this property; docs/PROOFS.md).

/// Four 64-bit limbs, least significant first.
public typealias Limbs = SIMD4<UInt64>

/// A prime modulus below 2^255 with its Montgomery constants.
public protocol MontgomeryModulus: Sendable {
    /// The modulus m.
    static var modulus: Limbs { get }
    /// −m⁻¹ mod 2^64.
    static var inverse64: UInt64 { get }
    /// R² mod m, R = 2^256.
    static var rSquared: Limbs { get }
}

/// The base field of alt_bn128: p = 0x30644e72…d87cfd47.
public enum BN254Base: MontgomeryModulus {
    public static let modulus = Limbs(0x3c208c16d87cfd47, 0x97816a916871ca8d, 0xb85045b68181585d, 0x30644e72e131a029)
    public static let inverse64: UInt64 = 0x87d20782e4866389
    public static let rSquared = Limbs(0xf32cfc5b538afa89, 0xb5e71911d44501fb, 0x47ab1eff0a417ff6, 0x06d89f71cab8351f)
}

/// The scalar field of alt_bn128 (the order n of G1): n = 0x30644e72…f0000001.
public enum BN254Scalar: MontgomeryModulus {
    public static let modulus = Limbs(0x43e1f593f0000001, 0x2833e84879b97091, 0xb85045b68181585d, 0x30644e72e131a029)
    public static let inverse64: UInt64 = 0xc2e1f593efffffff
    public static let rSquared = Limbs(0x1bb8e645ae216da7, 0x53fe3ab1e35c59e3, 0x8c49833d53bb8085, 0x0216d0b17f4e44a5)
}

public typealias Fq = FieldElement<BN254Base>
public typealias Fr = FieldElement<BN254Scalar>

/// An element of F_m, kept in Montgomery form (x·R mod m).
public struct FieldElement<M: MontgomeryModulus>: Sendable, Equatable, Hashable {
    var montgomery: Limbs

    init(montgomery: Limbs) { self.montgomery = montgomery }

    public static var zero: Self { Self(montgomery: Limbs(0, 0, 0, 0)) }
    public static var one: Self { Self(reducing: Limbs(1, 0, 0, 0)) }

    /// Any 256-bit integer, reduced mod m (as a Fiat–Shamir challenge is: keccak256(…) mod n).
    public init(reducing value: Limbs) {
        // REDC(value · R²) = value · R mod m for any value < 2^256 (value · R² < R · m).
        montgomery = Self.mulMont(value, M.rSquared)
    }

    /// 32 big-endian bytes, reduced mod m. Nil unless exactly 32 bytes.
    public init?(bigEndian bytes: [UInt8]) {
        guard let limbs = Self.limbs(bigEndian: bytes) else { return nil }
        self.init(reducing: limbs)
    }

    /// 32 big-endian bytes holding a value below m; nil for a longer input or a value ≥ m.
    public init?(canonical bytes: [UInt8]) {
        guard let limbs = Self.limbs(bigEndian: bytes), Self.lessThanModulus(limbs) else { return nil }
        self.init(reducing: limbs)
    }

    /// A small integer.
    public init(_ value: UInt64) { self.init(reducing: Limbs(value, 0, 0, 0)) }

    /// The canonical integer (out of Montgomery form), least significant limb first.
    public var canonical: Limbs { Self.mulMont(montgomery, Limbs(1, 0, 0, 0)) }

    /// The canonical value as 32 big-endian bytes.
    public var bigEndianBytes: [UInt8] {
        let c = canonical
        var out = [UInt8](repeating: 0, count: 32)
        for limb in 0..<4 {
            for byte in 0..<8 {
                out[31 - (limb * 8 + byte)] = UInt8(truncatingIfNeeded: c[limb] >> (8 * UInt64(byte)))
            }
        }
        return out
    }

    public var isZero: Bool { montgomery == Limbs(0, 0, 0, 0) }

    // MARK: arithmetic

    public static func + (a: Self, b: Self) -> Self {
        var carry: UInt64 = 0
        var sum = Limbs(0, 0, 0, 0)
        for i in 0..<4 { (sum[i], carry) = addCarry(a.montgomery[i], b.montgomery[i], carry) }
        return Self(montgomery: subtractModulusIfNeeded(sum, carry: carry))
    }

    public static func - (a: Self, b: Self) -> Self {
        var borrow: UInt64 = 0
        var diff = Limbs(0, 0, 0, 0)
        for i in 0..<4 { (diff[i], borrow) = subBorrow(a.montgomery[i], b.montgomery[i], borrow) }
        // add m back when it borrowed (mask all ones), else add 0
        let mask = 0 &- borrow
        var carry: UInt64 = 0
        for i in 0..<4 { (diff[i], carry) = addCarry(diff[i], M.modulus[i] & mask, carry) }
        return Self(montgomery: diff)
    }

    public static prefix func - (a: Self) -> Self { zero - a }

    public static func * (a: Self, b: Self) -> Self {
        Self(montgomery: mulMont(a.montgomery, b.montgomery))
    }

    public var squared: Self { self * self }

    /// self^exponent by square-and-multiply over all 256 bits of the exponent (the exponents used
    /// here are public constants: p − 2, (p + 1)/4).
    public func power(_ exponent: Limbs) -> Self {
        var result = Self.one
        for limb in (0..<4).reversed() {
            for bit in (0..<64).reversed() {
                result = result.squared
                let take = (exponent[limb] >> UInt64(bit)) & 1
                result = Self.select(take, result * self, result)
            }
        }
        return result
    }

    /// The multiplicative inverse by Fermat (self^(m−2)); zero for zero.
    public var inverse: Self {
        var e = M.modulus
        e[0] -= 2   // m is odd and > 2: no borrow
        return power(e)
    }

    /// `a` when bit == 1, `b` when bit == 0, without a branch.
    static func select(_ bit: UInt64, _ a: Self, _ b: Self) -> Self {
        let mask = Limbs(repeating: 0 &- bit)
        return Self(montgomery: (a.montgomery & mask) | (b.montgomery & ~mask))
    }

    // MARK: limbs

    static func addCarry(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
        let (s1, o1) = a.addingReportingOverflow(b)
        let (s2, o2) = s1.addingReportingOverflow(carry)
        return (s2, (o1 ? 1 : 0) | (o2 ? 1 : 0))
    }

    static func subBorrow(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
        let (d1, o1) = a.subtractingReportingOverflow(b)
        let (d2, o2) = d1.subtractingReportingOverflow(borrow)
        return (d2, (o1 ? 1 : 0) | (o2 ? 1 : 0))
    }

    /// a + b·c + carry as (low, high).
    static func mulAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
        let (hi, lo) = b.multipliedFullWidth(by: c)
        let (s1, o1) = lo.addingReportingOverflow(a)
        let (s2, o2) = s1.addingReportingOverflow(carry)
        return (s2, hi &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0))
    }

    /// value (with a fifth limb `carry`) minus m when value ≥ m, as a masked select.
    static func subtractModulusIfNeeded(_ value: Limbs, carry: UInt64) -> Limbs {
        var borrow: UInt64 = 0
        var diff = Limbs(0, 0, 0, 0)
        for i in 0..<4 { (diff[i], borrow) = subBorrow(value[i], M.modulus[i], borrow) }
        // keep the difference unless it borrowed past the fifth limb
        let (_, finalBorrow) = subBorrow(carry, 0, borrow)
        let keepValue = Limbs(repeating: 0 &- finalBorrow)
        return (value & keepValue) | (diff & ~keepValue)
    }

    /// Montgomery multiplication a·b·R⁻¹ mod m (CIOS, Koç–Acar–Kaliski 1996).
    static func mulMont(_ a: Limbs, _ b: Limbs) -> Limbs {
        var t = Limbs(0, 0, 0, 0)
        var t4: UInt64 = 0
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<4 { (t[j], carry) = mulAdd(t[j], a[j], b[i], carry) }
            let (sum4, t5) = addCarry(t4, carry, 0)
            let m = t[0] &* M.inverse64
            (_, carry) = mulAdd(t[0], m, M.modulus[0], 0)
            for j in 1..<4 { (t[j - 1], carry) = mulAdd(t[j], m, M.modulus[j], carry) }
            (t[3], carry) = addCarry(sum4, carry, 0)
            t4 = t5 &+ carry
        }
        return subtractModulusIfNeeded(t, carry: t4)
    }

    static func limbs(bigEndian bytes: [UInt8]) -> Limbs? {
        guard bytes.count == 32 else { return nil }
        var out = Limbs(0, 0, 0, 0)
        for i in 0..<32 {
            let limb = (31 - i) / 8
            out[limb] = (out[limb] << 8) | UInt64(bytes[i])
        }
        return out
    }

    static func lessThanModulus(_ value: Limbs) -> Bool {
        var borrow: UInt64 = 0
        for i in 0..<4 { (_, borrow) = subBorrow(value[i], M.modulus[i], borrow) }
        return borrow == 1
    }
}
