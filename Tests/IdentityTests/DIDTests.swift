import Crypto
import EthereumCore
import Foundation
@testable import Identity
import PropertyBased
import Testing

@Suite("DIDs: did:key (P-256, secp256k1), did:pkh, did:web")
struct DIDTests {
    @Test("base58btc: the published examples of draft-msporny-base58 (text, leading zero bytes)")
    func base58KnownAnswers() {
        let cases: [([UInt8], String)] = [
            (Array("Hello World!".utf8), "2NEpo7TZRRrLZSi2U"),
            (Array("The quick brown fox jumps over the lazy dog.".utf8), "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"),
            ([0x00, 0x00, 0x28, 0x7F, 0xB4, 0xCD], "11233QC4"),
        ]
        for (bytes, text) in cases {
            #expect(Base58.encode(bytes) == text)
            #expect(Base58.decode(text) == bytes)
        }
        #expect(Base58.decode("0OIl") == nil)          // not in the alphabet
        #expect(Base58.decode("") == nil)
        #expect(Base58.decode(String(repeating: "2", count: Base58.maxLength + 1)) == nil)
    }

    @Test("base58btc round-trips any non-empty bytes (leading zeros kept; an empty text is refused)")
    func base58RoundTrip() async {
        await propertyCheck(input: Gen.uint8().array(of: 1...40)) { bytes in
            #expect(Base58.decode(Base58.encode(bytes)) == bytes)
        }
    }

    @Test("did:key P-256: the W3C did:key test vector (JWK x, y ↔ zDnae…)")
    func p256Vector() throws {
        let x = try #require(Base64URL.decode("igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns"))
        let y = try #require(Base64URL.decode("efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM"))
        let key = try P256.Signing.PublicKey(rawRepresentation: x + y)
        let text = "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"
        #expect(DID.key(DIDPublicKey(p256: key)).description == text)
        let parsed = try DID(text)
        guard case .key(let parsedKey) = parsed else { Issue.record("not a did:key"); return }
        #expect(parsedKey.p256SigningKey?.rawRepresentation == key.rawRepresentation)
    }

    @Test("did:key secp256k1: the W3C did:key spec's example (compressed key ↔ zQ3s…); an uncompressed key gives the same DID")
    func secp256k1Vector() throws {
        let compressed = try Hex.decode("03874c15c7fda20e539c6e5ba573c139884c351188799f5458b4b41f7924f235cd")
        let text = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"
        #expect(DID.key(try DIDPublicKey(secp256k1: compressed)).description == text)
        #expect(try DID(text) == .key(.secp256k1(compressed: compressed)))
        let key = try PrivateKey.generate()
        let uncompressed = try key.publicKey()
        let fromUncompressed = try DIDPublicKey(secp256k1: uncompressed)
        #expect(fromUncompressed.compressed.count == 33)
        #expect(Array(fromUncompressed.compressed.dropFirst()) == Array(uncompressed[1...32]))
        #expect(try DID(DID.key(fromUncompressed).description) == .key(fromUncompressed))
    }

    @Test("a did:key document has one Multikey method for authentication and assertions; ES256 verifies with its key")
    func keyDocument() throws {
        let signer = P256.Signing.PrivateKey()
        let did = DID.key(DIDPublicKey(p256: signer.publicKey))
        let document = try #require(DIDDocument.derived(from: did))
        #expect(document.id == did.description)
        #expect(document.verificationMethods.map(\.type) == ["Multikey"])
        #expect(document.authentication == document.assertionMethod)
        let message = Array("DeliverAttestation".utf8)
        let signature = try signer.signature(for: message)
        #expect(document.assertionKey()?.isValidSignature(signature, for: message) == true)
        #expect(document.assertionKey(kid: "#nope") == nil)
    }

    @Test("did:pkh: eip155 accounts, EIP-55 checksum enforced, printed checksummed")
    func pkh() throws {
        let did = try DID("did:pkh:eip155:1:0xb9c5714089478a327f09197987f16f9e5d936e8a")
        guard case .pkh(let chainId, let address) = did else { Issue.record("not did:pkh"); return }
        #expect(chainId == 1)
        #expect(did.description == "did:pkh:eip155:1:\(address.checksummed)")
        #expect(DIDDocument.derived(from: did)?.verificationMethods.first?.blockchainAccountId == "eip155:1:\(address.checksummed)")
        // a mixed-case address with a wrong checksum, another namespace, a chain id with a leading zero
        #expect(throws: DIDError.self) { try DID("did:pkh:eip155:1:0xB9c5714089478a327f09197987f16f9e5d936e8a") }
        #expect(throws: DIDError.self) { try DID("did:pkh:solana:4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZ:abc") }
        #expect(throws: DIDError.self) { try DID("did:pkh:eip155:01:0xb9c5714089478a327f09197987f16f9e5d936e8a") }
    }

    @Test("did:web: the did:web spec's examples map to their HTTPS URLs; traversal and odd hosts are refused")
    func web() throws {
        #expect(try DID("did:web:w3c-ccg.github.io").documentURL?.absoluteString == "https://w3c-ccg.github.io/.well-known/did.json")
        #expect(try DID("did:web:w3c-ccg.github.io:user:alice").documentURL?.absoluteString == "https://w3c-ccg.github.io/user/alice/did.json")
        #expect(try DID("did:web:example.com%3A3000").documentURL?.absoluteString == "https://example.com:3000/.well-known/did.json")
        #expect(try DID("did:web:example.com%3A3000:a").description == "did:web:example.com%3A3000:a")
        for bad in ["did:web:example.com:..", "did:web:exa mple.com", "did:web:example.com%3A0", "did:web:example.com%3A1%3A2",
                    "did:web:example.com:a/b", "did:web:.example.com", "did:web:example.com:a%2Fb"] {
            #expect(throws: DIDError.self, "\(bad)") { try DID(bad) }
        }
    }

    @Test("malformed DIDs and keys are typed refusals")
    func refusals() throws {
        for bad in ["", "did", "did:key", "did:key:", "did:key:abc", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                    "did:example:123", "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme:x",
                    "did:key:" + String(repeating: "z", count: 600)] {
            #expect(throws: DIDError.self, "\(bad)") { try DID(bad) }
        }
        // a P-256 multibase whose x is not on the curve
        var bytes = DIDPublicKey.p256Prefix + [0x02] + [UInt8](repeating: 0xFF, count: 32)
        #expect(throws: DIDError.self) { try DIDPublicKey(multibase: "z" + Base58.encode(bytes)) }
        bytes = DIDPublicKey.p256Prefix + [0x04] + [UInt8](repeating: 1, count: 32)
        #expect(throws: DIDError.self) { try DIDPublicKey(multibase: "z" + Base58.encode(bytes)) }
    }

    @Test("a fetched did:web document: its id must be the DID; relative ids are made absolute; a P-256 JWK is read")
    func webDocument() throws {
        let did = try DID("did:web:portal.example")
        let key = P256.Signing.PrivateKey().publicKey
        let raw = Array(key.rawRepresentation)
        let jwk = ##"{"kty":"EC","crv":"P-256","x":"\##(Base64URL.encode(raw[0..<32]))","y":"\##(Base64URL.encode(raw[32...]))"}"##
        let text = ##"{"id":"did:web:portal.example","verificationMethod":[{"id":"#key-1","type":"JsonWebKey2020","controller":"did:web:portal.example","publicKeyJwk":\##(jwk)}],"assertionMethod":["#key-1"]}"##
        let document = try DIDDocument.parse(Array(text.utf8), for: did)
        #expect(document.verificationMethods.first?.id == "did:web:portal.example#key-1")
        #expect(document.assertionKey()?.rawRepresentation == key.rawRepresentation)
        #expect(document.assertionKey(kid: "#key-1")?.rawRepresentation == key.rawRepresentation)
        let other = text.replacingOccurrences(of: ##""id":"did:web:portal.example","verificationMethod""##, with: ##""id":"did:web:evil.example","verificationMethod""##)
        #expect(throws: DIDError.self) { try DIDDocument.parse(Array(other.utf8), for: did) }
        #expect(throws: DIDError.self) { try DIDDocument.parse(Array("[]".utf8), for: did) }
        #expect(throws: DIDError.self) { try DIDDocument.parse([UInt8](repeating: 0x20, count: DIDDocument.maxBytes + 1), for: did) }
        // a document round-trips through its JSON
        let derived = try #require(DIDDocument.derived(from: .key(DIDPublicKey(p256: key))))
        #expect(try DIDDocument.parse(derived.json.serialized(), for: .key(DIDPublicKey(p256: key))) == derived)
    }
}
