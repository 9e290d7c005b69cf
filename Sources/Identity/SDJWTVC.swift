import Crypto
import Foundation

/// The personal claims of a KYC credential; every one becomes selectively disclosable.
public struct PersonalClaims: Sendable, Equatable {
    public var givenName: String
    public var familyName: String
    /// ISO 8601 date, `YYYY-MM-DD`.
    public var birthdate: String
    public var ageOver18: Bool
    /// ISO 3166-1 alpha-2 codes, each an array-element disclosure under `nationalities`.
    public var nationalities: [String]
    /// ISO 3166-1 alpha-2, disclosed as `address.country`.
    public var residenceCountry: String
    public var documentNumber: String

    public init(givenName: String, familyName: String, birthdate: String, ageOver18: Bool, nationalities: [String],
                residenceCountry: String, documentNumber: String) {
        self.givenName = givenName
        self.familyName = familyName
        self.birthdate = birthdate
        self.ageOver18 = ageOver18
        self.nationalities = nationalities
        self.residenceCountry = residenceCountry
        self.documentNumber = documentNumber
    }
}

/// An issued SD-JWT (RFC 9901 §4): the issuer-signed JWT and every disclosure, serialized `<JWT>~<D1>~…~<Dn>~`.
public struct SDJWT: Sendable, Equatable {
    public let jwt: CompactJWS
    public let disclosures: [Disclosure]

    public init(jwt: CompactJWS, disclosures: [Disclosure]) {
        self.jwt = jwt
        self.disclosures = disclosures
    }

    public var serialized: String { ([jwt.serialized] + disclosures.map(\.encoded)).joined(separator: "~") + "~" }
}

/// Issues SD-JWT VCs: `vct`, `iss`, `iat`, `exp`, `cnf.jwk` in the clear; personal claims behind `_sd` digests.
public struct SDJWTVCIssuer: Sendable {
    public static let type = "dc+sd-jwt"
    public let issuer: String
    public let key: P256.Signing.PrivateKey

    public init(issuer: String, key: P256.Signing.PrivateKey) {
        self.issuer = issuer
        self.key = key
    }

    /// `decoys` extra digests go into the top-level `_sd` so its length does not count the claims.
    public func issue(vct: String, claims: PersonalClaims, holderKey: P256.Signing.PublicKey,
                      issuedAt: Int64, expiresAt: Int64, status: StatusReference? = nil, decoys: Int = 0,
                      salt: () -> String = Disclosure.randomSalt) throws -> SDJWT {
        var disclosures: [Disclosure] = []
        func disclose(_ name: String?, _ value: JSONValue) -> String {
            let disclosure = Disclosure(salt: salt(), name: name, value: value)
            disclosures.append(disclosure)
            return disclosure.digest
        }
        let country = disclose("country", .string(claims.residenceCountry))
        let nationalityDigests = claims.nationalities.map { JSONValue.object(["...": .string(disclose(nil, .string($0)))]) }
        var topLevel = [
            disclose("given_name", .string(claims.givenName)),
            disclose("family_name", .string(claims.familyName)),
            disclose("birthdate", .string(claims.birthdate)),
            disclose("age_over_18", .bool(claims.ageOver18)),
            disclose("document_number", .string(claims.documentNumber)),
        ]
        topLevel += (0..<decoys).map { _ in Disclosure.decoyDigest() }
        // Sorted, so the order of `_sd` says nothing about the order of the claims (RFC 9901 §4.2.4.1).
        var payload: [String: JSONValue] = [
            "iss": .string(issuer), "vct": .string(vct), "iat": .int(issuedAt), "exp": .int(expiresAt),
            "cnf": .object(["jwk": P256JWK.jwk(holderKey)]),
            "_sd_alg": .string("sha-256"),
            "_sd": .array(topLevel.sorted().map(JSONValue.string)),
            "address": .object(["_sd": .array([.string(country)])]),
            "nationalities": .array(nationalityDigests),
        ]
        // In the clear (never disclosable): every verifier must be able to check revocation.
        if let status { payload["status"] = status.json }
        return SDJWT(jwt: try CompactJWS.sign(payload: .object(payload), type: Self.type, key: key), disclosures: disclosures)
    }
}

/// What the holder sends: the SD-JWT with the chosen disclosures and a Key Binding JWT (RFC 9901 §4.3),
/// `<JWT>~<D1>~…~<Dk>~<KB-JWT>`.
public struct SDJWTPresentation: Sendable, Equatable {
    public let jwt: CompactJWS
    public let disclosures: [Disclosure]
    public let keyBinding: CompactJWS?

    /// The SD-JWT part, `<JWT>~<D1>~…~<Dk>~`, over which `sd_hash` is taken.
    public var sdJWTPart: String { ([jwt.serialized] + disclosures.map(\.encoded)).joined(separator: "~") + "~" }
    public var serialized: String { sdJWTPart + (keyBinding?.serialized ?? "") }

    public static func sdHash(of sdJWTPart: String) -> String { Disclosure.digest(of: sdJWTPart) }

    /// Presents the disclosures for which `include` holds, bound to `audience` and `nonce` by `holderKey`.
    public static func present(_ credential: SDJWT, include: (Disclosure) -> Bool, audience: String, nonce: String,
                               issuedAt: Int64, holderKey: P256.Signing.PrivateKey) throws -> SDJWTPresentation {
        let unbound = SDJWTPresentation(jwt: credential.jwt, disclosures: credential.disclosures.filter(include), keyBinding: nil)
        let keyBinding = try CompactJWS.sign(
            payload: .object(["aud": .string(audience), "nonce": .string(nonce), "iat": .int(issuedAt),
                              "sd_hash": .string(sdHash(of: unbound.sdJWTPart))]),
            type: "kb+jwt", key: holderKey)
        return SDJWTPresentation(jwt: credential.jwt, disclosures: unbound.disclosures, keyBinding: keyBinding)
    }

    public init(jwt: CompactJWS, disclosures: [Disclosure], keyBinding: CompactJWS?) {
        self.jwt = jwt
        self.disclosures = disclosures
        self.keyBinding = keyBinding
    }

    /// Parses `<JWT>~<D>~…~<KB-JWT or empty>`; disclosures keep their exact text. Refuses with `.malformed`.
    public init(serialized: String) throws(SDJWTVerificationError) {
        let parts = serialized.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, let jwt = CompactJWS(compact: parts[0]) else { throw .malformed }
        var disclosures: [Disclosure] = []
        for text in parts[1..<(parts.count - 1)] {
            guard let disclosure = Disclosure(encoded: text) else { throw .malformedDisclosure }
            disclosures.append(disclosure)
        }
        var keyBinding: CompactJWS? = nil
        if let last = parts.last, !last.isEmpty {
            guard let parsed = CompactJWS(compact: last) else { throw .malformed }
            keyBinding = parsed
        }
        self.init(jwt: jwt, disclosures: disclosures, keyBinding: keyBinding)
    }
}
