import EthereumCore
import EthereumRPC
import Settlement

/// Errors of the usage outbox service.
public enum UsageServiceError: Error, Sendable, CustomStringConvertible {
    case store(UsageOutboxStoreError)
    case importRefused(UsageImportError)
    /// The node could not be reached or answered with an error; the outbox is unchanged beyond
    /// what is already persisted, and the next run resumes.
    case rpc(EthereumRPCError)
    case contract(ContractError)
    case binding(BindingError)
    /// `post` / `settle` need the operator's key.
    case noSigner
    case signing(String)
    /// The account nonce of a persisted transaction was used by another transaction and the batch
    /// is not on chain. Nothing new was signed; `resolveConflict(batch:)` re-signs it.
    case nonceConflict(batch: Int64, transaction: Hash32, sender: Address, nonce: UInt64)
    /// The post transaction was mined but reverted.
    case postReverted(batch: Int64, transaction: Hash32, reason: String)
    /// The contract refused the batch at gas estimation (nothing signed, batch marked `rejected`).
    case postRejected(batch: Int64, reason: String)
    case settleReverted(batch: Int64, transaction: Hash32, reason: String)
    /// No stored batch holds this CDR.
    case cdrNotFound(entitlementId: UInt256, sequence: UInt64)
    /// The CDR given to `prove` differs from the stored one at the same (entitlement, sequence).
    case cdrMismatch(entitlementId: UInt256, sequence: UInt64)
    case unknownBatch(Int64)
    /// The batch is not in a state where the operation applies.
    case wrongState(batch: Int64, state: OutboxBatchState)
    /// A successful receipt without the expected event.
    case missingEvent(String)
    /// The entitlement already has a batch pending on chain (one at a time); post again once it is
    /// settled or voided.
    case entitlementHasPendingBatch(batch: Int64, entitlementId: UInt256)

    public var description: String {
        switch self {
        case .store(let e): return e.description
        case .importRefused(let e): return e.description
        case .rpc(let e): return "chain: \(e)"
        case .contract(let e): return e.description
        case .binding(let e): return e.description
        case .noSigner: return "no operator key given (--key)"
        case .signing(let m): return "signing: \(m)"
        case .nonceConflict(let b, let t, let s, let n):
            return "batch \(b): nonce \(n) of \(s) was used by another transaction; \(t.hex) can never be mined and the batch is not on chain (resolve with `usage post --resolve-conflict \(b)`)"
        case .postReverted(let b, let t, let r): return "batch \(b): post transaction \(t.hex) reverted: \(r)"
        case .postRejected(let b, let r): return "batch \(b): refused by the contract: \(r)"
        case .settleReverted(let b, let t, let r): return "batch \(b): settle transaction \(t.hex) reverted: \(r)"
        case .cdrNotFound(let e, let s): return "no imported CDR for entitlement \(e) sequence \(s)"
        case .cdrMismatch(let e, let s): return "the given CDR differs from the imported CDR for entitlement \(e) sequence \(s)"
        case .unknownBatch(let b): return "no batch \(b)"
        case .wrongState(let b, let s): return "batch \(b) is \(s.rawValue)"
        case .missingEvent(let m): return "receipt without \(m)"
        case .entitlementHasPendingBatch(let b, let e):
            return "batch \(b): entitlement \(e) already has a batch pending on chain; post again once it is settled or voided"
        }
    }
}
