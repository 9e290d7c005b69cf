import Foundation
import RSPASN1

/// A storage failure.
public enum SMDPStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A compare-and-set precondition failed: a profile was not in the expected state (another request won).
    /// Nothing of the change was written.
    case conflict(String)
    /// An insert collided with an existing key (ICCID, matchingId, transactionId).
    case duplicate(String)
    /// The stored data could not be decoded.
    case corrupt(String)
    /// The database failed.
    case backend(String)

    public var description: String {
        switch self {
        case .conflict(let m): "store conflict: \(m)"
        case .duplicate(let m): "duplicate key: \(m)"
        case .corrupt(let m): "corrupt stored data: \(m)"
        case .backend(let m): "store backend error: \(m)"
        }
    }
}

/// One profile state change, checked by `ProfileStateMachine` on construction. A store applies it
/// only if the stored state still equals `from` (compare-and-set), which keeps one profile from being
/// handed to two eUICCs even with many SM-DP+ instances on one database.
public struct ProfileTransition: Hashable, Sendable {
    public let iccid: ICCID
    public let from: ProfileDownloadState
    public let to: ProfileDownloadState
    /// Binds the profile to this eUICC (nil keeps the stored EID).
    public let bindEID: EID?

    public init(iccid: ICCID, from: ProfileDownloadState, to: ProfileDownloadState, bindEID: EID? = nil) throws(IllegalProfileTransition) {
        try ProfileStateMachine.check(from: from, to: to)
        self.iccid = iccid
        self.from = from
        self.to = to
        self.bindEID = bindEID
    }
}

/// Everything one ES2+/ES9+ operation changes, written atomically (one SQL transaction).
public struct SMDPStateChange: Hashable, Sendable {
    public var profileTransitions: [ProfileTransition] = []
    public var orderUpserts: [DownloadOrder] = []
    /// Orders to delete, by ICCID.
    public var orderDeletes: [ICCID] = []
    public var sessionUpserts: [DownloadSession] = []
    public var sessionDeletes: [TransactionID] = []
    /// Grants of entitlement orders, compare-and-set: each must find its order (by matchingId) not yet
    /// granted, else the whole change is a `.conflict`.
    public var entitlementGrants: [EntitlementGrant] = []
    /// ES2+ requesters to record for orders (written after `orderUpserts`; removed with the order).
    public var orderRequesters: [ES2PlusOrderRequester] = []

    public init(profileTransitions: [ProfileTransition] = [], orderUpserts: [DownloadOrder] = [], orderDeletes: [ICCID] = [],
                sessionUpserts: [DownloadSession] = [], sessionDeletes: [TransactionID] = [],
                entitlementGrants: [EntitlementGrant] = []) {
        self.profileTransitions = profileTransitions
        self.orderUpserts = orderUpserts
        self.orderDeletes = orderDeletes
        self.sessionUpserts = sessionUpserts
        self.sessionDeletes = sessionDeletes
        self.entitlementGrants = entitlementGrants
    }

    public var isEmpty: Bool {
        profileTransitions.isEmpty && orderUpserts.isEmpty && orderDeletes.isEmpty && sessionUpserts.isEmpty && sessionDeletes.isEmpty
            && entitlementGrants.isEmpty && orderRequesters.isEmpty
    }
}

/// The profile inventory.
public protocol ProfileStore: Sendable {
    /// Inserts a new profile; `.duplicate` if the ICCID exists.
    func insertProfile(_ profile: ProfilePackageRecord) async throws(SMDPStoreError)
    func profile(iccid: ICCID) async throws(SMDPStoreError) -> ProfilePackageRecord?
    /// An Available profile of this type (oldest first), if any.
    func availableProfile(profileType: String) async throws(SMDPStoreError) -> ProfilePackageRecord?
    /// Number of profiles per state.
    func profileCounts() async throws(SMDPStoreError) -> [ProfileDownloadState: Int]
    /// Every profile, by ICCID, without package bytes (admin listing).
    func allProfiles() async throws(SMDPStoreError) -> [ProfileSummary]
}

/// ES2+ download orders.
public protocol OrderStore: Sendable {
    func order(iccid: ICCID) async throws(SMDPStoreError) -> DownloadOrder?
    func order(matchingId: String) async throws(SMDPStoreError) -> DownloadOrder?
    /// Orders bound to this EID (for downloads without a matchingId, SGP.22 default SM-DP+ / SM-DS flows).
    func orders(eid: EID) async throws(SMDPStoreError) -> [DownloadOrder]
}

/// ES9+ sessions.
public protocol SessionStore: Sendable {
    func session(transactionId: TransactionID) async throws(SMDPStoreError) -> DownloadSession?
    /// Deletes sessions whose lifetime ended before `instant`, except those that delivered a BPP (their
    /// ProfileInstallationResult may still arrive). Returns how many were deleted.
    func purgeExpiredSessions(before instant: Date) async throws(SMDPStoreError) -> Int
    /// The sessions that delivered a BPP of profile `iccid` and have not yet been ended by its result.
    func deliveredSessions(iccid: ICCID) async throws(SMDPStoreError) -> [DownloadSession]
    /// Delivered sessions whose lifetime ended before `instant` and whose profile is still Downloaded
    /// (no result has come), oldest first.
    func expiredDeliveries(before instant: Date, limit: Int) async throws(SMDPStoreError) -> [DownloadSession]
}

/// The complete SM-DP+ state store. `apply` is the only write path besides profile import: an
/// implementation applies every part of the change in one transaction, checks each profile
/// transition's `from` state (compare-and-set) and `.conflict`s without writing anything if one fails.
/// In the same transaction, for each transition that `DownloadProgressReport.isReported` selects on a
/// profile whose order has a recorded requester, it queues a `PendingDownloadProgress` (before the
/// change's order deletes remove that requester).
public protocol SMDPStore: ProfileStore, OrderStore, SessionStore, EntitlementOrderStore, DownloadProgressOutbox {
    func apply(_ change: SMDPStateChange) async throws(SMDPStoreError)
}
