// The CDR input formats (docs/USAGE.md): round trips, and truncated, oversized and wrong-typed input.
import EthereumCore
import Foundation
import Settlement
import Testing
import UsageService

private let hashHex = "0x" + String(repeating: "ab", count: 32)

private func csv(_ lines: [String], newline: Bool = true) -> [UInt8] {
    Array(([CDRParser.csvHeader] + lines).joined(separator: "\n").utf8) + (newline ? [0x0A] : [])
}

private func jsonl(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

private func parseError(_ data: [UInt8], _ format: CDRFileFormat, limits: CDRParser.Limits = .init()) -> CDRParseError? {
    do { _ = try CDRParser(limits: limits).parse(data, format: format); return nil } catch { return error }
}

@Suite("CDR parser and generator")
struct CDRParserTests {
    @Test("generator is deterministic; CSV and JSON lines round-trip exactly")
    func roundTrip() throws {
        let gen = CDRGenerator(seed: 42, entitlementId: try UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639935"),
                               firstSequence: 3, periodStart: 1_700_000_000)
        let cdrs = gen.generate(count: 50)
        #expect(cdrs == gen.generate(count: 50))
        #expect(cdrs != CDRGenerator(seed: 43, entitlementId: gen.entitlementId, firstSequence: 3, periodStart: 1_700_000_000).generate(count: 50))
        #expect(cdrs.map(\.sequence) == Array(3..<53))
        #expect(cdrs.allSatisfy { $0.periodStart <= $0.periodEnd && $0.periodStart >= 1_700_000_000 })
        #expect(zip(cdrs, cdrs.dropFirst()).allSatisfy { $0.periodEnd <= $1.periodStart })
        // latestEnd (the batch's posting time): no session ends after it, earlier ones are unchanged.
        let until = cdrs[9].periodEnd
        var bounded = gen
        bounded.latestEnd = until
        let cut = bounded.generate(count: 50)
        #expect(cut.allSatisfy { $0.periodEnd <= until && $0.periodStart <= $0.periodEnd })
        #expect(Array(cut.prefix(10)) == Array(cdrs.prefix(10)) && cut.map(\.sequence) == cdrs.map(\.sequence))
        let asCSV = try CDRParser().parse(csv(cdrs.map(\.csvLine)), format: .csv)
        let asJSON = try CDRParser().parse(jsonl(cdrs.map(\.jsonLine)), format: .jsonl)
        #expect(asCSV == cdrs && asJSON == cdrs)
        // CRLF line ends and blank lines are accepted.
        let crlf = Array((CDRParser.csvHeader + "\r\n" + cdrs[0].csvLine + "\r\n\r\n").utf8)
        #expect(try CDRParser().parse(crlf, format: .csv) == [cdrs[0]])
    }

    @Test("JSON: numbers up to uint64 max are exact; the entitlement id may be a decimal string or an integer")
    func jsonExactIntegers() throws {
        let line = "{\"entitlementId\":7,\"sequence\":18446744073709551615,\"bytes\":9007199254740993,\"periodStart\":0,\"periodEnd\":1,\"cdrHash\":\"\(hashHex)\"}"
        let c = try #require(try CDRParser().parse(jsonl([line]), format: .jsonl).first)
        #expect(c.entitlementId == 7 && c.sequence == UInt64.max && c.bytes == 9_007_199_254_740_993)
    }

    @Test("truncated input: a record cut off without its newline, a short record, a missing JSON field")
    func truncated() {
        let full = "1,1,100,10,20,\(hashHex)"
        #expect(parseError(csv([full, full.replacingOccurrences(of: "1,1,", with: "1,2,")], newline: false), .csv) == .truncatedRecord(line: 3))
        #expect(parseError(csv(["1,1,100,10,20,0xab"]), .csv) == .invalidField(line: 2, field: .cdrHash, expected: "0x followed by 64 hex digits"))
        #expect(parseError(csv(["1,1,100,10"]), .csv) == .fieldCount(line: 2, expected: 6, found: 4))
        #expect(parseError(Array("{\"entitlementId\":\"1\",\"sequence\":1".utf8) + [0x0A], .jsonl) == .notAnObject(line: 1))
        #expect(parseError(jsonl(["{\"entitlementId\":\"1\",\"sequence\":1,\"bytes\":5,\"periodStart\":1,\"periodEnd\":2}"]), .jsonl)
            == .missingField(line: 1, field: .cdrHash))
        #expect(parseError([], .csv) == .empty)
        #expect(parseError(csv([]), .csv) == .empty)
        #expect(parseError(Array("\n\n".utf8), .jsonl) == .empty)
    }

    @Test("oversized input: file, line, record count, and numbers beyond uint64 / uint256")
    func oversized() {
        let full = "1,1,100,10,20,\(hashHex)"
        let limits = CDRParser.Limits(maxFileBytes: 200, maxLineBytes: 120, maxRecords: 2)
        #expect(parseError(csv([full, full, full]), .csv, limits: limits) == .fileTooLarge(bytes: csv([full, full, full]).count, limit: 200))
        #expect(parseError(csv([full + String(repeating: "0", count: 100)]), .csv, limits: CDRParser.Limits(maxLineBytes: 120))
            == .lineTooLong(line: 2, limit: 120))
        #expect(parseError(csv(["1,1,1,1,1,\(hashHex)", "1,2,1,1,1,\(hashHex)", "1,3,1,1,1,\(hashHex)"]), .csv,
                           limits: CDRParser.Limits(maxRecords: 2)) == .tooManyRecords(limit: 2))
        #expect(parseError(csv(["1,18446744073709551616,100,10,20,\(hashHex)"]), .csv) == .outOfRange(line: 2, field: .sequence))
        let big = "1" + String(repeating: "0", count: 78)
        #expect(parseError(csv(["\(big),1,100,10,20,\(hashHex)"]), .csv) == .outOfRange(line: 2, field: .entitlementId))
        #expect(parseError(jsonl(["{\"entitlementId\":\"1\",\"sequence\":1,\"bytes\":1e30,\"periodStart\":1,\"periodEnd\":2,\"cdrHash\":\"\(hashHex)\"}"]), .jsonl)
            == .outOfRange(line: 1, field: .bytes))
    }

    @Test("wrong-typed input: signs, decimals, hex numbers, strings for numbers, booleans, unknown keys, bad header")
    func wrongTyped() {
        func csvField(_ record: String) -> CDRParseError? { parseError(csv([record]), .csv) }
        #expect(csvField("1,-1,100,10,20,\(hashHex)") == .invalidField(line: 2, field: .sequence, expected: "a decimal unsigned integer"))
        #expect(csvField("1,1,1.5,10,20,\(hashHex)") == .invalidField(line: 2, field: .bytes, expected: "a decimal unsigned integer"))
        #expect(csvField("1,1,0x10,10,20,\(hashHex)") == .invalidField(line: 2, field: .bytes, expected: "a decimal unsigned integer"))
        #expect(csvField("1,01,100,10,20,\(hashHex)") == .invalidField(line: 2, field: .sequence, expected: "a decimal without leading zeros"))
        #expect(csvField("1,1,100,10,20,0x" + String(repeating: "zz", count: 32)) == .invalidField(line: 2, field: .cdrHash, expected: "0x followed by 64 hex digits"))
        #expect(csvField("1,0,100,10,20,\(hashHex)") == .sequenceZero(line: 2))
        #expect(csvField("1,1,100,30,20,\(hashHex)") == .periodReversed(line: 2))
        #expect(parseError(Array("entitlement,sequence,bytes,period_start,period_end,cdr_hash\n".utf8), .csv)
            == .badHeader(found: "entitlement,sequence,bytes,period_start,period_end,cdr_hash"))
        #expect(parseError([0xFF, 0xFE, 0x0A], .jsonl) == .notUTF8(line: 1))
        func json(_ fields: String) -> CDRParseError? { parseError(jsonl(["{" + fields + "}"]), .jsonl) }
        let rest = "\"periodStart\":1,\"periodEnd\":2,\"cdrHash\":\"\(hashHex)\""
        #expect(json("\"entitlementId\":\"1\",\"sequence\":\"1\",\"bytes\":5,\(rest)")
            == .invalidField(line: 1, field: .sequence, expected: "an unsigned integer"))
        #expect(json("\"entitlementId\":\"1\",\"sequence\":1,\"bytes\":true,\(rest)")
            == .invalidField(line: 1, field: .bytes, expected: "an unsigned integer"))
        #expect(json("\"entitlementId\":\"1\",\"sequence\":1,\"bytes\":2.5,\(rest)")
            == .invalidField(line: 1, field: .bytes, expected: "an unsigned integer"))
        #expect(json("\"entitlementId\":\"1\",\"sequence\":-3,\"bytes\":2,\(rest)")
            == .invalidField(line: 1, field: .sequence, expected: "an unsigned integer"))
        #expect(json("\"entitlementId\":\"1\",\"sequence\":1,\"bytes\":2,\"periodStart\":1,\"periodEnd\":2,\"cdrHash\":5")
            == .invalidField(line: 1, field: .cdrHash, expected: "a hex string"))
        #expect(json("\"entitlementId\":\"1\",\"sequence\":1,\"bytes\":2,\"extra\":0,\(rest)") == .unknownField(line: 1, name: "extra"))
        #expect(parseError(jsonl(["[1,2,3]"]), .jsonl) == .notAnObject(line: 1))
        #expect(parseError(jsonl(["{\"entitlementId\":\"1\",\"sequence\":1,\"bytes\":2,\(rest)}", "42"]), .jsonl) == .notAnObject(line: 2))
    }

    @Test("batcher: groups per entitlement, splits by size, refuses gaps, duplicates and used sequences")
    func batcher() throws {
        let a = CDRGenerator(seed: 1, entitlementId: 5, periodStart: 100).generate(count: 5)
        let b = CDRGenerator(seed: 2, entitlementId: 3, firstSequence: 11, periodStart: 100).generate(count: 2)
        let batches = try UsageBatcher.batches((a + b).shuffled(), maxBatchSize: 2) { $0 == 3 ? 10 : 0 }
        #expect(batches.map(\.entitlementId) == [3, 5, 5, 5])
        #expect(batches.map(\.firstSeq) == [11, 1, 3, 5] && batches.map(\.lastSeq) == [12, 2, 4, 5])
        #expect(batches[1].totalBytes == a[0].bytes + a[1].bytes)
        func err(_ body: () throws(UsageImportError) -> [UsageBatch]) -> UsageImportError? {
            do { _ = try body(); return nil } catch { return error }
        }
        #expect(err { () throws(UsageImportError) in try UsageBatcher.batches(a + [a[2]], maxBatchSize: 10) { _ in 0 } }
            == .duplicateSequence(entitlementId: 5, sequence: 3))
        #expect(err { () throws(UsageImportError) in try UsageBatcher.batches([a[0], a[2]], maxBatchSize: 10) { _ in 0 } }
            == .sequenceGap(entitlementId: 5, expected: 2, found: 3))
        #expect(err { () throws(UsageImportError) in try UsageBatcher.batches(Array(a[1...]), maxBatchSize: 10) { _ in 0 } }
            == .sequenceGap(entitlementId: 5, expected: 1, found: 2))
        #expect(err { () throws(UsageImportError) in try UsageBatcher.batches(a, maxBatchSize: 10) { _ in 2 } }
            == .alreadyUsed(entitlementId: 5, sequence: 1, lastUsed: 2))
        #expect(err { () throws(UsageImportError) in try UsageBatcher.batches(a, maxBatchSize: 0) { _ in 0 } } == .invalidMaxBatchSize(0))
    }
}
