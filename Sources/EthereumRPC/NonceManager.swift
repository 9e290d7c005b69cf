// Nonce reservation for concurrent senders sharing one account.

import EthereumCore

/// Hands out consecutive nonces per address. The first reservation for an address (and every
/// `resync`) reads the node's "pending" transaction count. A failed send should call `resync`
/// (done by `withNonce`) so a nonce that never reached the chain is handed out again.
public actor NonceManager {
    private let client: any EthereumClient
    private var next: [Address: UInt64] = [:]

    public init(client: any EthereumClient) {
        self.client = client
    }

    /// Reserves the next nonce for `address`.
    public func reserve(for address: Address) async throws(EthereumRPCError) -> UInt64 {
        if next[address] == nil {
            let pending = try await client.getTransactionCount(address, at: .pending)
            // Another caller may have filled it while this one awaited.
            if next[address] == nil { next[address] = pending }
        }
        let nonce = next[address] ?? 0
        next[address] = nonce + 1
        return nonce
    }

    /// Forgets local state and re-reads the "pending" count from the node.
    public func resync(_ address: Address) async throws(EthereumRPCError) {
        let pending = try await client.getTransactionCount(address, at: .pending)
        next[address] = pending
    }

    /// Reserves a nonce and runs `body` with it; on error resyncs from the node and rethrows.
    public func withNonce<T: Sendable>(for address: Address, _ body: @Sendable (UInt64) async throws -> T) async throws -> T {
        let nonce = try await reserve(for: address)
        do {
            return try await body(nonce)
        } catch {
            try await resync(address)
            throw error
        }
    }
}
