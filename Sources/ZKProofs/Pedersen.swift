// Pedersen commitments C = v·G + r·H on alt_bn128, as contracts/pedersen.py and
// contracts/src/PedersenVerifier.vy define them (docs/PROOFS.md).
import EthereumCore

public enum Pedersen {
    /// The published domain string of H.
    public static let hDomain = Array("OpenRSP/Pedersen/H/v1".utf8)

    /// H = hashToCurve(hDomain): nobody knows log_G H.
    public static let h: G1Point = hashToCurve(hDomain).point

    /// (p + 1) / 4: square roots in F_p (p ≡ 3 mod 4).
    static let sqrtExponent = Limbs(0x4f082305b61f3f52, 0x65e05aa45a1c72a3, 0x6e14116da0605617, 0x0c19139cb84c680a)

    /// Try-and-increment: for counter = 0, 1, …, x = keccak256(domain ‖ counter as 4 bytes
    /// big-endian) mod p; the first x with x³ + 3 a square gives (x, y), y the even root.
    public static func hashToCurve(_ domain: [UInt8]) -> (point: G1Point, counter: UInt32) {
        var counter: UInt32 = 0
        while true {
            let digest = Keccak256.digest(domain + withUnsafeBytes(of: counter.bigEndian) { Array($0) })
            let x = Fq(bigEndian: digest)!   // 32 bytes: always some element
            let t = x.squared * x + Fq(3)
            var y = t.power(sqrtExponent)
            if y.squared == t {
                if y.canonical[0] & 1 == 1 { y = -y }
                return (G1Point(x: x, y: y, z: .one), counter)
            }
            counter += 1   // about half of all x are on the curve: 2^32 failures never happen
        }
    }

    /// v·G + r·H.
    public static func commit(value: Fr, blinding: Fr) -> G1Point {
        G1Point.generator.multiplied(by: value) + h.multiplied(by: blinding)
    }

    /// An EID's committed value: its 16 BCD bytes (as in tag 5A) as a big-endian integer.
    public static func eidValue(_ eid: [UInt8]) -> Fr? {
        guard eid.count == 16 else { return nil }
        return Fr(bigEndian: [UInt8](repeating: 0, count: 16) + eid)
    }

    /// What an entitlement is bound to for a Pedersen commitment: keccak256(abi.encode(C.x, C.y)).
    public static func commitmentHash(_ c: G1Point) -> [UInt8] {
        Keccak256.digest(c.encoded)
    }

    /// A uniform scalar in [1, n) from the system's secure generator (rejection sampling).
    public static func randomScalar() -> Fr {
        var rng = SystemRandomNumberGenerator()
        return randomScalar(using: &rng)
    }

    public static func randomScalar<R: RandomNumberGenerator>(using rng: inout R) -> Fr {
        while true {
            var limbs = Limbs(rng.next(), rng.next(), rng.next(), rng.next())
            limbs[3] &= 0x3fff_ffff_ffff_ffff   // below 2^254; n > 2^253, so over half are accepted
            if Fr.lessThanModulus(limbs) && limbs != Limbs(0, 0, 0, 0) {
                return Fr(reducing: limbs)
            }
        }
    }
}
