import Crypto
import Foundation
import Testing
@testable import Identity

/// The chains RequestAttestation → DeliverAttestation → PresentAttestation and RequestAccess → PresentAttestation →
/// GrantAccess, each refusal against a chain that differs from a valid one in one respect.
@Suite struct DIDAuthChainTests {
    let t0 = Parties.t0
    let chainVerifier = DIDAuthChainVerifier(trustedIssuers: [Sample.issuer: Sample.issuerKey.publicKey])

    private func refusal(_ messages: [DIDAuthMessage], verifier: DIDAuthChainVerifier? = nil, at time: Int64? = nil) async throws -> String? {
        var chain: [VerifiedDIDAuthMessage] = []
        for message in messages { chain.append(try await Parties.verified(message)) }
        do {
            try (verifier ?? chainVerifier).verify(chain, now: time ?? t0 + 10)
            return nil
        } catch { return error.code }
    }

    /// A valid attestation chain and its credential.
    private func attestation(claims: [String] = ["age_over_18", "given_name"]) throws -> (DIDAuthMessage, DIDAuthMessage, DIDAuthMessage, SDJWT) {
        let request = Parties.attestationRequest(claims: claims)
        let credential = try Parties.credential()
        let delivery = try Parties.delivery(request, credential: credential)
        return (request, delivery, try Parties.presentation(delivery, credential: credential, nonce: request.nonce), credential)
    }

    /// A valid access chain: the credential of the HTTPS issuer the verifier trusts, presented to the verifier.
    private func access() throws -> (DIDAuthMessage, DIDAuthMessage, DIDAuthMessage) {
        let request = Parties.accessRequest()
        let present = try Parties.presentation(request, credential: try Sample.credential(), nonce: request.nonce)
        return (request, present, present.reply(.grantAccess(resource: Parties.resource, grantExpiresAt: t0 + 86_400), now: t0 + 3))
    }

    @Test func attestationChainAndItsPrefixesVerify() async throws {
        let (request, delivery, present, _) = try attestation()
        #expect(try await refusal([request]) == nil)
        #expect(try await refusal([request, delivery]) == nil)
        #expect(try await refusal([request, delivery, present]) == nil)
        let chain = [try await Parties.verified(request), try await Parties.verified(delivery), try await Parties.verified(present)]
        let verified = try #require(try chainVerifier.verify(chain, now: t0 + 10))
        #expect(verified.claims["age_over_18"] == .bool(true) && verified.claims["given_name"] == nil)
        #expect(verified.claims["iss"] == .string(Parties.issuerDID.description))
        #expect(verified.holderKey.rawRepresentation == Sample.holderKey.publicKey.rawRepresentation)
    }

    @Test func accessChainVerifies() async throws {
        let (request, present, grant) = try access()
        #expect(try await refusal([request, present]) == nil)
        #expect(try await refusal([request, present, grant]) == nil)
        let chain = [try await Parties.verified(request), try await Parties.verified(present)]
        #expect(try chainVerifier.verify(chain, now: t0 + 10)?.claims["address"] == .object(["country": .string("DE")]))
    }

    @Test func wrongOrderIsRefused() async throws {
        let (request, delivery, present, _) = try attestation()
        #expect(try await refusal([delivery, request]) == "didauth.chain.type")
        #expect(try await refusal([request, present]) == "didauth.chain.type")
        #expect(try await refusal([]) == "didauth.chain.type")
        let (accessRequest, accessPresent, grant) = try access()
        #expect(try await refusal([accessRequest, grant]) == "didauth.chain.type")
        #expect(try await refusal([accessRequest, accessPresent, grant, grant]) == "didauth.chain.type")
    }

    @Test func refThreadAndPartyMismatchesAreRefused() async throws {
        let (request, delivery, present, _) = try attestation()
        var wrongRef = delivery
        wrongRef.reference = DIDAuthMessage.randomID()
        #expect(try await refusal([request, wrongRef]) == "didauth.chain.ref")
        var wrongThread = present
        wrongThread.thread = DIDAuthMessage.randomID()
        #expect(try await refusal([request, delivery, wrongThread]) == "didauth.chain.thid")
        // the delivery's recipient is not the requester
        var wrongParty = delivery
        wrongParty.audience = Parties.verifier.did
        #expect(try await refusal([request, wrongParty]) == "didauth.chain.party")
        // the presentation comes from someone other than the delivery's recipient
        var wrongSender = present
        wrongSender.issuer = Parties.verifier.did
        #expect(try await refusal([request, delivery, wrongSender]) == "didauth.chain.party")
    }

    @Test func deliveredCredentialMustFitTheRequest() async throws {
        let request = Parties.attestationRequest()
        let otherHolder = try Parties.credential(holderKey: Sample.otherKey.publicKey)
        #expect(try await refusal([request, try Parties.delivery(request, credential: otherHolder)]) == "didauth.chain.holder_key")
        let otherIssuer = try Parties.credential(issuer: Sample.issuer)
        #expect(try await refusal([request, try Parties.delivery(request, credential: otherIssuer)]) == "didauth.chain.iss")
        let otherType = try Parties.credential(vct: "https://openrsp.example/credentials/other/v1")
        #expect(try await refusal([request, try Parties.delivery(request, credential: otherType)]) == "didauth.chain.vct")
        let forged = try Parties.credential(key: Sample.otherKey)   // the deliverer's DID as iss, another key's signature
        #expect(try await refusal([request, try Parties.delivery(request, credential: forged)]) == "didauth.credential.sdjwt.issuer_signature")
        let unavailable = Parties.attestationRequest(claims: ["age_over_18", "phone_number"])
        #expect(try await refusal([unavailable, try Parties.delivery(unavailable)]) == "didauth.chain.claims")
    }

    @Test func presentationMustAnswerTheRequestsChallenge() async throws {
        let (request, delivery, _, credential) = try attestation()
        let wrongNonce = try Parties.presentation(delivery, credential: credential, nonce: DIDAuthMessage.randomID())
        #expect(try await refusal([request, delivery, wrongNonce]) == "didauth.chain.nonce")
        let deliveryNonce = try Parties.presentation(delivery, credential: credential, nonce: delivery.nonce)
        #expect(try await refusal([request, delivery, deliveryNonce]) == "didauth.chain.nonce")
        let wrongAudience = try Parties.presentation(delivery, credential: credential, nonce: request.nonce, audience: Parties.verifier.did.description)
        #expect(try await refusal([request, delivery, wrongAudience]) == "didauth.chain.kb_aud")
        let stale = try Parties.presentation(delivery, credential: credential, nonce: request.nonce)
        #expect(try await refusal([request, delivery, stale], at: t0 + 2 + 301) == "didauth.credential.kb.iat")
        // the holder presents another credential than the one delivered (same issuer, same key)
        let other = try Parties.presentation(delivery, credential: try Parties.credential(), nonce: request.nonce)
        #expect(try await refusal([request, delivery, other]) == "didauth.chain.credential")
    }

    @Test func accessPresentationIsCheckedAgainstTheRequest() async throws {
        let (request, _, _) = try access()
        let wrongNonce = try Parties.presentation(request, credential: try Sample.credential(), nonce: DIDAuthMessage.randomID())
        #expect(try await refusal([request, wrongNonce]) == "didauth.chain.nonce")
        let wrongAudience = try Parties.presentation(request, credential: try Sample.credential(), nonce: request.nonce,
                                                     audience: Parties.issuer.did.description)
        #expect(try await refusal([request, wrongAudience]) == "didauth.chain.kb_aud")
        let untrusted = try Parties.presentation(request, credential: try Parties.credential(), nonce: request.nonce)
        #expect(try await refusal([request, untrusted]) == "didauth.chain.iss")
        let unknownIssuerKey = DIDAuthChainVerifier(trustedIssuers: [Sample.issuer: Sample.otherKey.publicKey])
        let present = try Parties.presentation(request, credential: try Sample.credential(), nonce: request.nonce)
        #expect(try await refusal([request, present], verifier: unknownIssuerKey) == "didauth.credential.sdjwt.issuer_signature")
        let needsName = Parties.accessRequest(claims: ["given_name"])
        #expect(try await refusal([needsName, try Parties.presentation(needsName, credential: try Sample.credential(), nonce: needsName.nonce)])
                == "didauth.chain.claims")
        let needsOver21 = Parties.accessRequest(claims: [], values: ["age_over_18": .bool(false)])
        #expect(try await refusal([needsOver21, try Parties.presentation(needsOver21, credential: try Sample.credential(), nonce: needsOver21.nonce)])
                == "didauth.chain.claims")
        var otherType = request
        otherType.body = .requestAccess(resource: Parties.resource, claims: [], values: [:], vct: "https://openrsp.example/credentials/other/v1")
        #expect(try await refusal([otherType, try Parties.presentation(otherType, credential: try Sample.credential(), nonce: otherType.nonce)])
                == "didauth.chain.vct")
    }

    @Test func grantMustBeForTheRequestedResource() async throws {
        let (request, present, grant) = try access()
        var other = grant
        other.body = .grantAccess(resource: "openrsp:plan:world-1gb", grantExpiresAt: t0 + 86_400)
        #expect(try await refusal([request, present, other]) == "didauth.chain.resource")
        var wrongRef = grant
        wrongRef.reference = request.id
        #expect(try await refusal([request, present, wrongRef]) == "didauth.chain.ref")
    }
}
