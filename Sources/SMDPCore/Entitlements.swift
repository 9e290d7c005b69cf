import ES9PlusAPI
import Foundation
import RSPASN1

// Entitlement-gated orders (issue #9 item 3, docs/CHAIN-TRUST.md). SMDPCore knows only the
// `EntitlementGate` protocol; the on-chain implementation lives in the ChainTrust target.

/// A malformed entitlement id or salt.
public struct EntitlementValueError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// An entitlement token id (`PlanEntitlements`, ERC-1155 id, a uint256): 32 bytes big-endian.
public struct EntitlementID: Hashable, Sendable, CustomStringConvertible {
    /// The uint256 as 32 big-endian bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(EntitlementValueError) {
        guard bytes.count == 32 else { throw EntitlementValueError("entitlement id must be 32 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }

    public init(_ value: UInt64) {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<8 { bytes[31 - i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        self.bytes = bytes
    }

    /// Parses a decimal uint256 (the form wallets and block explorers show token ids in).
    public init(decimal text: String) throws(EntitlementValueError) {
        guard !text.isEmpty, text.count <= 78, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw EntitlementValueError("entitlement id must be a decimal number, got \(text.prefix(80))")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        for digit in text.utf8 {
            var carry = UInt16(digit - 0x30)
            for i in stride(from: 31, through: 0, by: -1) {
                let value = UInt16(bytes[i]) * 10 + carry
                bytes[i] = UInt8(value & 0xFF)
                carry = value >> 8
            }
            guard carry == 0 else { throw EntitlementValueError("entitlement id \(text) does not fit in 256 bits") }
        }
        self.bytes = bytes
    }

    /// The decimal form.
    public var description: String {
        var value = bytes
        var digits: [UInt8] = []
        while value.contains(where: { $0 != 0 }) {
            var remainder: UInt16 = 0
            for i in 0..<value.count {
                let current = remainder << 8 | UInt16(value[i])
                value[i] = UInt8(current / 10)
                remainder = current % 10
            }
            digits.append(UInt8(remainder) + 0x30)
        }
        return digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
    }
}

/// The secret 32-byte salt of an EID commitment, `commitment = keccak256(EID BCD ‖ salt)`
/// (contracts/README.md). Only the entitlement owner and the SM-DP+ know it; it never goes on chain.
public struct EntitlementSalt: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(EntitlementValueError) {
        guard bytes.count == 32 else { throw EntitlementValueError("salt must be 32 bytes, got \(bytes.count)") }
        self.bytes = bytes
    }

    /// Redacted: the salt is a secret.
    public var description: String { "<salt>" }
}

/// Why an entitlement does not allow a download.
public enum EntitlementRefusal: Hashable, Sendable, CustomStringConvertible {
    /// No entitlement with this id exists.
    case unknown
    /// The entitlement's end (expiry) has passed.
    case expired
    /// The owner cancelled the entitlement.
    case cancelled
    /// The entitlement is bound to a different commitment than keccak256(EID ‖ salt) of this eUICC.
    case commitmentMismatch
    /// The contract's `isLive` is false for another reason (e.g. not delivered by the activation
    /// deadline, or a transferred entitlement whose new owner has not bound an EID yet).
    case notLive
    /// The order's profile type is not the one the entitlement's plan delivers.
    case profileTypeMismatch

    public var description: String {
        switch self {
        case .unknown: "no such entitlement"
        case .expired: "the entitlement has expired"
        case .cancelled: "the entitlement was cancelled"
        case .commitmentMismatch: "the entitlement's commitment does not match this eUICC's EID and the order's salt"
        case .notLive: "the entitlement is not live"
        case .profileTypeMismatch: "the order's profile type is not the one the entitlement's plan delivers"
        }
    }

    /// The ES9+ status authenticateClient answers with (docs/CHAIN-TRUST.md "Status codes").
    public var status: ES9PlusStatus {
        switch self {
        case .unknown, .profileTypeMismatch: .matchingIdRefused
        case .expired, .cancelled, .notLive: .downloadOrderExpired
        case .commitmentMismatch: .eidMismatch
        }
    }
}

/// The source of truth could not answer (unreachable, too slow, malformed answer). Retryable: the
/// order is untouched.
public struct EntitlementGateUnavailable: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "entitlement check unavailable: \(reason)" }
}

/// Decides whether an entitlement allows the eUICC with `eid` to download now. Implementations
/// must answer `.refused` only from an authoritative answer, and throw `EntitlementGateUnavailable`
/// for anything else (never a guess), within their own timeout.
public protocol EntitlementGate: Sendable {
    /// `profileType` is the order's: the gate refuses it unless it is the type the entitlement's plan delivers.
    func check(entitlement: EntitlementID, eid: EID, salt: EntitlementSalt,
               profileType: String) async throws(EntitlementGateUnavailable) -> EntitlementRefusal?
}

/// Records outside the SM-DP+ database that the profile released for an entitlement was installed
/// (contracts v2: `PlanEntitlements.markDelivered` by the plan's SM-DP+, before the plan's
/// activation deadline, else the buyer is refunded in full). handleNotification calls it after a
/// successful ProfileInstallationResult of a granted entitlement order, with the SHA-256 of that
/// eUICC-signed result; a recorder that fails reports it itself (the notification is handled anyway).
public protocol DeliveryRecorder: Sendable {
    func recordDelivery(entitlement: EntitlementID, iccid: ICCID, installResultSHA256: [UInt8]) async
}

/// Set when an entitlement order passed the gate and took a profile: which profile, for which
/// eUICC, in which ES9+ session.
public struct EntitlementGrant: Hashable, Sendable {
    public let matchingId: String
    public let iccid: ICCID
    public let eid: EID
    public let transactionId: TransactionID
    public let grantedAt: Date

    public init(matchingId: String, iccid: ICCID, eid: EID, transactionId: TransactionID, grantedAt: Date) {
        self.matchingId = matchingId
        self.iccid = iccid
        self.eid = eid
        self.transactionId = transactionId
        self.grantedAt = grantedAt
    }
}

/// An ES2+ order tied to an on-chain entitlement. It reserves no profile: at authenticateClient,
/// once the gate confirms the entitlement for the presented EID, one Available profile of
/// `profileType` is taken atomically (Available → Linked → Released, a `DownloadOrder` with the same
/// matchingId, and the grant, in one store transaction).
public struct EntitlementOrder: Hashable, Sendable {
    public let matchingId: String
    public let profileType: String
    public let entitlement: EntitlementID
    public let salt: EntitlementSalt
    public let createdAt: Date
    public let expiresAt: Date?
    /// nil until the gate passed.
    public let grant: EntitlementGrant?

    public init(matchingId: String, profileType: String, entitlement: EntitlementID, salt: EntitlementSalt,
                createdAt: Date, expiresAt: Date? = nil, grant: EntitlementGrant? = nil) {
        self.matchingId = matchingId
        self.profileType = profileType
        self.entitlement = entitlement
        self.salt = salt
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.grant = grant
    }
}

/// Storage of entitlement orders. `insertEntitlementOrder` is `.duplicate` for a used matchingId;
/// grants are written through `SMDPStateChange.entitlementGrants` (compare-and-set: only an order
/// without a grant can be granted, otherwise the whole change is a `.conflict`).
public protocol EntitlementOrderStore: Sendable {
    func insertEntitlementOrder(_ order: EntitlementOrder) async throws(SMDPStoreError)
    func entitlementOrder(matchingId: String) async throws(SMDPStoreError) -> EntitlementOrder?
    /// The order whose grant took the profile `iccid`.
    func entitlementOrder(iccid: ICCID) async throws(SMDPStoreError) -> EntitlementOrder?
    /// The granted order of `entitlement`, if any. An entitlement releases at most one profile: several
    /// orders may name it (a mistyped salt must not block the owner), but only one can be granted
    /// (also enforced by a unique index on granted orders).
    func grantedEntitlementOrder(entitlement: EntitlementID) async throws(SMDPStoreError) -> EntitlementOrder?
}

/// What `ES2PlusOrderService.entitlementOrder` returns.
public struct EntitlementOrderReceipt: Hashable, Sendable {
    public let matchingId: String
    public let entitlement: EntitlementID
    public let profileType: String
    /// `LPA:1$<smdpAddress>$<matchingId>[$<oid>]`.
    public let activationCode: String

    public init(matchingId: String, entitlement: EntitlementID, profileType: String, activationCode: String) {
        self.matchingId = matchingId
        self.entitlement = entitlement
        self.profileType = profileType
        self.activationCode = activationCode
    }
}
