import Crypto
import Foundation

/// Why a presentation was refused; `code` is stable for logs, APIs and tests.
public enum SDJWTVerificationError: Error, Sendable, Equatable, CaseIterable {
    case malformed
    case malformedDisclosure
    case unsupportedAlgorithm
    case wrongType
    case issuerSignatureInvalid
    case issuerMismatch
    case credentialTypeMismatch
    case unsupportedDigestAlgorithm
    case duplicateDisclosure
    case duplicateDigest
    case disclosureNotInPayload
    case reservedClaimName
    case claimNameCollision
    case disclosureShapeMismatch
    case expired
    case notYetValid
    case keyBindingMissing
    case holderKeyMissing
    case keyBindingType
    case keyBindingSignatureInvalid
    case audienceMismatch
    case nonceMismatch
    case sdHashMismatch
    case keyBindingNotFresh

    public var code: String {
        switch self {
        case .malformed: "sdjwt.malformed"
        case .malformedDisclosure: "sdjwt.disclosure.malformed"
        case .unsupportedAlgorithm: "sdjwt.alg"
        case .wrongType: "sdjwt.typ"
        case .issuerSignatureInvalid: "sdjwt.issuer_signature"
        case .issuerMismatch: "sdjwt.iss"
        case .credentialTypeMismatch: "sdjwt.vct"
        case .unsupportedDigestAlgorithm: "sdjwt.sd_alg"
        case .duplicateDisclosure: "sdjwt.disclosure.duplicate"
        case .duplicateDigest: "sdjwt.digest.duplicate"
        case .disclosureNotInPayload: "sdjwt.disclosure.unreferenced"
        case .reservedClaimName: "sdjwt.disclosure.reserved_name"
        case .claimNameCollision: "sdjwt.disclosure.name_collision"
        case .disclosureShapeMismatch: "sdjwt.disclosure.shape"
        case .expired: "sdjwt.exp"
        case .notYetValid: "sdjwt.iat"
        case .keyBindingMissing: "kb.missing"
        case .holderKeyMissing: "kb.cnf"
        case .keyBindingType: "kb.typ"
        case .keyBindingSignatureInvalid: "kb.signature"
        case .audienceMismatch: "kb.aud"
        case .nonceMismatch: "kb.nonce"
        case .sdHashMismatch: "kb.sd_hash"
        case .keyBindingNotFresh: "kb.iat"
        }
    }
}

/// What a verifier learns: the always-visible claims and the disclosed ones, `_sd`, `_sd_alg` and undisclosed
/// array elements removed (RFC 9901 §7.1 step 3).
public struct VerifiedCredential: Sendable, Equatable {
    public let claims: [String: JSONValue]
    public let holderKey: P256.Signing.PublicKey

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.claims == rhs.claims && lhs.holderKey.rawRepresentation == rhs.holderKey.rawRepresentation
    }
}

/// Verifies SD-JWT VC presentations with Key Binding (RFC 9901 §7.1, §7.3) from one trusted issuer key.
/// Times are seconds since 1970; `now` is passed in so verification is deterministic.
public struct SDJWTVerifier: Sendable {
    public static let acceptedTypes: Set<String> = ["dc+sd-jwt", "vc+sd-jwt"]
    public let issuer: String
    public let issuerKey: P256.Signing.PublicKey
    public let vct: String?
    /// Allowed clock difference between issuer, holder and verifier.
    public let clockSkew: Int64
    /// How old a KB-JWT may be.
    public let keyBindingMaxAge: Int64

    public init(issuer: String, issuerKey: P256.Signing.PublicKey, vct: String? = nil, clockSkew: Int64 = 60, keyBindingMaxAge: Int64 = 300) {
        self.issuer = issuer
        self.issuerKey = issuerKey
        self.vct = vct
        self.clockSkew = clockSkew
        self.keyBindingMaxAge = keyBindingMaxAge
    }

    public func verify(_ serialized: String, audience: String, nonce: String, now: Int64) throws(SDJWTVerificationError) -> VerifiedCredential {
        try verify(try SDJWTPresentation(serialized: serialized), audience: audience, nonce: nonce, now: now)
    }

    public func verify(_ presentation: SDJWTPresentation, audience: String, nonce: String, now: Int64) throws(SDJWTVerificationError) -> VerifiedCredential {
        let jwt = presentation.jwt
        guard jwt.header["alg"] == .string("ES256") else { throw .unsupportedAlgorithm }
        guard let type = jwt.header["typ"]?.stringValue, Self.acceptedTypes.contains(type) else { throw .wrongType }
        guard jwt.isValidSignature(key: issuerKey) else { throw .issuerSignatureInvalid }
        guard let payload = jwt.payload.objectValue else { throw .malformed }
        guard payload["iss"] == .string(issuer) else { throw .issuerMismatch }
        if let vct { guard payload["vct"] == .string(vct) else { throw .credentialTypeMismatch } }
        guard payload["_sd_alg"] == nil || payload["_sd_alg"] == .string("sha-256") else { throw .unsupportedDigestAlgorithm }
        guard let expiry = payload["exp"]?.intValue, let issuedAt = payload["iat"]?.intValue else { throw .malformed }
        guard now < expiry + clockSkew else { throw .expired }
        guard issuedAt <= now + clockSkew else { throw .notYetValid }
        if let notBefore = payload["nbf"] { guard let value = notBefore.intValue, value <= now + clockSkew else { throw .notYetValid } }

        var byDigest: [String: Disclosure] = [:]
        for disclosure in presentation.disclosures {
            guard byDigest.updateValue(disclosure, forKey: disclosure.digest) == nil else { throw .duplicateDisclosure }
        }
        var unpacker = Unpacker(byDigest: byDigest)
        guard var claims = try unpacker.unpack(.object(payload)).objectValue else { throw .malformed }
        guard unpacker.used.count == byDigest.count else { throw .disclosureNotInPayload }
        claims["_sd_alg"] = nil

        guard let holderKey = payload["cnf"]?["jwk"].flatMap(P256JWK.publicKey) else { throw .holderKeyMissing }
        try verifyKeyBinding(presentation, holderKey: holderKey, audience: audience, nonce: nonce, now: now)
        return VerifiedCredential(claims: claims, holderKey: holderKey)
    }

    private func verifyKeyBinding(_ presentation: SDJWTPresentation, holderKey: P256.Signing.PublicKey,
                                  audience: String, nonce: String, now: Int64) throws(SDJWTVerificationError) {
        guard let keyBinding = presentation.keyBinding else { throw .keyBindingMissing }
        guard keyBinding.header["typ"] == .string("kb+jwt") else { throw .keyBindingType }
        guard keyBinding.header["alg"] == .string("ES256") else { throw .unsupportedAlgorithm }
        guard keyBinding.isValidSignature(key: holderKey) else { throw .keyBindingSignatureInvalid }
        guard keyBinding.payload["aud"] == .string(audience) else { throw .audienceMismatch }
        guard keyBinding.payload["nonce"] == .string(nonce) else { throw .nonceMismatch }
        guard keyBinding.payload["sd_hash"] == .string(SDJWTPresentation.sdHash(of: presentation.sdJWTPart)) else { throw .sdHashMismatch }
        guard let issuedAt = keyBinding.payload["iat"]?.intValue,
              issuedAt <= now + clockSkew, now - issuedAt <= keyBindingMaxAge else { throw .keyBindingNotFresh }
    }
}

/// Replaces digests by the disclosed values, recursively (a disclosed value may hold digests itself), and
/// records which disclosures were used; every digest may occur once in the whole payload.
private struct Unpacker {
    let byDigest: [String: Disclosure]
    var used: Set<String> = []
    var seen: Set<String> = []

    mutating func unpack(_ value: JSONValue) throws(SDJWTVerificationError) -> JSONValue {
        switch value {
        case .object(let object): return .object(try unpack(object: object))
        case .array(let array): return .array(try unpack(array: array))
        default: return value
        }
    }

    private mutating func note(_ digest: String) throws(SDJWTVerificationError) -> Disclosure? {
        guard seen.insert(digest).inserted else { throw .duplicateDigest }
        guard let disclosure = byDigest[digest] else { return nil }   // undisclosed or a decoy
        used.insert(digest)
        return disclosure
    }

    private mutating func unpack(object: [String: JSONValue]) throws(SDJWTVerificationError) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in object where key != "_sd" { result[key] = try unpack(value) }
        guard let digests = object["_sd"] else { return result }
        guard let digestList = digests.arrayValue else { throw .malformed }
        for entry in digestList {
            guard let digest = entry.stringValue else { throw .malformed }
            guard let disclosure = try note(digest) else { continue }
            guard let name = disclosure.name else { throw .disclosureShapeMismatch }
            guard name != "_sd", name != "..." else { throw .reservedClaimName }
            guard result[name] == nil else { throw .claimNameCollision }
            result[name] = try unpack(disclosure.value)
        }
        return result
    }

    private mutating func unpack(array: [JSONValue]) throws(SDJWTVerificationError) -> [JSONValue] {
        var result: [JSONValue] = []
        for element in array {
            if let object = element.objectValue, object.count == 1, let digestValue = object["..."] {
                guard let digest = digestValue.stringValue else { throw .malformed }
                guard let disclosure = try note(digest) else { continue }
                guard disclosure.name == nil else { throw .disclosureShapeMismatch }
                result.append(try unpack(disclosure.value))
            } else {
                result.append(try unpack(element))
            }
        }
        return result
    }
}
