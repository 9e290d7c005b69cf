// The operator's usage service: imports CDRs into the outbox as per-entitlement batches, posts
// them on chain exactly once, settles them after the dispute window, and produces the Merkle proofs
// an entitlement owner needs to dispute. Chain side in UsageOutboxService+Chain.swift.
import EthereumCore
import EthereumRPC
import Settlement

/// What the service reports while it works (CLI progress, `--json` output, demo summary).
public enum UsageEvent: Sendable, Hashable {
    case imported(batch: Int64, entitlementId: UInt256, firstSeq: UInt64, lastSeq: UInt64, root: Hash32)
    /// A transaction was signed and persisted (not yet broadcast).
    case signed(batch: Int64, purpose: OutboxTransactionPurpose, transaction: Hash32, nonce: UInt64)
    /// The persisted bytes were sent to the node; `again` when the node did not know them after a
    /// restart, a dropped transaction or a reorg.
    case broadcast(batch: Int64, transaction: Hash32, nonce: UInt64, again: Bool)
    case posted(batch: Int64, batchId: Hash32, transaction: Hash32?, block: UInt64, gasUsed: UInt64?)
    /// The batch's post disappeared from the chain (reorg); its signed transaction will be re-sent.
    case reorgedOut(batch: Int64, transaction: Hash32)
    case waitingForWindow(batch: Int64, settleableAt: UInt64, chainTime: UInt64)
    /// Not posted yet: an earlier batch of the same entitlement is still pending (on chain at most
    /// one batch per entitlement awaits its dispute window); it is posted once that one is final.
    case waitingForPrevious(batch: Int64, entitlementId: UInt256)
    case settled(batch: Int64, transaction: Hash32?, toMno: UInt256?, toMvno: UInt256?, gasUsed: UInt64?)
    case voided(batch: Int64)
    /// Our settle transaction lost its nonce to another transaction while the batch was still
    /// pending; a new settle is signed next time (a batch can be settled only once on chain).
    case settleSuperseded(batch: Int64, transaction: Hash32)
    /// The entitlement was cancelled or expired at `end`: its final batch must be posted by `postBy`.
    case finalBatchDue(entitlementId: UInt256, end: UInt64, postBy: UInt64)
    /// The operator took its credited tokens (pull payments).
    case withdrawn(amount: UInt256, receiver: Address, transaction: Hash32)
}

/// A Merkle proof of one CDR, everything `dispute`/`verifyCdr` need.
public struct UsageProof: Sendable, Hashable {
    public let batch: OutboxBatch
    public let cdr: CDR
    public let leafIndex: UInt64
    public let leafCount: UInt64
    public let leaf: Hash32
    public let siblings: [Hash32]
    public var root: Hash32 { batch.root }

    /// Checks the proof locally with the contract's rule.
    public var verifies: Bool {
        UsageMerkleTree.verify(root: root, leaf: leaf, index: leafIndex, count: leafCount, proof: siblings)
    }
}

/// The usage outbox service. One instance per process; several processes on one database are
/// kept apart by the store's compare-and-set transitions.
public actor UsageOutboxService {
    public let store: any UsageOutboxStore
    public let settlement: Contract<UsageSettlement>
    let signer: PrivateKey?
    let sender: Address?
    /// How long to wait for a receipt before leaving a transaction in flight for the next run.
    public var receiptTimeout: Duration
    let progress: (@Sendable (UsageEvent) -> Void)?
    var disputeWindow: UInt64?

    public init(store: any UsageOutboxStore, settlement: Contract<UsageSettlement>, signer: PrivateKey?,
                receiptTimeout: Duration = .seconds(120), progress: (@Sendable (UsageEvent) -> Void)? = nil) throws(UsageServiceError) {
        self.store = store
        self.settlement = settlement
        self.signer = signer
        if let signer {
            do { self.sender = try signer.address() } catch { throw .signing("\(error)") }
        } else {
            self.sender = nil
        }
        self.receiptTimeout = receiptTimeout
        self.progress = progress
    }

    var client: any EthereumClient { settlement.chain.client }

    func emit(_ event: UsageEvent, into events: inout [UsageEvent]) {
        events.append(event)
        progress?(event)
    }

    // MARK: Import

    /// Validates `cdrs` against what is already imported (this database) and posted (the
    /// entitlement ledger's `lastSeq`), splits them into batches and stores them, all or nothing.
    @discardableResult
    public func importCDRs(_ cdrs: [CDR], maxBatchSize: Int = 10_000) async throws(UsageServiceError) -> [OutboxBatch] {
        var last = [UInt256: UInt64]()
        for e in Set(cdrs.map(\.entitlementId)) {
            let local: UInt64
            do { local = try await store.lastSequence(entitlementId: e) } catch { throw .store(error) }
            last[e] = max(local, try await currentLedger(e).lastSeq)
        }
        let batches: [UsageBatch]
        do { batches = try UsageBatcher.batches(cdrs, maxBatchSize: maxBatchSize) { last[$0] ?? 0 } } catch { throw .importRefused(error) }
        let stored: [OutboxBatch]
        do { stored = try await store.insertBatches(batches) } catch { throw .store(error) }
        var events = [UsageEvent]()
        for b in stored {
            emit(.imported(batch: b.id, entitlementId: b.entitlementId, firstSeq: b.firstSeq, lastSeq: b.lastSeq, root: b.root), into: &events)
        }
        return stored
    }

    // MARK: Status and proofs

    /// Every batch, ascending id.
    public func status() async throws(UsageServiceError) -> [OutboxBatch] {
        do { return try await store.batches(in: nil) } catch { throw .store(error) }
    }

    public func transactions(batch: Int64) async throws(UsageServiceError) -> [OutboxTransaction] {
        do { return try await store.transactions(batch: batch) } catch { throw .store(error) }
    }

    /// The Merkle proof for CDR (entitlement, sequence). If `expected` is given (the user's own
    /// copy of the CDR), it must equal the stored one.
    public func prove(entitlementId: UInt256, sequence: UInt64, expected: CDR? = nil) async throws(UsageServiceError) -> UsageProof {
        try await UsageProofBuilder.proof(store: store, entitlementId: entitlementId, sequence: sequence, expected: expected)
    }

    // MARK: Chain helpers

    func contractCall<T>(_ call: ContractCall<T>, at block: BlockTag = .latest) async throws(UsageServiceError) -> T {
        try await contract { () async throws(ContractError) in try await self.settlement.call(call, at: block) }
    }

    /// Runs a contract read; a node failure is `.rpc`, anything else `.contract`.
    func contract<T>(_ body: () async throws(ContractError) -> T) async throws(UsageServiceError) -> T {
        do { return try await body() } catch {
            if case .rpc(let e) = error { throw .rpc(e) }
            throw .contract(error)
        }
    }
}

/// Builds a CDR's proof from a stored batch and its CDRs (no chain needed).
public enum UsageProofBuilder {
    /// The proof of CDR (entitlement, sequence) from the outbox alone (no chain needed). If
    /// `expected` is given (the user's own copy of the CDR), it must equal the stored one.
    public static func proof(store: any UsageOutboxStore, entitlementId: UInt256, sequence: UInt64,
                             expected: CDR?) async throws(UsageServiceError) -> UsageProof {
        let found: OutboxBatch?
        do { found = try await store.batch(containing: entitlementId, sequence: sequence) } catch { throw .store(error) }
        guard let batch = found else { throw .cdrNotFound(entitlementId: entitlementId, sequence: sequence) }
        let cdrs: [CDR]
        do { cdrs = try await store.cdrs(batch: batch.id) } catch { throw .store(error) }
        return try proof(batch: batch, cdrs: cdrs, sequence: sequence, expected: expected)
    }

    public static func proof(batch: OutboxBatch, cdrs: [CDR], sequence: UInt64, expected: CDR?) throws(UsageServiceError) -> UsageProof {
        let tree: UsageMerkleTree
        do { tree = try UsageMerkleTree(cdrs: cdrs) } catch { throw .store(.corrupt("batch \(batch.id) CDRs: \(error)")) }
        guard tree.root == batch.root else { throw .store(.corrupt("batch \(batch.id): stored CDRs do not hash to the stored root")) }
        guard sequence >= batch.firstSeq, sequence - batch.firstSeq < UInt64(cdrs.count) else {
            throw .cdrNotFound(entitlementId: batch.entitlementId, sequence: sequence)
        }
        let index = Int(sequence - batch.firstSeq)
        let cdr = cdrs[index]
        if let expected, expected != cdr { throw .cdrMismatch(entitlementId: cdr.entitlementId, sequence: sequence) }
        let siblings: [Hash32]
        do { siblings = try tree.proof(index: index) } catch { throw .store(.corrupt("\(error)")) }
        return UsageProof(batch: batch, cdr: cdr, leafIndex: UInt64(index), leafCount: UInt64(cdrs.count), leaf: cdr.leaf,
                          siblings: siblings)
    }
}
