// DID-Auth attestation messages (issue 17 item 5, EEA use case 6): six JSON messages between a holder, an
// issuer and a verifier, each a compact JWS (ES256) by the sender's DID key. Schemas: docs/schemas/didauth;
// what each proves and what it does not: docs/IDENTITY.md.
import Crypto
import Foundation

public enum DIDAuthMessageType: String, Sendable, CaseIterable {
    /// holder → issuer: issue a credential of type `vct` with these claims, bound to my key.
    case requestAttestation = "RequestAttestation"
    /// issuer → holder: the SD-JWT VC, answering a RequestAttestation.
    case deliverAttestation = "DeliverAttestation"
    /// holder → verifier: an SD-JWT+KB presentation bound to the verifier's DID and the exchange's nonce.
    case presentAttestation = "PresentAttestation"
    /// issuer → holder (or anyone): a credential is revoked.
    case revokeAttestation = "RevokeAttestation"
    /// verifier → holder: access to `resource` needs these claims; its nonce is the presentation's challenge.
    case requestAccess = "RequestAccess"
    /// verifier → holder: access granted until `grant_exp`, answering a PresentAttestation.
    case grantAccess = "GrantAccess"

    /// The JWS header `typ`, one per type (explicit typing, RFC 8725 §3.11): a message is never taken for another type.
    public var jwsType: String { "openrsp-didauth-\(rawValue.lowercased())+jwt" }

    /// Requests open an exchange (no `ref`, `thid` = `jti`); answers name the message they answer (`ref`).
    public var opensExchange: Bool { self == .requestAttestation || self == .requestAccess }
    public var answers: Bool { self == .deliverAttestation || self == .presentAttestation || self == .grantAccess }
}

/// Which credential a RevokeAttestation revokes.
public enum CredentialReference: Sendable, Equatable {
    /// An entry of an IETF Token Status List: its URI and index.
    case statusList(uri: String, index: Int64)
    /// base64url(SHA-256) of the credential's issuer-signed JWT (compact text).
    case digest(String)

    public static func digest(of credential: SDJWT) -> CredentialReference { .digest(Disclosure.digest(of: credential.jwt.serialized)) }
}

/// The type-specific part of a message.
public enum DIDAuthBody: Sendable, Equatable {
    case requestAttestation(vct: String, claims: [String], holderKey: P256.Signing.PublicKey)
    /// The SD-JWT VC as issued, `<JWT>~<D1>~…~<Dn>~`.
    case deliverAttestation(credential: String)
    /// `<JWT>~<D1>~…~<Dk>~<KB-JWT>`.
    case presentAttestation(presentation: String)
    case revokeAttestation(credential: CredentialReference, reason: String)
    /// `claims`: names that must be disclosed; `values`: disclosed top-level claims that must equal these (e.g. `age_over_18: true`).
    case requestAccess(resource: String, claims: [String], values: [String: JSONValue], vct: String?)
    case grantAccess(resource: String, grantExpiresAt: Int64)

    public var type: DIDAuthMessageType {
        switch self {
        case .requestAttestation: .requestAttestation
        case .deliverAttestation: .deliverAttestation
        case .presentAttestation: .presentAttestation
        case .revokeAttestation: .revokeAttestation
        case .requestAccess: .requestAccess
        case .grantAccess: .grantAccess
        }
    }

    /// The body's payload claims.
    var fields: [String: JSONValue] {
        switch self {
        case .requestAttestation(let vct, let claims, let holderKey):
            ["vct": .string(vct), "claims": .array(claims.map(JSONValue.string)), "cnf": .object(["jwk": P256JWK.jwk(holderKey)])]
        case .deliverAttestation(let credential): ["credential": .string(credential)]
        case .presentAttestation(let presentation): ["presentation": .string(presentation)]
        case .revokeAttestation(let credential, let reason):
            switch credential {
            case .statusList(let uri, let index):
                ["credential_ref": .object(["status_list": .object(["uri": .string(uri), "idx": .int(index)])]), "reason": .string(reason)]
            case .digest(let digest): ["credential_ref": .object(["digest": .string(digest)]), "reason": .string(reason)]
            }
        case .requestAccess(let resource, let claims, let values, let vct):
            ["resource": .string(resource), "claims": .array(claims.map(JSONValue.string)), "values": .object(values)]
                .merging(vct.map { ["vct": .string($0)] } ?? [:]) { a, _ in a }
        case .grantAccess(let resource, let grantExpiresAt): ["resource": .string(resource), "grant_exp": .int(grantExpiresAt)]
        }
    }

    /// Equal when their payload claims are (a P-256 key is compared by its JWK).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.fields == rhs.fields }
}

/// A DID-Auth message: the common claims and a body. Times are seconds since 1970.
public struct DIDAuthMessage: Sendable, Equatable {
    /// Sender and recipient.
    public var issuer: DID
    public var audience: DID
    /// `jti`: a random id, unique per sender.
    public var id: String
    /// A random value never reused by the sender; a request's nonce is the challenge its exchange answers.
    public var nonce: String
    public var issuedAt: Int64
    public var expiresAt: Int64
    /// `thid`: the `jti` of the exchange's first message.
    public var thread: String
    /// `ref`: the `jti` of the message this one answers; nil for a request.
    public var reference: String?
    public var body: DIDAuthBody

    public var type: DIDAuthMessageType { body.type }

    public init(issuer: DID, audience: DID, id: String, nonce: String, issuedAt: Int64, expiresAt: Int64,
                thread: String, reference: String?, body: DIDAuthBody) {
        self.issuer = issuer
        self.audience = audience
        self.id = id
        self.nonce = nonce
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.thread = thread
        self.reference = reference
        self.body = body
    }

    /// Default lifetime of a new message.
    public static let defaultLifetime: Int64 = 300

    /// A message that opens an exchange (or an unsolicited revocation): fresh `jti` and nonce, `thid` = `jti`.
    public static func opening(_ body: DIDAuthBody, from issuer: DID, to audience: DID, now: Int64,
                               lifetime: Int64 = defaultLifetime) -> DIDAuthMessage {
        let id = randomID()
        return DIDAuthMessage(issuer: issuer, audience: audience, id: id, nonce: randomID(), issuedAt: now,
                              expiresAt: now + lifetime, thread: id, reference: nil, body: body)
    }

    /// The answer to this message: from its recipient to its sender, in its thread, `ref` = its `jti`.
    public func reply(_ body: DIDAuthBody, now: Int64, lifetime: Int64 = defaultLifetime) -> DIDAuthMessage {
        DIDAuthMessage(issuer: audience, audience: issuer, id: Self.randomID(), nonce: Self.randomID(), issuedAt: now,
                       expiresAt: now + lifetime, thread: thread, reference: id, body: body)
    }

    /// 128 bits from the system CSPRNG, base64url (22 characters).
    public static func randomID() -> String { Disclosure.randomSalt() }

    /// The JWT payload.
    public var payload: JSONValue {
        var fields = body.fields
        fields["type"] = .string(type.rawValue)
        fields["iss"] = .string(issuer.description)
        fields["aud"] = .string(audience.description)
        fields["jti"] = .string(id)
        fields["nonce"] = .string(nonce)
        fields["iat"] = .int(issuedAt)
        fields["exp"] = .int(expiresAt)
        fields["thid"] = .string(thread)
        if let reference { fields["ref"] = .string(reference) }
        return .object(fields)
    }
}

/// Signs messages as one DID with one P-256 key (ES256). did:pkh and secp256k1 did:keys cannot sign here: their keys
/// sign Ethereum messages, not JWS ES256, so they are refused (`didauth.key`).
public struct DIDAuthSigner: Sendable {
    public let did: DID
    /// The header `kid`: the DID URL of the verification method (`did:key:z…#z…`, `did:web:…#key-1`).
    public let keyID: String
    let key: P256.Signing.PrivateKey

    /// The key's own did:key; `kid` is the method DIDDocument.derived names (`did#multibase`).
    public init(key: P256.Signing.PrivateKey) {
        let publicKey = DIDPublicKey(p256: key.publicKey)
        let did = DID.key(publicKey)
        self.init(did: did, keyID: "\(did.description)#\(publicKey.multibase)", key: key)
    }

    private init(did: DID, keyID: String, key: P256.Signing.PrivateKey) {
        self.did = did
        self.keyID = keyID
        self.key = key
    }

    /// A did:web (default `kid` `did#key-1`, as DIDDocument.web serves it) or the key's own did:key.
    public init(did: DID, key: P256.Signing.PrivateKey, keyID: String? = nil) throws(DIDAuthError) {
        switch did {
        case .key(let publicKey):
            guard publicKey == DIDPublicKey(p256: key.publicKey) else { throw .unsupportedKey }
            self.init(key: key)
        case .pkh:
            throw .unsupportedKey
        case .web:
            let kid = keyID ?? "\(did.description)#key-1"
            guard kid.hasPrefix(did.description + "#") else { throw .kid }
            self.init(did: did, keyID: kid, key: key)
        }
    }

    /// The compact JWS of `message`, whose `iss` must be this signer's DID.
    public func sign(_ message: DIDAuthMessage) throws -> String {
        guard message.issuer == did else { throw DIDAuthError.issuer }
        return try CompactJWS.sign(payload: message.payload, type: message.type.jwsType, keyID: keyID, key: key).serialized
    }
}
