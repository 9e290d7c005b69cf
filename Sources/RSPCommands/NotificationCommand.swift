import ArgumentParser
import EUICC
import Foundation
import RSPASN1

/// `openrsp notification`: pending notifications on the eUICC (ES10b).
public struct NotificationCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "notification",
        abstract: "List and remove the eUICC's pending notifications.",
        subcommands: [NotificationListCommand.self, NotificationRemoveCommand.self]
    )

    public init() {}
}

/// One notification as lpac's `notification list` prints it.
struct NotificationRow: Encodable {
    var seqNumber: Int
    var profileManagementOperation: String
    var notificationAddress: String
    var iccid: String?

    init(_ metadata: NotificationMetadata) {
        seqNumber = metadata.seqNumber
        profileManagementOperation = Self.name(metadata.profileManagementOperation)
        notificationAddress = metadata.notificationAddress
        iccid = metadata.iccid?.digits
    }

    static func name(_ event: NotificationEvent) -> String {
        let names: [(NotificationEvent, String)] = [(.install, "install"), (.enable, "enable"), (.disable, "disable"), (.delete, "delete")]
        let matching = names.filter { event.contains($0.0) }.map(\.1)
        return matching.isEmpty ? "none" : matching.joined(separator: ",")
    }
}

struct NotificationListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List pending notifications (ES10b.ListNotification).")

    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let rows = try await withES10(device) { client in
                switch try await client.listNotification() {
                case let .notificationMetadataList(list): return list.map(NotificationRow.init)
                case let .error(code): throw DeviceCommandError.refused("ListNotification error \(code)")
                }
            }
            try output.emit(rows) {
                if rows.isEmpty { return "No pending notifications." }
                return textTable(["SEQ", "EVENT", "ICCID", "ADDRESS"], rows.map {
                    [String($0.seqNumber), $0.profileManagementOperation, $0.iccid ?? "-", $0.notificationAddress]
                })
            }
        }
    }
}

struct NotificationRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a pending notification without sending it (ES10b.RemoveNotificationFromList)."
    )

    @Argument(help: "The notification's sequence number.")
    var seqNumber: Int
    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let seq = seqNumber
            let status = try await withES10(device) { client in try await client.removeNotificationFromList(seqNumber: seq) }
            guard status == .ok else { throw DeviceCommandError.refused("remove notification \(seq): \(status)") }
            try output.emit(ResultReport(profile: String(seq), result: status.description)) { "notification \(seq) removed" }
        }
    }
}
