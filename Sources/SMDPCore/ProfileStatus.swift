// ICCID status lookup for entitlement holders (issue 16 item 4): the holder of an on-chain entitlement, proved
// by a wallet signature, reads the state of the profile its entitlement released. Nobody else learns anything:
// the holder is checked before the store is read, and every non-holder gets the same refusal.
import Foundation
import RSPASN1

/// The signed request as it arrives (strings as sent; the holder check parses them).
public struct ProfileStatusRequest: Codable, Hashable, Sendable {
    /// Decimal token id of the entitlement.
    public var entitlementId: String
    /// Unix seconds when the holder signed.
    public var issuedAt: Int64
    /// 32 random bytes, 0x-hex: a signature is answered once.
    public var nonce: String
    /// 65 bytes r‖s‖v, 0x-hex, over the EIP-712 `ProfileStatusRequest` (docs/X402.md).
    public var signature: String

    public init(entitlementId: String, issuedAt: Int64, nonce: String, signature: String) {
        self.entitlementId = entitlementId
        self.issuedAt = issuedAt
        self.nonce = nonce
        self.signature = signature
    }
}

/// Why a status request is refused, with the code the answer carries.
public enum ProfileStatusRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// Unreadable fields (HTTP 400).
    case malformed(String)
    /// The signature is not the current holder's, is stale, or was already answered (HTTP 403). One code for all,
    /// so a stranger cannot tell an unknown entitlement from someone else's.
    case notHolder
    /// The holder's entitlement has released no profile yet (HTTP 404; only the holder gets this far).
    case noProfile
    /// The chain or the store could not be read (HTTP 503, retry later).
    case unavailable(String)

    public var code: String {
        switch self {
        case .malformed: "invalid_request"
        case .notHolder: "not_entitlement_holder"
        case .noProfile: "no_profile_released"
        case .unavailable: "temporarily_unavailable"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let m): "malformed request: \(m)"
        case .notHolder: "the signature is not a fresh one of the entitlement's holder"
        case .noProfile: "the entitlement has not released a profile"
        case .unavailable(let m): "unavailable: \(m)"
        }
    }
}

/// Proves that a request was signed by the entitlement's current holder (on chain) and not answered before.
public protocol EntitlementHolderCheck: Sendable {
    /// The entitlement, or `.notHolder` / `.malformed` / `.unavailable`. `consume` marks the nonce answered
    /// (call it only when the answer is given, so that a paid retry of the same request is not a replay).
    func authorize(_ request: ProfileStatusRequest) async throws(ProfileStatusRefusal) -> EntitlementID
    func consume(_ request: ProfileStatusRequest) async
}

/// What the holder is told.
public struct ProfileStatus: Codable, Hashable, Sendable {
    public var entitlementId: String
    public var iccid: String
    public var profileType: String?
    /// The SM-DP+'s state of the profile: Released, Downloaded, Installed, Enabled, Disabled, Deleted, Error…
    public var state: String
    public var updatedAt: Date

    public init(entitlementId: String, iccid: String, profileType: String?, state: String, updatedAt: Date) {
        self.entitlementId = entitlementId
        self.iccid = iccid
        self.profileType = profileType
        self.state = state
        self.updatedAt = updatedAt
    }
}

/// Looks up the profile of a holder's entitlement.
public struct ProfileStatusService: Sendable {
    public let store: any SMDPStore
    public let holders: any EntitlementHolderCheck

    public init(store: any SMDPStore, holders: any EntitlementHolderCheck) {
        self.store = store
        self.holders = holders
    }

    /// Checks the holder; nothing about the entitlement's profile is read before that passes.
    public func authorize(_ request: ProfileStatusRequest) async throws(ProfileStatusRefusal) -> EntitlementID {
        try await holders.authorize(request)
    }

    /// The profile state of an authorised entitlement.
    public func status(of entitlement: EntitlementID) async throws(ProfileStatusRefusal) -> ProfileStatus {
        do {
            guard let order = try await store.grantedEntitlementOrder(entitlement: entitlement), let grant = order.grant,
                  let profile = try await store.profile(iccid: grant.iccid) else {
                throw ProfileStatusRefusal.noProfile
            }
            return ProfileStatus(entitlementId: entitlement.description, iccid: profile.iccid.digits, profileType: profile.profileType,
                                 state: profile.state.rawValue, updatedAt: profile.updatedAt)
        } catch let refusal as ProfileStatusRefusal {
            throw refusal
        } catch {
            throw .unavailable("store: \(error)")
        }
    }
}
