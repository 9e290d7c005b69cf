// The JSON-RPC client over HTTP: id assignment, single and batch calls.

import EthereumCore
import Foundation

/// The seam domain code depends on: raw JSON-RPC calls. Typed methods (chainId, getBalance, ...)
/// are provided for every conformer in `EthereumClient+Methods.swift`.
public protocol EthereumClient: Sendable {
    /// Sends one request; returns its `result` or throws `.rpc` with the node's error object.
    func request(_ method: String, _ params: [JSONValue], retry: RetryClass) async throws(EthereumRPCError) -> JSONValue

    /// Sends one batch; results come back in the order of `calls`.
    func batch(_ calls: [(method: String, params: [JSONValue])]) async throws(EthereumRPCError) -> [Result<JSONValue, JSONRPCErrorObject>]
}

/// Methods that only read chain state; they may be retried after a transport failure.
public let idempotentReadMethods: Set<String> = [
    "eth_chainId", "net_version", "web3_clientVersion", "eth_blockNumber", "eth_getBalance",
    "eth_getTransactionCount", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas",
    "eth_feeHistory", "eth_getTransactionReceipt", "eth_getTransactionByHash", "eth_call",
    "eth_getLogs", "eth_getCode", "eth_getBlockByNumber", "eth_getBlockByHash", "eth_accounts",
]

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

/// Monotonic request ids, shared by concurrent callers.
final class RequestIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var counter = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return counter
    }
}
