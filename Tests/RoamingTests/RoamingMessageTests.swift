import Crypto
import EthereumCore
import Foundation
import Testing
@testable import Roaming

/// Known answers from the PyPI reference implementations (eth-account's EIP-712 encoder and signer,
/// Python's hmac), committed in Fixtures/roaming-auth-vectors.json by
/// contracts/tests/test_roaming_auth_vectors.py, which recomputes them on every Python test run.
struct Vectors {
    let json: [String: Any]

    init() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent("roaming-auth-vectors.json")
        json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func section(_ name: String) throws -> [String: Any] { try #require(json[name] as? [String: Any]) }
    func string(_ section: String, _ key: String) throws -> String { try #require(try self.section(section)[key] as? String) }
    func number(_ section: String, _ key: String) throws -> UInt64 {
        UInt64(try #require(try self.section(section)[key] as? Int))
    }
    func bytes(_ section: String, _ key: String) throws -> [UInt8] { try Hex.decode(try string(section, key), requirePrefix: true) }
}

/// Answers `isOperatorKey` from a fixed table: the registry's answer for these tests' keys (the
/// contract's own rule is tested in contracts/tests/test_registry.py).
struct FixedDirectory: OperatorDirectory {
    let keys: Set<[UInt8]>   // mno bytes + key bytes
    init(_ pairs: [(Address, Address)]) { keys = Set(pairs.map { $0.0.bytes + $0.1.bytes }) }
    func isOperatorKey(mno: Address, key: Address) async throws -> Bool { keys.contains(mno.bytes + key.bytes) }
}

@Suite struct RoamingMessageTests {
    let v: Vectors
    let domain: RoamingDomain
    let authorization: RoamingAuthorization

    init() throws {
        v = try Vectors()
        domain = RoamingDomain(chainId: try v.number("domain", "chainId"),
                               registry: try Address(hex: try v.string("domain", "verifyingContract")))
        let subscriber = try IMSIPseudonym(imsi: try v.string("pseudonym", "imsi"), key: try v.bytes("pseudonym", "key"))
        authorization = RoamingAuthorization(
            home: try Address(hex: try v.string("authorization", "home")),
            visited: try Address(hex: try v.string("authorization", "visited")),
            subscriber: subscriber, issuedAt: try v.number("authorization", "issuedAt"),
            expiresAt: try v.number("authorization", "expiresAt"), nonce: try Hash32(v.bytes("authorization", "nonce")))
    }

    @Test("the IMSI pseudonym is HMAC-SHA-256 as Python's hmac computes it")
    func pseudonym() throws {
        #expect(authorization.subscriber.value.bytes == (try v.bytes("pseudonym", "subscriber")))
        #expect(throws: RoamingInputError.invalidIMSI) { try IMSIPseudonym(imsi: "00101", key: [UInt8](repeating: 1, count: 32)) }
        #expect(throws: RoamingInputError.invalidIMSI) { try IMSIPseudonym(imsi: "0010101234567890", key: [UInt8](repeating: 1, count: 32)) }
        #expect(throws: RoamingInputError.invalidIMSI) { try IMSIPseudonym(imsi: "00101012345678a", key: [UInt8](repeating: 1, count: 32)) }
        #expect(throws: RoamingInputError.shortPseudonymKey(31)) { try IMSIPseudonym(imsi: "001010123456789", key: [UInt8](repeating: 1, count: 31)) }
    }

    @Test("domain separator, struct hashes, digests and signatures equal eth-account's")
    func knownAnswers() throws {
        #expect(try domain.separator.bytes == (try v.bytes("domain", "separator")))
        #expect(try authorization.structHash.bytes == (try v.bytes("authorization", "structHash")))
        #expect(try authorization.digest(in: domain).bytes == (try v.bytes("authorization", "digest")))
        let homeKey = try PrivateKey(try v.bytes("authorization", "homeKeyPrivate"))
        let signed = try authorization.sign(with: homeKey, in: domain)
        #expect(signed.signature.rsv == (try v.bytes("authorization", "signature")))   // RFC 6979: deterministic
        #expect(try signed.signer(in: domain) == (try Address(hex: try v.string("authorization", "homeKey"))))

        let confirmation = ServiceConfirmation(authorization: try authorization.digest(in: domain), visited: authorization.visited,
                                               confirmedAt: try v.number("confirmation", "confirmedAt"))
        #expect(try confirmation.structHash.bytes == (try v.bytes("confirmation", "structHash")))
        #expect(try confirmation.digest(in: domain).bytes == (try v.bytes("confirmation", "digest")))
        let visitedKey = try PrivateKey(try v.bytes("confirmation", "visitedKeyPrivate"))
        #expect(try confirmation.sign(with: visitedKey, in: domain).signature.rsv == (try v.bytes("confirmation", "signature")))
    }

    func verifier(extra: [(Address, Address)] = []) throws -> (RoamingVerifier, PrivateKey, PrivateKey) {
        let homeKey = try PrivateKey(try v.bytes("authorization", "homeKeyPrivate"))
        let visitedKey = try PrivateKey(try v.bytes("confirmation", "visitedKeyPrivate"))
        let directory = FixedDirectory([(authorization.home, try homeKey.address()),
                                        (authorization.visited, try visitedKey.address())] + extra)
        return (RoamingVerifier(domain: domain, directory: directory), homeKey, visitedKey)
    }

    @Test("the visited network accepts a valid authorisation and the home network its confirmation")
    func roundTrip() async throws {
        let (verifier, homeKey, visitedKey) = try verifier()
        let signed = try authorization.sign(with: homeKey, in: domain)
        let key = try await verifier.verify(signed, visitedNetwork: authorization.visited, now: authorization.issuedAt + 10)
        #expect(key == (try homeKey.address()))
        let confirmation = try ServiceConfirmation(authorization: try authorization.digest(in: domain), visited: authorization.visited,
                                                   confirmedAt: authorization.issuedAt + 10).sign(with: visitedKey, in: domain)
        #expect(try await verifier.verify(confirmation, of: authorization) == (try visitedKey.address()))
    }

    @Test("each rule refuses on its own")
    func refusals() async throws {
        let (verifier, homeKey, visitedKey) = try verifier()
        let signed = try authorization.sign(with: homeKey, in: domain)
        let a = authorization
        await #expect(throws: RoamingVerificationError.wrongAudience(expected: a.home, actual: a.visited)) {
            try await verifier.verify(signed, visitedNetwork: a.home, now: a.issuedAt)
        }
        await #expect(throws: RoamingVerificationError.expired(expiresAt: a.expiresAt, now: a.expiresAt)) {
            try await verifier.verify(signed, visitedNetwork: a.visited, now: a.expiresAt)
        }
        await #expect(throws: RoamingVerificationError.notYetValid(issuedAt: a.issuedAt, now: a.issuedAt - 301)) {
            try await verifier.verify(signed, visitedNetwork: a.visited, now: a.issuedAt - 301)
        }
        let long = RoamingAuthorization(home: a.home, visited: a.visited, subscriber: a.subscriber, issuedAt: a.issuedAt,
                                        expiresAt: a.issuedAt + 86_401, nonce: a.nonce)
        await #expect(throws: RoamingVerificationError.lifetimeTooLong(seconds: 86_401, limit: 86_400)) {
            try await verifier.verify(try long.sign(with: homeKey, in: domain), visitedNetwork: a.visited, now: a.issuedAt)
        }
        // signed by the visited network's key (an operator key, but not the home MNO's)
        let wrongKey = try a.sign(with: visitedKey, in: domain)
        await #expect(throws: RoamingVerificationError.notAnOperatorKey(mno: a.home, key: try visitedKey.address())) {
            try await verifier.verify(wrongKey, visitedNetwork: a.visited, now: a.issuedAt)
        }
        // a signature from another chain's domain recovers to some other key
        let otherChain = RoamingDomain(chainId: domain.chainId + 1, registry: domain.registry)
        let replayed = try a.sign(with: homeKey, in: otherChain)
        await #expect(throws: RoamingVerificationError.self) {
            try await verifier.verify(replayed, visitedNetwork: a.visited, now: a.issuedAt)
        }
        // a changed field (another subscriber) breaks the signature's binding
        let altered = SignedRoamingAuthorization(
            authorization: RoamingAuthorization(home: a.home, visited: a.visited,
                                                subscriber: IMSIPseudonym(value: Hash32.zero), issuedAt: a.issuedAt,
                                                expiresAt: a.expiresAt, nonce: a.nonce),
            signature: signed.signature)
        await #expect(throws: RoamingVerificationError.self) {
            try await verifier.verify(altered, visitedNetwork: a.visited, now: a.issuedAt)
        }
        // a confirmation of another authorisation
        let conf = try ServiceConfirmation(authorization: Hash32.zero, visited: a.visited, confirmedAt: a.issuedAt)
            .sign(with: visitedKey, in: domain)
        await #expect(throws: RoamingVerificationError.wrongAuthorization) { try await verifier.verify(conf, of: a) }
    }
}

@Suite struct IMSISealingTests {
    /// RFC 9180 Appendix A.3.1 (DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode), from the
    /// CFRG test-vector file that swift-crypto also tests against: the recipient opens the published
    /// ciphertexts (sequence 0 and 1) to the published plaintext.
    @Test("opens the RFC 9180 P-256 / AES-128-GCM base-mode vectors")
    func rfc9180() throws {
        let skR = try P256.KeyAgreement.PrivateKey(rawRepresentation: Hex.decode("f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2"))
        #expect(Hex.encode(Array(skR.publicKey.x963Representation)).dropFirst(2) ==
                "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0")
        let enc = Data(try Hex.decode("04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4"))
        let info = Data(try Hex.decode("4f6465206f6e2061204772656369616e2055726e"))
        var recipient = try HPKE.Recipient(privateKey: skR, ciphersuite: IMSISealing.ciphersuite, info: info, encapsulatedKey: enc)
        let pt0 = try recipient.open(Data(try Hex.decode("5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434")),
                                     authenticating: Data(try Hex.decode("436f756e742d30")))
        let pt1 = try recipient.open(Data(try Hex.decode("fa6f037b47fc21826b610172ca9637e82d6e5801eb31cbd3748271affd4ecb06646e0329cbdf3c3cd655b28e82")),
                                     authenticating: Data(try Hex.decode("436f756e742d31")))
        let expected = Data(try Hex.decode("4265617574792069732074727574682c20747275746820626561757479"))
        #expect(pt0 == expected && pt1 == expected)
        // the first ciphertext through IMSISealing.open (sequence 0)
        let opened = try IMSISealing.open(SealedIMSI(encapsulatedKey: enc, ciphertext: Data(try Hex.decode(
            "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434"))),
                                          with: skR, info: info, aad: Data(try Hex.decode("436f756e742d30")))
        #expect(opened == expected)
    }

    @Test("seals an IMSI to the registered key of the visited operator, bound to one authorisation")
    func sealAndOpen() throws {
        let visited = P256.KeyAgreement.PrivateKey()
        let spki = Array(visited.publicKey.derRepresentation)
        let registered = Array(SHA256.hash(data: spki))
        let key = try IMSISealing.recipientKey(spki: spki, registeredHash: registered)
        let digest = [UInt8](repeating: 7, count: 32)
        let sealed = try IMSISealing.seal(imsi: "001010123456789", to: key, authorization: digest)
        #expect(sealed.encapsulatedKey.count == 65 && sealed.ciphertext.count == 15 + 16)
        let info = IMSISealing.info(authorization: digest)
        #expect(String(decoding: try IMSISealing.open(sealed, with: visited, info: info), as: UTF8.self) == "001010123456789")
        // another authorisation's context, another key, a flipped bit: nothing opens
        #expect(throws: IMSISealingError.openFailed) {
            try IMSISealing.open(sealed, with: visited, info: IMSISealing.info(authorization: [UInt8](repeating: 8, count: 32)))
        }
        #expect(throws: IMSISealingError.openFailed) { try IMSISealing.open(sealed, with: P256.KeyAgreement.PrivateKey(), info: info) }
        var flipped = sealed.ciphertext
        flipped[flipped.startIndex] ^= 1
        #expect(throws: IMSISealingError.openFailed) {
            try IMSISealing.open(SealedIMSI(encapsulatedKey: sealed.encapsulatedKey, ciphertext: flipped), with: visited, info: info)
        }
        // a key whose SPKI is not the registered one is refused before any sealing
        let other = Array(P256.KeyAgreement.PrivateKey().publicKey.derRepresentation)
        #expect(throws: IMSISealingError.keyNotRegistered) { try IMSISealing.recipientKey(spki: other, registeredHash: registered) }
        #expect(throws: IMSISealingError.badKey) {
            try IMSISealing.recipientKey(spki: [1, 2, 3], registeredHash: Array(SHA256.hash(data: [1, 2, 3])))
        }
    }
}
