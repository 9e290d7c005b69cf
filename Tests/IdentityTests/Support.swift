import Crypto
import Foundation
@testable import Identity

/// Fixed test keys: P-256 private scalars, test material only.
func testKey(_ scalar: UInt64) -> P256.Signing.PrivateKey {
    var raw = [UInt8](repeating: 0, count: 24)
    withUnsafeBytes(of: scalar.bigEndian) { raw += $0 }
    return try! P256.Signing.PrivateKey(rawRepresentation: raw)
}

enum Sample {
    static let issuer = "https://kyc.mno.example"
    static let vct = "https://openrsp.example/credentials/kyc/v1"
    static let audience = "https://smdp.openrsp.example"
    static let nonce = "4a7d1ed414474e4033ac29ccb8653d9b"
    static let issuedAt: Int64 = 1_796_650_000
    static let expiresAt: Int64 = issuedAt + 365 * 86_400
    static let issuerKey = testKey(0x1D5A_11CE_0003)
    static let holderKey = testKey(0x1D5A_11CE_0004)
    static let otherKey = testKey(0x1D5A_11CE_0005)
    static let claims = PersonalClaims(givenName: "Erika", familyName: "Mustermann", birthdate: "1984-08-12", ageOver18: true,
                                       nationalities: ["DE", "AT"], residenceCountry: "DE", documentNumber: "T22000129")
    static let verifier = SDJWTVerifier(issuer: issuer, issuerKey: issuerKey.publicKey, vct: vct)

    static func credential(issuedAt: Int64 = issuedAt, expiresAt: Int64 = expiresAt, decoys: Int = 3) throws -> SDJWT {
        try SDJWTVCIssuer(issuer: issuer, key: issuerKey)
            .issue(vct: vct, claims: claims, holderKey: holderKey.publicKey, issuedAt: issuedAt, expiresAt: expiresAt, decoys: decoys)
    }

    /// Discloses age_over_18, address.country and the nationality DE.
    static func ageAndResidence(_ disclosure: Disclosure) -> Bool {
        ["age_over_18", "country"].contains(disclosure.name) || (disclosure.name == nil && disclosure.value == .string("DE"))
    }

    static func present(_ credential: SDJWT, include: (Disclosure) -> Bool = ageAndResidence, audience: String = audience,
                        nonce: String = nonce, at time: Int64 = issuedAt + 10, holderKey: P256.Signing.PrivateKey = holderKey) throws -> SDJWTPresentation {
        try SDJWTPresentation.present(credential, include: include, audience: audience, nonce: nonce, issuedAt: time, holderKey: holderKey)
    }

    /// An issuer-signed JWT over `payload` plus the usual `iss`, `vct`, `iat`, `exp`, `cnf`: for payloads the issuer API would not make.
    static func signed(_ payload: [String: JSONValue], type: String = SDJWTVCIssuer.type) throws -> CompactJWS {
        var full: [String: JSONValue] = ["iss": .string(issuer), "vct": .string(vct), "iat": .int(issuedAt), "exp": .int(expiresAt),
                                         "cnf": .object(["jwk": P256JWK.jwk(holderKey.publicKey)])]
        full.merge(payload) { _, new in new }
        return try CompactJWS.sign(payload: .object(full), type: type, key: issuerKey)
    }
}
