import AsyncHTTPClient
import ES9PlusAPI
import ES2PlusAPI
import Foundation
import Logging
import NIOCore
import NIOSSL
import SMDPCore

/// Settings of the HandleDownloadProgressInfo sender.
public struct DownloadProgressSenderSettings: Sendable {
    /// The SM-DP+'s functionRequesterIdentifier in the reports (its address by default).
    public var requesterId: String
    /// DER roots trusted for the operators' HTTPS servers; empty: the system trust store.
    public var trustRootsDER: [[UInt8]]
    public var retry: DownloadProgressRetryPolicy
    /// How often the queue is checked for due reports.
    public var pollInterval: Duration
    /// Deadline of one POST.
    public var timeout: TimeAmount
    /// Reports taken from the queue per pass.
    public var batchSize: Int

    public init(requesterId: String, trustRootsDER: [[UInt8]] = [], retry: DownloadProgressRetryPolicy = .init(),
                pollInterval: Duration = .seconds(1), timeout: TimeAmount = .seconds(10), batchSize: Int = 50) {
        self.requesterId = requesterId
        self.trustRootsDER = trustRootsDER
        self.retry = retry
        self.pollInterval = pollInterval
        self.timeout = timeout
        self.batchSize = batchSize
    }
}

/// Delivers the queued HandleDownloadProgressInfo reports (`DownloadProgressOutbox`) to each order's
/// operator: `POST <callbackURL>` with the JSON report over HTTPS (certificate and host name verified,
/// no redirects). A 2xx answer (the spec's is 204) deletes the report; anything else (connection refused,
/// TLS failure, timeout, other status) records the attempt and schedules the next one with exponential
/// backoff. Reports survive restarts because they live in the database. Several SM-DP+ processes may share
/// one database: each report is claimed under a lease (`DownloadProgressOutbox.claimDueDownloadProgress`),
/// so no two of them send the same report at the same time. Delivery is at least once: after a crash
/// between the POST and the delete the report is sent again once its lease has passed;
/// `functionCallIdentifier` (`progress-<id>`) stays the same so the operator can deduplicate.
/// A report whose requester has no callback URL configured is dropped (logged).
public final class DownloadProgressSender: Sendable {
    public let outbox: any DownloadProgressOutbox
    public let operators: ES2PlusOperatorRegistry
    public let settings: DownloadProgressSenderSettings
    public let clock: any SMDPClock
    private let http: HTTPClient
    private let logger: Logger

    public init(outbox: any DownloadProgressOutbox, operators: ES2PlusOperatorRegistry, settings: DownloadProgressSenderSettings,
                clock: any SMDPClock = SystemClock(), logger: Logger) throws(SMDPServerError) {
        self.outbox = outbox
        self.operators = operators
        self.settings = settings
        self.clock = clock
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        if !settings.trustRootsDER.isEmpty {
            do {
                tls.trustRoots = .certificates(try settings.trustRootsDER.map { try NIOSSLCertificate(bytes: $0, format: .der) })
            } catch {
                throw .invalidSetting("callback trust roots: \(error)")
            }
        }
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: settings.timeout, read: settings.timeout))
        configuration.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the HTTP client. Call once, after `run()` returned.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// The outcome of one pass.
    public struct PassResult: Hashable, Sendable {
        public var delivered = 0
        public var failed = 0
        public var dropped = 0
    }

    /// Sends every report due now (up to `batchSize`), oldest first.
    @discardableResult
    public func deliverDue() async throws(SMDPStoreError) -> PassResult {
        var result = PassResult()
        // One report at a time, each under a short lease (see `claimLease`), so that two SM-DP+
        // processes on one database never hold the same report and a crashed one's report comes back soon.
        for _ in 0..<settings.batchSize {
            let now = clock.now()
            guard let pending = try await outbox.claimDueDownloadProgress(at: now, leaseUntil: now.addingTimeInterval(claimLease),
                                                                          limit: 1).first else { break }
            guard let url = operators.callbackURL(requesterId: pending.requesterId) else {
                logger.warning("progress report dropped: no callback URL for the requester",
                               metadata: ["requester": "\(pending.requesterId)", "report": "\(pending.id)"])
                try await outbox.deleteDownloadProgress(id: pending.id)
                result.dropped += 1
                continue
            }
            let failure = await post(pending, to: url)
            if let failure {
                let attempts = pending.attempts + 1
                let delay = settings.retry.delay(afterAttempts: attempts)
                let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                try await outbox.rescheduleDownloadProgress(id: pending.id, attempts: attempts,
                                                            nextAttemptAt: clock.now().addingTimeInterval(seconds), lastError: failure)
                logger.notice("progress report not delivered; will retry",
                              metadata: ["requester": "\(pending.requesterId)", "report": "\(pending.id)", "attempts": "\(attempts)",
                                         "error": "\(failure)"])
                result.failed += 1
            } else {
                try await outbox.deleteDownloadProgress(id: pending.id)
                logger.info("progress report delivered",
                            metadata: ["requester": "\(pending.requesterId)", "report": "\(pending.id)", "state": "\(pending.to.rawValue)"])
                result.delivered += 1
            }
        }
        return result
    }

    /// Seconds a claimed report stays hidden from other senders: longer than one POST can take
    /// (connect and read deadlines) plus a margin for the database round trips.
    var claimLease: TimeInterval {
        2 * Double(settings.timeout.nanoseconds) / 1e9 + 30
    }

    /// Delivers due reports every `pollInterval` until the task is cancelled. Store failures are logged
    /// and retried on the next pass.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await deliverDue()
            } catch {
                logger.error("progress report pass failed", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: settings.pollInterval) } catch { return }
        }
    }

    /// POSTs one report; nil on a 2xx answer, else why not.
    func post(_ pending: PendingDownloadProgress, to url: URL) async -> String? {
        let report = ES2PlusHandleDownloadProgressInfoRequest(pending, requesterId: settings.requesterId)
        do {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: ES9PlusProtocol.responseContentType)
            request.headers.add(name: ES9PlusProtocol.adminProtocolHeader, value: ES9PlusProtocol.adminProtocolVersion)
            request.body = .bytes(ByteBuffer(bytes: try ES9PlusJSON.encode(report)))
            let response = try await http.execute(request, timeout: settings.timeout)
            // Read (and bound) the body so the connection can be reused.
            _ = try await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else { return "HTTP \(response.status.code)" }
            return nil
        } catch {
            return "\(error)"
        }
    }
}
