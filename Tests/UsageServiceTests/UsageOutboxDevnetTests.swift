// The usage outbox against the real devnet (tools/devnet): post → root on chain, proofs the
// contract accepts, and the faults of issue #9: a process that dies between send and receipt, a
// devnet killed mid-settlement, a dropped/reorged transaction, a nonce taken by another transaction.
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import Settlement
import Testing
import UsageService
import UsageStoreSQLite

@Suite("Usage outbox on the real devnet", .serialized, .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct UsageOutboxDevnetTests {
    @Test("import → post: the on-chain root is the local root, one batch per entitlement pending at a time; proofs verify on chain, a false CDR voids its batch, settle pays once")
    func postProveDisputeSettle() async throws {
        try await withWorld { w in
            let db = temporaryDatabase()
            defer { removeDatabase(db) }
            let log = EventLog()
            let service = try w.service(database: db, events: log)
            let cdrs = w.cdrs(count: 7)
            let imported = try await service.importCDRs(cdrs, maxBatchSize: 5)
            #expect(imported.map(\.firstSeq) == [1, 6] && imported.map(\.lastSeq) == [5, 7])
            let local = try UsageBatch(cdrs: Array(cdrs[0..<5]))
            #expect(imported[0].root == local.root && imported[0].totalBytes == local.totalBytes)

            // The first batch is posted; the second waits until the first is final (one pending batch per entitlement).
            let events = try await service.post()
            #expect(events.filter { if case .posted = $0 { return true } else { return false } }.count == 1)
            #expect(events.contains(.waitingForPrevious(batch: imported[1].id, entitlementId: w.entitlementId)))
            let logs = try await w.postedLogs(on: w.devnet.client)
            #expect(logs.count == 1)
            #expect(logs[0].root == local.root && logs[0].firstSeq == 1 && logs[0].lastSeq == 5 && logs[0].poster == w.mno)
            let ledger = try await w.settlement.currentLedger(entitlementId: w.entitlementId)
            #expect(ledger.lastSeq == 5 && ledger.nonce == 1 && ledger.pendingRoot == local.root && ledger.pendingBytes == local.totalBytes)
            let stored = try await service.status()
            #expect(stored.map(\.state) == [.posted, .pending])
            #expect(stored[0].batchId == logs[0].batchId && stored[0].postedAt == logs[0].postedAt)

            // Nothing is posted twice: a second run signs nothing; re-importing the same CDRs is refused.
            let again = try await service.post()
            #expect(again == [.waitingForPrevious(batch: imported[1].id, entitlementId: w.entitlementId)])
            await #expect(throws: UsageServiceError.self) { try await service.importCDRs(cdrs) }
            #expect(try await w.postedLogs(on: w.devnet.client).count == 1)

            // `usage prove` output (JSON, read back) verifies with the contract's own verifyCdr.
            let store = try SQLiteUsageOutboxStore(path: db.path)
            for seq: UInt64 in [1, 4, 5, 7] {
                let doc = UsageProofDocument(try await UsageProofBuilder.proof(store: store, entitlementId: w.entitlementId, sequence: seq, expected: nil))
                let decoded = try JSONDecoder().decode(UsageProofDocument.self, from: JSONEncoder().encode(doc))
                #expect(decoded.verifiesLocally)
                let ok = try await w.settlement.call(UsageSettlement.verifyCdr(
                    root: try Hash32(hex: decoded.root), cdr: try decoded.cdr.typed(), index: UInt256(decoded.leafIndex),
                    count: UInt256(decoded.leafCount), proof: try decoded.typedProof()))
                #expect(ok)
                if seq <= 5 {
                    let batch = try #require(decoded.batch)
                    #expect(batch.root == decoded.root && batch.nonce == 1 && decoded.batchId != nil)
                } else {
                    #expect(decoded.batch == nil && decoded.batchId == nil)
                }
            }
            // A tampered proof does not verify; an honest CDR is no contradiction.
            let doc = UsageProofDocument(try await UsageProofBuilder.proof(store: store, entitlementId: w.entitlementId, sequence: 2, expected: cdrs[1]))
            var bad = try doc.typedProof()
            bad[0] = Keccak256.hash(bad[0].bytes)
            #expect(try await !w.settlement.call(UsageSettlement.verifyCdr(
                root: try Hash32(hex: doc.root), cdr: cdrs[1], index: 1, count: 5, proof: bad)))
            await expectRevert(.usageSettlement(.disputeNoContradiction)) {
                try await w.settlement.send(UsageSettlement.dispute(entitlementId: w.entitlementId, ledger: ledger, cdr: cdrs[1], leafIndex: 1,
                                                                    proof: try doc.typedProof()), signer: w.user)
            }
            await expectRevert(.usageSettlement(.proofInvalid)) {
                try await w.settlement.send(UsageSettlement.dispute(entitlementId: w.entitlementId, ledger: ledger, cdr: cdrs[1], leafIndex: 1,
                                                                    proof: bad), signer: w.user)
            }
            // A given CDR line that differs from the stored one is refused.
            var other = cdrs[1]; other.bytes += 1
            do {
                _ = try await UsageProofBuilder.proof(store: store, entitlementId: w.entitlementId, sequence: 2, expected: other)
                Issue.record("a different CDR was proven")
            } catch let error as UsageServiceError {
                guard case .cdrMismatch(let e, 2) = error, e == w.entitlementId else { Issue.record("unexpected \(error)"); return }
            }

            // Before the window: nothing settles. After it: batch 1 settles once, then batch 2 is posted.
            let early = try await service.settle()
            #expect(early.allSatisfy { if case .waitingForWindow = $0 { return true } else { return false } })
            #expect(try await w.settledLogs(on: w.devnet.client).isEmpty)
            try await UsageWorld.mine(w.devnet.client, at: (stored[0].postedAt ?? 0) + UsageWorld.disputeWindow + 1)
            try await service.settle()
            try await service.post()
            #expect(try await service.status().map(\.state) == [.settled, .posted])

            // A third batch with a CDR outside the entitlement's period waits for batch 2, is posted
            // after it settles, and the owner disputes it with the proof and voids it.
            var late = w.cdrs(count: 1, first: 8, seed: 9)[0]
            late.periodEnd = w.end + 1
            let third = try await service.importCDRs([late])
            #expect(try await service.post() == [.waitingForPrevious(batch: third[0].id, entitlementId: w.entitlementId)])
            let second = try await service.status()[1]
            try await UsageWorld.mine(w.devnet.client, at: (second.postedAt ?? 0) + UsageWorld.disputeWindow + 1)
            try await service.settle()
            try await service.post()
            let lateDoc = UsageProofDocument(try await UsageProofBuilder.proof(store: store, entitlementId: w.entitlementId, sequence: 8, expected: late))
            let pending = try await w.settlement.currentLedger(entitlementId: w.entitlementId)
            #expect(pending.pendingBatchId(entitlementId: w.entitlementId)?.hex == lateDoc.batchId)
            let disputed = try await w.settlement.send(UsageSettlement.dispute(
                entitlementId: w.entitlementId, ledger: pending, cdr: late, leafIndex: UInt256(lateDoc.leafIndex),
                proof: try lateDoc.typedProof()), signer: w.user)
            #expect(try w.settlement.event(UsageSettlement.BatchVoided.self, in: disputed).reason == .badPeriod)

            // The outbox records the void without a transaction; the two honest batches were settled once each.
            try await service.settle()
            let after = try await service.status()
            #expect(after.map(\.state) == [.settled, .settled, .voided])
            #expect(log.all.contains(.voided(batch: third[0].id)))
            let settledLogs = try await w.settledLogs(on: w.devnet.client)
            #expect(settledLogs.count == 2 && Set(settledLogs.map(\.batchId)) == Set(after[0...1].compactMap(\.batchId)))
            #expect(try await service.settle().isEmpty)
            #expect(try await w.settledLogs(on: w.devnet.client).count == 2)
            let final = try await w.settlement.currentLedger(entitlementId: w.entitlementId)
            #expect(final.lastSeq == 8 && final.nonce == 3 && !final.hasPendingBatch
                    && final.settledBytes == cdrs.reduce(0) { $0 + $1.bytes })
        }
    }

    @Test("the process dies after broadcasting, before the receipt: a new service on the same database finishes with one batch on chain")
    func diesBetweenSendAndReceipt() async throws {
        try await withWorld { w in
            let db = temporaryDatabase()
            defer { removeDatabase(db) }
            do {
                let first = try w.service(database: db)
                // Two batches on two entitlements (each may have one batch pending).
                let imported = try await first.importCDRs(w.cdrs(count: 2) + w.cdrs(count: 1, entitlement: w.secondEntitlementId))
                #expect(imported.count == 2 && imported[1].entitlementId == w.secondEntitlementId)
                // Batch 1: signed, persisted, broadcast, then the process "dies" (the service is dropped).
                let tx1 = try await first.preparePost(batch: imported[0].id)
                #expect(try await w.devnet.client.sendRawTransaction(tx1.raw) == tx1.hash)
                // Batch 2 would have been signed next; the process died before it was sent.
            }
            let log = EventLog()
            let second = try w.service(database: db, events: log)
            let before = try await second.status()
            #expect(before.map(\.state) == [.postSigned, .pending])
            let tx1 = try #require(try await second.transactions(batch: before[0].id).first)
            try await second.post()
            let after = try await second.status()
            #expect(after.map(\.state) == [.posted, .posted])
            // Batch 1 was not sent again: its receipt was found; exactly one transaction per batch.
            #expect(!log.all.contains(.broadcast(batch: before[0].id, transaction: tx1.hash, nonce: tx1.nonce, again: true)))
            #expect(try await second.transactions(batch: before[0].id).map(\.hash) == [tx1.hash])
            #expect(try await second.transactions(batch: before[1].id).count == 1)
            let logs = try await w.postedLogs(on: w.devnet.client)
            #expect(logs.count == 2 && logs.map(\.nonce) == [1, 1] && logs[0].batchId == after[0].batchId)
            #expect(logs.map(\.entitlementId) == [w.entitlementId, w.secondEntitlementId])
            #expect(try await w.settlement.currentLedger(entitlementId: w.entitlementId).nonce == 1)
            #expect(try await w.settlement.currentLedger(entitlementId: w.secondEntitlementId).nonce == 1)
        }
    }

    @Test("signed and persisted but never sent: after a restart the SAME bytes are broadcast (same nonce, same hash)")
    func signedNeverSent() async throws {
        try await withWorld { w in
            let db = temporaryDatabase()
            defer { removeDatabase(db) }
            let tx: OutboxTransaction
            do {
                let first = try w.service(database: db)
                let imported = try await first.importCDRs(w.cdrs(count: 4))
                tx = try await first.preparePost(batch: imported[0].id)
            }
            #expect(try await w.devnet.client.getTransactionByHash(tx.hash) == nil)
            let log = EventLog()
            let second = try w.service(database: db, events: log)
            try await second.post()
            #expect(log.all.contains(.broadcast(batch: tx.batch, transaction: tx.hash, nonce: tx.nonce, again: true)))
            let mined = try #require(try await w.devnet.client.getTransactionByHash(tx.hash))
            #expect(mined.nonce == tx.nonce && mined.blockNumber != nil)
            #expect(try await w.postedLogs(on: w.devnet.client).count == 1)
            #expect(try await second.transactions(batch: tx.batch).map(\.hash) == [tx.hash])
        }
    }

    @Test("reorg: a mined post is reverted away (evm_snapshot/evm_revert); the outbox re-sends the same transaction, one batch on chain")
    func reorgResendsSameTransaction() async throws {
        try await withWorld { w in
            let db = temporaryDatabase()
            defer { removeDatabase(db) }
            let log = EventLog()
            let service = try w.service(database: db, events: log)
            let imported = try await service.importCDRs(w.cdrs(count: 3))
            let snapshot = try await w.devnet.client.request("evm_snapshot", [], retry: .once)
            try await service.post()
            let tx = try #require(try await service.transactions(batch: imported[0].id).first)
            #expect(try await w.devnet.client.getTransactionReceipt(tx.hash) != nil)
            _ = try await w.devnet.client.request("evm_revert", [snapshot], retry: .once)
            #expect(try await w.devnet.client.getTransactionReceipt(tx.hash) == nil)
            #expect(try await w.postedLogs(on: w.devnet.client).isEmpty)

            try await service.post()
            #expect(log.all.contains(.reorgedOut(batch: imported[0].id, transaction: tx.hash)))
            #expect(log.all.contains(.broadcast(batch: imported[0].id, transaction: tx.hash, nonce: tx.nonce, again: true)))
            let mined = try #require(try await w.devnet.client.getTransactionByHash(tx.hash))
            #expect(mined.nonce == tx.nonce)
            let txs = try await service.transactions(batch: imported[0].id)
            #expect(txs.map(\.hash) == [tx.hash] && txs[0].status == .succeeded)
            let logs = try await w.postedLogs(on: w.devnet.client)
            let status = try await service.status()
            #expect(logs.count == 1 && logs[0].batchId == status[0].batchId)
            #expect(try await service.status().map(\.state) == [.posted])
        }
    }

    @Test("the post's nonce is taken by another transaction: typed conflict, nothing re-signed until resolved, then exactly one batch")
    func nonceTakenByAnotherTransaction() async throws {
        try await withWorld { w in
            let db = temporaryDatabase()
            defer { removeDatabase(db) }
            let service = try w.service(database: db)
            let imported = try await service.importCDRs(w.cdrs(count: 2))
            let tx = try await service.preparePost(batch: imported[0].id)
            // The same account spends that nonce on a plain transfer.
            let base = try #require(try await w.devnet.client.getBlockByNumber(.latest)?.baseFeePerGas)
            let other = try Transaction.dynamicFee(DynamicFeeTransaction(
                chainID: w.chain.chainId, nonce: tx.nonce, maxPriorityFeePerGas: 1_000_000_000,
                maxFeePerGas: try base.multiplied(by: 2).adding(1_000_000_000), gasLimit: 21_000, to: try w.user.address(),
                value: 1, data: [], accessList: [])).sign(with: w.mnoKey)
            _ = try await w.devnet.client.sendRawTransaction(other.rawEncoding)
            do {
                try await service.post()
                Issue.record("expected a nonce conflict")
            } catch let UsageServiceError.nonceConflict(batch, hash, _, nonce) {
                #expect(batch == imported[0].id && hash == tx.hash && nonce == tx.nonce)
            }
            #expect(try await service.status().map(\.state) == [.conflict])
            #expect(try await service.transactions(batch: imported[0].id).map(\.status) == [.superseded])
            #expect(try await w.postedLogs(on: w.devnet.client).isEmpty)
            // Still a conflict on the next run: nothing new is signed on its own.
            await #expect(throws: UsageServiceError.self) { try await service.post() }
            try await service.resolveConflict(batch: imported[0].id)
            try await service.post()
            #expect(try await service.status().map(\.state) == [.posted])
            #expect(try await w.postedLogs(on: w.devnet.client).count == 1)
            #expect(try await service.transactions(batch: imported[0].id).count == 2)
        }
    }

    @Test("an unauthorised poster: the batch is rejected at estimation with the typed reason, nothing signed; retried by the MNO it posts once")
    func rejectedThenRetried() async throws {
        try await withWorld { w in
            let db = temporaryDatabase()
            defer { removeDatabase(db) }
            let wrong = try UsageOutboxService(store: try SQLiteUsageOutboxStore(path: db.path), settlement: w.settlement, signer: w.user)
            let imported = try await wrong.importCDRs(w.cdrs(count: 2))
            do {
                try await wrong.post()
                Issue.record("an unauthorised post went through")
            } catch let error as UsageServiceError {
                guard case .postRejected(let batch, let reason) = error else { Issue.record("unexpected \(error)"); return }
                #expect(batch == imported[0].id && reason == ContractRevert.usageSettlement(.posterNotAuthorized).description)
            }
            #expect(try await wrong.status().map(\.state) == [.rejected])
            #expect(try await wrong.transactions(batch: imported[0].id).isEmpty)
            let mno = try w.service(database: db)
            #expect(try await mno.retryRejected() == [imported[0].id])
            try await mno.post()
            #expect(try await mno.status().map(\.state) == [.posted])
            let logs = try await w.postedLogs(on: w.devnet.client)
            #expect(logs.count == 1 && logs[0].poster == w.mno)
        }
    }

    @Test("a batch posted by another poster is pending on chain: the outbox waits (no `rejected`), then posts after it settles")
    func waitsForAnotherPostersBatch() async throws {
        try await withWorld { w in
            let db = temporaryDatabase()
            defer { removeDatabase(db) }
            // Another process of the MNO posts sequences 1...2 of the entitlement directly.
            let direct = try UsageBatch(cdrs: w.cdrs(count: 2))
            let posted = try await w.settlement.send(direct.postUsage(ledger: .empty, nonce: 1), signer: w.mnoKey)
            let postedAt = try w.settlement.event(UsageSettlement.BatchPosted.self, in: posted).postedAt
            let service = try w.service(database: db)
            let imported = try await service.importCDRs(w.cdrs(count: 2, first: 3))
            #expect(imported.map(\.firstSeq) == [3])
            #expect(try await service.post() == [.waitingForPrevious(batch: imported[0].id, entitlementId: w.entitlementId)])
            #expect(try await service.status().map(\.state) == [.pending])
            do {
                _ = try await service.preparePost(batch: imported[0].id)
                Issue.record("signed a post while another batch is pending")
            } catch let UsageServiceError.entitlementHasPendingBatch(batch, entitlement) {
                #expect(batch == imported[0].id && entitlement == w.entitlementId)
            }
            #expect(try await service.transactions(batch: imported[0].id).isEmpty)
            // Once the other batch is settled (by anyone), the outbox posts with the next nonce.
            try await UsageWorld.mine(w.devnet.client, at: postedAt + UsageWorld.disputeWindow + 1)
            let ledger = try await w.settlement.currentLedger(entitlementId: w.entitlementId)
            try await w.settlement.send(UsageSettlement.settle(entitlementId: w.entitlementId, ledger: ledger), signer: w.user)
            try await service.post()
            let after = try await service.status()
            #expect(after.map(\.state) == [.posted] && after[0].contractNonce == 2)
            #expect(after[0].batchId == UsageSettlement.computeBatchId(entitlementId: w.entitlementId, nonce: 2))
        }
    }

    @Test("the devnet is killed mid-settlement and restarted from its state dir: the outbox completes, one settlement per batch")
    func devnetKilledMidSettlement() async throws {
        var devnet = try await DevnetProcess.start()
        let stateDir = devnet.stateDir
        let db = temporaryDatabase()
        defer { removeDatabase(db); try? FileManager.default.removeItem(at: stateDir) }
        do {
            let w = try await UsageWorld.make(devnet)
            let settlementAddress = w.settlement.address
            // The first service has its own connection, which sees the node die (connection refused).
            let firstClient = try RPCClient(url: devnet.url)
            defer { Task { try? await firstClient.shutdown() } }
            let first = try w.service(database: db, settlement: (try await Chain.connect(firstClient)).contract(UsageSettlement.self, at: settlementAddress))
            let imported = try await first.importCDRs(w.cdrs(count: 2) + w.cdrs(count: 2, entitlement: w.secondEntitlementId))
            #expect(imported.count == 2)
            try await first.post()
            let posted = try await first.status()
            try await UsageWorld.mine(devnet.client, at: (posted.compactMap(\.postedAt).max() ?? 0) + UsageWorld.disputeWindow + 1)
            // Batch 1: settle signed, persisted and sent; batch 2: settle signed and persisted only. Then the node dies.
            let settle1 = try await first.prepareSettlement(batch: imported[0].id)
            #expect(try await devnet.client.sendRawTransaction(settle1.raw) == settle1.hash)
            let settle2 = try await first.prepareSettlement(batch: imported[1].id)
            #expect(settle2.nonce == settle1.nonce + 1)
            await devnet.stop()

            // While the node is down the outbox reports a chain error and changes nothing.
            await #expect(throws: UsageServiceError.self) { try await first.settle() }
            #expect(try await first.status().map(\.state) == [.settleSigned, .settleSigned])

            devnet = try await DevnetProcess.start(stateDir: stateDir)
            let chain = try await Chain.connect(devnet.client)
            let settlement = chain.contract(UsageSettlement.self, at: settlementAddress)
            let log = EventLog()
            let second = try w.service(database: db, settlement: settlement, events: log)
            try await second.settle()
            #expect(try await second.status().map(\.state) == [.settled, .settled])
            #expect(!log.all.contains(.broadcast(batch: imported[0].id, transaction: settle1.hash, nonce: settle1.nonce, again: true)))
            #expect(log.all.contains(.broadcast(batch: imported[1].id, transaction: settle2.hash, nonce: settle2.nonce, again: true)))
            let settled = try await w.settledLogs(on: devnet.client, settlement: settlement)
            #expect(settled.count == 2)
            #expect(try await w.postedLogs(on: devnet.client, settlement: settlement).count == 2)
            #expect(try await second.transactions(batch: imported[0].id).filter { $0.purpose == .settle }.map(\.hash) == [settle1.hash])
            #expect(try await second.transactions(batch: imported[1].id).filter { $0.purpose == .settle }.map(\.hash) == [settle2.hash])
            for b in try await second.status() {
                #expect(try await settlement.finality(ofBatch: try #require(b.batchId)) == .settled)
            }
        } catch {
            await devnet.stop()
            throw error
        }
        await devnet.stop()
    }
}

func expectRevert<T>(_ expected: ContractRevert, _ body: () async throws -> T) async {
    do {
        _ = try await body()
        Issue.record("expected revert \(expected), call succeeded")
    } catch let ContractError.reverted(reason) {
        #expect(reason == expected)
    } catch {
        Issue.record("expected revert \(expected), got \(error)")
    }
}
