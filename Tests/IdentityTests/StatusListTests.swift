import Crypto
import Foundation
import Testing
@testable import Identity

/// IETF Token Status List: the draft's examples, Python-zlib vectors (tools/statuslistvectors), the token, and
/// the trust and revocation checks a verifier runs after the signatures.
@Suite struct StatusListTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/status-lists.json")

    @Test("draft §4.1 examples: 1-bit b9 a3 and 2-bit c9 44 f9 decode as printed, and encode to the printed text")
    func draftExamples() throws {
        let one = try StatusList(json: .object(["bits": .int(1), "lst": .string("eNrbuRgAAhcBXQ")]))
        #expect(one.bytes == [0xB9, 0xA3])
        #expect(try (0..<16).map { try one.status(at: $0) } == [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1])
        #expect(one.json["lst"] == .string("eNrbuRgAAhcBXQ"))
        let two = try StatusList(json: .object(["bits": .int(2), "lst": .string("eNo76fITAAPfAgc")]))
        #expect(two.bytes == [0xC9, 0x44, 0xF9])
        #expect(try (0..<12).map { try two.status(at: $0) } == [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3])
        #expect(two.json["lst"] == .string("eNo76fITAAPfAgc"))
    }

    @Test("lists compressed by Python's zlib decode entry for entry; ours inflate back to the same bytes")
    func pythonVectors() throws {
        let root = try #require(try JSONValue.parse(Data(contentsOf: Self.fixture))["cases"]?.arrayValue)
        #expect(root.count == 6)
        for vector in root {
            let list = try StatusList(json: vector)
            let count = Int(try #require(vector["count"]?.intValue))
            var expected = [UInt8](repeating: 0, count: count)
            for pair in try #require(vector["nonzero"]?.arrayValue) {
                expected[Int(try #require(pair.arrayValue?[0].intValue))] = UInt8(try #require(pair.arrayValue?[1].intValue))
            }
            #expect(try (0..<count).map { try list.status(at: $0) } == expected)
            #expect(try StatusList(json: list.json) == list)
        }
    }

    @Test("set then read back, for every width, never touching a neighbour", arguments: [1, 2, 4, 8])
    func setAndRead(bits: Int) throws {
        var list = try StatusList(bits: bits, capacity: 100)
        var generator = SystemRandomNumberGenerator()
        var model = [UInt8](repeating: 0, count: list.capacity)
        for _ in 0..<500 {
            let index = Int.random(in: 0..<list.capacity, using: &generator)
            let value = UInt8.random(in: 0...UInt8((1 << bits) - 1), using: &generator)
            try list.setStatus(value, at: index)
            model[index] = value
        }
        #expect(try (0..<list.capacity).map { try list.status(at: $0) } == model)
        #expect(try StatusList(json: list.json) == list)
        if bits < 8 { #expect(throws: StatusListError.value) { try list.setStatus(UInt8(1 << bits), at: 0) } }
        #expect(throws: StatusListError.index) { try list.status(at: list.capacity) }
    }

    @Test("refused: a width of 3, an empty list, a ZLIB bomb, truncated or trailing bytes, non-base64url")
    func refusals() throws {
        #expect(throws: StatusListError.bits) { try StatusList(bits: 3, capacity: 8) }
        #expect(throws: StatusListError.size) { try StatusList(bits: 1, bytes: []) }
        let bomb = Base64URL.encode(Zlib.compress([UInt8](repeating: 0, count: StatusList.maxBytes + 1)))
        #expect(bomb.count < 3_000)
        #expect(throws: StatusListError.size) { try StatusList(json: .object(["bits": .int(1), "lst": .string(bomb)])) }
        let good = Zlib.compress([0xB9, 0xA3])
        for broken in [Array(good.dropLast()), good + [0], [0x78, 0x9C, 0xFF, 0xFF]] {
            #expect(throws: StatusListError.malformed) { try StatusList(json: .object(["bits": .int(1), "lst": .string(Base64URL.encode(broken))])) }
        }
        #expect(throws: StatusListError.malformed) { try StatusList(json: .object(["bits": .int(1), "lst": .string("eNrb+RgAAhcBXQ")])) }
        #expect(throws: StatusListError.malformed) { try StatusList(json: .object(["bits": .int(1)])) }
    }

    @Test("a status list token verifies for its URI and issuer only, and not after it expires")
    func token() throws {
        let uri = "https://portal.mno.example/status/kyc-1"
        var list = try StatusList(bits: 1, capacity: 1024)
        try list.setStatus(StatusList.invalid, at: 7)
        let token = try StatusListToken.sign(list: list, uri: uri, issuedAt: 1_000, expiresAt: 5_000, ttl: 300, key: Sample.issuerKey)
        let parsed = try StatusListToken(serialized: token.jws.serialized, uri: uri, issuerKey: Sample.issuerKey.publicKey, now: 2_000)
        #expect(try parsed.list.status(at: 7) == StatusList.invalid)
        #expect(try parsed.list.status(at: 8) == StatusList.valid)
        #expect(parsed.jws.header["typ"] == .string("statuslist+jwt"))
        #expect(throws: CredentialStatusError.tokenSubject) {
            try StatusListToken(serialized: token.jws.serialized, uri: uri + "x", issuerKey: Sample.issuerKey.publicKey, now: 2_000)
        }
        #expect(throws: CredentialStatusError.tokenSignature) {
            try StatusListToken(serialized: token.jws.serialized, uri: uri, issuerKey: Sample.otherKey.publicKey, now: 2_000)
        }
        #expect(throws: CredentialStatusError.tokenExpired) {
            try StatusListToken(serialized: token.jws.serialized, uri: uri, issuerKey: Sample.issuerKey.publicKey, now: 5_061)
        }
        let wrongType = try CompactJWS.sign(payload: token.jws.payload, type: "JWT", key: Sample.issuerKey)
        #expect(throws: CredentialStatusError.tokenType) {
            try StatusListToken(serialized: wrongType.serialized, uri: uri, issuerKey: Sample.issuerKey.publicKey, now: 2_000)
        }
        #expect(throws: CredentialStatusError.tokenMalformed) {
            try StatusListToken(serialized: "not.a.token", uri: uri, issuerKey: Sample.issuerKey.publicKey, now: 2_000)
        }
    }
}
