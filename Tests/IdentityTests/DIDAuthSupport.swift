import Crypto
import Foundation
@testable import Identity

/// The parties of the DID-Auth tests: a holder (did:key), an issuer (did:web, its document served from memory)
/// and a verifier (did:key). Fixed test keys.
enum Parties {
    static let issuerDID = try! DID("did:web:kyc.mno.example")
    static let holder = DIDAuthSigner(key: Sample.holderKey)
    static let issuer = try! DIDAuthSigner(did: issuerDID, key: Sample.issuerKey)
    static let verifierKey = testKey(0x1D5A_11CE_0006)
    static let verifier = DIDAuthSigner(key: verifierKey)
    static let t0 = Sample.issuedAt
    static let resource = "openrsp:plan:eu-travel-10gb"

    static var issuerDocument: DIDDocument { DIDDocument.web(issuerDID, key: DIDPublicKey(p256: Sample.issuerKey.publicKey))! }

    /// did:web documents by URL; anything else is not found.
    static func resolver(_ documents: [DIDDocument] = [issuerDocument]) -> DIDResolver {
        let served = Dictionary(uniqueKeysWithValues: documents.map { (try! DID($0.id).documentURL!, $0.json.serialized()) })
        return DIDResolver { url in
            guard let bytes = served[url] else { throw URLError(.fileDoesNotExist) }
            return bytes
        }
    }

    static func messageVerifier(resolver: DIDResolver = resolver(), cache: InMemoryDIDAuthReplayCache = .init()) -> DIDAuthVerifier {
        DIDAuthVerifier(resolver: resolver, replayCache: cache)
    }

    static func signer(of did: DID) -> DIDAuthSigner {
        switch did {
        case issuer.did: issuer
        case verifier.did: verifier
        default: holder
        }
    }

    /// Signs `message` as its sender and verifies it as a recorded message.
    static func verified(_ message: DIDAuthMessage, at time: Int64? = nil) async throws -> VerifiedDIDAuthMessage {
        try await messageVerifier().verifyRecorded(try signer(of: message.issuer).sign(message), now: time ?? message.issuedAt + 1)
    }

    static func credential(issuer: String = issuerDID.description, key: P256.Signing.PrivateKey = Sample.issuerKey,
                           vct: String = Sample.vct, holderKey: P256.Signing.PublicKey = Sample.holderKey.publicKey) throws -> SDJWT {
        try SDJWTVCIssuer(issuer: issuer, key: key)
            .issue(vct: vct, claims: Sample.claims, holderKey: holderKey, issuedAt: t0, expiresAt: Sample.expiresAt, decoys: 2)
    }

    // RequestAttestation (holder → issuer) → DeliverAttestation (issuer → holder) → PresentAttestation (holder → issuer).
    static func attestationRequest(claims: [String] = ["age_over_18", "given_name"]) -> DIDAuthMessage {
        .opening(.requestAttestation(vct: Sample.vct, claims: claims, holderKey: Sample.holderKey.publicKey),
                 from: holder.did, to: issuer.did, now: t0)
    }

    static func delivery(_ request: DIDAuthMessage, credential: SDJWT? = nil) throws -> DIDAuthMessage {
        request.reply(.deliverAttestation(credential: try (credential ?? Self.credential()).serialized), now: t0 + 1)
    }

    static func presentation(_ delivery: DIDAuthMessage, credential: SDJWT, nonce: String, audience: String? = nil,
                             at time: Int64 = t0 + 2) throws -> DIDAuthMessage {
        let presented = try SDJWTPresentation.present(credential, include: Sample.ageAndResidence,
                                                      audience: audience ?? delivery.issuer.description, nonce: nonce,
                                                      issuedAt: time, holderKey: Sample.holderKey)
        return delivery.reply(.presentAttestation(presentation: presented.serialized), now: time)
    }

    // RequestAccess (verifier → holder) → PresentAttestation (holder → verifier) → GrantAccess (verifier → holder).
    static func accessRequest(claims: [String] = ["age_over_18", "address"], values: [String: JSONValue] = ["age_over_18": .bool(true)]) -> DIDAuthMessage {
        .opening(.requestAccess(resource: resource, claims: claims, values: values, vct: Sample.vct), from: verifier.did, to: holder.did, now: t0)
    }
}
