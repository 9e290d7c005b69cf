// Reading a DID-Auth payload: the rules of docs/schemas/didauth/*.schema.json (required claims, types, lengths,
// patterns, no unknown claims), checked in Swift, plus what JSON Schema cannot say (`thid` = `jti` of a request,
// an SD-JWT that parses, a JWK on the curve). Every failure is `.schema(why)`, code `didauth.schema`.
import Crypto
import Foundation

extension DIDAuthMessage {
    /// Limits shared with the JSON Schemas.
    public enum Limits {
        public static let idLength = 16...128
        public static let textLength = 1...2048
        public static let reasonLength = 1...256
        public static let maxClaims = 64
        public static let claimNameLength = 1...64
        public static let maxCredentialLength = 48 * 1024
    }

    /// Parses and checks a payload.
    public init(payload: JSONValue) throws(DIDAuthError) {
        guard let object = payload.objectValue else { throw .schema("the payload is not a JSON object") }
        var fields = Fields(object: object)
        guard let type = DIDAuthMessageType(rawValue: try fields.string("type")) else { throw .schema("type: unknown") }
        let issuer = try fields.did("iss"), audience = try fields.did("aud")
        let id = try fields.id("jti"), nonce = try fields.id("nonce"), thread = try fields.id("thid")
        let issuedAt = try fields.time("iat"), expiresAt = try fields.time("exp")
        let reference = try fields.optional("ref") { (fields: inout Fields) throws(DIDAuthError) in try fields.id("ref") }
        if type.opensExchange || (type == .revokeAttestation && reference == nil) {
            guard reference == nil, thread == id else { throw .schema("a request has no ref and its thid is its jti") }
        } else if type.answers {
            guard reference != nil else { throw .schema("ref: missing") }
        }
        let body: DIDAuthBody
        switch type {
        case .requestAttestation:
            let vct = try fields.text("vct"), claims = try fields.claimNames("claims", allowEmpty: false)
            let cnf = try fields.object("cnf")
            guard cnf.count == 1, let jwk = cnf["jwk"], let keys = jwk.objectValue?.keys, Set(keys) == ["kty", "crv", "x", "y"],
                  let holderKey = P256JWK.publicKey(jwk) else {
                throw .schema("cnf: {jwk} with an EC P-256 key (kty, crv, x, y only)")
            }
            body = .requestAttestation(vct: vct, claims: claims, holderKey: holderKey)
        case .deliverAttestation:
            let credential = try fields.sdJWT("credential")
            guard credential.keyBinding == nil else { throw .schema("credential: an issued SD-JWT has no KB-JWT") }
            body = .deliverAttestation(credential: credential.serialized)
        case .presentAttestation:
            let presentation = try fields.sdJWT("presentation")
            guard presentation.keyBinding != nil else { throw .schema("presentation: no KB-JWT") }
            body = .presentAttestation(presentation: presentation.serialized)
        case .revokeAttestation:
            let reference = try fields.object("credential_ref")
            guard reference.count == 1 else { throw .schema("credential_ref: one of status_list, digest") }
            if let digest = reference["digest"] {
                guard let text = digest.stringValue, let bytes = Base64URL.decode(text), bytes.count == 32, Base64URL.encode(bytes) == text else {
                    throw .schema("credential_ref.digest: base64url of 32 bytes")
                }
                body = .revokeAttestation(credential: .digest(text), reason: try fields.text("reason", Limits.reasonLength))
            } else if let entry = reference["status_list"]?.objectValue {
                var list = Fields(object: entry)
                let uri = try list.text("uri"), index = try list.time("idx")
                try list.finish("credential_ref.status_list.")
                body = .revokeAttestation(credential: .statusList(uri: uri, index: index), reason: try fields.text("reason", Limits.reasonLength))
            } else {
                throw .schema("credential_ref: one of status_list, digest")
            }
        case .requestAccess:
            let resource = try fields.text("resource"), claims = try fields.claimNames("claims", allowEmpty: true)
            let values = try fields.optional("values") { (fields: inout Fields) throws(DIDAuthError) in try fields.object("values") } ?? [:]
            guard values.count <= Limits.maxClaims, values.keys.allSatisfy(Fields.isClaimName),
                  values.values.allSatisfy(\.isScalar) else {
                throw .schema("values: claim names to strings, numbers or booleans")
            }
            let vct = try fields.optional("vct") { (fields: inout Fields) throws(DIDAuthError) in try fields.text("vct") }
            body = .requestAccess(resource: resource, claims: claims, values: values, vct: vct)
        case .grantAccess:
            body = .grantAccess(resource: try fields.text("resource"), grantExpiresAt: try fields.time("grant_exp"))
        }
        try fields.finish("")
        self.init(issuer: issuer, audience: audience, id: id, nonce: nonce, issuedAt: issuedAt, expiresAt: expiresAt,
                  thread: thread, reference: reference, body: body)
    }
}

/// Reads claims of one JSON object and remembers which were read, so unknown claims can be refused.
private struct Fields {
    let object: [String: JSONValue]
    var read: Set<String> = []

    init(object: [String: JSONValue]) { self.object = object }

    static func isClaimName(_ name: String) -> Bool {
        DIDAuthMessage.Limits.claimNameLength.contains(name.utf8.count)
            && name.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D }   // _ . -
    }

    mutating func value(_ name: String) throws(DIDAuthError) -> JSONValue {
        read.insert(name)
        guard let value = object[name] else { throw .schema("\(name): missing") }
        return value
    }

    mutating func optional<T>(_ name: String, _ read: (inout Fields) throws(DIDAuthError) -> T) throws(DIDAuthError) -> T? {
        guard object[name] != nil else { return nil }
        return try read(&self)
    }

    mutating func string(_ name: String) throws(DIDAuthError) -> String {
        guard let text = try value(name).stringValue else { throw .schema("\(name): not a string") }
        return text
    }

    mutating func text(_ name: String, _ length: ClosedRange<Int> = DIDAuthMessage.Limits.textLength) throws(DIDAuthError) -> String {
        let text = try string(name)
        guard length.contains(text.unicodeScalars.count) else { throw .schema("\(name): length not in \(length)") }
        return text
    }

    /// `jti`, `nonce`, `thid`, `ref`: 16–128 base64url characters.
    mutating func id(_ name: String) throws(DIDAuthError) -> String {
        let text = try string(name)
        guard DIDAuthMessage.Limits.idLength.contains(text.utf8.count),
              text.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == 0x2D || $0 == 0x5F }) else {
            throw .schema("\(name): not 16–128 base64url characters")
        }
        return text
    }

    mutating func did(_ name: String) throws(DIDAuthError) -> DID {
        let text = try string(name)
        do { return try DID(text) } catch { throw .schema("\(name): not a supported DID (\(error))") }
    }

    mutating func time(_ name: String) throws(DIDAuthError) -> Int64 {
        guard let value = try value(name).intValue, value >= 0 else { throw .schema("\(name): not a non-negative integer") }
        return value
    }

    mutating func object(_ name: String) throws(DIDAuthError) -> [String: JSONValue] {
        guard let object = try value(name).objectValue else { throw .schema("\(name): not an object") }
        return object
    }

    mutating func claimNames(_ name: String, allowEmpty: Bool) throws(DIDAuthError) -> [String] {
        guard let array = try value(name).arrayValue else { throw .schema("\(name): not an array") }
        let names = array.compactMap(\.stringValue)
        guard names.count == array.count, names.count <= DIDAuthMessage.Limits.maxClaims, allowEmpty || !names.isEmpty,
              Set(names).count == names.count, names.allSatisfy(Self.isClaimName) else {
            throw .schema("\(name): up to \(DIDAuthMessage.Limits.maxClaims) distinct claim names")
        }
        return names
    }

    /// An SD-JWT (with or without a KB-JWT) in its exact text.
    mutating func sdJWT(_ name: String) throws(DIDAuthError) -> SDJWTPresentation {
        let text = try string(name)
        guard text.utf8.count <= DIDAuthMessage.Limits.maxCredentialLength,
              let parsed = try? SDJWTPresentation(serialized: text), parsed.serialized == text else {
            throw .schema("\(name): not an SD-JWT of at most \(DIDAuthMessage.Limits.maxCredentialLength) bytes")
        }
        return parsed
    }

    func finish(_ prefix: String) throws(DIDAuthError) {
        if let unknown = object.keys.sorted().first(where: { !read.contains($0) }) { throw .schema("\(prefix)\(unknown): unknown claim") }
    }
}

extension JSONValue {
    fileprivate var isScalar: Bool {
        switch self {
        case .string, .int, .double, .bool: return true
        case .null, .array, .object: return false
        }
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool { (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
}
