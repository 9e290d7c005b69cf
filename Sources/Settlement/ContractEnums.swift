// The uint8 enumerations of the OpenRSP contracts (contracts/README.md "Roles", "Plans and
// entitlements", "Disputes"). Raw values are the on-chain constants.

/// GSMA SGP.21/22 roles in `TrustRegistry` (`ROLE_*`). 0 on chain means "no role" (see `roleOf`).
public enum Role: UInt8, Sendable, Hashable, CaseIterable {
    case ci = 1
    case eum = 2
    case smdp = 3
    case smds = 4
    case mno = 5
    case mvno = 6
    /// A KYC provider: issues identity credentials (issue 17), like an MNO may.
    case kyc = 7
}

/// `TrustRegistry` entity status (`STATUS_*`). 0 on chain means "not registered".
public enum EntityStatus: UInt8, Sendable, Hashable, CaseIterable {
    case active = 1
    case suspended = 2
    /// Final: a revoked address can never be registered again.
    case revoked = 3
}

/// `TrustRegistry.operatorKeyStatus` (`KEY_*`). 0 on chain means "never registered".
public enum OperatorKeyStatus: UInt8, Sendable, Hashable, CaseIterable {
    case active = 1
    case revoked = 2
}

/// `PlanEntitlements.entitlement(id).status`.
public enum EntitlementStatus: UInt8, Sendable, Hashable, CaseIterable {
    case none = 0
    case active = 1
    case expired = 2
    case cancelled = 3
}

/// What happens to unused escrow when an entitlement is closed (`REFUND_*`).
public enum RefundRule: UInt8, Sendable, Hashable, CaseIterable {
    /// The remainder is paid to MNO/MVNO with the plan's margin split.
    case none = 0
    /// The remainder is refunded to the token owner at close.
    case atExpiry = 1
    /// As `atExpiry`, and the owner may cancel early.
    case atExpiryOrCancel = 2
}

/// Who posts usage batches for a plan (`POSTER_*`).
public enum UsagePoster: UInt8, Sendable, Hashable, CaseIterable {
    /// The MNO's registry address or any of its active operator keys.
    case mno = 0
    /// The MVNO's registry address.
    case mvno = 1
}

/// `BatchVoided.reason`: which contradiction a successful dispute proved.
public enum VoidReason: UInt8, Sendable, Hashable, CaseIterable {
    /// `cdr.entitlementId ≠ batch.entitlementId`
    case wrongEntitlement = 1
    /// `cdr.sequence ≠ batch.firstSeq + leafIndex`
    case wrongSequence = 2
    /// `periodStart > periodEnd`, or the period lies outside the entitlement's `[start, end]`.
    case badPeriod = 3
    /// `cdr.bytes > batch.totalBytes`
    case unitsExceedBatch = 4
    /// `cdr.periodEnd` is after the batch's posting time (future usage).
    case afterPosting = 5
    /// Not a contradiction: the plan's poster party voided its own batch (`voidBatch`).
    case voidedByPoster = 6
}
