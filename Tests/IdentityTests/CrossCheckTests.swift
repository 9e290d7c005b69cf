import Crypto
import Foundation
import Testing
@testable import Identity

/// Both directions against the SD-JWT reference implementation (PyPI `sd-jwt`, tools/sdjwtvectors):
/// ours verifies theirs here; theirs verifies ours in tools/sdjwtvectors/test_sdjwt_cross_check.py.
@Suite struct CrossCheckTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func load(_ name: String) throws -> [String: JSONValue] {
        try #require(try JSONValue.parse(Data(contentsOf: Self.fixtures.appendingPathComponent(name))).objectValue)
    }

    private func verifier(_ fixture: [String: JSONValue]) throws -> SDJWTVerifier {
        SDJWTVerifier(issuer: try #require(fixture["issuer"]?.stringValue),
                      issuerKey: try #require(fixture["issuerJWK"].flatMap(P256JWK.publicKey)),
                      vct: try #require(fixture["vct"]?.stringValue))
    }

    /// tools/sdjwtvectors/generate.py: issued and presented by `sd-jwt`, verified here.
    @Test func swiftVerifiesThePythonPresentation() throws {
        let fixture = try load("python-presentation.json")
        let presentation = try #require(fixture["presentation"]?.stringValue)
        let audience = try #require(fixture["audience"]?.stringValue), nonce = try #require(fixture["nonce"]?.stringValue)
        let now = try #require(fixture["now"]?.intValue)
        let verified = try verifier(fixture).verify(presentation, audience: audience, nonce: nonce, now: now)
        #expect(JSONValue.object(verified.claims) == fixture["disclosedClaims"])
        #expect(throws: SDJWTVerificationError.nonceMismatch) {
            try verifier(fixture).verify(presentation, audience: audience, nonce: nonce + "x", now: now)
        }
        let wrongKey = SDJWTVerifier(issuer: try #require(fixture["issuer"]?.stringValue), issuerKey: Sample.otherKey.publicKey)
        #expect(throws: SDJWTVerificationError.issuerSignatureInvalid) {
            try wrongKey.verify(presentation, audience: audience, nonce: nonce, now: now)
        }
    }

    /// The fixture the Python test verifies with `sd-jwt`. Rewritten by
    /// `OPENRSP_WRITE_IDENTITY_FIXTURE=1 swift test --filter IdentityTests`; always verified here as committed.
    @Test func swiftPresentationFixture() throws {
        if ProcessInfo.processInfo.environment["OPENRSP_WRITE_IDENTITY_FIXTURE"] == "1" {
            let presentation = try Sample.present(try Sample.credential())
            let verified = try Sample.verifier.verify(presentation, audience: Sample.audience, nonce: Sample.nonce, now: Sample.issuedAt + 20)
            let fixture = JSONValue.object([
                "generator": .string("Tests/IdentityTests/CrossCheckTests.swift (OPENRSP_WRITE_IDENTITY_FIXTURE=1)"),
                "issuer": .string(Sample.issuer), "issuerJWK": P256JWK.jwk(Sample.issuerKey.publicKey), "vct": .string(Sample.vct),
                "audience": .string(Sample.audience), "nonce": .string(Sample.nonce), "now": .int(Sample.issuedAt + 20),
                "presentation": .string(presentation.serialized), "disclosedClaims": .object(verified.claims),
            ])
            try Data(fixture.serialized() + [0x0A]).write(to: Self.fixtures.appendingPathComponent("swift-presentation.json"))
        }
        let fixture = try load("swift-presentation.json")
        let verified = try verifier(fixture).verify(try #require(fixture["presentation"]?.stringValue),
                                                    audience: try #require(fixture["audience"]?.stringValue),
                                                    nonce: try #require(fixture["nonce"]?.stringValue), now: try #require(fixture["now"]?.intValue))
        #expect(JSONValue.object(verified.claims) == fixture["disclosedClaims"])
        #expect(fixture["issuerJWK"] == P256JWK.jwk(Sample.issuerKey.publicKey))
    }
}
