import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import Logging
import RSPASN1
import SMDPCore
import Settlement

/// `EntitlementGate` over the on-chain `PlanEntitlements` (contracts/README.md "Plans and
/// entitlements"). The authority is `isLive(id, keccak256(EID ‖ salt))` and the plan's profile type
/// (`deliveryTerms(id).profileType`, keccak256 of the type name: an order for another type is refused,
/// so an entitlement releases only what its plan sells); `entitlement(id)` is read only to say why a
/// refusal happened. Anything but a complete answer within `timeout` is
/// `EntitlementGateUnavailable` (retryable), logged at warning level.
public struct ChainEntitlementGate: EntitlementGate {
    public let entitlements: Contract<PlanEntitlements>
    public let timeout: Duration
    public let logger: Logger
    private let ownedClient: RPCClient?

    /// A gate on an existing contract handle (the caller owns its client).
    public init(entitlements: Contract<PlanEntitlements>, timeout: Duration = .seconds(5),
                logger: Logger = Logger(label: "openrsp.smdp.entitlement-gate")) {
        self.entitlements = entitlements
        self.timeout = timeout
        self.logger = logger
        self.ownedClient = nil
    }

    /// The gate for the `PlanEntitlements` at `address` on the node at `rpcURL`, with its own RPC
    /// client: call `shutdown()` when done. Does not contact the node.
    public init(rpcURL: String, entitlements address: Address, timeout: Duration = .seconds(5),
                logger: Logger = Logger(label: "openrsp.smdp.entitlement-gate")) throws(EthereumRPCError) {
        // One attempt per call: the deadline, not the client's retry loop, bounds the wait.
        let client = try RPCClient(url: rpcURL, retry: .none, requestTimeout: timeout)
        // eth_call needs no chain id; 0 marks "not read" (this handle never signs).
        self.entitlements = Chain(client: client, chainId: 0).contract(PlanEntitlements.self, at: address)
        self.timeout = timeout
        self.logger = logger
        self.ownedClient = client
    }

    /// Closes the RPC client created by `init(rpcURL:entitlements:timeout:logger:)`.
    public func shutdown() async throws {
        try await ownedClient?.shutdown()
    }

    public func check(entitlement: EntitlementID, eid: EID, salt: EntitlementSalt,
                      profileType: String) async throws(EntitlementGateUnavailable) -> EntitlementRefusal? {
        let tokenId: UInt256
        let commitment: Hash32
        do {
            tokenId = try UInt256(bigEndian: entitlement.bytes)
            commitment = try PlanEntitlements.commitment(eid: eid.bytes, salt: try Hash32(salt.bytes))
        } catch {
            throw EntitlementGateUnavailable("cannot encode the query: \(error)")
        }
        let contract = entitlements
        do {
            return try await withDeadline(timeout) { () async throws -> EntitlementRefusal? in
                if try await contract.call(PlanEntitlements.isLive(tokenId: tokenId, commitment: commitment)) {
                    let terms = try await contract.call(PlanEntitlements.deliveryTerms(tokenId: tokenId))
                    return terms.profileType == PlanEntitlements.profileTypeId(name: profileType) ? nil : .profileTypeMismatch
                }
                let record = try await contract.call(PlanEntitlements.entitlement(tokenId: tokenId))
                switch record.status {
                case .none: return .unknown
                case .expired: return .expired
                case .cancelled: return .cancelled
                case .active: return record.commitment == commitment ? .notLive : .commitmentMismatch
                }
            }
        } catch {
            logger.warning("entitlement check unavailable (retryable)", metadata: [
                "entitlement": "\(entitlement)", "contract": "\(contract.address)", "error": "\(error)"])
            throw EntitlementGateUnavailable("\(error)")
        }
    }
}
