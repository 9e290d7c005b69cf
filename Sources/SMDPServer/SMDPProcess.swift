import Foundation
import Hummingbird
import Logging
import NIOCore
import SMDPCore
import X402

/// Everything one SM-DP+ process runs, from one description: the ES9+ service, ES2+ when operators are
/// configured, and the HTTP settings with their limits.
public struct SMDPProcessConfiguration: Sendable {
    public var store: any SMDPStore
    public var configuration: SMDPConfiguration
    public var settings: SMDPServerSettings
    /// ES2+ operators (none: no ES2+ routes).
    public var operators: [ES2PlusOperator]
    /// HandleDownloadProgressInfo delivery (requester id, trust roots, retry, poll interval).
    public var progress: DownloadProgressSenderSettings
    public var entitlementGate: (any EntitlementGate)?
    public var deliveryRecorder: (any DeliveryRecorder)?
    public var metrics: SMDPMetrics
    /// The holders' profile-status lookup (`POST /openrsp/v1/profile-status`), paid with x402 when `paywall` is set;
    /// nil: no such route.
    public var profileStatus: (holders: any EntitlementHolderCheck, paywall: X402Paywall?)?

    public init(store: any SMDPStore, configuration: SMDPConfiguration, settings: SMDPServerSettings,
                operators: [ES2PlusOperator] = [],
                progress: DownloadProgressSenderSettings? = nil, entitlementGate: (any EntitlementGate)? = nil,
                deliveryRecorder: (any DeliveryRecorder)? = nil, metrics: SMDPMetrics = SMDPMetrics(),
                profileStatus: (holders: any EntitlementHolderCheck, paywall: X402Paywall?)? = nil) {
        self.store = store
        self.configuration = configuration
        self.settings = settings
        self.operators = operators
        self.progress = progress ?? DownloadProgressSenderSettings(requesterId: configuration.address.description)
        self.entitlementGate = entitlementGate
        self.deliveryRecorder = deliveryRecorder
        self.metrics = metrics
        self.profileStatus = profileStatus
    }
}

/// The SM-DP+ as one running unit, the composition root that `openrsp smdp serve`, `openrsp demo` and the
/// tests share: the HTTP application (ES9+, ES2+, `/health`, `/metrics`), the session purger with delivery
/// expiry, and the HandleDownloadProgressInfo sender. `run()` runs them together until the HTTP server
/// stops (SIGTERM/SIGINT under `runService()`, or task cancellation), then stops the others.
public struct SMDPProcess: Sendable {
    /// The parts, in the order they start; what tests compare between `serve` and the demo.
    public static let serviceNames = ["http", "session-purger", "progress-sender"]

    public let service: ES9PlusService
    public let sender: DownloadProgressSender
    public let purger: SessionPurger
    /// Runs the HTTP application: `runService()` (stops on SIGTERM/SIGINT) when true, else `run()`.
    private let runHTTP: @Sendable (_ gracefulSignals: Bool) async throws -> Void

    public var serviceNames: [String] { Self.serviceNames }

    public init(_ c: SMDPProcessConfiguration, logger: Logger,
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws(SMDPServerError) {
        service = ES9PlusService(store: c.store, configuration: c.configuration, entitlementGate: c.entitlementGate,
                                 deliveryRecorder: c.deliveryRecorder)
        let operators = try ES2PlusOperatorRegistry(c.operators)
        let es2plus = c.operators.isEmpty ? nil
            : ES2PlusRoutes(service: ES2PlusOrderService(store: c.store, configuration: c.configuration,
                                                              entitlementGate: c.entitlementGate), operators: operators,
                            maxRequestBodyBytes: c.settings.maxRequestBodyBytes)
        sender = try DownloadProgressSender(outbox: c.store, operators: operators, settings: c.progress, logger: logger)
        purger = SessionPurger(store: c.store, service: service, logger: logger)
        let settings = c.settings
        let scheme = if case .insecureLoopbackHTTP = settings.transport { "http" } else { "https" }
        let address = c.configuration.address.description
        let operatorCount = c.operators.count
        let profileStatus = c.profileStatus.map {
            ProfileStatusRoute(service: ProfileStatusService(store: c.store, holders: $0.holders), paywall: $0.paywall)
        }
        let app = try buildApplication(service: service, settings: settings, logger: logger, es2plus: es2plus, metrics: c.metrics,
                                       profileStatus: profileStatus) { channel in
            let port = channel.localAddress?.port ?? settings.port
            logger.info("SM-DP+ listening", metadata: [
                "url": "\(scheme)://\(settings.host):\(port)", "smdpAddress": "\(address)", "es2plusOperators": "\(operatorCount)"])
            await onListening(port)
        }
        runHTTP = { graceful in if graceful { try await app.runService() } else { try await app.run() } }
    }

    /// Runs every part; with `gracefulSignals` the HTTP server stops on SIGTERM/SIGINT once in-flight requests
    /// are done (ServiceLifecycle), otherwise when the task is cancelled.
    public func run(gracefulSignals: Bool = true) async throws {
        let (purger, sender, runHTTP) = (self.purger, self.sender, self.runHTTP)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await purger.run() }
                group.addTask { await sender.run() }
                defer { group.cancelAll() }
                try await runHTTP(gracefulSignals)
            }
        } catch {
            try? await sender.shutdown()
            throw error
        }
        try await sender.shutdown()
    }
}
