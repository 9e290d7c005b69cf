import Crypto
import Foundation
import Testing
@testable import Identity

/// Every refusal of SDJWTVerifier, each against a presentation that differs from a valid one in one respect.
@Suite struct VerifierTests {
    let now = Sample.issuedAt + 20

    private func refusal(_ presentation: SDJWTPresentation, verifier: SDJWTVerifier = Sample.verifier,
                         audience: String = Sample.audience, nonce: String = Sample.nonce, at time: Int64? = nil) -> SDJWTVerificationError? {
        do {
            _ = try verifier.verify(presentation.serialized, audience: audience, nonce: nonce, now: time ?? now)
            return nil
        } catch { return error }
    }

    /// The holder re-binds a changed disclosure list with a fresh KB-JWT, as an attacker holding the key could.
    private func rebound(_ presentation: SDJWTPresentation, disclosures: [Disclosure]) throws -> SDJWTPresentation {
        try Sample.present(SDJWT(jwt: presentation.jwt, disclosures: disclosures), include: { _ in true })
    }

    @Test func validPresentationDisclosesOnlyTheChosenClaims() throws {
        let presentation = try Sample.present(try Sample.credential())
        let verified = try Sample.verifier.verify(presentation.serialized, audience: Sample.audience, nonce: Sample.nonce, now: now)
        #expect(verified.claims["age_over_18"] == .bool(true))
        #expect(verified.claims["address"] == .object(["country": .string("DE")]))
        #expect(verified.claims["nationalities"] == .array([.string("DE")]))
        #expect(verified.claims["iss"] == .string(Sample.issuer) && verified.claims["vct"] == .string(Sample.vct))
        for hidden in ["given_name", "family_name", "birthdate", "document_number", "_sd", "_sd_alg"] {
            #expect(verified.claims[hidden] == nil, "\(hidden)")
        }
        #expect(verified.holderKey.rawRepresentation == Sample.holderKey.publicKey.rawRepresentation)
        // Everything disclosed: all seven claims, both nationalities in order.
        let full = try Sample.verifier.verify(try Sample.present(try Sample.credential(), include: { _ in true }),
                                              audience: Sample.audience, nonce: Sample.nonce, now: now)
        #expect(full.claims["given_name"] == .string("Erika") && full.claims["family_name"] == .string("Mustermann"))
        #expect(full.claims["birthdate"] == .string("1984-08-12") && full.claims["document_number"] == .string("T22000129"))
        #expect(full.claims["nationalities"] == .array([.string("DE"), .string("AT")]))
    }

    @Test func issuedCredentialHidesEveryPersonalClaimAndCountsDecoys() throws {
        let credential = try Sample.credential(decoys: 4)
        #expect(credential.disclosures.count == 8)   // 5 top-level, address.country, 2 nationalities
        #expect(credential.jwt.payload["_sd"]?.arrayValue?.count == 5 + 4)
        let payloadText = String(decoding: Base64URL.decode(credential.jwt.encodedPayload)!, as: UTF8.self)
        for secret in ["Erika", "Mustermann", "1984", "T22000129"] { #expect(!payloadText.contains(secret)) }
    }

    @Test func tamperedDisclosureIsRefused() throws {
        let presentation = try Sample.present(try Sample.credential(), include: { _ in true })
        let tampered = presentation.disclosures.map { d in
            d.name == "family_name" ? Disclosure(salt: d.salt, name: d.name, value: .string("Mallory")) : d
        }
        #expect(refusal(try rebound(presentation, disclosures: tampered)) == .disclosureNotInPayload)
        // Swapping the text of a disclosure without re-binding is refused at the digest check, before the KB-JWT.
        var parts = presentation.serialized.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
        parts[1] = Disclosure(salt: "x", name: "given_name", value: .string("Eve")).encoded
        #expect(throws: SDJWTVerificationError.disclosureNotInPayload) {
            try Sample.verifier.verify(parts.joined(separator: "~"), audience: Sample.audience, nonce: Sample.nonce, now: now)
        }
    }

    @Test func disclosureFromAnotherCredentialIsRefused() throws {
        let presentation = try Sample.present(try Sample.credential())
        let foreign = try #require(try Sample.credential().disclosures.first { $0.name == "given_name" })
        #expect(refusal(try rebound(presentation, disclosures: presentation.disclosures + [foreign])) == .disclosureNotInPayload)
    }

    @Test func duplicateDisclosureIsRefused() throws {
        let presentation = try Sample.present(try Sample.credential())
        #expect(refusal(try rebound(presentation, disclosures: presentation.disclosures + [presentation.disclosures[0]])) == .duplicateDisclosure)
    }

    @Test func payloadsTheIssuerShouldNotSignAreRefused() throws {
        let name = Disclosure(salt: Disclosure.randomSalt(), name: "given_name", value: .string("Erika"))
        let element = Disclosure(salt: Disclosure.randomSalt(), name: nil, value: .string("DE"))
        let reservedSD = Disclosure(salt: Disclosure.randomSalt(), name: "_sd", value: .array([]))
        let reservedDots = Disclosure(salt: Disclosure.randomSalt(), name: "...", value: .string("x"))
        let decoy = Disclosure.decoyDigest()
        let cases: [([String: JSONValue], [Disclosure], SDJWTVerificationError)] = [
            (["_sd": .array([.string(reservedSD.digest)])], [reservedSD], .reservedClaimName),
            (["_sd": .array([.string(reservedDots.digest)])], [reservedDots], .reservedClaimName),
            (["given_name": .string("Eve"), "_sd": .array([.string(name.digest)])], [name], .claimNameCollision),
            (["_sd": .array([.string(name.digest), .string(name.digest)])], [name], .duplicateDigest),
            // A digest may occur once in the whole payload, disclosed or not (here an undisclosed decoy).
            (["_sd": .array([.string(decoy)]), "a": .array([.object(["...": .string(decoy)])])], [], .duplicateDigest),
            (["_sd": .array([.string(element.digest)])], [element], .disclosureShapeMismatch),
            (["a": .array([.object(["...": .string(name.digest)])])], [name], .disclosureShapeMismatch),
            (["_sd_alg": .string("sha-512"), "_sd": .array([.string(name.digest)])], [name], .unsupportedDigestAlgorithm),
            (["_sd": .string(name.digest)], [name], .malformed),
            (["cnf": .object([:]), "_sd": .array([.string(name.digest)])], [name], .holderKeyMissing),
        ]
        for (payload, disclosures, expected) in cases {
            let credential = SDJWT(jwt: try Sample.signed(payload), disclosures: disclosures)
            #expect(refusal(try Sample.present(credential, include: { _ in true })) == expected, "\(payload)")
        }
        // The same shapes done right verify: a control for the cases above.
        let good = SDJWT(jwt: try Sample.signed(["_sd": .array([.string(name.digest)]), "a": .array([.object(["...": .string(element.digest)])])]),
                         disclosures: [name, element])
        #expect(refusal(try Sample.present(good, include: { _ in true })) == nil)
    }

    @Test func wrongAudienceAndNonceAreRefused() throws {
        let presentation = try Sample.present(try Sample.credential())
        #expect(refusal(presentation, audience: "https://other-verifier.example") == .audienceMismatch)
        #expect(refusal(presentation, nonce: "replayed-nonce") == .nonceMismatch)
        #expect(refusal(presentation) == nil)
    }

    @Test func wrongSDHashIsRefused() throws {
        // A KB-JWT made for every disclosure, sent with fewer: the signature holds, sd_hash does not.
        let full = try Sample.present(try Sample.credential(), include: { _ in true })
        let fewer = SDJWTPresentation(jwt: full.jwt, disclosures: Array(full.disclosures.dropLast()), keyBinding: full.keyBinding)
        #expect(refusal(fewer) == .sdHashMismatch)
    }

    @Test func expiredAndNotYetValidCredentialsAreRefused() throws {
        let credential = try Sample.credential(expiresAt: Sample.issuedAt + 100)
        let late = Sample.issuedAt + 100 + Sample.verifier.clockSkew
        #expect(refusal(try Sample.present(credential, at: late - 5), at: late) == .expired)
        #expect(refusal(try Sample.present(credential, at: late - 5), at: late - 1) == nil)
        let future = try Sample.credential(issuedAt: now + 3600)
        #expect(refusal(try Sample.present(future)) == .notYetValid)
        let notBefore = SDJWT(jwt: try Sample.signed(["nbf": .int(now + 3600)]), disclosures: [])
        #expect(refusal(try Sample.present(notBefore)) == .notYetValid)
        let noExpiry = SDJWT(jwt: try Sample.signed(["exp": .null]), disclosures: [])
        #expect(refusal(try Sample.present(noExpiry)) == .malformed)
    }

    @Test func wrongIssuerKeyIssuerAndTypeAreRefused() throws {
        let presentation = try Sample.present(try Sample.credential())
        #expect(refusal(presentation, verifier: SDJWTVerifier(issuer: Sample.issuer, issuerKey: Sample.otherKey.publicKey)) == .issuerSignatureInvalid)
        #expect(refusal(presentation, verifier: SDJWTVerifier(issuer: "https://other.example", issuerKey: Sample.issuerKey.publicKey)) == .issuerMismatch)
        #expect(refusal(presentation, verifier: SDJWTVerifier(issuer: Sample.issuer, issuerKey: Sample.issuerKey.publicKey, vct: "urn:other")) == .credentialTypeMismatch)
        let untyped = SDJWT(jwt: try Sample.signed([:], type: "JWT"), disclosures: [])
        #expect(refusal(try Sample.present(untyped)) == .wrongType)
    }

    @Test func unsignedAndMalformedTokensAreRefused() throws {
        let presentation = try Sample.present(try Sample.credential())
        let none = Base64URL.encode(Array(#"{"alg":"none","typ":"dc+sd-jwt"}"#.utf8))
        let unsigned = presentation.serialized.replacingOccurrences(of: presentation.jwt.encodedHeader, with: none)
        #expect(throws: SDJWTVerificationError.unsupportedAlgorithm) {
            try Sample.verifier.verify(unsigned, audience: Sample.audience, nonce: Sample.nonce, now: now)
        }
        for text in ["", "a.b.c", "no-tilde", presentation.jwt.serialized + "~~"] {
            #expect(throws: SDJWTVerificationError.self) {
                try Sample.verifier.verify(text, audience: Sample.audience, nonce: Sample.nonce, now: now)
            }
        }
    }

    @Test func keyBindingRefusals() throws {
        let credential = try Sample.credential()
        #expect(refusal(try Sample.present(credential, holderKey: Sample.otherKey)) == .keyBindingSignatureInvalid)
        let unbound = try Sample.present(credential)
        #expect(refusal(SDJWTPresentation(jwt: unbound.jwt, disclosures: unbound.disclosures, keyBinding: nil)) == .keyBindingMissing)
        #expect(refusal(try Sample.present(credential, at: now - Sample.verifier.keyBindingMaxAge - 1)) == .keyBindingNotFresh)
        #expect(refusal(try Sample.present(credential, at: now + Sample.verifier.clockSkew + 1)) == .keyBindingNotFresh)
        let wrongType = try CompactJWS.sign(payload: unbound.keyBinding!.payload, type: "JWT", key: Sample.holderKey)
        #expect(refusal(SDJWTPresentation(jwt: unbound.jwt, disclosures: unbound.disclosures, keyBinding: wrongType)) == .keyBindingType)
    }

    @Test func refusalCodesAreDistinct() {
        let codes = SDJWTVerificationError.allCases.map(\.code)
        #expect(Set(codes).count == codes.count)
    }
}
