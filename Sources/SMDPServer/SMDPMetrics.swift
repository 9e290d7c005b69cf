import ES9PlusAPI
import Foundation
import Hummingbird
import NIOCore
import Prometheus
import SMDPCore

/// Prometheus metrics of one SM-DP+ instance, in its own `PrometheusCollectorRegistry` (no global
/// `MetricsSystem.bootstrap`, so several servers in one process, e.g. parallel tests, keep separate counts).
///
/// Exposed at `GET /metrics` in the Prometheus text format:
/// - `openrsp_smdp_es9_requests_total{function, outcome, subject_code, reason_code}`: ES9+ calls by
///   outcome. `outcome` is `executed` or `failed` (with the SGP.22 subject/reason code, including
///   requests refused before the service ran, e.g. malformed JSON) for the four request/response
///   functions; for `handleNotification` it is the notification's fate: `installed`,
///   `installation_failed`, `acknowledged` or `ignored` (with the code).
/// - `openrsp_smdp_es9_duration_seconds{function}`: handler latency per ES9+ function (decode, service
///   call, encode), a histogram.
/// - `openrsp_smdp_profiles{state}`: profiles in the store per `ProfileDownloadState`, read from the
///   store at scrape time (so it is right with several SM-DP+ processes on one database).
/// - `openrsp_smdp_refused_total{reason}`: connections and requests refused by a limit: `per_address`
///   (too many connections from one address), `request_deadline` (a request not complete in time),
///   `rate_limit` (HTTP 429).
public final class SMDPMetrics: Sendable {
    /// The registry this instance writes to; `emit()` renders it.
    public let registry: PrometheusCollectorRegistry

    /// Histogram buckets for ES9+ handler latency, 1 ms to 10 s.
    public static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
    ]

    static var requests: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "openrsp", subsystem: "smdp", metricName: "es9_requests", unitName: "total",
        helpText: "ES9+ calls by function and outcome (SGP.22 subject/reason code for failures)") }
    static var duration: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "openrsp", subsystem: "smdp", metricName: "es9_duration", unitName: "seconds",
        helpText: "ES9+ handler latency per function") }
    static var profiles: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "openrsp", subsystem: "smdp", metricName: "profiles", unitName: "",
        helpText: "Profiles in the inventory per download state") }

    static var refusals: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "openrsp", subsystem: "smdp", metricName: "refused", unitName: "total",
        helpText: "Connections and requests refused by a limit (reason: per_address, request_deadline, rate_limit)") }

    /// Counts one refusal by a connection or request limit.
    public func countRefusal(_ reason: String) {
        registry.makeCounter(descriptor: Self.refusals, labels: [("reason", reason)]).increment()
    }

    /// Made once per function (the registry looks a metric up by name and labels under a lock on every
    /// `make…` call): the per-request path touches only these.
    private let executedCounters: [ES9PlusFunction: Counter]
    private let durationHistograms: [ES9PlusFunction: DurationHistogram]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var executed: [ES9PlusFunction: Counter] = [:]
        var durations: [ES9PlusFunction: DurationHistogram] = [:]
        for function in ES9PlusFunction.allCases {
            if function != .handleNotification {
                executed[function] = Self.requestCounter(registry, function, outcome: "executed", status: nil)
            }
            durations[function] = registry.makeDurationHistogram(descriptor: Self.duration, labels: [("function", function.rawValue)],
                                                                 buckets: Self.latencyBuckets)
        }
        executedCounters = executed
        durationHistograms = durations
    }

    static func requestCounter(_ registry: PrometheusCollectorRegistry, _ function: ES9PlusFunction, outcome: String,
                               status: (subject: String, reason: String)?) -> Counter {
        registry.makeCounter(descriptor: Self.requests, labels: [
            ("function", function.rawValue), ("outcome", outcome),
            ("subject_code", status?.subject ?? ""), ("reason_code", status?.reason ?? ""),
        ])
    }

    /// Counts one ES9+ call. `status` is nil for success.
    func count(_ function: ES9PlusFunction, outcome: String, status: (subject: String, reason: String)? = nil) {
        if status == nil, outcome == "executed", let counter = executedCounters[function] {
            counter.increment()
        } else {
            Self.requestCounter(registry, function, outcome: outcome, status: status).increment()
        }
    }

    /// Counts a request/response function's answer from its header.
    func count(_ function: ES9PlusFunction, header: ES9PlusResponseHeader) {
        if let codes = header.functionExecutionStatus.statusCodeData {
            count(function, outcome: "failed", status: (codes.subjectCode, codes.reasonCode))
        } else {
            count(function, outcome: "executed")
        }
    }

    func observe(_ function: ES9PlusFunction, _ elapsed: Duration) {
        durationHistograms[function]?.record(elapsed)
    }

    /// Sets the per-state profile gauges from the store (every state, 0 when it has none).
    public func refreshProfileGauges(from store: any ProfileStore) async throws(SMDPStoreError) {
        let counts = try await store.profileCounts()
        for state in ProfileDownloadState.allCases {
            registry.makeGauge(descriptor: Self.profiles, labels: [("state", state.rawValue)])
                .set(Double(counts[state] ?? 0))
        }
    }

    /// The registry in the Prometheus text exposition format.
    public func emit() -> [UInt8] { registry.emitToBuffer() }

    /// `text/plain; version=0.0.4`, the Prometheus text format's content type.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

/// `GET /metrics`: refreshes the profile gauges from the store and answers the registry; 503 when the
/// store does not answer (the counters alone would report a stale inventory).
struct MetricsRoute: Sendable {
    let metrics: SMDPMetrics
    let store: any SMDPStore

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/metrics") { _, context -> Response in
            do {
                try await metrics.refreshProfileGauges(from: store)
            } catch {
                context.logger.error("metrics: store unavailable", metadata: ["error": "\(error)"])
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "store unavailable\n")))
            }
            return Response(status: .ok, headers: [.contentType: SMDPMetrics.contentType],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emit())))
        }
    }
}

extension SMDPMetrics {
    /// Counts a handleNotification by what the service did with it.
    func count(_ outcome: NotificationOutcome) {
        switch outcome {
        case .installed: count(.handleNotification, outcome: "installed")
        case .installationFailed: count(.handleNotification, outcome: "installation_failed")
        case .profileStateChanged: count(.handleNotification, outcome: "state_changed")
        case .acknowledged: count(.handleNotification, outcome: "acknowledged")
        case .rejected(let failure):
            count(.handleNotification, outcome: "ignored", status: (failure.status.subjectCode, failure.status.reasonCode))
        }
    }
}
