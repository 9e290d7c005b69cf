// `openrsp usage … --database postgres://…`: the outbox in the SM-DP+ PostgreSQL schema through the CLI.
import ArgumentParser
import DevnetTestSupport
import EthereumCore
import Foundation
@testable import RSPCommands
import SMDPStorePostgres
import Settlement
import Testing
import UsageService
import UsageStorePostgres

@Suite("openrsp usage on PostgreSQL")
struct UsagePostgresCommandTests {
    func run(_ arguments: [String]) async throws {
        var command = try OpenRSPCommand.parseAsRoot(arguments)
        guard var async = command as? AsyncParsableCommand else { return try command.run() }
        try await async.run()
    }

    @Test("status and prove read the outbox from --database postgres://… --postgres-schema",
          .enabled(if: postgresTestsEnabled, postgresSkipMessage))
    func statusAndProve() async throws {
        let url = try #require(testPostgresURL, postgresSkipMessage)
        let schema = try uniqueTestSchema()
        let database = ["--database", url, "--postgres-schema", schema.rawValue]
        let cdrs = CDRGenerator(seed: 9, entitlementId: 5, periodStart: 1000).generate(count: 4)
        do {
            // An empty outbox in a schema nobody has used yet: status creates the tables and shows nothing.
            try await run(["usage", "status", "--json"] + database)
            try await PostgresUsageOutboxStore.withStore(try testPostgresConfiguration(), schema: schema) { store in
                #expect(try await store.batches(in: nil).isEmpty)
                _ = try await store.insertBatches([try UsageBatch(cdrs: cdrs)])
            }
            try await run(["usage", "status", "--json"] + database)
            try await run(["usage", "prove", "--cdr", "5:3", "--json"] + database)
            try await run(["usage", "prove", "--cdr", cdrs[1].csvLine] + database)
            // Not in this schema's outbox (nor in the default schema's): exit status 1.
            await #expect(throws: ExitCode.self) { try await run(["usage", "prove", "--cdr", "5:9", "--json"] + database) }
            let proof = try await PostgresUsageOutboxStore.withStore(try testPostgresConfiguration(), schema: schema) { store in
                try await UsageProveCommand.proof(store: store, entitlementId: 5, sequence: 3, expected: cdrs[2])
            }
            #expect(proof.verifiesLocally && proof.leafIndex == 2 && proof.leafCount == 4)
        } catch {
            try? await dropTestSchema(schema)
            throw error
        }
        try await dropTestSchema(schema)
    }

    @Test("import (against a devnet) and status work with --database postgres://… --postgres-schema",
          .enabled(if: postgresTestsEnabled, postgresSkipMessage), .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
    func importAndStatus() async throws {
        let url = try #require(testPostgresURL, postgresSkipMessage)
        let schema = try uniqueTestSchema()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("openrsp-usage-pg-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = ["--database", url, "--postgres-schema", schema.rawValue]
        do {
            try await withWorld { w in
                let cdrs = w.cdrs(count: 7)
                let csv = dir.appendingPathComponent("cdrs.csv").path
                let text = ([CDRParser.csvHeader] + cdrs.map(\.csvLine)).joined(separator: "\n") + "\n"
                try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
                let chain = ["--rpc-url", w.devnet.url, "--settlement", w.settlement.address.checksummed]
                try await run(["usage", "import", csv, "--max-batch", "5", "--json"] + database + chain)
                try await run(["usage", "status", "--json"] + database)
                try await run(["usage", "prove", "--cdr", "\(w.entitlementId):6", "--json"] + database)
                // The same CDRs again are refused; nothing more is stored.
                await #expect(throws: ExitCode.self) { try await run(["usage", "import", csv, "--json"] + database + chain) }
                try await PostgresUsageOutboxStore.withStore(try testPostgresConfiguration(), schema: schema) { store in
                    let batches = try await store.batches(in: nil)
                    #expect(batches.map(\.firstSeq) == [1, 6] && batches.map(\.lastSeq) == [5, 7])
                    #expect(batches.allSatisfy { $0.state == .pending && $0.entitlementId == w.entitlementId })
                    #expect(batches[0].root == (try UsageBatch(cdrs: Array(cdrs[0..<5]))).root)
                    #expect(try await store.cdrs(batch: batches[1].id) == Array(cdrs[5...]))
                }
            }
        } catch {
            try? await dropTestSchema(schema)
            throw error
        }
        try await dropTestSchema(schema)
    }

    @Test("a bad postgres URL or schema name is a database error, and --postgres-schema needs a postgres:// database")
    func badLocations() async throws {
        await #expect(throws: ExitCode.self) {
            try await run(["usage", "status", "--json", "--database", "postgres://127.0.0.1/db"])
        }
        await #expect(throws: ExitCode.self) {
            try await run(["usage", "status", "--json", "--database", "postgres://u@127.0.0.1/db?sslmode=disable", "--postgres-schema", "Bad-Name"])
        }
        let option = try UsageDatabaseOption.parse(["--database", "/nonexistent/x.sqlite", "--postgres-schema", "s"])
        await #expect {
            try await option.withStore { _ in 0 }
        } throws: { error in
            (error as? UsageCommandError)?.description == "--postgres-schema needs a postgres:// --database"
        }
    }
}
