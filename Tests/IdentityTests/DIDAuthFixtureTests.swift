import Foundation
import Testing
@testable import Identity

/// Fixtures/didauth-messages.json: one Swift-signed message of each type, which tools/didauthvectors checks against
/// the JSON Schemas (docs/schemas/didauth) and whose signatures it verifies with jwcrypto. Rewritten by
/// `OPENRSP_WRITE_IDENTITY_FIXTURE=1 swift test --filter IdentityTests`; always verified here as committed.
@Suite struct DIDAuthFixtureTests {
    static let file = CrossCheckTests.fixtures.appendingPathComponent("didauth-messages.json")

    private func write() async throws {
        let t0 = Parties.t0
        let request = Parties.attestationRequest()
        let credential = try Parties.credential()
        let delivery = try Parties.delivery(request, credential: credential)
        let present = try Parties.presentation(delivery, credential: credential, nonce: request.nonce)
        let revoke = request.reply(.revokeAttestation(credential: .digest(of: credential), reason: "superseded"), now: t0 + 4)
        let revokeByList = DIDAuthMessage.opening(.revokeAttestation(credential: .statusList(uri: "https://kyc.mno.example/status/1", index: 4711),
                                                                     reason: "key compromise"), from: Parties.issuer.did, to: Parties.holder.did, now: t0)
        let access = Parties.accessRequest()
        let accessPresent = try Parties.presentation(access, credential: try Sample.credential(), nonce: access.nonce)
        let grant = accessPresent.reply(.grantAccess(resource: Parties.resource, grantExpiresAt: t0 + 86_400), now: t0 + 3)
        var messages: [JSONValue] = []
        for message in [request, delivery, present, revoke, revokeByList, access, accessPresent, grant] {
            let compact = try Parties.signer(of: message.issuer).sign(message)
            _ = try await Parties.messageVerifier().verify(compact, audience: message.audience, now: t0 + 5)
            messages.append(.object(["type": .string(message.type.rawValue), "jws": .string(compact)]))
        }
        let fixture = JSONValue.object([
            "generator": .string("Tests/IdentityTests/DIDAuthFixtureTests.swift (OPENRSP_WRITE_IDENTITY_FIXTURE=1)"),
            "now": .int(t0 + 5),
            "documents": .array([Parties.issuerDocument.json]),
            "messages": .array(messages),
        ])
        try Data(fixture.serialized() + [0x0A]).write(to: Self.file)
    }

    @Test func committedMessagesVerify() async throws {
        if ProcessInfo.processInfo.environment["OPENRSP_WRITE_IDENTITY_FIXTURE"] == "1" { try await write() }
        let fixture = try JSONValue.parse(Data(contentsOf: Self.file))
        let now = try #require(fixture["now"]?.intValue)
        let messages = try #require(fixture["messages"]?.arrayValue)
        #expect(Set(messages.compactMap { $0["type"]?.stringValue }) == Set(DIDAuthMessageType.allCases.map(\.rawValue)))
        var verified: [VerifiedDIDAuthMessage] = []
        for entry in messages {
            let message = try await Parties.messageVerifier().verifyRecorded(try #require(entry["jws"]?.stringValue), now: now)
            #expect(message.message.type.rawValue == entry["type"]?.stringValue)
            verified.append(message)
        }
        // both chains as recorded: request → delivery → presentation, and access → presentation → grant
        let chains = DIDAuthChainVerifier(trustedIssuers: [Sample.issuer: Sample.issuerKey.publicKey])
        #expect(try chains.verify(Array(verified[0...2]), now: now) != nil)
        #expect(try chains.verify(Array(verified[5...7]), now: now) != nil)
    }
}
