import Crypto
import EthereumCore
import Foundation
import Testing
@testable import Identity

/// One DID-Auth message at a time: round trips of the six types, and every refusal of DIDAuthVerifier.
@Suite struct DIDAuthMessageTests {
    let t0 = Parties.t0

    private func refusal(_ compact: String, verifier: DIDAuthVerifier = Parties.messageVerifier(), audience: DID = Parties.issuer.did,
                         at time: Int64? = nil) async -> String? {
        do {
            _ = try await verifier.verify(compact, audience: audience, now: time ?? t0 + 1)
            return nil
        } catch { return error.code }
    }

    /// A JWS over any header and payload, for messages DIDAuthSigner would not make.
    private func craft(_ payload: JSONValue, header: [String: JSONValue]? = nil, type: DIDAuthMessageType = .requestAttestation,
                       key: P256.Signing.PrivateKey = Sample.holderKey) throws -> String {
        let fields = header ?? ["alg": .string("ES256"), "typ": .string(type.jwsType), "kid": .string(Parties.holder.keyID)]
        let encodedHeader = Base64URL.encode(JSONValue.object(fields).serialized()), encodedPayload = Base64URL.encode(payload.serialized())
        let signature = try key.signature(for: Array("\(encodedHeader).\(encodedPayload)".utf8))
        return "\(encodedHeader).\(encodedPayload).\(Base64URL.encode(signature.rawRepresentation))"
    }

    private func changed(_ message: DIDAuthMessage, _ change: (inout [String: JSONValue]) -> Void) -> JSONValue {
        var fields = message.payload.objectValue!
        change(&fields)
        return .object(fields)
    }

    @Test func eachTypeRoundTrips() async throws {
        let request = Parties.attestationRequest()
        let delivery = try Parties.delivery(request)
        let credential = try Parties.credential()
        let present = try Parties.presentation(delivery, credential: credential, nonce: request.nonce)
        let revoke = DIDAuthMessage.opening(.revokeAttestation(credential: .digest(of: credential), reason: "superseded"),
                                            from: Parties.issuer.did, to: Parties.holder.did, now: t0)
        let revokeByList = request.reply(.revokeAttestation(credential: .statusList(uri: "https://kyc.mno.example/status/1", index: 4711),
                                                             reason: "key compromise"), now: t0)
        let access = Parties.accessRequest()
        let grant = present.reply(.grantAccess(resource: Parties.resource, grantExpiresAt: t0 + 86_400), now: t0 + 3)
        let messages = [request, delivery, present, revoke, revokeByList, access, grant]
        #expect(Set(messages.map(\.type)) == Set(DIDAuthMessageType.allCases))
        for message in messages {
            let signer = Parties.signer(of: message.issuer)
            let compact = try signer.sign(message)
            let verified = try await Parties.messageVerifier().verify(compact, audience: message.audience, now: message.issuedAt + 1)
            #expect(verified.message == message, "\(message.type)")
            #expect(verified.jws.header["typ"] == .string("openrsp-didauth-\(message.type.rawValue.lowercased())+jwt"))
            #expect(verified.keyID == signer.keyID && verified.jws.header["kid"] == .string(signer.keyID))
            #expect(verified.message.payload["type"] == .string(message.type.rawValue))
        }
        #expect(request.thread == request.id && request.reference == nil)
        #expect(delivery.thread == request.id && delivery.reference == request.id)
        #expect(Parties.issuer.keyID == "did:web:kyc.mno.example#key-1")
        #expect(Parties.holder.keyID == "\(Parties.holder.did)#\(DIDPublicKey(p256: Sample.holderKey.publicKey).multibase)")
    }

    @Test func didWebSenderIsResolvedThroughTheInjectedFetch() async throws {
        let delivery = try Parties.delivery(Parties.attestationRequest())
        let compact = try Parties.issuer.sign(delivery)
        let verified = try await Parties.messageVerifier().verify(compact, audience: Parties.holder.did, now: t0 + 2)
        #expect(verified.signerKey.rawRepresentation == Sample.issuerKey.publicKey.rawRepresentation)
        // not served, served for another key, served with only a secp256k1 key
        #expect(await refusal(compact, verifier: Parties.messageVerifier(resolver: Parties.resolver([])), audience: Parties.holder.did, at: t0 + 2) == "didauth.resolve")
        let otherKey = DIDDocument.web(Parties.issuerDID, key: DIDPublicKey(p256: Sample.otherKey.publicKey))!
        #expect(await refusal(compact, verifier: Parties.messageVerifier(resolver: Parties.resolver([otherKey])), audience: Parties.holder.did, at: t0 + 2) == "didauth.signature")
        let k1 = DIDDocument.web(Parties.issuerDID, key: try DIDPublicKey(secp256k1: try PrivateKey.generate().publicKey()))!
        #expect(await refusal(compact, verifier: Parties.messageVerifier(resolver: Parties.resolver([k1])), audience: Parties.holder.did, at: t0 + 2) == "didauth.key")
        // no fetcher at all
        #expect(await refusal(compact, verifier: DIDAuthVerifier(resolver: DIDResolver(), replayCache: InMemoryDIDAuthReplayCache()),
                              audience: Parties.holder.did, at: t0 + 2) == "didauth.resolve")
    }

    @Test func tamperedOrForeignSignatureIsRefused() async throws {
        let request = Parties.attestationRequest()
        let compact = try Parties.holder.sign(request)
        let parts = compact.split(separator: ".").map(String.init)
        let tampered = changed(request) { $0["claims"] = .array([.string("document_number")]) }
        #expect(await refusal([parts[0], Base64URL.encode(tampered.serialized()), parts[2]].joined(separator: ".")) == "didauth.signature")
        // the holder's kid, another key's signature
        #expect(await refusal(try craft(request.payload, key: Sample.otherKey)) == "didauth.signature")
        #expect(await refusal(compact) == nil)
    }

    @Test func wrongAudienceIsRefused() async throws {
        let compact = try Parties.holder.sign(Parties.attestationRequest())
        #expect(await refusal(compact, audience: Parties.verifier.did) == "didauth.aud")
    }

    @Test func expiredNotYetValidAndOverlongMessagesAreRefused() async throws {
        let request = Parties.attestationRequest()   // iat t0, exp t0 + 300
        let compact = try Parties.holder.sign(request)
        #expect(await refusal(compact, at: request.expiresAt) == "didauth.exp")
        #expect(await refusal(compact, at: t0 - 61) == "didauth.iat")
        #expect(await refusal(compact, at: t0 - 60) == nil)   // within the clock skew
        var long = request
        long.expiresAt = t0 + 3601
        #expect(await refusal(try Parties.holder.sign(long)) == "didauth.lifetime")
        long.expiresAt = t0
        #expect(await refusal(try Parties.holder.sign(long), at: t0 - 1) == "didauth.lifetime")
    }

    @Test func replayedMessageOrNonceIsRefused() async throws {
        let verifier = Parties.messageVerifier()
        let request = Parties.attestationRequest()
        let compact = try Parties.holder.sign(request)
        #expect(await refusal(compact, verifier: verifier) == nil)
        #expect(await refusal(compact, verifier: verifier, at: t0 + 5) == "didauth.replay")
        var sameNonce = Parties.attestationRequest()
        sameNonce.nonce = request.nonce
        #expect(await refusal(try Parties.holder.sign(sameNonce), verifier: verifier) == "didauth.replay")
        var sameID = request
        sameID.nonce = DIDAuthMessage.randomID()
        #expect(await refusal(try Parties.holder.sign(sameID), verifier: verifier) == "didauth.replay")
        // a fresh jti and nonce are accepted
        #expect(await refusal(try Parties.holder.sign(Parties.attestationRequest()), verifier: verifier) == nil)
    }

    @Test func fullReplayCacheRefusesRatherThanForgets() async throws {
        let cache = InMemoryDIDAuthReplayCache(capacity: 3)
        let verifier = Parties.messageVerifier(cache: cache)
        #expect(await refusal(try Parties.holder.sign(Parties.attestationRequest()), verifier: verifier) == nil)
        #expect(await refusal(try Parties.holder.sign(Parties.attestationRequest()), verifier: verifier) == "didauth.replay.capacity")
        // once the first has expired its entries go
        var later = Parties.attestationRequest()
        later.issuedAt = t0 + 400
        later.expiresAt = t0 + 700
        #expect(await refusal(try Parties.holder.sign(later), verifier: verifier, at: t0 + 401) == nil)
        #expect(await cache.count == 2)
    }

    @Test func kidOutsideTheSendersDocumentIsRefused() async throws {
        let request = Parties.attestationRequest()
        let header = { (kid: String?) -> [String: JSONValue] in
            ["alg": .string("ES256"), "typ": .string(DIDAuthMessageType.requestAttestation.jwsType)].merging(kid.map { ["kid": .string($0)] } ?? [:]) { a, _ in a }
        }
        #expect(await refusal(try craft(request.payload, header: header("\(Parties.holder.did)#key-2"))) == "didauth.kid")
        #expect(await refusal(try craft(request.payload, header: header(Parties.verifier.keyID))) == "didauth.kid")
        #expect(await refusal(try craft(request.payload, header: header(nil))) == "didauth.kid")
        let delivery = try Parties.delivery(request)
        let stranger = try DIDAuthSigner(did: Parties.issuerDID, key: Sample.issuerKey, keyID: "did:web:kyc.mno.example#key-2")
        #expect(await refusal(try stranger.sign(delivery), audience: Parties.holder.did) == "didauth.kid")
        #expect(throws: DIDAuthError.kid) { try DIDAuthSigner(did: Parties.issuerDID, key: Sample.issuerKey, keyID: "did:web:evil.example#key-1") }
    }

    @Test func sendersWithoutAP256KeyAreRefused() async throws {
        let account = try Address(hex: "0xb9c5714089478a327f09197987f16f9e5d936e8a")
        let pkh = DID.pkh(chainId: 1, address: account)
        let k1 = DID.key(try DIDPublicKey(secp256k1: try PrivateKey.generate().publicKey()))
        #expect(throws: DIDAuthError.unsupportedKey) { try DIDAuthSigner(did: pkh, key: Sample.holderKey) }
        #expect(throws: DIDAuthError.unsupportedKey) { try DIDAuthSigner(did: k1, key: Sample.holderKey) }
        #expect(throws: DIDAuthError.unsupportedKey) { try DIDAuthSigner(did: Parties.verifier.did, key: Sample.holderKey) }
        for sender in [pkh, k1] {
            var message = Parties.attestationRequest()
            message.issuer = sender
            let header: [String: JSONValue] = ["alg": .string("ES256"), "typ": .string(message.type.jwsType), "kid": .string("\(sender)#key-1")]
            #expect(await refusal(try craft(message.payload, header: header)) == "didauth.key")
        }
    }

    @Test func oversizeMalformedAlgorithmAndTypeAreRefused() async throws {
        let request = Parties.attestationRequest()
        #expect(await refusal(String(repeating: "a", count: DIDAuthVerifier.maxMessageBytes + 1)) == "didauth.size")
        #expect(await refusal("a.b") == "didauth.malformed")
        var header: [String: JSONValue] = ["alg": .string("ES384"), "typ": .string(request.type.jwsType), "kid": .string(Parties.holder.keyID)]
        #expect(await refusal(try craft(request.payload, header: header)) == "didauth.alg")
        header["alg"] = .string("ES256")
        header["typ"] = .string(DIDAuthMessageType.deliverAttestation.jwsType)
        #expect(await refusal(try craft(request.payload, header: header)) == "didauth.typ")
        header["typ"] = .string("JWT")
        #expect(await refusal(try craft(request.payload, header: header)) == "didauth.typ")
        // a message just under the limit is read (and refused for what it says, not its size)
        var big = request
        big.body = .requestAttestation(vct: String(repeating: "v", count: 2049), claims: ["age_over_18"], holderKey: Sample.holderKey.publicKey)
        #expect(await refusal(try Parties.holder.sign(big)) == "didauth.schema")
    }

    @Test func payloadsOutsideTheSchemaAreRefused() async throws {
        let request = Parties.attestationRequest()
        let cases: [(String, (inout [String: JSONValue]) -> Void)] = [
            ("missing nonce", { $0["nonce"] = nil }),
            ("missing claims", { $0["claims"] = nil }),
            ("unknown claim", { $0["extra"] = .bool(true) }),
            ("unknown type", { $0["type"] = .string("StealAttestation") }),
            ("short nonce", { $0["nonce"] = .string("abc") }),
            ("iat a string", { $0["iat"] = .string("now") }),
            ("aud not a DID", { $0["aud"] = .string("https://kyc.mno.example") }),
            ("request with ref", { $0["ref"] = .string(DIDAuthMessage.randomID()) }),
            ("request thid not its jti", { $0["thid"] = .string(DIDAuthMessage.randomID()) }),
            ("duplicate claim names", { $0["claims"] = .array([.string("a"), .string("a")]) }),
            ("cnf not P-256", { $0["cnf"] = .object(["jwk": .object(["kty": .string("OKP"), "crv": .string("Ed25519"), "x": .string("AA")])]) }),
        ]
        for (name, change) in cases {
            #expect(await refusal(try craft(changed(request, change))) == "didauth.schema", "\(name)")
        }
        // answers need ref; a delivered credential has no KB-JWT; a presentation has one
        let delivery = try Parties.delivery(request)
        let noRef = changed(delivery) { $0["ref"] = nil }
        let issuerHeader: [String: JSONValue] = ["alg": .string("ES256"), "typ": .string(delivery.type.jwsType), "kid": .string(Parties.issuer.keyID)]
        #expect(await refusal(try craft(noRef, header: issuerHeader, key: Sample.issuerKey), audience: Parties.holder.did) == "didauth.schema")
        #expect(await refusal(try craft(delivery.payload, header: issuerHeader, key: Sample.issuerKey), audience: Parties.holder.did) == nil)
        let presented = try Sample.present(try Parties.credential())
        var withKB = delivery
        withKB.body = .deliverAttestation(credential: presented.serialized)
        #expect(await refusal(try Parties.issuer.sign(withKB), audience: Parties.holder.did) == "didauth.schema")
        var withoutKB = delivery
        withoutKB.body = .presentAttestation(presentation: presented.sdJWTPart)
        #expect(await refusal(try Parties.issuer.sign(withoutKB), audience: Parties.holder.did) == "didauth.schema")
        var grant = delivery
        grant.body = .grantAccess(resource: Parties.resource, grantExpiresAt: t0 - 1)
        #expect(await refusal(try Parties.issuer.sign(grant), audience: Parties.holder.did) == "didauth.schema")
        var digest = delivery
        digest.body = .revokeAttestation(credential: .digest("AAAB"), reason: "x")
        #expect(await refusal(try Parties.issuer.sign(digest), audience: Parties.holder.did) == "didauth.schema")
    }

    @Test func signerSignsOnlyItsOwnMessages() throws {
        #expect(throws: DIDAuthError.issuer) { try Parties.verifier.sign(Parties.attestationRequest()) }
    }

    @Test func codesAreDistinct() {
        let errors: [DIDAuthError] = [.oversize, .malformed, .algorithm, .type, .schema("x"), .issuer, .unsupportedKey, .kid, .resolution,
                                      .signature, .audience, .expired, .notYetValid, .lifetime, .replay, .replayCapacity, .chainType,
                                      .chainThread, .chainReference, .chainParty, .chainHolderKey, .chainIssuer, .chainCredentialType,
                                      .chainCredential, .chainClaims, .chainNonce, .chainAudience, .chainResource, .credential(.nonceMismatch)]
        #expect(Set(errors.map(\.code)).count == errors.count)
        #expect(errors.allSatisfy { $0.code.hasPrefix("didauth.") })
        #expect(DIDAuthError.credential(.keyBindingNotFresh).code == "didauth.credential.kb.iat")
    }
}
