// JSON-RPC over HTTP(S) with AsyncHTTPClient: retries, status handling.

import AsyncHTTPClient
import EthereumRPC
import Foundation

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

