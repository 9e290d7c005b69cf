// The chain of one exchange, each message already verified by DIDAuthVerifier:
//   RequestAttestation (holder → issuer) → DeliverAttestation (issuer → holder) → PresentAttestation (holder → issuer)
//   RequestAccess (verifier → holder) → PresentAttestation (holder → verifier) → GrantAccess (verifier → holder)
// A prefix of either is a chain too (a verifier checks request → presentation before it grants).
import Crypto
import Foundation

public struct DIDAuthChainVerifier: Sendable {
    /// Issuers whose credentials an access chain accepts, by `iss`. An attestation chain needs none: its credential's
    /// issuer is the deliverer, checked with the key that signed the DeliverAttestation.
    public let trustedIssuers: [String: P256.Signing.PublicKey]
    public let clockSkew: Int64
    /// How old a presentation's KB-JWT may be.
    public let keyBindingMaxAge: Int64

    public init(trustedIssuers: [String: P256.Signing.PublicKey] = [:], clockSkew: Int64 = 60, keyBindingMaxAge: Int64 = 300) {
        self.trustedIssuers = trustedIssuers
        self.clockSkew = clockSkew
        self.keyBindingMaxAge = keyBindingMaxAge
    }

    static let attestationChain: [DIDAuthMessageType] = [.requestAttestation, .deliverAttestation, .presentAttestation]
    static let accessChain: [DIDAuthMessageType] = [.requestAccess, .presentAttestation, .grantAccess]

    /// Checks the links of `chain` (same thread, each `ref` the previous `jti`, sender and recipient alternating) and
    /// what each message says of the one before; returns the presented credential's claims when there is a presentation.
    @discardableResult
    public func verify(_ chain: [VerifiedDIDAuthMessage], now: Int64) throws(DIDAuthError) -> VerifiedCredential? {
        let types = chain.map(\.message.type)
        guard !types.isEmpty, Self.attestationChain.starts(with: types) || Self.accessChain.starts(with: types) else {
            throw .chainType
        }
        let first = chain[0].message
        for (previous, next) in zip(chain.map(\.message), chain.map(\.message).dropFirst()) {
            guard next.thread == first.id else { throw .chainThread }
            guard next.reference == previous.id else { throw .chainReference }
            guard next.issuer == previous.audience, next.audience == previous.issuer else { throw .chainParty }
        }
        if types[0] == .requestAttestation { return try verifyAttestation(chain, now: now) }
        return try verifyAccess(chain, now: now)
    }

    private func verifyAttestation(_ chain: [VerifiedDIDAuthMessage], now: Int64) throws(DIDAuthError) -> VerifiedCredential? {
        guard case .requestAttestation(let vct, let claims, let holderKey) = chain[0].message.body else { throw .chainType }
        guard chain.count > 1, case .deliverAttestation(let credentialText) = chain[1].message.body else { return nil }
        let delivery = chain[1]
        let issuer = delivery.message.issuer.description
        let credential: SDJWTPresentation
        do { credential = try SDJWTPresentation(serialized: credentialText) } catch { throw .credential(error) }
        let payload = credential.jwt.payload
        guard payload["iss"] == .string(issuer) else { throw .chainIssuer }
        guard credential.jwt.isValidSignature(key: delivery.signerKey) else { throw .credential(.issuerSignatureInvalid) }
        guard payload["vct"] == .string(vct) else { throw .chainCredentialType }
        guard let boundKey = payload["cnf"]?["jwk"].flatMap(P256JWK.publicKey),
              boundKey.rawRepresentation == holderKey.rawRepresentation else { throw .chainHolderKey }
        let names = Set(credential.disclosures.compactMap(\.name)).union(payload.objectValue.map { Array($0.keys) } ?? [])
        guard claims.allSatisfy(names.contains) else { throw .chainClaims }

        guard chain.count > 2, case .presentAttestation(let presentationText) = chain[2].message.body else { return nil }
        let presentation = try keyBound(presentationText, nonce: chain[0].message.nonce, audience: chain[2].message.audience)
        guard presentation.jwt.serialized == credential.jwt.serialized else { throw .chainCredential }
        let verifier = SDJWTVerifier(issuer: issuer, issuerKey: delivery.signerKey, vct: vct, clockSkew: clockSkew,
                                     keyBindingMaxAge: keyBindingMaxAge)
        do {
            return try verifier.verify(presentation, audience: chain[2].message.audience.description, nonce: chain[0].message.nonce, now: now)
        } catch { throw .credential(error) }
    }

    private func verifyAccess(_ chain: [VerifiedDIDAuthMessage], now: Int64) throws(DIDAuthError) -> VerifiedCredential? {
        guard case .requestAccess(let resource, let claims, let values, let vct) = chain[0].message.body else { throw .chainType }
        guard chain.count > 1, case .presentAttestation(let presentationText) = chain[1].message.body else { return nil }
        let presentation = try keyBound(presentationText, nonce: chain[0].message.nonce, audience: chain[1].message.audience)
        guard let issuer = presentation.jwt.payload["iss"]?.stringValue, let issuerKey = trustedIssuers[issuer] else { throw .chainIssuer }
        if let vct { guard presentation.jwt.payload["vct"] == .string(vct) else { throw .chainCredentialType } }
        let verifier = SDJWTVerifier(issuer: issuer, issuerKey: issuerKey, vct: vct, clockSkew: clockSkew, keyBindingMaxAge: keyBindingMaxAge)
        let verified: VerifiedCredential
        do {
            verified = try verifier.verify(presentation, audience: chain[1].message.audience.description, nonce: chain[0].message.nonce, now: now)
        } catch { throw .credential(error) }
        guard claims.allSatisfy({ verified.claims[$0] != nil }), values.allSatisfy({ verified.claims[$0.key] == $0.value }) else {
            throw .chainClaims
        }
        if chain.count > 2 {
            guard case .grantAccess(let granted, _) = chain[2].message.body else { throw .chainType }
            guard granted == resource else { throw .chainResource }
        }
        return verified
    }

    /// The presentation, refused unless its KB-JWT answers the exchange's challenge (the request's nonce) and names the
    /// recipient of the PresentAttestation as its audience. SDJWTVerifier then checks the KB-JWT's signature.
    private func keyBound(_ text: String, nonce: String, audience: DID) throws(DIDAuthError) -> SDJWTPresentation {
        let presentation: SDJWTPresentation
        do { presentation = try SDJWTPresentation(serialized: text) } catch { throw .credential(error) }
        guard let keyBinding = presentation.keyBinding else { throw .credential(.keyBindingMissing) }
        guard keyBinding.payload["nonce"] == .string(nonce) else { throw .chainNonce }
        guard keyBinding.payload["aud"] == .string(audience.description) else { throw .chainAudience }
        return presentation
    }
}
