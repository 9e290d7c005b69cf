// One usage batch as a poster builds it from its CDRs: the positional Merkle tree, the byte total and
// the sequence range that `postUsage` commits to, and the proofs an owner needs to dispute it.
import EthereumCore

/// Errors from assembling a usage batch.
public enum UsageBatchError: Error, Equatable, Sendable, CustomStringConvertible {
    case tree(UsageMerkleError)
    /// The CDRs' bytes do not sum within uint64 (`postUsage`'s `totalBytes`).
    case totalBytesOverflow
    /// Sequences start at 1 on chain.
    case sequenceZero
    /// The ledger's pending batch is not this batch (another root or range, or none pending).
    case notThePendingBatch

    public var description: String {
        switch self {
        case .tree(let e): return e.description
        case .totalBytesOverflow: return "usage batch: total bytes exceed uint64"
        case .sequenceZero: return "usage batch: CDR sequences start at 1"
        case .notThePendingBatch: return "usage batch: not the entitlement's pending batch"
        }
    }
}

/// CDRs `firstSeq...lastSeq` of one entitlement with their Merkle tree.
public struct UsageBatch: Sendable, Hashable {
    public let cdrs: [CDR]
    public let tree: UsageMerkleTree
    public let totalBytes: UInt64

    public var entitlementId: UInt256 { cdrs[0].entitlementId }
    public var firstSeq: UInt64 { cdrs[0].sequence }
    public var lastSeq: UInt64 { cdrs[cdrs.count - 1].sequence }
    public var root: Hash32 { tree.root }

    /// `cdrs` must be positional (sequence firstSeq + i, one entitlement), firstSeq ≥ 1.
    public init(cdrs: [CDR]) throws(UsageBatchError) {
        do { tree = try UsageMerkleTree(cdrs: cdrs) } catch { throw .tree(error) }
        guard cdrs[0].sequence >= 1 else { throw .sequenceZero }
        var total: UInt64 = 0
        for c in cdrs {
            let (sum, overflow) = total.addingReportingOverflow(c.bytes)
            guard !overflow else { throw .totalBytesOverflow }
            total = sum
        }
        self.cdrs = cdrs
        self.totalBytes = total
    }

    /// The `postUsage` call committing to this batch on an entitlement whose current ledger is
    /// `ledger`, with the entitlement's next batch `nonce` (> `ledger.nonce`).
    public func postUsage(ledger: UsageSettlement.Ledger, nonce: UInt64) -> ContractCall<Hash32> {
        UsageSettlement.postUsage(entitlementId: entitlementId, ledger: ledger, root: root, totalBytes: totalBytes,
                                  firstSeq: firstSeq, lastSeq: lastSeq, nonce: nonce)
    }

    /// The `dispute` call proving CDR `leafIndex` of this batch while it is the pending batch of
    /// `ledger` (the entitlement's current ledger).
    public func dispute(ledger: UsageSettlement.Ledger, leafIndex: Int) throws(UsageBatchError) -> ContractCall<Void> {
        guard ledger.hasPendingBatch, ledger.pendingRoot == root, ledger.pendingFirstSeq == firstSeq, ledger.lastSeq == lastSeq else {
            throw .notThePendingBatch
        }
        let proof: [Hash32]
        do { proof = try tree.proof(index: leafIndex) } catch { throw .tree(error) }
        return UsageSettlement.dispute(entitlementId: entitlementId, ledger: ledger, cdr: cdrs[leafIndex],
                                       leafIndex: UInt256(UInt64(leafIndex)), proof: proof)
    }
}
