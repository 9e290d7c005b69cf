// The chain side of the outbox: sign → persist → broadcast → receipt, and the resume rules.
//
// Exactly once: a batch's `postUsage` carries a contract nonce (the entitlement's next batch
// nonce) chosen when its transaction is signed, so its batch id keccak256(abi.encode(entitlementId,
// nonce)) is known before anything is sent and the contract refuses the same nonce twice. The
// signed bytes are persisted before they are broadcast. On resume a persisted transaction is looked up by hash; if the node does not know it
// and its account nonce is still unused, the SAME bytes are broadcast again (same nonce, same
// hash). A new transaction is never signed for a batch that has one, unless the account nonce was
// provably consumed by another transaction and the batch is not on chain; that is reported as
// `nonceConflict` and needs `resolveConflict(batch:)`.
//
// The contract keeps each entitlement's state as a hashed ledger with at most one pending batch:
// every post/settle passes the current ledger (read back from `LedgerUpdated`), and a batch of an
// entitlement is posted only once the previous one is settled or voided.
import EthereumCore
import EthereumRPC
import Settlement

extension UsageOutboxService {
    enum Fate {
        case mined(TransactionReceipt)
        /// Not mined, unknown to the node, and its account nonce is used by another transaction.
        case consumedByOther
    }

    // MARK: Post

    /// Resumes in-flight posts, re-checks posted batches against the chain (a reorg sends their
    /// transaction again), then posts every pending batch in import order. Stops at the first
    /// error; what happened up to then is persisted and the next call resumes.
    @discardableResult
    public func post() async throws(UsageServiceError) -> [UsageEvent] {
        guard signer != nil else { throw .noSigner }
        var events = [UsageEvent]()
        // A batch in conflict blocks posting: later batches would take its sequences' place on chain.
        if let c = try await batches([.conflict]).first {
            guard let tx = try await storeTransactions(c.id).last(where: { $0.purpose == .post }) else {
                throw .store(.corrupt("batch \(c.id) in conflict without a post transaction"))
            }
            throw .nonceConflict(batch: c.id, transaction: tx.hash, sender: tx.sender, nonce: tx.nonce)
        }
        for b in try await batches([.postSigned]) {
            try await resolvePost(b, events: &events)
        }
        for b in try await batches([.posted]) {
            try await recheckPosted(b, events: &events)
        }
        // One batch of an entitlement is pending on chain at a time: a batch waits while an earlier
        // one of its entitlement is in flight or in its dispute window (later ones wait behind it).
        var busy = Set(try await batches([.postSigned, .posted, .settleSigned]).map(\.entitlementId))
        for b in try await batches([.pending]) {
            guard !busy.contains(b.entitlementId) else {
                emit(.waitingForPrevious(batch: b.id, entitlementId: b.entitlementId), into: &events)
                continue
            }
            busy.insert(b.entitlementId)
            // Also pending on chain through another poster or process: wait as well (not `rejected`).
            let ledger = try await currentLedger(b.entitlementId)
            guard !ledger.hasPendingBatch else {
                emit(.waitingForPrevious(batch: b.id, entitlementId: b.entitlementId), into: &events)
                continue
            }
            let (signed, tx) = try await signPost(b, ledger: ledger, events: &events)
            try await resolvePost(signed, knownTransaction: tx, events: &events)
        }
        return events
    }

    /// Signs and persists the post transaction of pending batch `id` without broadcasting it
    /// (`post()` then broadcasts it). For callers that want the steps apart.
    public func preparePost(batch id: Int64) async throws(UsageServiceError) -> OutboxTransaction {
        guard let b = try await storeBatch(id) else { throw .unknownBatch(id) }
        let ledger = try await currentLedger(b.entitlementId)
        guard !ledger.hasPendingBatch else { throw .entitlementHasPendingBatch(batch: id, entitlementId: b.entitlementId) }
        var events = [UsageEvent]()
        return try await signPost(b, ledger: ledger, events: &events).1
    }

    /// A batch in `conflict`: after checking again that its transaction's nonce is used by another
    /// transaction and the batch is not on chain, puts it back to `pending` with a fresh contract
    /// nonce (the old transaction can never be mined), so the next `post()` signs it anew.
    public func resolveConflict(batch id: Int64) async throws(UsageServiceError) {
        guard let b = try await storeBatch(id) else { throw .unknownBatch(id) }
        guard b.state == .conflict, let batchId = b.batchId else { throw .wrongState(batch: id, state: b.state) }
        let txs = try await storeTransactions(id).filter { $0.purpose == .post }
        for tx in txs {
            let used = try await rpc { () async throws(EthereumRPCError) in try await self.client.getTransactionCount(tx.sender, at: .latest) }
            let receipt = try await rpc { () async throws(EthereumRPCError) in try await self.client.getTransactionReceipt(tx.hash) }
            guard used > tx.nonce, receipt == nil else { throw .wrongState(batch: id, state: b.state) }
        }
        guard try await postedEvent(of: b, batchId: batchId) == nil else { throw .wrongState(batch: id, state: b.state) }
        var reset = b
        reset.state = .pending; reset.poster = nil; reset.contractNonce = nil; reset.batchId = nil; reset.lastError = nil
        try await apply(UsageOutboxChange(batch: reset, expectedState: .conflict))
    }

    /// Puts every `rejected` batch back to `pending` (e.g. the poster was not yet registered or the
    /// entitlement not yet bought when it was refused); the next `post()` tries them again.
    @discardableResult
    public func retryRejected() async throws(UsageServiceError) -> [Int64] {
        var ids = [Int64]()
        for b in try await batches([.rejected]) {
            var again = b
            again.state = .pending
            again.lastError = nil
            try await apply(UsageOutboxChange(batch: again, expectedState: .rejected))
            ids.append(b.id)
        }
        return ids
    }

    /// `ledger`: the entitlement's current ledger (read just before).
    func signPost(_ b: OutboxBatch, ledger: UsageSettlement.Ledger, events: inout [UsageEvent]) async throws(UsageServiceError)
        -> (OutboxBatch, OutboxTransaction) {
        guard let sender else { throw .noSigner }
        guard b.state == .pending else { throw .wrongState(batch: b.id, state: b.state) }
        let local: UInt256?
        do { local = try await store.highestContractNonce(entitlementId: b.entitlementId) } catch { throw .store(error) }
        guard local.map({ $0.bitWidth <= 64 }) ?? true else { throw .store(.corrupt("batch nonce of entitlement \(b.entitlementId)")) }
        let highest = max(ledger.nonce, local?.w0 ?? 0)
        guard highest < UInt64.max else { throw .signing("batch nonce overflow") }
        let contractNonce = highest + 1
        let call = UsageSettlement.postUsage(entitlementId: b.entitlementId, ledger: ledger, root: b.root, totalBytes: b.totalBytes,
                                             firstSeq: b.firstSeq, lastSeq: b.lastSeq, nonce: contractNonce)
        let tx: OutboxTransaction
        do {
            tx = try await sign(call, batch: b.id, purpose: .post)
        } catch {
            if case .contract(.reverted(let reason)) = error {
                var rejected = b
                rejected.state = .rejected
                rejected.lastError = reason.description
                try await apply(UsageOutboxChange(batch: rejected, expectedState: .pending))
                throw .postRejected(batch: b.id, reason: reason.description)
            }
            throw error
        }
        var signed = b
        signed.state = .postSigned
        signed.poster = sender
        signed.contractNonce = UInt256(contractNonce)
        signed.batchId = UsageSettlement.computeBatchId(entitlementId: b.entitlementId, nonce: contractNonce)
        signed.lastError = nil
        try await apply(UsageOutboxChange(batch: signed, expectedState: .pending, insertTransaction: tx))
        emit(.signed(batch: b.id, purpose: .post, transaction: tx.hash, nonce: tx.nonce), into: &events)
        return (signed, tx)
    }

    func resolvePost(_ b: OutboxBatch, knownTransaction: OutboxTransaction? = nil, events: inout [UsageEvent]) async throws(UsageServiceError) {
        let tx: OutboxTransaction
        if let knownTransaction {
            tx = knownTransaction
        } else {
            guard let t = try await storeTransactions(b.id).last(where: { $0.purpose == .post && $0.status == .signed }) else {
                throw .store(.corrupt("batch \(b.id) is post-signed without a signed transaction"))
            }
            tx = t
        }
        guard let batchId = b.batchId else { throw .store(.corrupt("batch \(b.id) is post-signed without a batch id")) }
        switch try await fate(of: tx, batch: b.id, firstSend: knownTransaction != nil, events: &events) {
        case .mined(let receipt) where receipt.succeeded:
            let postedEvents: [UsageSettlement.BatchPosted]
            do { postedEvents = try contractEvents(UsageSettlement.BatchPosted.self, in: receipt) } catch {
                throw .binding(error)
            }
            guard let posted = postedEvents.first(where: { $0.batchId == batchId && Self.isOurs($0, b) }) else {
                throw .missingEvent("BatchPosted \(batchId.hex)")
            }
            try await markPosted(b, posted: posted, block: receipt.blockNumber, transaction: tx, receipt: receipt, events: &events)
        case .mined(let receipt):
            let reason = await revertReason(of: tx, receipt: receipt)
            var failed = b
            failed.state = .failed
            failed.lastError = reason
            var t = tx
            t.status = .reverted; t.blockNumber = receipt.blockNumber; t.gasUsed = receipt.gasUsed
            try await apply(UsageOutboxChange(batch: failed, expectedState: .postSigned, updateTransactions: [t]))
            throw .postReverted(batch: b.id, transaction: tx.hash, reason: reason)
        case .consumedByOther:
            var t = tx
            t.status = .superseded
            if let found = try await postedEvent(of: b, batchId: batchId) {
                // On chain through another transaction carrying the same batch.
                try await markPosted(b, posted: found.event, block: found.block, transaction: t, receipt: nil, events: &events)
                return
            }
            var conflict = b
            conflict.state = .conflict
            conflict.lastError = "nonce \(tx.nonce) of \(tx.sender) used by another transaction"
            try await apply(UsageOutboxChange(batch: conflict, expectedState: .postSigned, updateTransactions: [t]))
            throw .nonceConflict(batch: b.id, transaction: tx.hash, sender: tx.sender, nonce: tx.nonce)
        }
    }

    func markPosted(_ b: OutboxBatch, posted: UsageSettlement.BatchPosted, block: UInt64, transaction: OutboxTransaction,
                    receipt: TransactionReceipt?, events: inout [UsageEvent]) async throws(UsageServiceError) {
        var done = b
        done.state = .posted
        done.postedAt = posted.postedAt
        done.postedBlock = block
        done.lastError = nil
        var t = transaction
        if let receipt {
            t.status = .succeeded; t.blockNumber = receipt.blockNumber; t.gasUsed = receipt.gasUsed
        }
        try await apply(UsageOutboxChange(batch: done, expectedState: .postSigned, updateTransactions: [t]))
        emit(.posted(batch: b.id, batchId: posted.batchId, transaction: receipt == nil ? nil : t.hash, block: block,
                     gasUsed: receipt?.gasUsed), into: &events)
    }

    /// A `posted` batch whose id the contract no longer knows was reorged out: back to
    /// `post-signed` with its transaction, which is then resolved (re-sent unchanged if unknown).
    func recheckPosted(_ b: OutboxBatch, events: inout [UsageEvent]) async throws(UsageServiceError) {
        guard let batchId = b.batchId else { throw .store(.corrupt("batch \(b.id) is posted without a batch id")) }
        guard try await postedEvent(of: b, batchId: batchId) == nil else { return }
        guard var tx = try await storeTransactions(b.id).last(where: { $0.purpose == .post && $0.status == .succeeded }) else {
            throw .store(.corrupt("batch \(b.id) is posted but the chain does not know it and no post transaction succeeded"))
        }
        tx.status = .signed; tx.blockNumber = nil; tx.gasUsed = nil
        var back = b
        back.state = .postSigned; back.postedAt = nil; back.postedBlock = nil
        try await apply(UsageOutboxChange(batch: back, expectedState: .posted, updateTransactions: [tx]))
        emit(.reorgedOut(batch: b.id, transaction: tx.hash), into: &events)
        try await resolvePost(back, events: &events)
    }

    // MARK: Settle

    /// Resumes in-flight settlements, then settles every posted batch whose dispute window has
    /// passed by the latest block's timestamp. Batches settled or voided by someone else are
    /// recorded as such without a transaction.
    @discardableResult
    public func settle() async throws(UsageServiceError) -> [UsageEvent] {
        guard signer != nil else { throw .noSigner }
        var events = [UsageEvent]()
        for b in try await batches([.settleSigned]) {
            try await resolveSettle(b, events: &events)
        }
        let window = try await disputeWindowSeconds()
        let now = try await chainTime()
        for b in try await batches([.posted]) {
            guard let postedAt = b.postedAt else { throw .store(.corrupt("batch \(b.id) posted without a time")) }
            switch try await chainState(of: b) {
            case .settled:
                try await markFinal(b, state: .settled, expected: .posted, transaction: nil, events: &events)
            case .voided:
                try await markFinal(b, state: .voided, expected: .posted, transaction: nil, events: &events)
            case .notPosted:
                try await recheckPosted(b, events: &events)
            case .pending(let ledger):
                let due = postedAt &+ window
                guard now >= due else {
                    emit(.waitingForWindow(batch: b.id, settleableAt: due, chainTime: now), into: &events)
                    continue
                }
                let (signed, tx) = try await signSettle(b, ledger: ledger, events: &events)
                try await resolveSettle(signed, knownTransaction: tx, events: &events)
            }
        }
        return events
    }

    /// Signs and persists the settle transaction of posted batch `id` without broadcasting it.
    public func prepareSettlement(batch id: Int64) async throws(UsageServiceError) -> OutboxTransaction {
        guard let b = try await storeBatch(id) else { throw .unknownBatch(id) }
        guard b.state == .posted else { throw .wrongState(batch: b.id, state: b.state) }
        guard case .pending(let ledger) = try await chainState(of: b) else { throw .wrongState(batch: b.id, state: b.state) }
        var events = [UsageEvent]()
        return try await signSettle(b, ledger: ledger, events: &events).1
    }

    /// `ledger`: the entitlement's current ledger, holding `b` as its pending batch.
    func signSettle(_ b: OutboxBatch, ledger: UsageSettlement.Ledger, events: inout [UsageEvent]) async throws(UsageServiceError)
        -> (OutboxBatch, OutboxTransaction) {
        guard b.state == .posted else { throw .wrongState(batch: b.id, state: b.state) }
        let tx = try await sign(UsageSettlement.settle(entitlementId: b.entitlementId, ledger: ledger), batch: b.id, purpose: .settle)
        var signed = b
        signed.state = .settleSigned
        try await apply(UsageOutboxChange(batch: signed, expectedState: .posted, insertTransaction: tx))
        emit(.signed(batch: b.id, purpose: .settle, transaction: tx.hash, nonce: tx.nonce), into: &events)
        return (signed, tx)
    }

    func resolveSettle(_ b: OutboxBatch, knownTransaction: OutboxTransaction? = nil, events: inout [UsageEvent]) async throws(UsageServiceError) {
        let tx: OutboxTransaction
        if let knownTransaction {
            tx = knownTransaction
        } else {
            guard let t = try await storeTransactions(b.id).last(where: { $0.purpose == .settle && $0.status == .signed }) else {
                throw .store(.corrupt("batch \(b.id) is settle-signed without a signed transaction"))
            }
            tx = t
        }
        guard let batchId = b.batchId else { throw .store(.corrupt("batch \(b.id) without a batch id")) }
        var t = tx
        switch try await fate(of: tx, batch: b.id, firstSend: knownTransaction != nil, events: &events) {
        case .mined(let receipt) where receipt.succeeded:
            t.status = .succeeded; t.blockNumber = receipt.blockNumber; t.gasUsed = receipt.gasUsed
            let settled: UsageSettlement.BatchSettled?
            do {
                settled = try contractEvents(UsageSettlement.BatchSettled.self, in: receipt)
                    .first(where: { $0.batchId == batchId })
            } catch { throw .binding(error) }
            guard let settled else { throw .missingEvent("BatchSettled \(batchId.hex)") }
            var done = b
            done.state = .settled; done.lastError = nil
            try await apply(UsageOutboxChange(batch: done, expectedState: .settleSigned, updateTransactions: [t]))
            emit(.settled(batch: b.id, transaction: tx.hash, toMno: settled.toMno, toMvno: settled.toMvno, gasUsed: receipt.gasUsed),
                 into: &events)
            return
        case .mined(let receipt):
            t.status = .reverted; t.blockNumber = receipt.blockNumber; t.gasUsed = receipt.gasUsed
        case .consumedByOther:
            t.status = .superseded
        }
        // Not settled by our transaction: the contract's batch state says what happened instead.
        switch try await chainState(of: b) {
        case .settled:
            try await markFinal(b, state: .settled, expected: .settleSigned, transaction: t, events: &events)
        case .voided:
            try await markFinal(b, state: .voided, expected: .settleSigned, transaction: t, events: &events)
        case .pending, .notPosted:
            var back = b
            back.state = .posted
            if t.status == .reverted {
                let reason = await revertReason(of: tx, receipt: nil)
                back.lastError = reason
                try await apply(UsageOutboxChange(batch: back, expectedState: .settleSigned, updateTransactions: [t]))
                throw .settleReverted(batch: b.id, transaction: tx.hash, reason: reason)
            }
            // Superseded while the batch is still pending: the contract settles a batch at most
            // once (settling clears it from the ledger), so signing a new settle transaction next
            // time cannot pay twice.
            back.lastError = "settle transaction \(tx.hash.hex) superseded"
            try await apply(UsageOutboxChange(batch: back, expectedState: .settleSigned, updateTransactions: [t]))
            emit(.settleSuperseded(batch: b.id, transaction: tx.hash), into: &events)
        }
    }

    func markFinal(_ b: OutboxBatch, state: OutboxBatchState, expected: OutboxBatchState, transaction: OutboxTransaction?,
                   events: inout [UsageEvent]) async throws(UsageServiceError) {
        var done = b
        done.state = state
        try await apply(UsageOutboxChange(batch: done, expectedState: expected, updateTransactions: transaction.map { [$0] } ?? []))
        emit(state == .settled ? .settled(batch: b.id, transaction: nil, toMno: nil, toMvno: nil, gasUsed: nil) : .voided(batch: b.id),
             into: &events)
    }
}
