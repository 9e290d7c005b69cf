// Verifying one DID-Auth message: size, JWS header, payload schema, the sender's DID document (resolved through
// an injected resolver), `kid`, signature, audience, times, and nonce/jti freshness (an injected replay cache).
import Crypto
import Foundation

/// Why a message or a chain was refused; `code` is stable for logs, APIs and tests.
public enum DIDAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    case oversize
    case malformed
    case algorithm
    case type
    case schema(String)
    /// The signer's DID is not the message's `iss`.
    case issuer
    /// did:pkh, a secp256k1 did:key, or a method without a P-256 key: no ES256 here.
    case unsupportedKey
    case kid
    case resolution
    case signature
    case audience
    case expired
    case notYetValid
    case lifetime
    case replay
    case replayCapacity
    // The chain of an exchange (DIDAuthChainVerifier).
    case chainType
    case chainThread
    case chainReference
    case chainParty
    case chainHolderKey
    case chainIssuer
    case chainCredentialType
    case chainCredential
    case chainClaims
    case chainNonce
    case chainAudience
    case chainResource
    /// The SD-JWT VC in the chain was refused by SDJWTVerifier.
    case credential(SDJWTVerificationError)

    public var code: String {
        switch self {
        case .oversize: "didauth.size"
        case .malformed: "didauth.malformed"
        case .algorithm: "didauth.alg"
        case .type: "didauth.typ"
        case .schema: "didauth.schema"
        case .issuer: "didauth.iss"
        case .unsupportedKey: "didauth.key"
        case .kid: "didauth.kid"
        case .resolution: "didauth.resolve"
        case .signature: "didauth.signature"
        case .audience: "didauth.aud"
        case .expired: "didauth.exp"
        case .notYetValid: "didauth.iat"
        case .lifetime: "didauth.lifetime"
        case .replay: "didauth.replay"
        case .replayCapacity: "didauth.replay.capacity"
        case .chainType: "didauth.chain.type"
        case .chainThread: "didauth.chain.thid"
        case .chainReference: "didauth.chain.ref"
        case .chainParty: "didauth.chain.party"
        case .chainHolderKey: "didauth.chain.holder_key"
        case .chainIssuer: "didauth.chain.iss"
        case .chainCredentialType: "didauth.chain.vct"
        case .chainCredential: "didauth.chain.credential"
        case .chainClaims: "didauth.chain.claims"
        case .chainNonce: "didauth.chain.nonce"
        case .chainAudience: "didauth.chain.kb_aud"
        case .chainResource: "didauth.chain.resource"
        case .credential(let error): "didauth.credential.\(error.code)"
        }
    }

    public var description: String {
        if case .schema(let why) = self { return "\(code): \(why)" }
        return code
    }
}

/// Resolves a DID to its document.
public protocol DIDResolving: Sendable {
    func resolve(_ did: DID) async throws -> DIDDocument
}

/// did:key and did:pkh offline; did:web through `fetch` (the document's bytes at `DID.documentURL`), which the
/// caller supplies (this target does no I/O: the CLI fetches over HTTPS, tests answer from memory).
public struct DIDResolver: DIDResolving {
    public typealias Fetch = @Sendable (URL) async throws -> [UInt8]
    let fetch: Fetch?

    public init(fetch: Fetch? = nil) { self.fetch = fetch }

    public func resolve(_ did: DID) async throws -> DIDDocument {
        if let document = DIDDocument.derived(from: did) { return document }
        guard let url = did.documentURL, let fetch else { throw DIDError.unsupportedMethod("did:web without a fetcher") }
        return try DIDDocument.parse(try await fetch(url), for: did)
    }
}

/// Remembers message ids and nonces until the messages expire; a second sighting is a replay.
public protocol DIDAuthReplayCache: Sendable {
    /// Records `keys` until `expiresAt`; `.replay` if one is already recorded and unexpired, `.replayCapacity` if full.
    func record(_ keys: [String], until expiresAt: Int64, now: Int64) async throws(DIDAuthError)
}

/// In memory, at most `capacity` entries. Entries live until their message's `exp` (bounded by the verifier's
/// `maxLifetime`); when full, expired entries are dropped and, if it is still full, messages are refused rather
/// than forgetting an unexpired one. One process only: several verifier instances need a shared store.
public actor InMemoryDIDAuthReplayCache: DIDAuthReplayCache {
    public let capacity: Int
    private var entries: [String: Int64] = [:]

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    public var count: Int { entries.count }

    public func record(_ keys: [String], until expiresAt: Int64, now: Int64) throws(DIDAuthError) {
        if entries.count + keys.count > capacity { entries = entries.filter { $0.value > now } }
        for key in keys { if let until = entries[key], until > now { throw .replay } }
        guard entries.count + keys.count <= capacity else { throw .replayCapacity }
        for key in keys { entries[key] = expiresAt }
    }
}

/// A message whose signature, sender and times were checked.
public struct VerifiedDIDAuthMessage: Sendable {
    public let message: DIDAuthMessage
    public let jws: CompactJWS
    /// The verification method that signed it and its key.
    public let keyID: String
    public let signerKey: P256.Signing.PublicKey
}

public struct DIDAuthVerifier: Sendable {
    public static let maxMessageBytes = 64 * 1024
    public let resolver: any DIDResolving
    public let replayCache: any DIDAuthReplayCache
    /// Allowed clock difference for `iat`.
    public let clockSkew: Int64
    /// Longest `exp` − `iat` accepted; it bounds how long the replay cache holds an entry.
    public let maxLifetime: Int64

    public init(resolver: any DIDResolving, replayCache: any DIDAuthReplayCache, clockSkew: Int64 = 60, maxLifetime: Int64 = 3600) {
        self.resolver = resolver
        self.replayCache = replayCache
        self.clockSkew = clockSkew
        self.maxLifetime = maxLifetime
    }

    /// Verifies a message received by `audience` at `now` and records its `jti` and nonce (per sender).
    public func verify(_ compact: String, audience: DID, now: Int64) async throws(DIDAuthError) -> VerifiedDIDAuthMessage {
        let verified = try await verifySigned(compact, now: now)
        let message = verified.message
        guard message.audience == audience else { throw .audience }
        try await replayCache.record(["jti|\(message.issuer)|\(message.id)", "nonce|\(message.issuer)|\(message.nonce)"],
                                     until: message.expiresAt, now: now)
        return verified
    }

    /// Verifies a recorded message addressed to someone else (one of a chain handed over for checking): everything
    /// but the audience (DIDAuthChainVerifier checks who speaks to whom) and replay (that is the recipient's check).
    public func verifyRecorded(_ compact: String, now: Int64) async throws(DIDAuthError) -> VerifiedDIDAuthMessage {
        try await verifySigned(compact, now: now)
    }

    private func verifySigned(_ compact: String, now: Int64) async throws(DIDAuthError) -> VerifiedDIDAuthMessage {
        guard compact.utf8.count <= Self.maxMessageBytes else { throw .oversize }
        guard let jws = CompactJWS(compact: compact) else { throw .malformed }
        guard jws.header["alg"] == .string("ES256") else { throw .algorithm }
        let message = try DIDAuthMessage(payload: jws.payload)
        guard jws.header["typ"] == .string(message.type.jwsType) else { throw .type }
        switch message.issuer {
        case .pkh, .key(.secp256k1): throw .unsupportedKey
        case .key(.p256), .web: break
        }
        guard let kid = jws.header["kid"]?.stringValue, kid.hasPrefix(message.issuer.description + "#") else { throw .kid }
        let document: DIDDocument
        do { document = try await resolver.resolve(message.issuer) } catch { throw .resolution }
        guard document.authentication.contains(kid) || document.assertionMethod.contains(kid),
              let method = document.verificationMethods.first(where: { $0.id == kid }) else { throw .kid }
        guard let key = method.key?.p256SigningKey else { throw .unsupportedKey }
        guard jws.isValidSignature(key: key) else { throw .signature }
        guard now < message.expiresAt else { throw .expired }
        guard now >= message.issuedAt - clockSkew else { throw .notYetValid }
        guard message.expiresAt > message.issuedAt, message.expiresAt - message.issuedAt <= maxLifetime else { throw .lifetime }
        if case .grantAccess(_, let grantExpiresAt) = message.body, grantExpiresAt <= message.issuedAt { throw .schema("grant_exp: not after iat") }
        return VerifiedDIDAuthMessage(message: message, jws: jws, keyID: kid, signerKey: key)
    }
}
