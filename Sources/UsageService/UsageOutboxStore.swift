// The persisted outbox: batches with their CDRs, and every transaction signed for them. The
// service writes a signed transaction here BEFORE it is broadcast, so a restart can always find
// out what happened to it (docs/USAGE.md "Exactly once").
import EthereumCore
import Settlement

/// Where a batch is in its life.
public enum OutboxBatchState: String, Sendable, Codable, CaseIterable {
    /// Imported; no transaction yet.
    case pending
    /// A `postUsage` transaction is signed and persisted; it may or may not have been broadcast.
    case postSigned = "post-signed"
    /// `BatchPosted` seen in a successful receipt; waiting for the dispute window.
    case posted
    /// A `settle` transaction is signed and persisted.
    case settleSigned = "settle-signed"
    /// Settled on chain (final).
    case settled
    /// Voided by a dispute (final).
    case voided
    /// The chain refused the batch before anything was signed (gas estimation reverted); see `lastError`.
    case rejected
    /// The `postUsage` transaction was mined but reverted; see `lastError`.
    case failed
    /// The post transaction's account nonce was consumed by another transaction and the batch is
    /// not on chain: needs the operator (`UsageOutboxService.resolveConflict`).
    case conflict

    /// States the service still acts on.
    public var isOpen: Bool { [.pending, .postSigned, .posted, .settleSigned].contains(self) }
}

/// What a transaction is for.
public enum OutboxTransactionPurpose: String, Sendable, Codable {
    case post
    case settle
}

/// What is known about a persisted transaction.
public enum OutboxTransactionStatus: String, Sendable, Codable {
    /// Signed and persisted; not yet seen mined.
    case signed
    /// Mined with status 1.
    case succeeded
    /// Mined with status 0.
    case reverted
    /// Its nonce was consumed by another transaction; it can never be mined.
    case superseded
}

/// One signed transaction, exactly as broadcast (the same bytes are re-broadcast after a restart).
public struct OutboxTransaction: Sendable, Hashable {
    public let hash: Hash32
    public let batch: Int64
    public let purpose: OutboxTransactionPurpose
    public let sender: Address
    public let nonce: UInt64
    public let raw: [UInt8]
    public var status: OutboxTransactionStatus
    public var blockNumber: UInt64?
    public var gasUsed: UInt64?

    public init(hash: Hash32, batch: Int64, purpose: OutboxTransactionPurpose, sender: Address, nonce: UInt64, raw: [UInt8],
                status: OutboxTransactionStatus = .signed, blockNumber: UInt64? = nil, gasUsed: UInt64? = nil) {
        self.hash = hash; self.batch = batch; self.purpose = purpose; self.sender = sender; self.nonce = nonce; self.raw = raw
        self.status = status; self.blockNumber = blockNumber; self.gasUsed = gasUsed
    }
}

/// One batch of the outbox (one entitlement, sequences firstSeq...lastSeq).
public struct OutboxBatch: Sendable, Hashable {
    /// Local row id (ascending in import order).
    public let id: Int64
    public let entitlementId: UInt256
    public let firstSeq: UInt64
    public let lastSeq: UInt64
    public let totalBytes: UInt64
    public let root: Hash32
    public var state: OutboxBatchState
    /// Set when the post transaction is signed: the entitlement and the contract nonce (the
    /// entitlement's batch nonce) fix the batch id keccak256(abi.encode(entitlementId, nonce)), so
    /// the batch can be found on chain without a receipt.
    public var poster: Address?
    public var contractNonce: UInt256?
    public var batchId: Hash32?
    /// From `BatchPosted`.
    public var postedAt: UInt64?
    public var postedBlock: UInt64?
    public var lastError: String?

    public var cdrCount: UInt64 { lastSeq - firstSeq + 1 }

    public init(id: Int64, entitlementId: UInt256, firstSeq: UInt64, lastSeq: UInt64, totalBytes: UInt64, root: Hash32,
                state: OutboxBatchState = .pending, poster: Address? = nil, contractNonce: UInt256? = nil, batchId: Hash32? = nil,
                postedAt: UInt64? = nil, postedBlock: UInt64? = nil, lastError: String? = nil) {
        self.id = id; self.entitlementId = entitlementId; self.firstSeq = firstSeq; self.lastSeq = lastSeq
        self.totalBytes = totalBytes; self.root = root; self.state = state; self.poster = poster
        self.contractNonce = contractNonce; self.batchId = batchId; self.postedAt = postedAt; self.postedBlock = postedBlock
        self.lastError = lastError
    }


    /// The contract nonce as the contract's uint64 (nil until signed, or if a stored value is out of range).
    public var contractNonce64: UInt64? {
        guard let n = contractNonce, n.bitWidth <= 64 else { return nil }
        return n.w0
    }
}

/// Errors of an outbox store.
public enum UsageOutboxStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case backend(String)
    /// A stored value that does not decode (bad hex, unknown state).
    case corrupt(String)
    /// A compare-and-set found the batch in another state (another process moved it).
    case stateConflict(batch: Int64, expected: OutboxBatchState)
    /// A CDR (entitlement, sequence) is already in the outbox.
    case duplicateCDR(String)
    case unknownBatch(Int64)

    public var description: String {
        switch self {
        case .backend(let m): return "usage outbox store: \(m)"
        case .corrupt(let m): return "usage outbox store: corrupt \(m)"
        case .stateConflict(let b, let e): return "usage outbox store: batch \(b) is no longer \(e.rawValue)"
        case .duplicateCDR(let m): return "usage outbox store: CDR already imported (\(m))"
        case .unknownBatch(let b): return "usage outbox store: no batch \(b)"
        }
    }
}

/// One atomic change: a compare-and-set of a batch (it must still be in `expectedState`), plus at
/// most one new transaction and any number of transaction status updates, all or nothing.
public struct UsageOutboxChange: Sendable {
    public var batch: OutboxBatch
    public var expectedState: OutboxBatchState
    public var insertTransaction: OutboxTransaction?
    public var updateTransactions: [OutboxTransaction]

    public init(batch: OutboxBatch, expectedState: OutboxBatchState, insertTransaction: OutboxTransaction? = nil,
                updateTransactions: [OutboxTransaction] = []) {
        self.batch = batch; self.expectedState = expectedState
        self.insertTransaction = insertTransaction; self.updateTransactions = updateTransactions
    }
}

/// Persistence of the usage outbox. Implementations make every method atomic.
public protocol UsageOutboxStore: Sendable {
    /// Inserts new batches with their CDRs (ids are assigned by the store, ascending) in one
    /// transaction; throws `.duplicateCDR` if any (entitlement, sequence) is already stored.
    func insertBatches(_ batches: [UsageBatch]) async throws(UsageOutboxStoreError) -> [OutboxBatch]
    func batch(id: Int64) async throws(UsageOutboxStoreError) -> OutboxBatch?
    /// All batches in `states` (all batches if nil), ascending id.
    func batches(in states: Set<OutboxBatchState>?) async throws(UsageOutboxStoreError) -> [OutboxBatch]
    /// The batch's CDRs in leaf order.
    func cdrs(batch: Int64) async throws(UsageOutboxStoreError) -> [CDR]
    /// The batch holding (entitlement, sequence), if any.
    func batch(containing entitlementId: UInt256, sequence: UInt64) async throws(UsageOutboxStoreError) -> OutboxBatch?
    /// Highest sequence stored for the entitlement in batches that are not `rejected` (0 if none).
    func lastSequence(entitlementId: UInt256) async throws(UsageOutboxStoreError) -> UInt64
    /// Highest contract nonce ever assigned to a batch of the entitlement (nil if none).
    func highestContractNonce(entitlementId: UInt256) async throws(UsageOutboxStoreError) -> UInt256?
    /// The batch's transactions, oldest first.
    func transactions(batch: Int64) async throws(UsageOutboxStoreError) -> [OutboxTransaction]
    /// Transactions with status `.signed` (in flight), oldest first.
    func inFlightTransactions() async throws(UsageOutboxStoreError) -> [OutboxTransaction]
    func apply(_ change: UsageOutboxChange) async throws(UsageOutboxStoreError)
}
