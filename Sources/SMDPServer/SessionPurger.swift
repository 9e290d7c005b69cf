import Foundation
import Logging
import SMDPCore

/// Deletes ES9+ sessions whose lifetime ended (abandoned downloads), except those that delivered a BPP
/// (their ProfileInstallationResult may still arrive); with `service`, also moves deliveries that never
/// reported back past `deliveryTimeout` to Error (`ES9PlusService.expireUninstalledDeliveries`).
/// `openrsp smdp serve` runs it next to the server.
public struct SessionPurger: Sendable {
    public let store: any SMDPStore
    public let service: ES9PlusService?
    public let clock: any SMDPClock
    public let interval: Duration
    public let logger: Logger

    public init(store: any SMDPStore, service: ES9PlusService? = nil, clock: any SMDPClock = SystemClock(), interval: Duration = .seconds(60),
                logger: Logger) {
        self.store = store
        self.service = service
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    /// One pass; returns how many sessions were deleted.
    @discardableResult
    public func purgeOnce() async throws(SMDPStoreError) -> Int {
        let deleted = try await store.purgeExpiredSessions(before: clock.now())
        if deleted > 0 { logger.info("purged expired ES9+ sessions", metadata: ["count": "\(deleted)"]) }
        if let expired = try await service?.expireUninstalledDeliveries(), !expired.isEmpty {
            logger.warning("delivered profiles without an installation result moved to Error",
                           metadata: ["iccids": "\(expired.map(\.digits).joined(separator: ","))"])
        }
        return deleted
    }

    /// Purges every `interval` until the task is cancelled. A store failure is logged and retried next time.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                try await purgeOnce()
            } catch {
                logger.error("session purge failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
