// The outbox stores (SQLite and PostgreSQL): each shares the SM-DP+ database, keeps CDRs unique, and
// moves batches only by compare-and-set.
import EthereumCore
import Foundation
import PostgresNIO
import SMDPStorePostgres
import SMDPStoreSQLite
import Settlement
import Testing
import UsageService
import UsageStorePostgres
import UsageStoreSQLite

@Suite("Usage outbox stores")
struct UsageOutboxStoreTests {
    @Test("lives in the SM-DP+ database file beside the SM-DP+ tables, in either opening order, and survives reopening")
    func sharesTheSMDPFile() async throws {
        let db = temporaryDatabase()
        defer { removeDatabase(db) }
        let smdp = try SQLiteSMDPStore(path: db.path)
        let usage = try SQLiteUsageOutboxStore(path: db.path)
        let cdrs = CDRGenerator(seed: 3, entitlementId: 9, periodStart: 1000).generate(count: 3)
        let stored = try await usage.insertBatches([try UsageBatch(cdrs: cdrs)])
        let tree = try UsageMerkleTree(cdrs: cdrs)
        #expect(stored.count == 1 && stored[0].state == .pending && stored[0].root == tree.root)
        #expect(try await smdp.profileCounts().isEmpty)
        // Reopen both, the other way round: migrations of each leave the other's alone.
        let usage2 = try SQLiteUsageOutboxStore(path: db.path)
        _ = try SQLiteSMDPStore(path: db.path)
        #expect(try await usage2.cdrs(batch: stored[0].id) == cdrs)
        #expect(try await usage2.lastSequence(entitlementId: 9) == 3)
        #expect(try await usage2.batch(containing: 9, sequence: 2)?.id == stored[0].id)
        #expect(try await usage2.batch(containing: 9, sequence: 4) == nil)
    }

    @Test("uint64 extremes round-trip; duplicate CDRs are refused atomically; transitions are compare-and-set",
          arguments: UsageStoreKind.available)
    func uniquenessAndCompareAndSet(_ kind: UsageStoreKind) async throws {
        try await withFreshUsageStore(kind) { store in try await Self.uniquenessAndCompareAndSet(store) }
    }

    static func uniquenessAndCompareAndSet(_ store: any UsageOutboxStore) async throws {
        let big = CDR(entitlementId: UInt256.max, sequence: UInt64.max - 1, bytes: UInt64.max, periodStart: 0, periodEnd: UInt64.max,
                      cdrHash: Keccak256.hash([1]))
        let stored = try await store.insertBatches([try UsageBatch(cdrs: [big])])
        #expect(try await store.cdrs(batch: stored[0].id) == [big])
        #expect(try await store.batch(id: stored[0].id)?.totalBytes == UInt64.max)
        let fresh = CDR(entitlementId: 1, sequence: 1, bytes: 1, periodStart: 0, periodEnd: 0, cdrHash: Keccak256.hash([2]))
        do {
            _ = try await store.insertBatches([try UsageBatch(cdrs: [fresh]), try UsageBatch(cdrs: [big])])
            Issue.record("duplicate accepted")
        } catch let error as UsageOutboxStoreError {
            #expect(error == .duplicateCDR("entitlement \(UInt256.max) sequence \(UInt64.max - 1)"))
        }
        // All or nothing: the fresh batch of the failed insert is not there either.
        #expect(try await store.batches(in: nil).count == 1)
        #expect(try await store.lastSequence(entitlementId: 1) == 0)

        var signed = stored[0]
        signed.state = .postSigned
        signed.poster = try Address(hex: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
        signed.contractNonce = 7
        let tx = OutboxTransaction(hash: Keccak256.hash([9]), batch: signed.id, purpose: .post, sender: try #require(signed.poster),
                                   nonce: 4, raw: [1, 2, 3])
        try await store.apply(UsageOutboxChange(batch: signed, expectedState: .pending, insertTransaction: tx))
        #expect(try await store.inFlightTransactions() == [tx])
        // Batch nonces are per entitlement: this batch's entitlement (2^256 - 1, as decimal text) has 7, another none.
        #expect(try await store.highestContractNonce(entitlementId: UInt256.max) == 7)
        #expect(try await store.highestContractNonce(entitlementId: 1) == nil)
        // A second writer that still believes the batch is pending loses, and its transaction is not stored.
        let tx2 = OutboxTransaction(hash: Keccak256.hash([10]), batch: signed.id, purpose: .post, sender: try #require(signed.poster),
                                    nonce: 5, raw: [4])
        do {
            try await store.apply(UsageOutboxChange(batch: signed, expectedState: .pending, insertTransaction: tx2))
            Issue.record("stale transition accepted")
        } catch {
            #expect(error == .stateConflict(batch: signed.id, expected: .pending))
        }
        #expect(try await store.transactions(batch: signed.id) == [tx])
        do {
            try await store.apply(UsageOutboxChange(batch: OutboxBatch(id: 999, entitlementId: 1, firstSeq: 1, lastSeq: 1, totalBytes: 1,
                                                                        root: .zero), expectedState: .pending))
            Issue.record("unknown batch accepted")
        } catch {
            #expect(error == .unknownBatch(999))
        }

        // Mined: the post transaction succeeded and the batch is posted, in one change.
        var posted = signed
        posted.state = .posted
        posted.batchId = Keccak256.hash([11])
        posted.postedAt = UInt64.max
        posted.postedBlock = 12
        var mined = tx
        mined.status = .succeeded
        mined.blockNumber = 12
        mined.gasUsed = 21_000
        try await store.apply(UsageOutboxChange(batch: posted, expectedState: .postSigned, updateTransactions: [mined]))
        #expect(try await store.batch(id: signed.id) == posted)
        #expect(try await store.transactions(batch: signed.id) == [mined])
        #expect(try await store.inFlightTransactions().isEmpty)
        #expect(try await store.batches(in: [.posted, .settled]).map(\.id) == [signed.id])
        #expect(try await store.batches(in: [.pending]).isEmpty)
        // All or nothing: updating a transaction that is not stored rolls back the batch transition too.
        var settling = posted
        settling.state = .settleSigned
        var ghost = tx2
        ghost.status = .succeeded
        do {
            try await store.apply(UsageOutboxChange(batch: settling, expectedState: .posted, updateTransactions: [ghost]))
            Issue.record("update of an unknown transaction accepted")
        } catch {
            #expect(error == .corrupt("no transaction \(tx2.hash.hex) to update"))
        }
        #expect(try await store.batch(id: signed.id)?.state == .posted)
    }
}
