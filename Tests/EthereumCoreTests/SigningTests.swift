import Foundation
import Testing
@testable import EthereumCore

@Suite struct EIP712Tests {
    /// The `Mail` example of EIP-712 (https://eips.ethereum.org/EIPS/eip-712, assets/eip-712/Example.js).
    static let mailJSON = """
    {
      "types": {
        "EIP712Domain": [
          {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
          {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
        ],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"}, {"name": "contents", "type": "string"}]
      },
      "primaryType": "Mail",
      "domain": {"name": "Ether Mail", "version": "1", "chainId": 1, "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
      "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!"
      }
    }
    """

    @Test func mailExample() throws {
        let typed = try JSONDecoder().decode(TypedData.self, from: Data(Self.mailJSON.utf8))
        #expect(try typed.encodeType("Mail") == "Mail(Person from,Person to,string contents)Person(string name,address wallet)")
        #expect(try typed.typeHash("Mail").hex == "0xa0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2")
        #expect(try Hex.encode(typed.encodeData("Mail", typed.message)) == "0xa0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2fc71e5fa27ff56c350aa531bc129ebdf613b772b6604664f5d8dbe21b85eb0c8cd54f074a4af31b4411ff6a60c9719dbd559c221c8ac3492d9d872b041d703d1b5aadf3154a261abdd9086fc627b61efca26ae5702701d05cd2305f7c52a2fc8")
        #expect(try typed.hashStruct("Mail", typed.message).hex == "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e")
        #expect(try typed.domainSeparator().hex == "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f")
        #expect(try typed.signingHash().hex == "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")

        // The example's key is keccak256("cow").
        let cow = try PrivateKey(Keccak256.digest(Array("cow".utf8)))
        #expect(try cow.address().checksummed == "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")
        let sig = try typed.sign(with: cow)
        #expect(sig.yParity + 27 == 28)
        #expect(Hex.encode(sig.r) == "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d")
        #expect(Hex.encode(sig.s) == "0x07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562")
        #expect(try typed.verify(signature: sig, signer: cow.address()))
        #expect(try !typed.verify(signature: sig, signer: Address(hex: "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB")))
    }

    @Test func badTypedData() throws {
        var typed = try JSONDecoder().decode(TypedData.self, from: Data(Self.mailJSON.utf8))
        typed.message["contents"] = nil
        #expect(throws: EIP712Error.missingField(type: "Mail", field: "contents")) { try typed.signingHash() }
        typed.message["contents"] = .integer(5)
        #expect(throws: EIP712Error.invalidValue(type: "string", reason: "expected a string")) { try typed.signingHash() }
        typed.primaryType = "Letter"
        #expect(throws: EIP712Error.unknownType("Letter")) { try typed.signingHash() }
    }
}

@Suite struct PersonalSignTests {
    @Test func personalSignRoundTrip() throws {
        let key = try PrivateKey(UInt256(1).bigEndianBytes)
        let message = Array("hello".utf8)
        // Prefix per EIP-191 version 0x45.
        #expect(PersonalMessage.hash(message) == Keccak256.hash(Array("\u{19}Ethereum Signed Message:\n5hello".utf8)))
        let sig = try PersonalMessage.sign(message, with: key)
        #expect(try PersonalMessage.recoverAddress(message, signature: sig) == key.address())
        #expect(try PersonalMessage.recoverAddress(Array("hellO".utf8), signature: sig) != key.address())
    }
}

@Suite struct KeystoreTests {
    /// Web3 Secret Storage Definition test vectors (ethereum wiki / ethereum.org docs),
    /// password "testpassword", private key 7a28b5ba…14fe9d.
    static let expectedKey = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"

    static let pbkdf2Vector = """
    {"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},
     "ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46","kdf":"pbkdf2",
     "kdfparams":{"c":262144,"dklen":32,"prf":"hmac-sha256","salt":"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
     "mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"},
     "id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}
    """

    static let scryptVector = """
    {"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"83dbcc02d8ccb40e466191a123791e0e"},
     "ciphertext":"d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c","kdf":"scrypt",
     "kdfparams":{"dklen":32,"n":262144,"p":8,"r":1,"salt":"ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"},
     "mac":"2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"},
     "id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}
    """

    @Test func publishedPBKDF2Vector() throws {
        let key = try Keystore.decrypt(Data(Self.pbkdf2Vector.utf8), password: "testpassword")
        #expect(Hex.encode(key.rawBytes) == Self.expectedKey)
        #expect(throws: KeystoreError.macMismatch) { try Keystore.decrypt(Data(Self.pbkdf2Vector.utf8), password: "wrongpassword") }
    }

    /// N = 2^18, r = 1, p = 8: slow in debug builds (32 MiB ROMix ×8), so decrypted once; the wrong-password
    /// path is the same MAC check covered by the PBKDF2 vector and the round-trip test.
    @Test func publishedScryptVector() throws {
        let key = try Keystore.decrypt(Data(Self.scryptVector.utf8), password: "testpassword")
        #expect(Hex.encode(key.rawBytes) == Self.expectedKey)
    }

    @Test func encryptWriteReadRoundTrip() throws {
        let key = try PrivateKey.generate()
        // Small scrypt parameters keep the test quick; the format is identical.
        for kdf in [KeystoreKDF.scrypt(n: 1024, r: 8, p: 1), .pbkdf2(iterations: 1000)] {
            let file = try Keystore.encrypt(key, password: "pässword", kdf: kdf)
            #expect(file.address == Hex.encode(try key.address().bytes, prefix: false))
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("openrsp-keystore-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("key.json").path
            try Keystore.write(file, to: path)
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
            #expect(mode.intValue & 0o777 == 0o600)
            #expect(try Keystore.read(path: path, password: "pässword") == key)
            #expect(throws: KeystoreError.macMismatch) { try Keystore.read(path: path, password: "password") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["key.json"])
        }
    }

    @Test func malformedKeystores() throws {
        #expect(throws: KeystoreError.self) { try Keystore.decrypt(Data("{}".utf8), password: "x") }
        let v4 = Self.pbkdf2Vector.replacingOccurrences(of: "\"version\":3", with: "\"version\":4")
        #expect(throws: KeystoreError.unsupportedVersion(4)) { try Keystore.decrypt(Data(v4.utf8), password: "x") }
        let badN = Self.scryptVector.replacingOccurrences(of: "\"n\":262144", with: "\"n\":1000")
        #expect(throws: KeystoreError.self) { try Keystore.decrypt(Data(badN.utf8), password: "x") }
        let cbc = Self.pbkdf2Vector.replacingOccurrences(of: "aes-128-ctr", with: "aes-128-cbc")
        #expect(throws: KeystoreError.unsupportedCipher("aes-128-cbc")) { try Keystore.decrypt(Data(cbc.utf8), password: "x") }
    }
}

@Suite struct ScryptTests {
    /// RFC 7914 §12 test vector 2: scrypt("password", "NaCl", N=1024, r=8, p=16, 64).
    @Test func rfc7914Vector() throws {
        let dk = try ScryptRFC7914.derive(password: Array("password".utf8), salt: Array("NaCl".utf8), n: 1024, r: 8, p: 16, length: 64)
        #expect(Hex.encode(dk, prefix: false) == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")
    }
}
