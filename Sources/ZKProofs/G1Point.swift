// The group G1 of alt_bn128 (BN254): y² = x³ + 3 over F_p, prime order n, cofactor 1, G = (1, 2),
// the group of the EVM precompiles 0x06 (ecAdd) and 0x07 (ecMul). Homogeneous projective
// coordinates (X : Y : Z), x = X/Z, y = Y/Z, identity (0 : 1 : 0). Addition is the complete formula
// of Renes, Costello and Batina, "Complete addition formulas for prime order elliptic curves"
// (EUROCRYPT 2016), Algorithm 7 (a = 0): one formula for every pair of points, the identity and
// doubling included, with no branch on the inputs. Scalar multiplication is a Montgomery ladder over
// all 256 bits with masked conditional swaps: its sequence of operations does not depend on the
// scalar (the blinding factors and the EID are secrets).

/// A point of G1.
public struct G1Point: Sendable {
    var x: Fq
    var y: Fq
    var z: Fq

    init(x: Fq, y: Fq, z: Fq) {
        self.x = x
        self.y = y
        self.z = z
    }

    public static let identity = G1Point(x: .zero, y: .one, z: .zero)
    /// G = (1, 2), the generator of EIP-196.
    public static let generator = G1Point(x: Fq(1), y: Fq(2), z: .one)

    static let b3 = Fq(9)   // 3·b, b = 3

    /// The affine point (x, y); nil unless it is on the curve. (0, 0) is the identity, as the
    /// precompiles encode it.
    public init?(affineX: Fq, affineY: Fq) {
        if affineX.isZero && affineY.isZero {
            self = .identity
            return
        }
        guard affineY.squared == affineX.squared * affineX + Fq(3) else { return nil }
        self.init(x: affineX, y: affineY, z: .one)
    }

    /// 64 bytes: x ‖ y, each 32 bytes big-endian and below p (the precompiles' encoding); nil for
    /// another length, a coordinate ≥ p or a point off the curve.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == 64, let ax = Fq(canonical: Array(bytes[0..<32])),
              let ay = Fq(canonical: Array(bytes[32..<64])) else { return nil }
        self.init(affineX: ax, affineY: ay)
    }

    public var isIdentity: Bool { z.isZero }

    /// (x, y) with x = X/Z, y = Y/Z; (0, 0) for the identity.
    public var affine: (x: Fq, y: Fq) {
        if isIdentity { return (.zero, .zero) }
        let zInverse = z.inverse
        return (x * zInverse, y * zInverse)
    }

    /// x ‖ y as 64 bytes (the precompiles' and abi.encode(uint256, uint256)'s encoding).
    public var encoded: [UInt8] {
        let a = affine
        return a.x.bigEndianBytes + a.y.bigEndianBytes
    }

    /// Renes–Costello–Batina 2016, Algorithm 7: complete addition for y² = x³ + b.
    public static func + (p: G1Point, q: G1Point) -> G1Point {
        var t0 = p.x * q.x
        var t1 = p.y * q.y
        var t2 = p.z * q.z
        var t3 = p.x + p.y
        var t4 = q.x + q.y
        t3 = t3 * t4
        t4 = t0 + t1
        t3 = t3 - t4
        t4 = p.y + p.z
        var x3 = q.y + q.z
        t4 = t4 * x3
        x3 = t1 + t2
        t4 = t4 - x3
        x3 = p.x + p.z
        var y3 = q.x + q.z
        x3 = x3 * y3
        y3 = t0 + t2
        y3 = x3 - y3
        x3 = t0 + t0
        t0 = x3 + t0
        t2 = b3 * t2
        var z3 = t1 + t2
        t1 = t1 - t2
        y3 = b3 * y3
        x3 = t4 * y3
        t2 = t3 * t1
        x3 = t2 - x3
        y3 = y3 * t0
        t1 = t1 * z3
        y3 = t1 + y3
        t0 = t0 * t3
        z3 = z3 * t4
        z3 = z3 + t0
        return G1Point(x: x3, y: y3, z: z3)
    }

    public static prefix func - (p: G1Point) -> G1Point { G1Point(x: p.x, y: -p.y, z: p.z) }

    public static func - (p: G1Point, q: G1Point) -> G1Point { p + (-q) }

    /// scalar·self by a Montgomery ladder over the 256 bits of the scalar's canonical value: the
    /// same additions and swaps for every scalar.
    public func multiplied(by scalar: Fr) -> G1Point {
        let k = scalar.canonical
        var r0 = G1Point.identity
        var r1 = self
        for limb in (0..<4).reversed() {
            for bit in (0..<64).reversed() {
                let b = (k[limb] >> UInt64(bit)) & 1
                G1Point.conditionalSwap(b, &r0, &r1)
                r1 = r0 + r1
                r0 = r0 + r0
                G1Point.conditionalSwap(b, &r0, &r1)
            }
        }
        return r0
    }

    /// Swaps a and b when bit == 1, with masks instead of a branch.
    static func conditionalSwap(_ bit: UInt64, _ a: inout G1Point, _ b: inout G1Point) {
        let mask = Limbs(repeating: 0 &- bit)
        func swap(_ u: inout Fq, _ v: inout Fq) {
            let t = (u.montgomery ^ v.montgomery) & mask
            u.montgomery ^= t
            v.montgomery ^= t
        }
        swap(&a.x, &b.x)
        swap(&a.y, &b.y)
        swap(&a.z, &b.z)
    }
}

extension G1Point: Equatable {
    /// Projective equality: X1·Z2 = X2·Z1 and Y1·Z2 = Y2·Z1.
    public static func == (p: G1Point, q: G1Point) -> Bool {
        p.x * q.z == q.x * p.z && p.y * q.z == q.y * p.z
    }
}
