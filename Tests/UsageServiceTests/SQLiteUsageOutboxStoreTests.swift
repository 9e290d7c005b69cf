// The SQLite outbox store: shares the SM-DP+ database file, keeps CDRs unique, and moves batches
// only by compare-and-set.
import EthereumCore
import Foundation
import SMDPStoreSQLite
import Settlement
import Testing
import UsageService
import UsageStoreSQLite

@Suite("SQLite usage outbox store")
struct SQLiteUsageOutboxStoreTests {
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

    @Test("uint64 extremes round-trip; duplicate CDRs are refused atomically; transitions are compare-and-set")
    func uniquenessAndCompareAndSet() async throws {
        let store = try SQLiteUsageOutboxStore()
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
        #expect(try await store.highestContractNonce(poster: try #require(signed.poster)) == 7)
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
    }
}
