import EthereumCore
import Foundation
import Testing
@testable import ZKProofs

/// Loads Fixtures/bn254-vectors.json, written by contracts/zk_vectors.py from the Python reference
/// (contracts/pedersen.py, group arithmetic by PyPI py_ecc 8.0.0); test_zk_vectors.py keeps it current.
// The parsed JSON is never mutated after loading: safe to share across tests.
struct Vectors: @unchecked Sendable {
    let json: [String: Any]

    static let shared: Vectors = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent("bn254-vectors.json")
        let data = try! Data(contentsOf: url)   // a missing fixture fails every test loudly
        return Vectors(json: try! JSONSerialization.jsonObject(with: data) as! [String: Any])
    }()

    subscript(key: String) -> Any? { json[key] }
}

struct VectorError: Error, CustomStringConvertible { let description: String }

func bytes(_ any: Any?) throws -> [UInt8] {
    guard let s = any as? String else { throw VectorError(description: "not a hex string: \(String(describing: any))") }
    return try Hex.decode(s)
}

func fq(_ any: Any?) throws -> Fq {
    guard let x = Fq(canonical: try bytes(any)) else { throw VectorError(description: "not below p") }
    return x
}

func fr(_ any: Any?) throws -> Fr {
    guard let x = Fr(canonical: try bytes(any)) else { throw VectorError(description: "not below n") }
    return x
}

func point(_ any: Any?) throws -> G1Point {
    guard let pair = any as? [Any], pair.count == 2 else { throw VectorError(description: "not a point") }
    guard let p = G1Point(encoded: try bytes(pair[0]) + bytes(pair[1])) else { throw VectorError(description: "off the curve") }
    return p
}

func rows(_ key: String) -> [[String: Any]] { Vectors.shared[key] as! [[String: Any]] }

@Suite struct FieldTests {
    /// The moduli and Montgomery constants against the fixture's p and n.
    @Test func moduli() throws {
        #expect(Fq.zero - Fq.one + Fq.one == Fq.zero)
        #expect((Fq.zero - Fq.one).bigEndianBytes == Array(try bytes(Vectors.shared["p"]).dropLast()) + [0x46])
        #expect((Fr.zero - Fr.one).bigEndianBytes == Array(try bytes(Vectors.shared["n"]).dropLast()) + [0x00])
        #expect(Fq(canonical: try bytes(Vectors.shared["p"])) == nil)   // p itself is not canonical
        #expect(Fr(canonical: try bytes(Vectors.shared["n"])) == nil)
    }

    /// Sum, difference, product and inverse in F_p (py_ecc / Python integers).
    @Test func baseFieldKnownAnswers() throws {
        for row in rows("field") {
            let a = try fq(row["a"]), b = try fq(row["b"])
            #expect(a + b == (try fq(row["sum"])))
            #expect(a - b == (try fq(row["difference"])))
            #expect(a * b == (try fq(row["product"])))
            #expect(a.inverse == (try fq(row["inverseA"])))
            #expect(a * a.inverse == Fq.one)
        }
    }

    @Test func scalarFieldKnownAnswers() throws {
        for row in rows("scalarField") {
            let a = try fr(row["a"]), b = try fr(row["b"])
            #expect(a + b == (try fr(row["sum"])))
            #expect(a * b == (try fr(row["product"])))
        }
    }

    /// 256-bit values (Keccak outputs) reduced mod n and mod p.
    @Test func wideReductions() throws {
        for row in rows("reductions") {
            let value = try bytes(row["value"])
            #expect(Fr(bigEndian: value)!.bigEndianBytes == (try bytes(row["modN"])))
            #expect(Fq(bigEndian: value)!.bigEndianBytes == (try bytes(row["modP"])))
        }
    }

    @Test func malformedEncodingsAreRefused() {
        #expect(Fq(bigEndian: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(Fq(canonical: [UInt8](repeating: 0xff, count: 32)) == nil)
    }
}

@Suite struct GroupTests {
    /// 2·G, the ecAdd/ecMul vector of the Ethereum precompile tests.
    @Test func doublingKnownAnswer() throws {
        let twoG = try point([
            "0x030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3",
            "0x15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4",
        ])
        #expect(G1Point.generator + G1Point.generator == twoG)
        #expect(G1Point.generator.multiplied(by: Fr(2)) == twoG)
    }

    /// k·G and k·H for k = 0, 1, 2, 3, n − 1, n − 2, 2^128 + 1 and random k (py_ecc).
    @Test func scalarMultiplicationKnownAnswers() throws {
        let h = try point(Vectors.shared["H"].flatMap { ($0 as! [String: Any])["point"] })
        for row in rows("multiples") {
            let k = try fr(row["k"])
            let kG = G1Point.generator.multiplied(by: k), kH = h.multiplied(by: k)
            #expect(kG == (try point(row["kG"])))
            #expect(kH == (try point(row["kH"])))
            // the 64-byte encoding is the precompiles' (identity as (0, 0))
            let expected = try (row["kG"] as! [Any]).flatMap { try bytes($0) }
            #expect(kG.encoded == expected)
        }
    }

    @Test func additionKnownAnswersAndCompleteness() throws {
        for row in rows("additions") {
            let p = try point(row["p"]), q = try point(row["q"])
            #expect(p + q == (try point(row["sum"])))
            #expect(p + p == (try point(row["doubleP"])))
            #expect(p + G1Point.identity == p)
            #expect(G1Point.identity + p == p)
            #expect((p - p).isIdentity)
            #expect(p + q - q == p)
        }
        #expect((G1Point.identity + G1Point.identity).isIdentity)
        #expect(G1Point.generator.multiplied(by: Fr.zero - Fr.one) == -G1Point.generator)
    }

    @Test func pointsOffTheCurveAreRefused() {
        let one = [UInt8](repeating: 0, count: 31) + [1]
        let three = [UInt8](repeating: 0, count: 31) + [3]
        #expect(G1Point(encoded: one + three) == nil)                      // (1, 3)
        #expect(G1Point(encoded: [UInt8](repeating: 0xff, count: 64)) == nil)   // coordinates ≥ p
        #expect(G1Point(encoded: one) == nil)                              // 32 bytes
        #expect(G1Point(encoded: [UInt8](repeating: 0, count: 64))?.isIdentity == true)
    }
}
