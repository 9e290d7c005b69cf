// Range proof for a committed volume: v ∈ [0, 2^k) by bit commitments C_i = b_i·G + r_i·H with
// Σ 2^i·r_i = r (so Σ 2^i·C_i = C), each with a Cramer–Damgård–Schoenmakers OR proof that it opens
// to 0 (C_i = r_i·H) or to 1 (C_i − G = r_i·H), as contracts/pedersen.py and
// PedersenVerifier.verifyRange define them (docs/PROOFS.md):
//   A0 = z0·H − e0·C_i,  A1 = z1·H − e1·(C_i − G)
//   e0 + e1 = keccak256(abi.encode(RANGE_TAG, C.x, C.y, k, i, C_i.x, C_i.y, A0.x, A0.y, A1.x, A1.y)) mod n
import EthereumCore

/// One bit of a range proof, as PedersenVerifier's BitProof struct.
public struct BitProof: Sendable, Equatable {
    public var commitment: G1Point
    public var e0: Fr
    public var e1: Fr
    public var z0: Fr
    public var z1: Fr
}

public enum RangeProof {
    /// The bound of the usage range proofs: a CDR's volume is below 2^32 bytes.
    public static let bits = 32

    /// keccak256("OpenRSP.PedersenRangeBit.v1")
    public static let tag = Keccak256.digest(Array("OpenRSP.PedersenRangeBit.v1".utf8))

    public enum Failure: Error, Equatable {
        /// The value does not fit the number of bits (a "negative" value never does).
        case valueOutOfRange
        case badBitCount
    }

    static func challenge(_ c: G1Point, bits: Int, index: Int, bit: G1Point, a0: G1Point, a1: G1Point) -> Fr {
        let data = tag + c.encoded + UInt256(UInt64(bits)).bigEndianBytes + UInt256(UInt64(index)).bigEndianBytes
            + bit.encoded + a0.encoded + a1.encoded
        return Fr(bigEndian: Keccak256.digest(data))!
    }

    /// The proof for C = commit(value, blinding), with randomness drawn from `nextScalar` in the
    /// reference's order (the k − 1 free bit blindings, then per bit the simulated challenge, the
    /// simulated response and the real nonce), so a seeded source reproduces the Python vectors.
    /// Not constant-time in the value's bits (it branches on each bit; the scalar multiplications
    /// themselves are ladders): run it where the volume is the prover's own.
    public static func prove(value: UInt64, blinding: Fr, bits: Int = RangeProof.bits,
                             nextScalar: () -> Fr = { Pedersen.randomScalar() }) throws(Failure) -> [BitProof] {
        guard (1...64).contains(bits) else { throw .badBitCount }
        guard bits == 64 || value < (UInt64(1) << UInt64(bits)) else { throw .valueOutOfRange }
        let c = Pedersen.commit(value: Fr(value), blinding: blinding)
        var blindings = (0..<(bits - 1)).map { _ in nextScalar() }
        var partial = Fr.zero
        var weight = Fr.one
        for r in blindings {
            partial = partial + weight * r
            weight = weight + weight
        }
        blindings.append((blinding - partial) * weight.inverse)   // weight = 2^(k−1)
        var out = [BitProof]()
        out.reserveCapacity(bits)
        for i in 0..<bits {
            let bit = (value >> UInt64(i)) & 1
            let ri = blindings[i]
            let ci = Pedersen.commit(value: Fr(bit), blinding: ri)
            let branches = [ci, ci - .generator]
            let eSim = nextScalar(), zSim = nextScalar(), w = nextScalar()
            // the branch the prover cannot open is simulated; the other one answers the challenge
            let aSim = Pedersen.h.multiplied(by: zSim) - branches[Int(1 - bit)].multiplied(by: eSim)
            let aReal = Pedersen.h.multiplied(by: w)
            let (a0, a1) = bit == 0 ? (aReal, aSim) : (aSim, aReal)
            let e = challenge(c, bits: bits, index: i, bit: ci, a0: a0, a1: a1)
            let eReal = e - eSim
            let zReal = w + eReal * ri
            out.append(bit == 0 ? BitProof(commitment: ci, e0: eReal, e1: eSim, z0: zReal, z1: zSim)
                                : BitProof(commitment: ci, e0: eSim, e1: eReal, z0: zSim, z1: zReal))
        }
        return out
    }

    /// What PedersenVerifier.verifyRange checks.
    public static func verifies(_ c: G1Point, _ proof: [BitProof]) -> Bool {
        guard !proof.isEmpty, proof.count <= 64 else { return false }
        var acc = G1Point.identity
        var ok = true
        for i in (0..<proof.count).reversed() {
            let bp = proof[i]
            acc = acc + acc + bp.commitment
            let a0 = Pedersen.h.multiplied(by: bp.z0) - bp.commitment.multiplied(by: bp.e0)
            let a1 = Pedersen.h.multiplied(by: bp.z1) - (bp.commitment - .generator).multiplied(by: bp.e1)
            if bp.e0 + bp.e1 != challenge(c, bits: proof.count, index: i, bit: bp.commitment, a0: a0, a1: a1) {
                ok = false
            }
        }
        return ok && acc == c
    }
}
