// `openrsp usage` parsing and the offline subcommands (generate, status, prove) through ArgumentParser.
import ArgumentParser
import EthereumCore
import Foundation
@testable import RSPCommands
import Settlement
import Testing
import UsageService
import UsageStoreSQLite

@Suite("openrsp usage command")
struct UsageCommandTests {
    func run(_ arguments: [String]) async throws {
        var command = try OpenRSPCommand.parseAsRoot(arguments)
        guard var async = command as? AsyncParsableCommand else { return try command.run() }
        try await async.run()
    }

    @Test("--cdr selects by ENT:SEQ, a CSV record or a JSON record; anything else is refused")
    func cdrSelector() throws {
        let (e, s, c) = try UsageProveCommand.parseSelector("12:34")
        #expect(e == 12 && s == 34 && c == nil)
        let cdr = CDRGenerator(seed: 1, entitlementId: 3, firstSequence: 5, periodStart: 10).generate(count: 1)[0]
        let fromCSV = try UsageProveCommand.parseSelector(cdr.csvLine)
        let fromJSON = try UsageProveCommand.parseSelector(cdr.jsonLine)
        #expect(fromCSV.2 == cdr && fromJSON.2 == cdr && fromCSV.1 == 5 && fromJSON.0 == 3)
        for bad in ["12", "12:x", ":3", "1,2,3", "{\"sequence\":1}", "-1:2"] {
            #expect(throws: UsageCommandError.self) { try UsageProveCommand.parseSelector(bad) }
        }
    }

    @Test("generate writes the seeded CDRs; status and prove read the outbox without a chain")
    func offlineSubcommands() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("openrsp-usage-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("cdrs.csv").path, jsonl = dir.appendingPathComponent("cdrs.jsonl").path
        let db = dir.appendingPathComponent("smdp.sqlite").path
        try await run(["usage", "generate", "--entitlement", "5", "--count", "4", "--seed", "9", "--period-start", "1000", "--out", csv])
        try await run(["usage", "generate", "--entitlement", "5", "--count", "4", "--seed", "9", "--period-start", "1000",
                       "--format", "jsonl", "--out", jsonl])
        let expected = CDRGenerator(seed: 9, entitlementId: 5, periodStart: 1000).generate(count: 4)
        let fromCSV = try CDRParser().parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: csv))), format: .csv)
        let fromJSONL = try CDRParser().parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: jsonl))), format: .jsonl)
        #expect(fromCSV == expected && fromJSONL == expected)

        let store = try SQLiteUsageOutboxStore(path: db)
        _ = try await store.insertBatches([try UsageBatch(cdrs: expected)])
        try await run(["usage", "status", "--database", db, "--json"])
        try await run(["usage", "prove", "--cdr", "5:3", "--database", db, "--json"])
        try await run(["usage", "prove", "--cdr", expected[1].csvLine, "--database", db])
        // A CDR that is not in the outbox: exit status 1.
        await #expect(throws: ExitCode.self) { try await run(["usage", "prove", "--cdr", "5:9", "--database", db, "--json"]) }
        await #expect(throws: ExitCode.self) { try await run(["usage", "generate", "--entitlement", "x", "--period-start", "1"]) }
    }
}
