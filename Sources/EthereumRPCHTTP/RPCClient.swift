// The JSON-RPC client over HTTP(S): id assignment, single and batch calls.

import EthereumCore
import EthereumRPC
import Foundation

/// `EthereumClient` over HTTP(S). Owns one `HTTPClient`; call `shutdown()` when done.
public final class RPCClient: EthereumClient {
    public let transport: HTTPTransport
    private let ids = RequestIDs()

    /// `url`: https, or http to a loopback address only (see `EndpointRule`).
    public init(url: String, retry: RetryPolicy = .default, requestTimeout: Duration = .seconds(30)) throws(EthereumRPCError) {
        transport = try HTTPTransport(url: url, retry: retry, requestTimeout: requestTimeout)
    }

    public func shutdown() async throws {
        try await transport.shutdown()
    }

    public func request(_ method: String, _ params: [JSONValue], retry: RetryClass) async throws(EthereumRPCError) -> JSONValue {
        let id = ids.next()
        let body = try Self.encode(JSONRPCRequest(id: id, method: method, params: params))
        let response = try await transport.post(body, retryClass: retry)
        switch try JSONRPCResponseDecoder.decodeSingle(response, id: id) {
        case .success(let value): return value
        case .failure(let error): throw .rpc(error)
        }
    }

    public func batch(_ calls: [(method: String, params: [JSONValue])]) async throws(EthereumRPCError) -> [Result<JSONValue, JSONRPCErrorObject>] {
        guard !calls.isEmpty else { return [] }
        let requests = calls.map { JSONRPCRequest(id: ids.next(), method: $0.method, params: $0.params) }
        let body = try Self.encode(requests)
        let allReads = calls.allSatisfy { idempotentReadMethods.contains($0.method) }
        let response = try await transport.post(body, retryClass: allReads ? .idempotentRead : .once)
        return try JSONRPCResponseDecoder.decodeBatch(response, ids: requests.map(\.id))
    }

    static func encode(_ value: some Encodable) throws(EthereumRPCError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw .invalidArgument("cannot encode request: \(error)")
        }
    }
}

