import Crypto
import Foundation

/// An issuer as the TrustRegistry lists it: an entity address and its role (MNO 5 or KYC provider 7).
public struct RegisteredIssuer: Sendable, Equatable {
    public let address: String
    public let role: UInt8

    public init(address: String, role: UInt8) {
        self.address = address
        self.role = role
    }
}

/// Where a verifier asks who may issue and which status list is current (on chain: the TrustRegistry and the
/// IdentityRegistry; the CLI's implementation reads them over JSON-RPC).
public protocol CredentialTrustSource: Sendable {
    /// The entity that lists this key (SHA-256 of its SubjectPublicKeyInfo) as an MNO or KYC provider and is
    /// active now; nil when there is none.
    func activeIssuer(spkiSHA256: [UInt8]) async throws -> RegisteredIssuer?
    /// The SHA-256 of the status list token the issuer last anchored under `listId`; nil when none.
    func anchoredStatusListDigest(issuer: RegisteredIssuer, listId: [UInt8]) async throws -> [UInt8]?
}

/// Fetches a status list token (the CLI: HTTPS GET of the URI, bounded in size and time).
public protocol StatusListFetcher: Sendable {
    func fetch(uri: String) async throws -> String
}

/// Why a credential that verified cryptographically is still refused; `code` is stable.
public enum CredentialStatusError: Error, Equatable, Sendable, CaseIterable {
    case issuerNotTrusted
    case trustUnavailable
    case statusMissing
    case statusMalformed
    case statusUnavailable
    case tokenMalformed
    case tokenType
    case tokenSignature
    case tokenSubject
    case tokenExpired
    case notAnchored
    case anchorMismatch
    case indexOutOfRange
    case revoked
    case suspended
    case unknownStatus

    public var code: String {
        switch self {
        case .issuerNotTrusted: "issuer.untrusted"
        case .trustUnavailable: "issuer.registry_unavailable"
        case .statusMissing: "status.missing"
        case .statusMalformed: "status.malformed"
        case .statusUnavailable: "status.unavailable"
        case .tokenMalformed: "status.token.malformed"
        case .tokenType: "status.token.typ"
        case .tokenSignature: "status.token.signature"
        case .tokenSubject: "status.token.sub"
        case .tokenExpired: "status.token.exp"
        case .notAnchored: "status.not_anchored"
        case .anchorMismatch: "status.anchor_mismatch"
        case .indexOutOfRange: "status.idx"
        case .revoked: "status.revoked"
        case .suspended: "status.suspended"
        case .unknownStatus: "status.unknown"
        }
    }
}

/// What the trust and status checks established.
public struct CredentialStanding: Sendable, Equatable {
    public let issuer: RegisteredIssuer
    public let status: StatusReference?
    /// When the status list the verdict came from was issued.
    public let statusIssuedAt: Int64?
}

/// The checks after the signatures (SDJWTVerifier): the issuer key is listed in the TrustRegistry by an active
/// MNO or KYC provider (like CERT.DPauth for an SM-DP+), and the credential's status-list entry is valid in the
/// list whose SHA-256 the issuer anchored on chain. A fetched list that is not the anchored one (stale,
/// replaced, or served by someone else) is refused, so a revocation takes effect as soon as it is anchored.
public struct CredentialStatusCheck: Sendable {
    public let trust: any CredentialTrustSource
    public let fetcher: any StatusListFetcher
    /// Refuse credentials that carry no status reference (a verifier that needs revocation sets this).
    public let requireStatus: Bool

    public init(trust: any CredentialTrustSource, fetcher: any StatusListFetcher, requireStatus: Bool = true) {
        self.trust = trust
        self.fetcher = fetcher
        self.requireStatus = requireStatus
    }

    public func check(issuerKey: P256.Signing.PublicKey, claims: [String: JSONValue],
                      now: Int64) async throws(CredentialStatusError) -> CredentialStanding {
        let spki = Array(SHA256.hash(data: issuerKey.derRepresentation))
        let issuer: RegisteredIssuer
        do {
            guard let found = try await trust.activeIssuer(spkiSHA256: spki) else { throw CredentialStatusError.issuerNotTrusted }
            issuer = found
        } catch let error as CredentialStatusError { throw error } catch { throw .trustUnavailable }

        let reference: StatusReference?
        do { reference = try StatusReference.from(claims: claims) } catch { throw .statusMalformed }
        guard let reference else {
            if requireStatus { throw .statusMissing }
            return CredentialStanding(issuer: issuer, status: nil, statusIssuedAt: nil)
        }
        let anchored: [UInt8]?
        do { anchored = try await trust.anchoredStatusListDigest(issuer: issuer, listId: reference.listId) } catch { throw .trustUnavailable }
        guard let anchored else { throw .notAnchored }
        let serialized: String
        do { serialized = try await fetcher.fetch(uri: reference.uri) } catch { throw .statusUnavailable }
        guard StatusListToken.digest(of: serialized) == anchored else { throw .anchorMismatch }
        let token = try StatusListToken(serialized: serialized, uri: reference.uri, issuerKey: issuerKey, now: now)
        let value: UInt8
        do { value = try token.list.status(at: reference.index) } catch { throw .indexOutOfRange }
        switch value {
        case StatusList.valid: return CredentialStanding(issuer: issuer, status: reference, statusIssuedAt: token.issuedAt)
        case StatusList.invalid: throw .revoked
        case StatusList.suspended: throw .suspended
        default: throw .unknownStatus
        }
    }
}
