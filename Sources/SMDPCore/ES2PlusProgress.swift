import Foundation
import RSPASN1

/// The operator (ES2+ Function Requester) that placed a download order, recorded beside the order so
/// that progress of the download can be reported back to it (SGP.22 §5.3.5 HandleDownloadProgressInfo)
/// and so that only that operator may confirm, release or cancel the order.
public struct ES2PlusOrderRequester: Hashable, Sendable {
    public let iccid: ICCID
    /// `header.functionRequesterIdentifier` of the DownloadOrder call.
    public let requesterId: String

    public init(iccid: ICCID, requesterId: String) {
        self.iccid = iccid
        self.requesterId = requesterId
    }
}

/// A profile state change waiting to be reported to the order's requester with an ES2+
/// HandleDownloadProgressInfo call. Stores create these rows in the same transaction as the
/// transition (see `DownloadProgressReport.isReported`), so a crash never loses one; a background
/// sender delivers them at least once (the `id` is sent as `functionCallIdentifier`, stable across retries).
public struct PendingDownloadProgress: Hashable, Sendable {
    /// Store-assigned, increasing.
    public let id: Int64
    public let requesterId: String
    public let iccid: ICCID
    public let eid: EID?
    public let profileType: String?
    public let from: ProfileDownloadState
    public let to: ProfileDownloadState
    public let occurredAt: Date
    /// Delivery attempts made so far.
    public let attempts: Int
    public let nextAttemptAt: Date
    public let lastError: String?

    public init(id: Int64, requesterId: String, iccid: ICCID, eid: EID?, profileType: String?, from: ProfileDownloadState,
                to: ProfileDownloadState, occurredAt: Date, attempts: Int, nextAttemptAt: Date, lastError: String?) {
        self.id = id
        self.requesterId = requesterId
        self.iccid = iccid
        self.eid = eid
        self.profileType = profileType
        self.from = from
        self.to = to
        self.occurredAt = occurredAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }

    /// What the report says about this transition.
    public var report: DownloadProgressReport { DownloadProgressReport(from: from, to: to) }
}

/// Which profile transitions are reported to the operator, and as which SGP.22 notification point.
///
/// Every transition out of Released or Downloaded is reported: the download and installation outcome
/// (Downloaded, Installed, Error) and the end of a download attempt (back to Released after a postponed
/// or expired session, Available/Unavailable after a cancellation). Operator-driven steps before the
/// release (DownloadOrder, ConfirmOrder, ReleaseProfile) are answered synchronously and not reported.
///
/// The delete notification of an installed profile is reported too (notification point 5, profile deleted);
/// enable and disable move the inventory but SGP.22 defines no notification point for them.
///
/// notificationPointId (SGP.22 §5.3.5): 3 = BPP download, 4 = BPP installation, 5 = profile deleted.
public struct DownloadProgressReport: Hashable, Sendable {
    public enum Outcome: String, Hashable, Sendable {
        case success
        case failure
    }

    public let notificationPointId: Int
    public let outcome: Outcome
    /// Human text for a failure (`statusCodeData.message`).
    public let message: String?

    public static func isReported(from: ProfileDownloadState, to: ProfileDownloadState) -> Bool {
        from == .released || from == .downloaded || to == .deleted
    }

    public static func isReported(_ transition: ProfileTransition) -> Bool {
        isReported(from: transition.from, to: transition.to)
    }

    public init(notificationPointId: Int, outcome: Outcome, message: String?) {
        self.notificationPointId = notificationPointId
        self.outcome = outcome
        self.message = message
    }

    public init(from: ProfileDownloadState, to: ProfileDownloadState) {
        let point = from == .downloaded ? 4 : 3
        switch to {
        case .downloaded:
            self.init(notificationPointId: 3, outcome: .success, message: nil)
        case .installed:
            self.init(notificationPointId: 4, outcome: .success, message: nil)
        case .deleted:
            self.init(notificationPointId: 5, outcome: .success, message: nil)
        case .error:
            self.init(notificationPointId: point, outcome: .failure,
                      message: from == .downloaded ? "profile installation failed" : "profile download failed")
        case .released:
            self.init(notificationPointId: point, outcome: .failure, message: "download session ended; profile released again")
        case .available, .unavailable:
            self.init(notificationPointId: point, outcome: .failure, message: "order cancelled; profile is \(to.rawValue)")
        default:
            self.init(notificationPointId: point, outcome: .failure, message: "profile is \(to.rawValue)")
        }
    }
}

/// The persisted queue of HandleDownloadProgressInfo reports, plus the order → requester link.
/// Rows are written by `SMDPStore.apply` (`SMDPStateChange.orderRequesters` and reported transitions).
public protocol DownloadProgressOutbox: Sendable {
    /// The requester recorded for the order on this profile, if any.
    func orderRequester(iccid: ICCID) async throws(SMDPStoreError) -> String?
    /// Claims up to `limit` reports due at `instant` (nextAttemptAt ≤ instant), oldest first, and in the
    /// same atomic step moves their nextAttemptAt to `leaseUntil`, so that another SM-DP+ process on the
    /// same database does not claim them while this one delivers. The returned reports carry the
    /// nextAttemptAt they had when claimed. Delivery ends with `deleteDownloadProgress` or
    /// `rescheduleDownloadProgress`; after a crash the report is due again once the lease has passed.
    func claimDueDownloadProgress(at instant: Date, leaseUntil: Date, limit: Int) async throws(SMDPStoreError) -> [PendingDownloadProgress]
    /// All queued reports, oldest first (admin view, tests).
    func pendingDownloadProgress() async throws(SMDPStoreError) -> [PendingDownloadProgress]
    /// Removes a delivered (or abandoned) report.
    func deleteDownloadProgress(id: Int64) async throws(SMDPStoreError)
    /// Records a failed attempt and when to try again.
    func rescheduleDownloadProgress(id: Int64, attempts: Int, nextAttemptAt: Date, lastError: String) async throws(SMDPStoreError)
}

/// One row of the admin profile listing (no package bytes).
public struct ProfileSummary: Hashable, Sendable {
    public let iccid: ICCID
    public let profileType: String?
    public let state: ProfileDownloadState
    public let eid: EID?
    public let updatedAt: Date

    public init(iccid: ICCID, profileType: String?, state: ProfileDownloadState, eid: EID?, updatedAt: Date) {
        self.iccid = iccid
        self.profileType = profileType
        self.state = state
        self.eid = eid
        self.updatedAt = updatedAt
    }
}

/// Exponential backoff for report delivery: `base · 2^(attempts-1)`, capped at `maximum`. Reports are
/// never dropped for failing; a report whose requester has no callback URL is dropped by the sender.
public struct DownloadProgressRetryPolicy: Hashable, Sendable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration = .seconds(2), maximum: Duration = .seconds(900)) {
        self.base = base
        self.maximum = maximum
    }

    /// Delay before the next attempt after `attempts` failed ones (≥ 1).
    public func delay(afterAttempts attempts: Int) -> Duration {
        let exponent = min(max(attempts - 1, 0), 30)
        let scaled = base * (1 << exponent)
        return scaled > maximum ? maximum : scaled
    }
}
