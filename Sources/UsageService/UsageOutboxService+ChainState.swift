// Where a batch of the outbox stands on chain, read from the settlement contract's logs
// (BatchPosted / BatchSettled / BatchVoided) and the entitlement's current ledger (LedgerUpdated
// checked against ledgerHash): the contract keeps no per-batch storage.
import EthereumCore
import EthereumRPC
import Settlement

/// Where a posted batch stands on chain.
enum ChainBatchState: Sendable {
    /// No `BatchPosted` of this batch (never mined, or reorged out).
    case notPosted
    /// The entitlement's pending batch; the ledger is the entitlement's current one.
    case pending(UsageSettlement.Ledger)
    case settled
    case voided
}

extension UsageOutboxService {
    /// The `BatchPosted` log of batch `b` (same id and the same content: another poster's batch
    /// with the same entitlement nonce is not ours), nil if the chain has none.
    func postedEvent(of b: OutboxBatch, batchId: Hash32) async throws(UsageServiceError) -> (event: UsageSettlement.BatchPosted, block: UInt64)? {
        let posted = try await contract { () async throws(ContractError) in
            try await self.settlement.logs(UsageSettlement.BatchPosted.self, topic1: batchId)
        }
        for (log, e) in posted where Self.isOurs(e, b) {
            return (e, log.blockNumber ?? 0)
        }
        return nil
    }

    static func isOurs(_ e: UsageSettlement.BatchPosted, _ b: OutboxBatch) -> Bool {
        e.entitlementId == b.entitlementId && e.root == b.root && e.totalBytes == b.totalBytes && e.firstSeq == b.firstSeq
            && e.lastSeq == b.lastSeq
    }

    /// Where posted batch `b` stands on chain: from its `BatchPosted`, `BatchSettled` and
    /// `BatchVoided` logs; while pending, with the entitlement's current ledger (which must hold it).
    func chainState(of b: OutboxBatch) async throws(UsageServiceError) -> ChainBatchState {
        guard let batchId = b.batchId, let nonce = b.contractNonce64 else { throw .store(.corrupt("batch \(b.id) without id/nonce")) }
        guard try await postedEvent(of: b, batchId: batchId) != nil else { return .notPosted }
        let finality = try await contract { () async throws(ContractError) in try await self.settlement.finality(ofBatch: batchId) }
        switch finality {
        case .settled?: return .settled
        case .voided?: return .voided
        case nil: break
        }
        let ledger = try await currentLedger(b.entitlementId)
        guard ledger.hasPendingBatch, ledger.nonce == nonce, ledger.pendingRoot == b.root else {
            throw .rpc(.malformedResponse("batch \(b.id): posted, not settled or voided, but not the ledger's pending batch"))
        }
        return .pending(ledger)
    }

    /// The entitlement's current ledger (from `LedgerUpdated`, checked against `ledgerHash`).
    func currentLedger(_ entitlementId: UInt256) async throws(UsageServiceError) -> UsageSettlement.Ledger {
        try await contract { () async throws(ContractError) in try await self.settlement.currentLedger(entitlementId: entitlementId) }
    }
}
