import BigInt
import Foundation
import PropertyBased
import Testing
@testable import EthereumCore

@Suite struct RLPTests {
    /// Converts an ethereum/tests RLP "in" value to an item: strings are UTF-8 bytes,
    /// "#<decimal>" and JSON numbers are integers, arrays are lists.
    static func item(_ json: Any) throws -> RLPItem {
        if let s = json as? String {
            if s.hasPrefix("#"), let big = BigUInt(String(s.dropFirst()), radix: 10) {
                return .bytes(Array(big.serialize()))
            }
            return .bytes(Array(s.utf8))
        }
        if let list = json as? [Any] { return .list(try list.map(item)) }
        if let n = json as? NSNumber { return .uint(n.uint64Value) }
        throw FixtureError(description: "unsupported RLP test input \(json)")
    }

    /// ethereum/tests RLPTests/rlptest.json: encode gives "out", decode of "out" gives the input back.
    @Test func officialValidVectors() throws {
        let tests = try #require(try loadFixture("rlptest.json")["tests"] as? [String: [String: Any]])
        #expect(tests.count == 27)
        for (name, test) in tests.sorted(by: { $0.key < $1.key }) {
            let expected = try Hex.decode(try string(test["out"], name))
            let input = try Self.item(try #require(test["in"]))
            #expect(RLP.encode(input) == expected, "\(name)")
            #expect(try RLP.decode(expected) == input, "\(name)")
        }
    }

    /// ethereum/tests RLPTests/invalidRLPTest.json: every case must be rejected with a typed error.
    @Test func officialInvalidVectors() throws {
        let tests = try #require(try loadFixture("invalidRLPTest.json")["tests"] as? [String: String])
        #expect(tests.count == 17)
        for (name, out) in tests.sorted(by: { $0.key < $1.key }) {
            let bytes = try Hex.decode(out)
            #expect(throws: RLPError.self, "\(name)") { try RLP.decode(bytes) }
        }
    }

    @Test func specificRejections() throws {
        #expect(throws: RLPError.empty) { try RLP.decode([]) }
        #expect(throws: RLPError.trailingBytes(1)) { try RLP.decode([0x80, 0x00]) }
        #expect(throws: RLPError.nonCanonicalSingleByte) { try RLP.decode([0x81, 0x7f]) }
        #expect(throws: RLPError.nonCanonicalLength) { try RLP.decode([0xb8, 0x01, 0xff]) }
        #expect(throws: RLPError.nonCanonicalLength) { try RLP.decode([0xb9, 0x00, 0x40] + [UInt8](repeating: 1, count: 64)) }
        #expect(throws: RLPError.truncated(needed: 3, available: 2)) { try RLP.decode([0x83, 0x61, 0x62]) }
        #expect(throws: RLPError.truncated(needed: 2, available: 1)) { try RLP.decode([0xc2, 0x80]) }
        #expect(throws: RLPError.nonCanonicalInteger) { try RLPItem.bytes([0x00, 0x01]).asUInt256() }
        #expect(throws: RLPError.nonCanonicalInteger) { try RLPItem.bytes([0x00]).asUInt256() }
        #expect(throws: RLPError.integerTooLarge(maxBytes: 32)) { try RLPItem.bytes([UInt8](repeating: 1, count: 33)).asUInt256() }
        #expect(throws: RLPError.integerTooLarge(maxBytes: 8)) { try RLPItem.bytes([UInt8](repeating: 1, count: 9)).asUInt64() }
        #expect(throws: RLPError.expectedList) { try RLPItem.bytes([]).asList() }
        let deep = [UInt8](repeating: 0xc1, count: 100) + [0xc0] // each list claims 1 byte but holds more: truncated
        var nested = RLPItem.list([])
        for _ in 0..<100 { nested = .list([nested]) }
        #expect(throws: RLPError.nestingTooDeep) { try RLP.decode(RLP.encode(nested)) }
        #expect(throws: RLPError.self) { try RLP.decode(deep) }
    }

    /// Deterministic random tree from a seed (SplitMix64), for round-trip properties.
    static func randomItem(seed: UInt64, depth: Int = 0) -> RLPItem {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        if depth < 4 && next() % 3 == 0 {
            let n = Int(next() % 5)
            return .list((0..<n).map { _ in randomItem(seed: next(), depth: depth + 1) })
        }
        let lengthChoice = next() % 4
        let length = lengthChoice == 0 ? 1 : lengthChoice == 1 ? Int(next() % 56) : Int(next() % 300)
        return .bytes((0..<length).map { _ in UInt8(truncatingIfNeeded: next()) })
    }

    @Test func roundTripProperty() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            let item = Self.randomItem(seed: seed)
            let encoded = RLP.encode(item)
            do { #expect(try RLP.decode(encoded) == item) } catch { Issue.record("round trip failed: \(error)") }
            // Any strict prefix is truncated, any extra byte is trailing.
            if encoded.count > 1 { #expect(throws: RLPError.self) { try RLP.decode(Array(encoded.dropLast())) } }
            #expect(throws: RLPError.trailingBytes(1)) { try RLP.decode(encoded + [0x00]) }
        }
    }

    /// Random bytes never crash the decoder; whatever decodes re-encodes to the same bytes (canonical).
    @Test func randomBytesDecodeCanonicallyOrFail() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...40)) { bytes in
            do {
                let item = try RLP.decode(bytes)
                #expect(RLP.encode(item) == bytes)
            } catch {
                #expect(error is RLPError)
            }
        }
    }
}
