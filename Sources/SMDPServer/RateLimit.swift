import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// The SM-DP+'s request context: Hummingbird's core context plus the client's IP address (for the
/// per-address rate limit).
public struct SMDPRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, or "unknown" (e.g. a test channel without an address).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// A token bucket per client address: `ratePerSecond` tokens refill continuously up to `burst`.
public struct RateLimit: Sendable, Hashable {
    public var ratePerSecond: Double
    public var burst: Double

    /// 20 ES9+ requests a second per address, bursts of 40: a download is 5 requests; 1,000 a second from
    /// one address (each writing a session row) are not.
    public static let defaultES9Plus = RateLimit(ratePerSecond: 20, burst: 40)

    public init(ratePerSecond: Double, burst: Double) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }
}

/// The buckets of one server. Addresses idle long enough to have a full bucket are forgotten, so the
/// table stays bounded by the addresses active within `burst / ratePerSecond` seconds.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let limit: RateLimit
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    private let lastSweep = NIOLockedValueBox<ContinuousClock.Instant>(.now)

    init(_ limit: RateLimit) { self.limit = limit }

    /// Takes a token for `address`; nil when granted, else the seconds until one is available.
    func take(_ address: String, now: ContinuousClock.Instant = .now) -> Double? {
        sweep(now)
        return buckets.withLockedValue { buckets in
            var bucket = buckets[address] ?? Bucket(tokens: limit.burst, updated: now)
            let elapsed = Double((now - bucket.updated).components.seconds) + Double((now - bucket.updated).components.attoseconds) / 1e18
            bucket.tokens = min(limit.burst, bucket.tokens + elapsed * limit.ratePerSecond)
            bucket.updated = now
            defer { buckets[address] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / limit.ratePerSecond }
            bucket.tokens -= 1
            return nil
        }
    }

    private func sweep(_ now: ContinuousClock.Instant) {
        let fullAfter = Duration.seconds(limit.burst / max(limit.ratePerSecond, 0.001))
        let due = lastSweep.withLockedValue { last -> Bool in
            guard now - last > fullAfter else { return false }
            last = now
            return true
        }
        guard due else { return }
        buckets.withLockedValue { buckets in buckets = buckets.filter { now - $0.value.updated <= fullAfter } }
    }
}

/// Answers HTTP 429 with `Retry-After` (whole seconds, at least 1) when the client's address has no token
/// left; counted as `openrsp_smdp_refused_total{reason="rate_limit"}`.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = SMDPRequestContext
    let limiter: RateLimiter
    let metrics: SMDPMetrics
    /// Only requests whose path starts with this are limited (the ES9+ functions).
    let pathPrefix: String

    init(limiter: RateLimiter, metrics: SMDPMetrics, pathPrefix: String) {
        self.limiter = limiter; self.metrics = metrics; self.pathPrefix = pathPrefix
    }

    /// Limits requests under `pathPrefix` to `limit` per client address.
    public init(_ limit: RateLimit, metrics: SMDPMetrics, pathPrefix: String) {
        self.init(limiter: RateLimiter(limit), metrics: metrics, pathPrefix: pathPrefix)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix(pathPrefix), let wait = limiter.take(context.clientAddress) else {
            return try await next(request, context)
        }
        metrics.countRefusal("rate_limit")
        context.logger.notice("rate limited", metadata: ["peer": "\(context.clientAddress)"])
        return Response(status: .tooManyRequests,
                        headers: [.retryAfter: "\(max(1, Int(wait.rounded(.up))))", .contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"too many requests"}"#)))
    }
}

/// `/metrics` behind a bearer token, checked like an ES2+ operator's (only the SHA-256 is kept, compared
/// in constant time).
struct MetricsTokenMiddleware: RouterMiddleware {
    typealias Context = SMDPRequestContext
    let tokens: ES2PlusOperatorRegistry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/metrics", tokens.authenticate(authorization: request.headers[.authorization]) == nil else {
            return try await next(request, context)
        }
        return ES2PlusRoutes.plainError(.unauthorized, "unauthorized", extra: [.wwwAuthenticate: "Bearer"])
    }
}
