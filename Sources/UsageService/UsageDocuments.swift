// JSON shapes of the usage service's outputs (`openrsp usage … --json`). Hex and decimal text
// appear only here, at the edge; `UsageProofDocument.typed()` reads a proof back for `dispute`.
import EthereumCore
import Settlement

/// One CDR as JSON: the entitlement id is decimal text (uint256), the other numbers are JSON integers.
public struct CDRDocument: Codable, Sendable, Hashable {
    public var entitlementId: String
    public var sequence: UInt64
    public var bytes: UInt64
    public var periodStart: UInt64
    public var periodEnd: UInt64
    public var cdrHash: String

    public init(_ c: CDR) {
        entitlementId = c.entitlementId.description; sequence = c.sequence; bytes = c.bytes
        periodStart = c.periodStart; periodEnd = c.periodEnd; cdrHash = c.cdrHash.hex
    }

    public func typed() throws -> CDR {
        CDR(entitlementId: try UInt256(decimal: entitlementId), sequence: sequence, bytes: bytes, periodStart: periodStart,
            periodEnd: periodEnd, cdrHash: try Hash32(hex: cdrHash))
    }
}

/// A posted batch as JSON: what its `BatchPosted` log says. While it is the entitlement's pending
/// batch, the entitlement's current ledger (`LedgerUpdated`) holds the same root, bytes and range.
public struct PostedBatchDocument: Codable, Sendable, Hashable {
    public var entitlementId: String
    public var nonce: UInt64
    public var root: String
    public var totalBytes: UInt64
    public var firstSeq: UInt64
    public var lastSeq: UInt64
    public var postedAt: UInt64

    /// nil until the batch's `BatchPosted` is seen.
    public init?(_ b: OutboxBatch) {
        guard let postedAt = b.postedAt, let nonce = b.contractNonce64 else { return nil }
        entitlementId = b.entitlementId.description; self.nonce = nonce; root = b.root.hex
        totalBytes = b.totalBytes; firstSeq = b.firstSeq; lastSeq = b.lastSeq; self.postedAt = postedAt
    }
}

/// `openrsp usage prove` output: everything an entitlement owner passes to
/// `UsageSettlement.dispute(entitlementId, ledger, cdr, leafIndex, proof)` (with the entitlement's
/// current ledger, read from the chain) or to `verifyCdr`.
public struct UsageProofDocument: Codable, Sendable, Hashable {
    /// The contract's batch id (null until the batch's post transaction is signed).
    public var batchId: String?
    /// The local outbox batch number.
    public var outboxBatch: Int64
    public var state: String
    public var cdr: CDRDocument
    public var leaf: String
    public var leafIndex: UInt64
    public var leafCount: UInt64
    /// Siblings from the leaf up (levels where the node is promoted have none).
    public var proof: [String]
    public var root: String
    /// The posted batch (null until `BatchPosted` is seen).
    public var batch: PostedBatchDocument?
    public var verifiesLocally: Bool

    public init(_ p: UsageProof) {
        batchId = p.batch.batchId?.hex; outboxBatch = p.batch.id; state = p.batch.state.rawValue
        cdr = CDRDocument(p.cdr); leaf = p.leaf.hex; leafIndex = p.leafIndex; leafCount = p.leafCount
        proof = p.siblings.map(\.hex); root = p.root.hex; batch = PostedBatchDocument(p.batch)
        verifiesLocally = p.verifies
    }

    /// Typed values for the contract calls.
    public func typedProof() throws -> [Hash32] { try proof.map { try Hash32(hex: $0) } }

    public var human: String {
        var lines = [
            "CDR        entitlement \(cdr.entitlementId) sequence \(cdr.sequence): \(cdr.bytes) bytes, period \(cdr.periodStart)–\(cdr.periodEnd)",
            "cdrHash    \(cdr.cdrHash)",
            "leaf       \(leaf)",
            "index      \(leafIndex) of \(leafCount)",
            "root       \(root)",
            "batch id   \(batchId ?? "(not yet signed)")  [outbox batch \(outboxBatch), \(state)]",
        ]
        if let batch {
            lines.append("posted     at \(batch.postedAt): \(batch.totalBytes) bytes, sequences \(batch.firstSeq)–\(batch.lastSeq)")
        }
        lines.append("proof      \(proof.count) sibling(s)" + (proof.isEmpty ? "" : ":"))
        lines += proof.enumerated().map { "  [\($0.offset)] \($0.element)" }
        lines.append("verifies   \(verifiesLocally ? "yes" : "NO")")
        return lines.joined(separator: "\n")
    }
}

/// One outbox batch with its transactions, as `usage status --json` prints it.
public struct OutboxBatchDocument: Codable, Sendable, Hashable {
    public struct TransactionDocument: Codable, Sendable, Hashable {
        public var hash: String
        public var purpose: String
        public var sender: String
        public var nonce: UInt64
        public var status: String
        public var blockNumber: UInt64?
        public var gasUsed: UInt64?
    }

    public var id: Int64
    public var entitlementId: String
    public var firstSeq: UInt64
    public var lastSeq: UInt64
    public var totalBytes: UInt64
    public var root: String
    public var state: String
    public var poster: String?
    public var contractNonce: String?
    public var batchId: String?
    public var postedAt: UInt64?
    public var postedBlock: UInt64?
    public var lastError: String?
    public var transactions: [TransactionDocument]

    public init(_ b: OutboxBatch, transactions: [OutboxTransaction]) {
        id = b.id; entitlementId = b.entitlementId.description; firstSeq = b.firstSeq; lastSeq = b.lastSeq
        totalBytes = b.totalBytes; root = b.root.hex; state = b.state.rawValue; poster = b.poster?.checksummed
        contractNonce = b.contractNonce?.description; batchId = b.batchId?.hex; postedAt = b.postedAt; postedBlock = b.postedBlock
        lastError = b.lastError
        self.transactions = transactions.map {
            TransactionDocument(hash: $0.hash.hex, purpose: $0.purpose.rawValue, sender: $0.sender.checksummed, nonce: $0.nonce,
                                status: $0.status.rawValue, blockNumber: $0.blockNumber, gasUsed: $0.gasUsed)
        }
    }
}

/// One `UsageEvent` as JSON (`usage post/settle --json`).
public struct UsageEventDocument: Codable, Sendable, Hashable {
    public var event: String
    public var batch: Int64
    public var transaction: String?
    public var nonce: UInt64?
    public var batchId: String?
    public var block: UInt64?
    public var gasUsed: UInt64?
    public var toMno: String?
    public var toMvno: String?
    public var settleableAt: UInt64?
    public var chainTime: UInt64?
    public var root: String?
    public var entitlementId: String?
    public var end: UInt64?
    public var postBy: UInt64?
    public var amount: String?
    public var receiver: String?

    public init(_ e: UsageEvent) {
        self.init(event: "", batch: 0)
        switch e {
        case .imported(let b, _, _, _, let root): event = "imported"; batch = b; self.root = root.hex
        case .signed(let b, let purpose, let t, let n): event = "signed-\(purpose.rawValue)"; batch = b; transaction = t.hex; nonce = n
        case .broadcast(let b, let t, let n, let again): event = again ? "rebroadcast" : "broadcast"; batch = b; transaction = t.hex; nonce = n
        case .posted(let b, let id, let t, let block, let gas):
            event = "posted"; batch = b; batchId = id.hex; transaction = t?.hex; self.block = block; gasUsed = gas
        case .reorgedOut(let b, let t): event = "reorged-out"; batch = b; transaction = t.hex
        case .waitingForWindow(let b, let at, let now): event = "waiting"; batch = b; settleableAt = at; chainTime = now
        case .waitingForPrevious(let b, _): event = "waiting-for-previous"; batch = b
        case .settled(let b, let t, let mno, let mvno, let gas):
            event = "settled"; batch = b; transaction = t?.hex; toMno = mno?.description; toMvno = mvno?.description; gasUsed = gas
        case .voided(let b): event = "voided"; batch = b
        case .settleSuperseded(let b, let t): event = "settle-superseded"; batch = b; transaction = t.hex
        case .finalBatchDue(let id, let end, let postBy):
            event = "final-batch-due"; entitlementId = id.description; self.end = end; self.postBy = postBy
        case .withdrawn(let amount, let receiver, let t):
            event = "withdrawn"; self.amount = amount.description; self.receiver = receiver.checksummed; transaction = t.hex
        }
    }

    init(event: String, batch: Int64) { self.event = event; self.batch = batch }

    public var human: String {
        switch event {
        case "imported": return "batch \(batch): imported (root \(root ?? ""))"
        case "signed-post", "signed-settle": return "batch \(batch): \(event) transaction \(transaction ?? "") (nonce \(nonce ?? 0)) persisted"
        case "broadcast", "rebroadcast": return "batch \(batch): \(event) \(transaction ?? "")"
        case "posted": return "batch \(batch): posted in block \(block ?? 0) as \(batchId ?? "")" + (gasUsed.map { ", gas \($0)" } ?? "")
        case "reorged-out": return "batch \(batch): no longer on chain (reorg); re-sending \(transaction ?? "")"
        case "waiting": return "batch \(batch): dispute window open until \(settleableAt ?? 0) (chain time \(chainTime ?? 0))"
        case "settled":
            if transaction == nil { return "batch \(batch): settled (already on chain)" }
            return "batch \(batch): settled, \(toMno ?? "?") to MNO, \(toMvno ?? "?") to MVNO" + (gasUsed.map { ", gas \($0)" } ?? "")
        case "waiting-for-previous":
            return "batch \(batch): waits until the entitlement's previous batch is settled or voided (one pending batch per entitlement)"
        case "voided": return "batch \(batch): voided by a dispute"
        case "settle-superseded": return "batch \(batch): settle transaction \(transaction ?? "") superseded; will sign again"
        case "final-batch-due":
            return "entitlement \(entitlementId ?? "?") ended at \(end ?? 0): final batch due by \(postBy ?? 0)"
        case "withdrawn": return "withdrew \(amount ?? "?") to \(receiver ?? "?") in \(transaction ?? "")"
        default: return "batch \(batch): \(event)"
        }
    }
}
