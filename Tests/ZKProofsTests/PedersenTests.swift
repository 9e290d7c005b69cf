import EthereumCore
import Testing
@testable import ZKProofs

@Suite struct PedersenTests {
    /// H = hashToCurve("OpenRSP/Pedersen/H/v1"): counter 3 and the point of docs/PROOFS.md and
    /// PedersenVerifier.H_X/H_Y, as the Python reference computes it.
    @Test func hKnownAnswer() throws {
        let h = Vectors.shared["H"] as! [String: Any]
        #expect(String(decoding: Pedersen.hDomain, as: UTF8.self) == h["domain"] as! String)
        let (found, counter) = Pedersen.hashToCurve(Pedersen.hDomain)
        #expect(counter == UInt32(h["counter"] as! Int))
        #expect(found == (try point(h["point"])))
        #expect(Pedersen.h == found)
        #expect(Pedersen.h.affine.y.canonical[0] & 1 == 0)   // the even root
        #expect(Pedersen.hashToCurve(Array("OpenRSP/Pedersen/H/v2".utf8)).point != Pedersen.h)
    }

    @Test func commitmentKnownAnswers() throws {
        for row in rows("commitments") {
            let c = Pedersen.commit(value: try fr(row["v"]), blinding: try fr(row["r"]))
            #expect(c == (try point(row["commitment"])))
        }
    }

    @Test func commitmentsAddHomomorphically() {
        let r1 = Pedersen.randomScalar(), r2 = Pedersen.randomScalar()
        let sum = Pedersen.commit(value: Fr(1000), blinding: r1) + Pedersen.commit(value: Fr(2500), blinding: r2)
        #expect(sum == Pedersen.commit(value: Fr(3500), blinding: r1 + r2))
        #expect(sum != Pedersen.commit(value: Fr(3501), blinding: r1 + r2))
    }

    @Test func eidValueAndCommitmentHash() throws {
        let eid = try Hex.decode("89049032123451234512345678901235")
        let value = try #require(Pedersen.eidValue(eid))
        #expect(value.bigEndianBytes == [UInt8](repeating: 0, count: 16) + eid)
        #expect(Pedersen.eidValue(Array(eid.dropLast())) == nil)
        let c = Pedersen.commit(value: value, blinding: Fr(42))
        #expect(Pedersen.commitmentHash(c) == Keccak256.digest(c.encoded))
    }

    @Test func randomScalarsAreInRangeAndDistinct() {
        let a = Pedersen.randomScalar(), b = Pedersen.randomScalar()
        #expect(a != b && !a.isZero && !b.isZero)
    }
}

@Suite struct OpeningProofTests {
    static func context() throws -> (PossessionContext, [String: Any]) {
        let o = Vectors.shared["opening"] as! [String: Any]
        let ctx = PossessionContext(chainId: UInt256(UInt64(o["chainId"] as! Int)),
                                    verifier: try Address(hex: o["verifier"] as! String),
                                    entitlementId: UInt256(UInt64(o["entitlementId"] as! Int)),
                                    nonce: try bytes(o["nonce"]), prover: try Address(hex: o["prover"] as! String))
        return (ctx, o)
    }

    /// With the reference's nonces (a, b), the Swift prover produces the reference's proof exactly:
    /// same challenge encoding, same arithmetic.
    @Test func proofKnownAnswer() throws {
        let (ctx, o) = try Self.context()
        let proof = OpeningProof.prove(ctx, value: try fr(o["v"]), blinding: try fr(o["r"]),
                                       nonces: (try fr(o["a"]), try fr(o["b"])))
        #expect(proof == OpeningProof(e: try fr(o["e"]), z1: try fr(o["z1"]), z2: try fr(o["z2"])))
        #expect(proof.verifies(ctx, commitment: try point(o["commitment"])))
    }

    @Test func freshProofsVerifyAndAreBoundToTheirContext() throws {
        let (ctx, o) = try Self.context()
        let v = try fr(o["v"]), r = Pedersen.randomScalar()
        let c = Pedersen.commit(value: v, blinding: r)
        let proof = OpeningProof.prove(ctx, value: v, blinding: r)
        #expect(proof.verifies(ctx, commitment: c))
        var other = ctx
        other.chainId = UInt256(1)
        #expect(!proof.verifies(other, commitment: c))
        other = ctx
        other.nonce[0] ^= 1
        #expect(!proof.verifies(other, commitment: c))
        other = ctx
        other.entitlementId = UInt256(8)
        #expect(!proof.verifies(other, commitment: c))
        #expect(!proof.verifies(ctx, commitment: Pedersen.commit(value: v + Fr.one, blinding: r)))
    }
}

@Suite struct RangeProofTests {
    /// With the reference's randomness sequence, the Swift prover reproduces the reference's 8-bit
    /// proof bit for bit, and verifies it.
    @Test func rangeProofKnownAnswer() throws {
        let rp = Vectors.shared["rangeProof"] as! [String: Any]
        var i = 0
        let seeded: () -> Fr = {
            defer { i += 1 }
            return Fr(bigEndian: Keccak256.digest(Array("OpenRSP zk vectors/range \(i)".utf8)))!
        }
        let proof = try RangeProof.prove(value: UInt64(rp["v"] as! Int), blinding: try fr(rp["r"]), bits: 8, nextScalar: seeded)
        let expected = try (rp["proof"] as! [[String: Any]]).map {
            BitProof(commitment: try point($0["c"]), e0: try fr($0["e0"]), e1: try fr($0["e1"]),
                     z0: try fr($0["z0"]), z1: try fr($0["z1"]))
        }
        #expect(proof == expected)
        #expect(RangeProof.verifies(try point(rp["commitment"]), expected))
    }

    /// A fresh 16-bit proof (the code is the same for 32 bits; 16 keeps the debug-build test short:
    /// the 32-bit case runs in contracts/tests and in ZKProofsBenchmarks).
    @Test func freshRangeProofVerifiesAndBindsItsCommitment() throws {
        let r = Pedersen.randomScalar()
        let v: UInt64 = (1 << 16) - 1
        let proof = try RangeProof.prove(value: v, blinding: r, bits: 16)
        #expect(proof.count == 16)
        #expect(RangeProof.verifies(Pedersen.commit(value: Fr(v), blinding: r), proof))
        #expect(!RangeProof.verifies(Pedersen.commit(value: Fr(v - 1), blinding: r), proof))
    }

    @Test func tamperedRangeProofsAreRefused() throws {
        let rp = Vectors.shared["rangeProof"] as! [String: Any]
        let c = try point(rp["commitment"])
        let proof = try (rp["proof"] as! [[String: Any]]).map {
            BitProof(commitment: try point($0["c"]), e0: try fr($0["e0"]), e1: try fr($0["e1"]),
                     z0: try fr($0["z0"]), z1: try fr($0["z1"]))
        }
        #expect(!RangeProof.verifies(c, Array(proof.dropLast())))
        var tampered = proof
        tampered[3].z0 = tampered[3].z0 + Fr.one
        #expect(!RangeProof.verifies(c, tampered))
        tampered = proof
        tampered.swapAt(0, 1)
        #expect(!RangeProof.verifies(c, tampered))
        #expect(!RangeProof.verifies(c + .generator, proof))
    }

    @Test func outOfRangeValuesHaveNoProof() {
        #expect(throws: RangeProof.Failure.valueOutOfRange) { try RangeProof.prove(value: 1 << 32, blinding: Fr(1)) }
        #expect(throws: RangeProof.Failure.valueOutOfRange) { try RangeProof.prove(value: 256, blinding: Fr(1), bits: 8) }
        #expect(throws: RangeProof.Failure.badBitCount) { try RangeProof.prove(value: 0, blinding: Fr(1), bits: 0) }
    }
}
