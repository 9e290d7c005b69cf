import Foundation
import RSPASN1

/// Which profile-management notifications the SM-DP+ asks the eUICC to send back to it
/// (StoreMetadata `notificationConfigurationInfo`, SGP.22 §2.6 and §3.5), so that its inventory
/// follows the profile after installation: Enabled, Disabled, Deleted.
///
/// The install result always comes back through the ProfileInstallationResult; `install` in the list
/// asks for nothing more. Per profile type the operator can narrow or widen the default set.
public struct NotificationRequestPolicy: Hashable, Sendable {
    /// Events requested for profiles whose type has no entry in `eventsByProfileType`.
    public var defaultEvents: NotificationEvent
    /// Events per ProfileHeader `profileType` (exact match).
    public var eventsByProfileType: [String: NotificationEvent]

    /// Enable, disable and delete for every profile: the inventory stays true by default.
    public static let all = NotificationRequestPolicy(defaultEvents: [.enable, .disable, .delete])
    /// No notification beyond the install result.
    public static let none = NotificationRequestPolicy(defaultEvents: [])

    public init(defaultEvents: NotificationEvent, eventsByProfileType: [String: NotificationEvent] = [:]) {
        self.defaultEvents = defaultEvents
        self.eventsByProfileType = eventsByProfileType
    }

    public func events(forProfileType type: String?) -> NotificationEvent {
        type.flatMap { eventsByProfileType[$0] } ?? defaultEvents
    }

    /// The `notificationConfigurationInfo` for a profile of `type`, addressed to `address`; nil when no
    /// event is requested (the field is then left out, as SGP.22 allows).
    public func configuration(forProfileType type: String?, address: SMDPAddress) -> [NotificationConfigurationInformation]? {
        let events = events(forProfileType: type)
        guard !events.isEmpty else { return nil }
        return [NotificationConfigurationInformation(profileManagementOperation: events, notificationAddress: address.description)]
    }

    /// Parses `enable,disable,delete` (any subset, or `none`).
    public static func events(parsing text: String) throws(SMDPConfigurationError) -> NotificationEvent {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if names == ["none"] { return [] }
        var events: NotificationEvent = []
        for name in names {
            switch name {
            case "enable": events.insert(.enable)
            case "disable": events.insert(.disable)
            case "delete": events.insert(.delete)
            case "install": events.insert(.install)
            default: throw .invalidSetting("unknown notification event '\(name)' (use enable, disable, delete, install or none)")
            }
        }
        guard !events.isEmpty else { throw .invalidSetting("no notification event in '\(text)'") }
        return events
    }
}
