import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import LPA
import Settlement

/// `SMDPTrustOracle` over the on-chain `TrustRegistry` (contracts/README.md "Roles"): an SM-DP+ key is
/// trusted iff `isTrusted(SMDP, sha256(SPKI))`; otherwise `entityBySpki` and `statusOf` say whether it is
/// suspended, revoked or was never registered.
public struct RegistrySMDPTrustOracle: SMDPTrustOracle {
    public let registry: Contract<TrustRegistry>
    /// Budget for the whole lookup (up to three `eth_call`s).
    public let timeout: Duration
    private let ownedClient: RPCClient?

    /// An oracle on an existing contract handle (the caller owns its client).
    public init(registry: Contract<TrustRegistry>, timeout: Duration = .seconds(5)) {
        self.registry = registry
        self.timeout = timeout
        self.ownedClient = nil
    }

    /// The oracle for the registry at `address` on the node at `rpcURL`, with its own RPC client:
    /// call `shutdown()` when done. Does not contact the node.
    public init(rpcURL: String, registry address: Address, timeout: Duration = .seconds(5)) throws(EthereumRPCError) {
        let client = try RPCClient(url: rpcURL, retry: .none, requestTimeout: timeout)
        // eth_call needs no chain id; 0 marks "not read" (this handle never signs).
        self.registry = Chain(client: client, chainId: 0).contract(TrustRegistry.self, at: address)
        self.timeout = timeout
        self.ownedClient = client
    }

    /// Closes the RPC client created by `init(rpcURL:registry:timeout:)`.
    public func shutdown() async throws {
        try await ownedClient?.shutdown()
    }

    public func smdpStatus(spkiSHA256: [UInt8]) async throws -> SMDPRegistryStatus {
        let hash = try Hash32(spkiSHA256)
        let registry = self.registry
        return try await withDeadline(timeout) {
            if try await registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: hash)) { return .active }
            let entity = try await registry.call(TrustRegistry.entityBySpki(role: .smdp, spkiHash: hash))
            guard entity != .zero else { return .unregistered }
            switch try await registry.call(TrustRegistry.statusOf(entity: entity)) {
            case .some(.revoked): return .revoked
            case .some(.suspended): return .suspended
            // Active by status but not trusted by isTrusted: the registry disagrees with itself; refuse.
            case .some(.active), .none: return .unregistered
            }
        }
    }
}
