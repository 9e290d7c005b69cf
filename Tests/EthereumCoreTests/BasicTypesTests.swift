import BigInt
import Crypto
import Testing
@testable import EthereumCore

/// Test helper: decodes hex literals; a bad literal throws and fails the test.
func hex(_ s: String) throws -> [UInt8] { try Hex.decode(s) }

@Suite struct KeccakTests {
    /// Keccak-256 known answers (Keccak team reference / Ethereum yellow paper usage):
    /// "" -> c5d2…a470 is the empty-code hash in every Ethereum account.
    @Test(arguments: [
        ("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
        ("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
        ("The quick brown fox jumps over the lazy dog", "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15"),
        ("transfer(address,uint256)", "a9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b"),
    ])
    func keccak256KnownAnswers(input: String, expected: String) {
        #expect(Keccak256.hash(Array(input.utf8)).hex == "0x" + expected)
    }

    /// FIPS 202 / NIST CSRC example values for SHA3-256; Keccak-256 must differ from them.
    @Test(arguments: [
        ("", "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"),
        ("abc", "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376"),
    ])
    func sha3KnownAnswersAndPaddingDiffers(input: String, expected: String) {
        let bytes = Array(input.utf8)
        #expect(Hex.encode(FIPS202SHA3_256.digest(bytes), prefix: false) == expected)
        #expect(FIPS202SHA3_256.digest(bytes) != Keccak256.digest(bytes))
    }

    /// NIST: SHA3-256 of one million 'a' (multi-block absorb, 7353 blocks).
    @Test func sha3MillionA() {
        let bytes = [UInt8](repeating: 0x61, count: 1_000_000)
        #expect(Hex.encode(FIPS202SHA3_256.digest(bytes), prefix: false)
            == "5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1")
    }

    /// Same permutation as swift-crypto's SHA3-256 on every length around the 136-byte rate boundary.
    @Test func sha3MatchesSwiftCryptoAcrossBlockBoundaries() {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 134, 135, 136, 137, 271, 272, 273, 1000] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(FIPS202SHA3_256.digest(data) == Array(SHA3_256.hash(data: data)), "length \(length)")
        }
    }
}

@Suite struct HexTests {
    @Test func roundTripAndErrors() throws {
        #expect(try Hex.decode("0x00ff10Ab") == [0x00, 0xff, 0x10, 0xab])
        #expect(Hex.encode([0x00, 0xff]) == "0x00ff")
        #expect(throws: FormatError.oddHexLength(3)) { try Hex.decode("0xabc") }
        #expect(throws: FormatError.invalidHexCharacter("g")) { try Hex.decode("0xag") }
        #expect(throws: FormatError.missingHexPrefix) { try Hex.decode("abcd", requirePrefix: true) }
        #expect(throws: FormatError.wrongLength(expected: 32, actual: 2)) { try Hash32(hex: "0xabcd") }
    }
}

@Suite struct AddressTests {
    /// EIP-55 test cases (https://eips.ethereum.org/EIPS/eip-55#test-cases).
    @Test(arguments: [
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ])
    func eip55Checksum(text: String) throws {
        let address = try Address(hex: text)
        #expect(address.checksummed == text)
        #expect(try Address(hex: text.lowercased().replacingOccurrences(of: "0X", with: "0x")) == address)
    }

    @Test func badChecksumAndLength() {
        // Flip the case of one letter in a valid EIP-55 address.
        #expect(throws: AddressError.invalidChecksum(expected: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")) {
            try Address(hex: "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        }
        #expect(throws: AddressError.wrongLength(19)) { try Address(hex: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea") }
        #expect(throws: AddressError.wrongLength(21)) { try Address([UInt8](repeating: 1, count: 21)) }
        #expect(throws: AddressError.invalidHex(.missingHexPrefix)) { try Address(hex: "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") }
        #expect(throws: AddressError.invalidPublicKey(length: 33)) { try Address(publicKey: [UInt8](repeating: 2, count: 33)) }
    }

    /// Private key 1: public key is the secp256k1 generator G (SEC 2 §2.4.1); its address is well known.
    @Test func addressOfGenerator() throws {
        let g = try hex("0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
        #expect(try Address(publicKey: g).checksummed == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    }
}

@Suite struct UInt256Tests {
    @Test func checkedArithmetic() throws {
        #expect(throws: UInt256Error.overflow) { try UInt256.max.adding(1) }
        #expect(throws: UInt256Error.underflow) { try UInt256(0).subtracting(1) }
        #expect(throws: UInt256Error.overflow) { try UInt256.max.multiplied(by: 2) }
        #expect(throws: UInt256Error.overflow) { try UInt256(limbs: 0, 0, 1, 0).multiplied(by: UInt256(limbs: 0, 0, 1, 0)) }
        #expect(throws: UInt256Error.divisionByZero) { try UInt256(5).divided(by: 0) }
        #expect(try UInt256(limbs: 0, 1, 0, 0).multiplied(by: UInt256(limbs: 0, 0, 1, 0)) == UInt256(limbs: 0, 0, 0, 1))
        #expect(try UInt256.max.subtracting(UInt256.max) == 0)
        #expect(try (UInt256(limbs: .max, 0, 0, 0) + 1) == UInt256(limbs: 0, 1, 0, 0))
        #expect(UInt256.max.description == "115792089237316195423570985008687907853269984665640564039457584007913129639935")
        #expect(throws: UInt256Error.outOfRange) { try UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936") }
        #expect(throws: UInt256Error.invalidDecimal("-1")) { try UInt256(decimal: "-1") }
        #expect(throws: UInt256Error.outOfRange) { try UInt256(BigInt(-1)) }
    }

    @Test func quantityText() throws {
        #expect(try UInt256(quantity: "0x0") == 0)
        #expect(try UInt256(quantity: "0x400") == 1024)
        #expect(UInt256(1024).quantityHex == "0x400")
        #expect(UInt256(0).quantityHex == "0x0")
        for bad in ["0x", "0x0400", "400", "0xg", "0x" + String(repeating: "f", count: 65)] {
            #expect(throws: FormatError.self) { try UInt256(quantity: bad) }
        }
    }

    /// Random operands: checked results equal BigUInt arithmetic whenever it fits, else throw.
    @Test func matchesBigUIntOnRandomOperands() throws {
        var rng = SystemRandomNumberGenerator()
        func random() -> UInt256 {
            let width = Int.random(in: 0...4, using: &rng)
            var l: [UInt64] = [0, 0, 0, 0]
            for i in 0..<width { l[i] = rng.next() }
            return UInt256(limbs: l[0], l[1], l[2], l[3])
        }
        let limit = BigUInt(1) << 256
        for _ in 0..<500 {
            let a = random(), b = random()
            let sum = a.bigUInt + b.bigUInt, product = a.bigUInt * b.bigUInt
            if sum < limit { #expect(try a.adding(b).bigUInt == sum) } else { #expect(throws: UInt256Error.overflow) { try a.adding(b) } }
            if product < limit { #expect(try a.multiplied(by: b).bigUInt == product) } else { #expect(throws: UInt256Error.overflow) { try a.multiplied(by: b) } }
            if a >= b { #expect(try a.subtracting(b).bigUInt == a.bigUInt - b.bigUInt) } else { #expect(throws: UInt256Error.underflow) { try a.subtracting(b) } }
            #expect((a < b) == (a.bigUInt < b.bigUInt))
            #expect(try UInt256(bigEndian: a.bigEndianBytes) == a)
            #expect(try UInt256(bigEndian: a.minimalBigEndianBytes) == a)
            if !b.isZero { #expect(try a.divided(by: b).bigUInt == a.bigUInt / b.bigUInt) }
        }
    }
}
