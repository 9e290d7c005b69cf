import ES9PlusAPI
import EUICC
import RSPASN1

/// The outcome of delivering one pending notification.
public struct NotificationDelivery: Sendable {
    public enum Outcome: Sendable {
        /// The SM-DP+ acknowledged it and the eUICC removed it.
        case delivered
        /// Sending failed; the notification stays on the eUICC for a later attempt.
        case sendFailed(String)
        /// Sent and acknowledged, but NotificationSent failed (it will be sent again next time).
        case removeFailed(String)
    }

    public let seqNumber: Int
    public let event: NotificationEvent
    public let notificationAddress: String
    public let iccid: ICCID?
    public let outcome: Outcome
}

/// The steps of `NotificationProcessor.process`, reported to its progress callback as each starts.
public enum NotificationStep: Sendable, Hashable {
    case retrieveNotificationsList
    case handleNotification(seqNumber: Int)
    case removeNotificationFromList(seqNumber: Int)
}

/// Why the notification list could not be read.
public enum NotificationProcessingError: Error, CustomStringConvertible {
    case euicc(ES10Error)
    /// ListNotification / RetrieveNotificationsList answered with an error code.
    case listError(NotificationListError)

    public var description: String {
        switch self {
        case let .euicc(error): "eUICC: \(error)"
        case let .listError(code): "the eUICC refused to list notifications (error \(code))"
        }
    }
}

/// Lists pending notifications, sends each to its `notificationAddress` over ES9+
/// (handleNotification) and removes it from the eUICC (ES10b.RemoveNotificationFromList) only
/// after the SM-DP+ acknowledged it (SGP.22 §3.5).
public struct NotificationProcessor: Sendable {
    public let es10: ES10Client
    public let connect: ES9PlusConnector
    public let progress: @Sendable (NotificationStep) -> Void

    public init(es10: ES10Client, connect: @escaping ES9PlusConnector, progress: @escaping @Sendable (NotificationStep) -> Void = { _ in }) {
        self.es10 = es10
        self.connect = connect
        self.progress = progress
    }

    /// The metadata of every pending notification (ES10b.ListNotification).
    public func list() async throws(NotificationProcessingError) -> [NotificationMetadata] {
        let response: ListNotificationResponse
        do {
            response = try await es10.listNotification()
        } catch {
            throw .euicc(error)
        }
        switch response {
        case let .notificationMetadataList(list): return list
        case let .error(code): throw .listError(code)
        }
    }

    /// Delivers the pending notifications (all, or those with the given sequence numbers), oldest first.
    public func process(seqNumbers: Set<Int>? = nil) async throws(NotificationProcessingError) -> [NotificationDelivery] {
        let response: RetrieveNotificationsListResponse
        progress(.retrieveNotificationsList)
        do {
            response = try await es10.retrieveNotificationsList()
        } catch {
            throw .euicc(error)
        }
        let pending: [PendingNotification]
        switch response {
        case let .notificationList(list): pending = list
        case let .error(code): throw .listError(code)
        }
        var deliveries: [NotificationDelivery] = []
        for notification in pending.sorted(by: { $0.notificationMetadata.seqNumber < $1.notificationMetadata.seqNumber }) {
            let metadata = notification.notificationMetadata
            if let seqNumbers, !seqNumbers.contains(metadata.seqNumber) { continue }
            deliveries.append(NotificationDelivery(seqNumber: metadata.seqNumber, event: metadata.profileManagementOperation,
                                                   notificationAddress: metadata.notificationAddress, iccid: metadata.iccid,
                                                   outcome: await deliver(notification)))
        }
        return deliveries
    }

    private func deliver(_ notification: PendingNotification) async -> NotificationDelivery.Outcome {
        let metadata = notification.notificationMetadata
        progress(.handleNotification(seqNumber: metadata.seqNumber))
        do {
            let server = try connect(metadata.notificationAddress)
            try await server.handleNotification(HandleNotificationRequest(pendingNotification: notification))
        } catch {
            return .sendFailed("\(error)")
        }
        progress(.removeNotificationFromList(seqNumber: metadata.seqNumber))
        do {
            let status = try await es10.removeNotificationFromList(seqNumber: metadata.seqNumber)
            return status == .ok ? .delivered : .removeFailed("NotificationSent returned \(status)")
        } catch {
            return .removeFailed("\(error)")
        }
    }
}
