/// The state of a profile in the SM-DP+ inventory (SGP.22 §3.1 / ES2+ §5.3: "Available, Allocated,
/// Linked, Confirmed, Released, Downloaded, Installed, Error, Unavailable").
public enum ProfileDownloadState: String, Codable, Sendable, CaseIterable {
    /// In the inventory, not reserved for any order.
    case available = "Available"
    /// Reserved by a DownloadOrder without an EID.
    case allocated = "Allocated"
    /// Reserved by a DownloadOrder with an EID.
    case linked = "Linked"
    /// ConfirmOrder done (matchingId set), not yet released.
    case confirmed = "Confirmed"
    /// Ready for download by an eUICC (ConfirmOrder with releaseFlag, or ReleaseProfile).
    case released = "Released"
    /// The BPP was delivered to the eUICC (getBoundProfilePackage).
    case downloaded = "Downloaded"
    /// The eUICC reported a successful installation (ProfileInstallationResult).
    case installed = "Installed"
    /// Enabled on the eUICC (enable notification after installation).
    case enabled = "Enabled"
    /// Disabled on the eUICC (disable notification).
    case disabled = "Disabled"
    /// Deleted from the eUICC (delete notification); never handed out again.
    case deleted = "Deleted"
    /// The download failed or the order was terminated.
    case error = "Error"
    /// Withdrawn from the inventory; never handed out again.
    case unavailable = "Unavailable"
}

/// An illegal profile state change: the spec does not allow `from → to`.
public struct IllegalProfileTransition: Error, Hashable, Sendable, CustomStringConvertible {
    public let from: ProfileDownloadState
    public let to: ProfileDownloadState

    public init(from: ProfileDownloadState, to: ProfileDownloadState) {
        self.from = from
        self.to = to
    }

    public var description: String { "illegal profile state transition \(from.rawValue) → \(to.rawValue)" }
}

/// The single place that decides which profile state changes are legal.
///
/// ```
/// Available → Allocated (DownloadOrder) | Linked (DownloadOrder with EID) | Unavailable
/// Allocated → Linked (EID bound) | Confirmed | Released | Available / Unavailable (CancelOrder)
/// Linked    → Confirmed | Released | Available / Unavailable (CancelOrder)
/// Confirmed → Released (ReleaseProfile) | Available / Unavailable (CancelOrder)
/// Released  → Downloaded (getBoundProfilePackage) | Error | Available / Unavailable (CancelOrder)
/// Downloaded→ Installed | Error (ProfileInstallationResult, cancelSession) | Released (cancelSession postponed/timeout)
/// Error     → Available / Unavailable (CancelOrder, final profile status indicator) | Installed (a late
///             signed success result of a delivery that had expired to Error)
/// Installed → Enabled | Disabled | Deleted (notifications from the eUICC) | Unavailable
/// Enabled   → Disabled | Deleted | Unavailable;  Disabled → Enabled | Deleted | Unavailable
/// Deleted   → (final)
/// ```
public enum ProfileStateMachine {
    public static let allowedTransitions: [ProfileDownloadState: Set<ProfileDownloadState>] = [
        .available: [.allocated, .linked, .unavailable],
        .allocated: [.linked, .confirmed, .released, .available, .unavailable],
        .linked: [.confirmed, .released, .available, .unavailable],
        .confirmed: [.released, .available, .unavailable],
        .released: [.downloaded, .error, .available, .unavailable],
        .downloaded: [.installed, .error, .released, .available, .unavailable],
        .error: [.available, .unavailable, .installed],
        .installed: [.enabled, .disabled, .deleted, .unavailable],
        .enabled: [.disabled, .deleted, .unavailable],
        .disabled: [.enabled, .deleted, .unavailable],
        .deleted: [],
        .unavailable: [],
    ]

    public static func canTransition(from: ProfileDownloadState, to: ProfileDownloadState) -> Bool {
        allowedTransitions[from]?.contains(to) ?? false
    }

    /// Checks one transition; throws for anything the table above does not allow.
    public static func check(from: ProfileDownloadState, to: ProfileDownloadState) throws(IllegalProfileTransition) {
        guard canTransition(from: from, to: to) else { throw IllegalProfileTransition(from: from, to: to) }
    }
}
