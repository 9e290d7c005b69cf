// The seam domain code depends on (`EthereumClient`), and request ids for its conformers.

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

/// Monotonic request ids, shared by concurrent callers.
public final class RequestIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var counter = 0

    public init() {}

    public func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return counter
    }
}
