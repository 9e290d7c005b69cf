// JSON-RPC over HTTP(S) with AsyncHTTPClient: endpoint rule, retries, status handling.

import AsyncHTTPClient
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

    func delay(afterAttempt attempt: Int) -> Duration {
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

/// One HTTP endpoint and one shared `HTTPClient`; call `shutdown()` when done.
public final class HTTPTransport: Sendable {
    public let url: URL
    public let retry: RetryPolicy
    let requestTimeout: Duration
    let http: HTTPClient
    static let maxResponseBytes = 32 * 1024 * 1024

    public init(url: String, retry: RetryPolicy = .default, requestTimeout: Duration = .seconds(30)) throws(EthereumRPCError) {
        self.url = try EndpointRule.validate(url)
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// Closes connections. Required before the transport is released.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// POSTs `body` and returns the response body of a 2xx answer.
    public func post(_ body: [UInt8], retryClass: RetryClass) async throws(EthereumRPCError) -> [UInt8] {
        let attempts = retryClass == .once ? 1 : retry.maxAttempts
        var lastError = EthereumRPCError.transport("no attempt made")
        for attempt in 1...attempts {
            do {
                return try await postOnce(body)
            } catch {
                lastError = error
                guard attempt < attempts, Self.isRetryable(error) else { throw error }
            }
            do {
                try await Task.sleep(for: retry.delay(afterAttempt: attempt))
            } catch {
                throw .transport("cancelled while waiting to retry")
            }
        }
        throw lastError
    }

    static func isRetryable(_ error: EthereumRPCError) -> Bool {
        switch error {
        case .transport: return true
        case .httpStatus(let code, _): return (500...599).contains(code)
        default: return false
        }
    }

    func postOnce(_ body: [UInt8]) async throws(EthereumRPCError) -> [UInt8] {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(body)
        let seconds = Int64(requestTimeout.components.seconds)
        do {
            let response = try await http.execute(request, timeout: .seconds(max(1, seconds)))
            let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
            let bytes = Array(buffer.readableBytesView)
            guard (200...299).contains(Int(response.status.code)) else {
                throw EthereumRPCError.httpStatus(code: Int(response.status.code), body: String(decoding: bytes.prefix(512), as: UTF8.self))
            }
            return bytes
        } catch let error as EthereumRPCError {
            throw error
        } catch is CancellationError {
            throw .transport("cancelled")
        } catch let error as HTTPClientError where error == .invalidURL || error == .emptyHost {
            throw .invalidURL(url.absoluteString)
        } catch let error as HTTPClientError where error == .cancelled {
            throw .transport("cancelled")
        } catch {
            throw .transport(String(describing: error))
        }
    }
}

extension RetryClass: Equatable {}
