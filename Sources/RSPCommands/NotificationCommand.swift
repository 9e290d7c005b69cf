import ArgumentParser
import EUICC
import Foundation
import LPA
import LPAClient
import RSPASN1

/// `openrsp notification`: pending notifications on the eUICC (ES10b).
public struct NotificationCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "notification",
        abstract: "List, send and remove the eUICC's pending notifications.",
        subcommands: [NotificationListCommand.self, NotificationProcessCommand.self, NotificationRemoveCommand.self]
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

/// The JSON data of one processed notification.
struct NotificationDeliveryRow: Encodable {
    var seqNumber: Int
    var profileManagementOperation: String
    var notificationAddress: String
    var iccid: String?
    var delivered: Bool
    var removed: Bool
    var error: String?

    init(_ delivery: NotificationDelivery) {
        seqNumber = delivery.seqNumber
        profileManagementOperation = NotificationRow.name(delivery.event)
        notificationAddress = delivery.notificationAddress
        iccid = delivery.iccid?.digits
        switch delivery.outcome {
        case .delivered: (delivered, removed, error) = (true, true, nil)
        case let .sendFailed(reason): (delivered, removed, error) = (false, false, reason)
        case let .removeFailed(reason): (delivered, removed, error) = (true, false, reason)
        }
    }
}

struct NotificationProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Send pending notifications to their SM-DP+ (ES9+.HandleNotification over HTTPS); remove each once acknowledged.",
        discussion: "Without SEQ all pending notifications are sent, oldest first. Exits 1 when any could not be sent or removed. " +
            "With --json each step prints lpac's progress line on stdout (es10b_retrieve_notifications_list, then per notification " +
            "es9p_handle_notification and es10b_remove_notification_from_list with the sequence number as data), then the final " +
            "envelope; on failure its message is the failing step and data the detail (codes 27-29, docs/CLI-ERRORS.md)."
    )

    @Argument(help: "Sequence numbers to send (default: all).")
    var seqNumbers: [Int] = []
    @OptionGroup var trust: ES9TrustOptions
    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let lpa = LPAAssembly(trustRootsDER: try trust.trustRootsDER())
            let wanted = seqNumbers.isEmpty ? nil : Set(seqNumbers)
            let json = output.json
            let rows: [NotificationDeliveryRow]
            do {
                rows = try await withES10(device) { es10 in
                    let processor = lpa.notificationProcessor(es10: es10) { step in
                        guard json else { return }
                        switch step {
                        case .retrieveNotificationsList: OutputOptions.printProgress(step.lpacName, data: nil)
                        case let .handleNotification(seq), let .removeNotificationFromList(seq):
                            OutputOptions.printProgress(step.lpacName, data: String(seq))
                        }
                    }
                    let deliveries: [NotificationDelivery]
                    do {
                        deliveries = try await processor.process(seqNumbers: wanted)
                    } catch {
                        throw NotificationProcessCommandError(kind: .listFailed, detail: "\(error)")
                    }
                    return deliveries.map(NotificationDeliveryRow.init)
                }
            } catch {
                await lpa.shutdown()
                throw error
            }
            await lpa.shutdown()
            if let wanted {
                let missing = wanted.subtracting(rows.map(\.seqNumber)).sorted()
                if !missing.isEmpty {
                    throw DeviceCommandError.invalidArgument("no pending notification with seq \(missing.map(String.init).joined(separator: ", "))")
                }
            }
            let failed = rows.filter { !$0.removed }
            if !failed.isEmpty {
                let detail = failed.map { "notification \($0.seqNumber): \($0.error ?? "not removed")" }.joined(separator: "; ")
                throw NotificationProcessCommandError(kind: failed.contains { !$0.delivered } ? .sendFailed : .removeFailed, detail: detail)
            }
            try output.emit(rows) {
                if rows.isEmpty { return "No pending notifications." }
                return textTable(["SEQ", "EVENT", "ICCID", "ADDRESS", "RESULT"], rows.map {
                    [String($0.seqNumber), $0.profileManagementOperation, $0.iccid ?? "-", $0.notificationAddress, "sent, removed"]
                })
            }
        }
    }
}
