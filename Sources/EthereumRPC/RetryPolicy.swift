// Transport-independent rules of the JSON-RPC client: which calls may be retried, backoff, and which
// endpoints are allowed.

import Foundation

/// How a request may be retried after a transport failure or an HTTP 5xx.
public enum RetryClass: Sendable {
    /// Idempotent reads: retried with exponential backoff.
    case idempotentRead
    /// `eth_sendRawTransaction`: the SAME bytes are resent (same hash), never a new transaction.
    case resendSameRawTransaction
    /// Everything else (state-changing dev helpers): sent once.
    case once
}

/// Exponential backoff for transport errors (connection refused/reset, timeouts) and HTTP 5xx.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 4, initialDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(2)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    public func delay(afterAttempt attempt: Int) -> Duration {
        var d = initialDelay
        for _ in 1..<max(1, attempt) { d = min(d * 2, maxDelay) }
        return min(d, maxDelay)
    }
}

/// Validates an endpoint: https anywhere; plain http only to loopback (127.0.0.0/8, ::1, localhost),
/// so keys, raw transactions and results never cross a network in clear text.
public enum EndpointRule {
    public static func validate(_ text: String) throws(EthereumRPCError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              let host = url.host, !host.isEmpty else { throw .invalidURL(text) }
        switch scheme {
        case "https": return url
        case "http":
            guard isLoopback(host) else { throw .insecureURL(text) }
            return url
        default: throw .invalidURL(text)
        }
    }

    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { p in
            guard let n = Int(p), (0...255).contains(n), String(n) == p else { return false }
            return true
        }
    }
}

extension RetryClass: Equatable {}
