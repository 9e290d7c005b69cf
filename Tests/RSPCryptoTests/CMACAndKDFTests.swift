import RSPASN1
import RSPCrypto
import Testing

@Suite("AES-CMAC (RFC 4493 §4 test vectors)")
struct CMACTests {
    static let key = hex("2b7e151628aed2a6abf7158809cf4f3c")
    static let message = hex("""
        6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
        30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710
        """)

    @Test("RFC 4493 Examples 1–4", arguments: [
        (0, "bb1d6929e95937287fa37d129b756746"),
        (16, "070a16b46b4d4144f79bdd9dd04a287c"),
        (40, "dfa66747de9ae63030ca32611497c827"),
        (64, "51f0bebf7e3b9d92fc49741779363cfe"),
    ])
    func rfc4493(length: Int, expected: String) throws {
        #expect(try AESCMAC.mac(Array(Self.message.prefix(length)), key: Self.key) == hex(expected))
    }

    @Test("wrong key size is an error")
    func wrongKeySize() {
        #expect(throws: (any Error).self) { try AESCMAC.mac([1, 2, 3], key: [UInt8](repeating: 0, count: 15)) }
    }
}

@Suite("ANSI X9.63 KDF, SHA-256")
struct X963KDFTests {
    // NIST CAVP component test vectors, file ansx963_2001.rsp, [SHA-256]
    // (https://csrc.nist.gov/Projects/Cryptographic-Algorithm-Validation-Program/Component-Testing).
    @Test("NIST CAVP ansx963_2001.rsp [SHA-256] vectors", arguments: [
        ("96c05619d56c328ab95fe84b18264b08725b85e33fd34f08", "", "443024c3dae66b95e6f5670601558f71"),
        ("96f600b73ad6ac5629577eced51743dd2c24c21b1ac83ee4", "", "b6295162a7804f5667ba9070f82fa522"),
        ("22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d", "75eef81aa3041e33b80971203d2c0c52",
         "c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6cf92f30d0097111485500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0ababc11f0bd496269142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd7e386128ec26afc21"),
    ])
    func cavp(z: String, sharedInfo: String, keyData: String) throws {
        let expected = hex(keyData)
        #expect(try X963KDF.sha256(sharedSecret: hex(z), sharedInfo: hex(sharedInfo), length: expected.count) == expected)
    }

    @Test("output is a prefix-consistent stream")
    func prefixConsistent() throws {
        let long = try X963KDF.sha256(sharedSecret: [1, 2, 3], sharedInfo: [4], length: 100)
        let short = try X963KDF.sha256(sharedSecret: [1, 2, 3], sharedInfo: [4], length: 33)
        #expect(Array(long.prefix(33)) == short)
        #expect(throws: X963KDF.OutputTooLong.self) { try X963KDF.sha256(sharedSecret: [1], sharedInfo: [], length: -1) }
    }

    // SGP22-NOTES §3 test vector (pySim bsp_key_derivation and an independent implementation agree).
    @Test("BSP session keys: SGP22-NOTES §3 vector")
    func bspSessionKeys() throws {
        let shs = (1...32).map { UInt8($0) }
        let eid = try EID(digits: "89049032123451234512345678901235")
        let hostId = hex("0102030405060708")
        #expect(try BSPSessionKeys.sharedInfo(hostId: hostId, eid: eid)
            == hex("88 10 08 0102030405060708 10 89049032123451234512345678901235"))
        let keys = try BSPSessionKeys.derive(sharedSecret: shs, hostId: hostId, eid: eid)
        #expect(keys.initialMCV == hex("7a3e200563ee4db4ebb35bd3a61fe9d5"))
        #expect(keys.sEnc == hex("c286d7587d1994e1befaac0b41b97072"))
        #expect(keys.sMac == hex("2cbb032c8d22ff88735fd1d62cb16ce2"))
    }

    @Test("BSP key derivation input checks")
    func bspInputChecks() throws {
        let eid = try EID(digits: "89049032123451234512345678901235")
        #expect(throws: BSPKeyDerivationError.invalidHostIdLength(0)) {
            try BSPSessionKeys.derive(sharedSecret: [UInt8](repeating: 1, count: 32), hostId: [], eid: eid)
        }
        #expect(throws: BSPKeyDerivationError.invalidHostIdLength(17)) {
            try BSPSessionKeys.derive(sharedSecret: [UInt8](repeating: 1, count: 32), hostId: [UInt8](repeating: 0, count: 17), eid: eid)
        }
        #expect(throws: BSPKeyDerivationError.invalidSharedSecretLength(31)) {
            try BSPSessionKeys.derive(sharedSecret: [UInt8](repeating: 1, count: 31), hostId: [1], eid: eid)
        }
    }
}
