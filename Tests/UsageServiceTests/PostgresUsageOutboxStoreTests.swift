// The PostgreSQL outbox store beside the PostgreSQL SM-DP+ store: one schema, two migration tables,
// either opening order, concurrent migrations, and compare-and-set across processes.
import EthereumCore
import Foundation
import PostgresNIO
import SMDPCore
import SMDPStorePostgres
import Settlement
import Testing
import UsageService
import UsageStorePostgres

@Suite("PostgreSQL usage outbox store")
struct PostgresUsageOutboxStoreTests {
    @Test("shares one schema with the SM-DP+ store in either opening order; each keeps its own migrations; data survives reopening",
          .enabled(if: postgresTestsEnabled, postgresSkipMessage), arguments: [true, false])
    func sharesTheSMDPSchema(smdpFirst: Bool) async throws {
        let schema = try uniqueTestSchema()
        let cdrs = CDRGenerator(seed: 3, entitlementId: 9, periodStart: 1000).generate(count: 3)
        do {
            let stored = try await withTestPostgresClient { client in
                let smdp = PostgresSMDPStore(client: client, schema: schema)
                let usage = PostgresUsageOutboxStore(client: client, schema: schema)
                let smdpApplied: [Int], usageApplied: [Int]
                if smdpFirst {
                    smdpApplied = try await smdp.migrate()
                    usageApplied = try await usage.migrate()
                } else {
                    usageApplied = try await usage.migrate()
                    smdpApplied = try await smdp.migrate()
                }
                // Each store applied all of its own migrations, whichever came first.
                #expect(usageApplied == [1])
                #expect(smdpApplied.first == 1 && smdpApplied == Array(1...smdpApplied.count), "\(smdpApplied)")
                #expect(try await usage.migrate().isEmpty)
                #expect(try await smdp.migrate().isEmpty)
                let stored = try await usage.insertBatches([try UsageBatch(cdrs: cdrs)])
                let root = try UsageMerkleTree(cdrs: cdrs).root
                #expect(stored.count == 1 && stored[0].state == .pending && stored[0].root == root)
                #expect(try await smdp.profileCounts().isEmpty)
                return stored
            }
            // Reopened through new clients, the other way round.
            try await withTestPostgresClient { (client: PostgresClient) async throws -> Void in
                let usage = PostgresUsageOutboxStore(client: client, schema: schema)
                let smdp = PostgresSMDPStore(client: client, schema: schema)
                if smdpFirst {
                    #expect(try await usage.migrate().isEmpty)
                    #expect(try await smdp.migrate().isEmpty)
                } else {
                    #expect(try await smdp.migrate().isEmpty)
                    #expect(try await usage.migrate().isEmpty)
                }
                #expect(try await usage.cdrs(batch: stored[0].id) == cdrs)
                #expect(try await usage.lastSequence(entitlementId: 9) == 3)
                #expect(try await usage.batch(containing: 9, sequence: 2)?.id == stored[0].id)
                #expect(try await usage.batch(containing: 9, sequence: 4) == nil)
                #expect(try await smdp.purgeExpiredSessions(before: Date()) == 0)
            }
            // The two stores keep separate migration tables in the one schema.
            try await withTestPostgresClient { (client: PostgresClient) async throws -> Void in
                let rows = try await client.query("""
                    SELECT table_name FROM information_schema.tables WHERE table_schema = \(schema.rawValue)
                      AND table_name IN ('schema_migration', 'usage_schema_migration', 'usage_batch', 'profile') ORDER BY table_name
                    """).collect()
                #expect(try rows.map { try $0.decode(String.self) } == ["profile", "schema_migration", "usage_batch", "usage_schema_migration"])
            }
        } catch {
            try? await dropTestSchema(schema)
            throw error
        }
        try await dropTestSchema(schema)
    }

    @Test("usage and SM-DP+ migrations started at once by several processes on a fresh schema apply each version exactly once",
          .enabled(if: postgresTestsEnabled, postgresSkipMessage))
    func concurrentMigrations() async throws {
        let schema = try uniqueTestSchema()
        let configuration = try testPostgresConfiguration()
        let results = try await withThrowingTaskGroup(of: (Bool, [Int]).self) { group in
            for i in 0..<6 {
                group.addTask {
                    try await withTestPostgresClient { client in
                        if i % 2 == 0 { return (true, try await PostgresUsageOutboxStore(client: client, schema: schema).migrate()) }
                        return (false, try await PostgresSMDPStore(client: client, schema: schema).migrate())
                    }
                }
            }
            var all: [(Bool, [Int])] = []
            for try await result in group { all.append(result) }
            return all
        }
        let usage = results.filter(\.0).map(\.1), smdp = results.filter { !$0.0 }.map(\.1)
        #expect(usage.filter { !$0.isEmpty } == [[1]], "\(usage)")
        #expect(smdp.filter { !$0.isEmpty }.count == 1, "\(smdp)")
        try await PostgresUsageOutboxStore.withStore(configuration, schema: schema) { (store: PostgresUsageOutboxStore) async throws -> Void in
            #expect(try await store.migrate().isEmpty)
        }
        try await dropTestSchema(schema)
    }

    @Test("a batch larger than one insert statement's chunk keeps its leaf order; a duplicate in a later chunk is named",
          .enabled(if: postgresTestsEnabled, postgresSkipMessage))
    func multiChunkBatch() async throws {
        let count = PostgresUsageOutboxStore.cdrChunk * 2 + 17
        let cdrs = CDRGenerator(seed: 2, entitlementId: 1, periodStart: 1).generate(count: count)
        try await withFreshUsageStore(.postgres) { store in
            let stored = try await store.insertBatches([try UsageBatch(cdrs: cdrs)])
            #expect(try await store.cdrs(batch: stored[0].id) == cdrs)
            let overlap = Array(cdrs[(PostgresUsageOutboxStore.cdrChunk + 3)...])
            await #expect(throws: UsageOutboxStoreError.duplicateCDR("entitlement 1 sequence \(overlap[0].sequence)")) {
                _ = try await store.insertBatches([try UsageBatch(cdrs: overlap)])
            }
            #expect(try await store.batches(in: nil).count == 1)
        }
    }

    @Test("two processes move the same pending batch at once: exactly one wins, the other gets .stateConflict and stores nothing",
          .enabled(if: postgresTestsEnabled, postgresSkipMessage))
    func compareAndSetAcrossClients() async throws {
        let configuration = try testPostgresConfiguration()
        let schema = try uniqueTestSchema()
        let poster = try Address(hex: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
        do {
            let batch = try await PostgresUsageOutboxStore.withStore(configuration, schema: schema) { store in
                try await store.insertBatches([try UsageBatch(cdrs: CDRGenerator(seed: 5, entitlementId: 4, periodStart: 10).generate(count: 2))])[0]
            }
            let outcomes = try await withThrowingTaskGroup(of: UsageOutboxStoreError?.self) { group in
                for i: UInt8 in 0..<2 {
                    group.addTask {
                        try await PostgresUsageOutboxStore.withStore(configuration, schema: schema) { store -> UsageOutboxStoreError? in
                            var signed = batch
                            signed.state = .postSigned
                            signed.poster = poster
                            signed.contractNonce = UInt256(UInt64(i))
                            let tx = OutboxTransaction(hash: Keccak256.hash([i]), batch: batch.id, purpose: .post, sender: poster,
                                                       nonce: UInt64(i), raw: [i])
                            do throws(UsageOutboxStoreError) {
                                try await store.apply(UsageOutboxChange(batch: signed, expectedState: .pending, insertTransaction: tx))
                                return nil
                            } catch { return error }
                        }
                    }
                }
                var all: [UsageOutboxStoreError?] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.filter { $0 == nil }.count == 1, "\(outcomes)")
            #expect(outcomes.contains(UsageOutboxStoreError.stateConflict(batch: batch.id, expected: .pending)), "\(outcomes)")
            try await PostgresUsageOutboxStore.withStore(configuration, schema: schema) { store in
                let txs = try await store.transactions(batch: batch.id)
                let stored = try #require(try await store.batch(id: batch.id))
                #expect(txs.count == 1 && stored.state == .postSigned)
                #expect(stored.contractNonce == UInt256(txs[0].nonce))
            }
        } catch {
            try? await dropTestSchema(schema)
            throw error
        }
        try await dropTestSchema(schema)
    }
}
