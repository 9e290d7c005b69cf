// The record file parser refuses every malformed input with its own error, placement into an
// agreement's periods refuses what the visited network must not commit, and the SQLite store keeps
// records, outbox intents and the authorisation replay cache.
import EthereumCore
import Roaming
import RoamingStoreSQLite
import Settlement
import Testing
import UsageService

@Suite("roaming record files, placement, store")
struct RoamingRecordFileTests {
    static let p = "0x" + String(repeating: "ab", count: 32)
    static let header = "imsi_pseudonym,service,start,end,volume,location\n"

    func parse(_ text: String, _ format: CDRFileFormat = .csv, limits: RoamingRecordParser.Limits = .init()) throws(RoamingRecordFileError) -> [RoamingUsageRecord] {
        try RoamingRecordParser(limits: limits).parse(Array(text.utf8), format: format)
    }

    @Test("CSV and JSON lines give the same records; charge is optional")
    func formats() throws {
        let csv = try parse(Self.header + "\(Self.p),data,100,200,5,262-01\n\(Self.p),sms,150,150,1,262-01\n")
        let json = try parse("{\"imsi_pseudonym\":\"\(Self.p)\",\"service\":\"data\",\"start\":\"100\",\"end\":\"200\",\"volume\":\"5\",\"location\":\"262-01\"}\n"
                             + "{\"imsi_pseudonym\":\"\(Self.p)\",\"service\":\"sms\",\"start\":\"150\",\"end\":\"150\",\"volume\":\"1\",\"location\":\"262-01\"}\n",
                             .jsonl)
        #expect(csv == json && csv.count == 2 && csv[0].charge == nil)
        let charged = try parse("imsi_pseudonym,service,start,end,volume,location,charge\n\(Self.p),voice,1,61,1,310-410,40\n")
        #expect(charged[0].charge == UInt256(40) && charged[0].location.description == "310-410")
        #expect(try parse(csv[0].jsonLine + "\n", .jsonl) == [csv[0]])
    }

    static let digitsExpected = "a decimal unsigned 64-bit integer without leading zeros"
    static let pseudonymExpected = "0x followed by 64 hex digits, not all zero"
    static let refusalCases: [(String, RoamingRecordFileError)] = [
        ("", RoamingRecordFileError.empty),
        (header, .empty),
        ("imsi,service\n", .badHeader(found: "imsi,service")),
        (header + "\(p),data,1,2,3,262-01", .truncated(line: 2)),
        (header + "\(p),data,1,2,3\n", .fieldCount(line: 2, expected: 6, found: 5)),
        (header + "0x12,data,1,2,3,262-01\n", .invalidField(line: 2, field: .imsiPseudonym, expected: pseudonymExpected)),
        (header + "0x\(String(repeating: "0", count: 64)),data,1,2,3,262-01\n",
         .invalidField(line: 2, field: .imsiPseudonym, expected: pseudonymExpected)),
        (header + "\(p),video,1,2,3,262-01\n", .invalidField(line: 2, field: .service, expected: "data, voice or sms")),
        (header + "\(p),data,-1,2,3,262-01\n", .invalidField(line: 2, field: .start, expected: digitsExpected)),
        (header + "\(p),data,1,02,3,262-01\n", .invalidField(line: 2, field: .end, expected: digitsExpected)),
        (header + "\(p),data,1,2,18446744073709551616,262-01\n",
         .invalidField(line: 2, field: .volume, expected: digitsExpected)),
        (header + "\(p),data,5,2,3,262-01\n", .timeReversed(line: 2)),
        (header + "\(p),data,1,2,3,26201\n", .invalidField(line: 2, field: .location, expected: "MCC-MNC, e.g. 262-01")),
        ("imsi_pseudonym,service,start,end,volume,location,charge\n\(p),data,1,2,3,262-01,1.5\n",
         .invalidField(line: 2, field: .charge, expected: "a decimal amount in token base units")),
    ]

    @Test("every refusal has its own error", arguments: refusalCases)
    func refusals(_ text: String, _ expected: RoamingRecordFileError) {
        #expect(throws: expected) { try parse(text) }
    }

    @Test("JSON lines: not an object, unknown or missing keys, numbers instead of strings")
    func jsonRefusals() {
        let good = "\"imsi_pseudonym\":\"\(Self.p)\",\"service\":\"data\",\"start\":\"1\",\"end\":\"2\",\"volume\":\"3\",\"location\":\"262-01\""
        #expect(throws: RoamingRecordFileError.notAnObject(line: 1)) { try parse("[1]\n", .jsonl) }
        #expect(throws: RoamingRecordFileError.unknownField(line: 1, name: "imsi")) { try parse("{\(good),\"imsi\":\"262011234567890\"}\n", .jsonl) }
        #expect(throws: RoamingRecordFileError.missingField(line: 1, field: .volume)) {
            try parse("{\(good.replacingOccurrences(of: ",\"volume\":\"3\"", with: ""))}\n", .jsonl)
        }
        #expect(throws: RoamingRecordFileError.invalidField(line: 1, field: .volume, expected: "a JSON string")) {
            try parse("{\(good.replacingOccurrences(of: "\"volume\":\"3\"", with: "\"volume\":3"))}\n", .jsonl)
        }
    }

    @Test("limits: file size, line length, record count")
    func limits() {
        let line = "\(Self.p),data,1,2,3,262-01\n"
        #expect(throws: RoamingRecordFileError.fileTooLarge(bytes: (Self.header + line).utf8.count, limit: 10)) {
            try parse(Self.header + line, limits: .init(maxFileBytes: 10))
        }
        #expect(throws: RoamingRecordFileError.lineTooLong(line: 2, limit: 60)) { try parse(Self.header + line, limits: .init(maxLineBytes: 60)) }
        #expect(throws: RoamingRecordFileError.notUTF8(line: 2)) {
            try RoamingRecordParser().parse(Array(Self.header.utf8) + [0xFF, 0x0A], format: .csv)
        }
        #expect(throws: RoamingRecordFileError.tooManyRecords(limit: 1)) { try parse(Self.header + line + line, limits: .init(maxRecords: 1)) }
    }

    // MARK: Placement

    static let terms = RoamingTestAgreement.terms

    @Test("records go to the period of their start, indices in file order per period")
    func placement() throws {
        let a = Self.terms
        let records = [
            RoamingUsageRecord(imsiPseudonym: try Hash32(hex: Self.p), service: .data, start: 10_000, end: 10_100, volume: 4, location: a.plmnB),
            RoamingUsageRecord(imsiPseudonym: try Hash32(hex: Self.p), service: .voice, start: 13_700, end: 13_800, volume: 2, location: a.plmnB),
            RoamingUsageRecord(imsiPseudonym: try Hash32(hex: Self.p), service: .sms, start: 10_200, end: 10_200, volume: 1, location: a.plmnB,
                               charge: UInt256(5)),
        ]
        let placed = try RoamingSlots.place(records, agreementId: 3, agreement: a, direction: .aOnB, strict: true)
        let p0 = try #require(placed[RoamingSlot(agreementId: 3, direction: .aOnB, period: 0)])
        let p1 = try #require(placed[RoamingSlot(agreementId: 3, direction: .aOnB, period: 1)])
        #expect(p0.map(\.index) == [0, 1] && p0.map(\.charge) == [UInt256(8), UInt256(5)] && p1.map(\.charge) == [UInt256(20)])
        let c = try RoamingSlots.commitment(of: p0)
        #expect(c.count == 2 && c.totals == RoamingClearing.ServiceTotals(dataMB: 4, voiceMinutes: 0, smsMessages: 1))
        for r in p0 { #expect(RoamingSlots.contradiction(r, leafIndex: r.index, slot: RoamingSlot(agreementId: 3, direction: .aOnB, period: 0),
                                                         agreement: a, totals: c.totals) == nil) }
    }

    @Test("placement refusals (strict) and what the home network keeps (lenient, flagged as contradictions)")
    func placementRefusals() throws {
        let a = Self.terms
        let h = try Hash32(hex: Self.p)
        func place(_ r: RoamingUsageRecord, strict: Bool = true) throws(RoamingPlacementError) {
            _ = try RoamingSlots.place([r], agreementId: 3, agreement: a, direction: .aOnB, strict: strict)
        }
        #expect(throws: RoamingPlacementError.beforeAgreementStart(record: 1)) {
            try place(RoamingUsageRecord(imsiPseudonym: h, service: .data, start: 9_999, end: 10_100, volume: 1, location: a.plmnB))
        }
        #expect(throws: RoamingPlacementError.spansPeriods(record: 1)) {
            try place(RoamingUsageRecord(imsiPseudonym: h, service: .data, start: 13_000, end: 13_601, volume: 1, location: a.plmnB))
        }
        #expect(throws: RoamingPlacementError.wrongLocation(record: 1, expected: "208-10", found: "262-01")) {
            try place(RoamingUsageRecord(imsiPseudonym: h, service: .data, start: 10_000, end: 10_001, volume: 1, location: a.plmnA))
        }
        #expect(throws: RoamingPlacementError.chargeMismatch(record: 1, expected: UInt256(2), found: UInt256(3))) {
            try place(RoamingUsageRecord(imsiPseudonym: h, service: .data, start: 10_000, end: 10_001, volume: 1, location: a.plmnB, charge: UInt256(3)))
        }
        let slot = RoamingSlot(agreementId: 3, direction: .aOnB, period: 0)
        let wrong = try RoamingSlots.place([RoamingUsageRecord(imsiPseudonym: h, service: .data, start: 10_000, end: 10_001, volume: 1, location: a.plmnB,
                                                               charge: UInt256(3))], agreementId: 3, agreement: a, direction: .aOnB, strict: false)
        let r = try #require(wrong[slot]?.first)
        #expect(RoamingSlots.contradiction(r, leafIndex: 0, slot: slot, agreement: a, totals: .init(dataMB: 1)) == .wrongCharge)
        #expect(RoamingSlots.contradiction(r, leafIndex: 1, slot: slot, agreement: a, totals: .init(dataMB: 1)) == .wrongIndex)
        var big = r
        big.charge = UInt256(2)
        #expect(RoamingSlots.contradiction(big, leafIndex: 0, slot: slot, agreement: a, totals: .init(dataMB: 0)) == .exceedsTotal)
        #expect(throws: RoamingCommitmentError.zeroTotals) {
            var zero = big
            zero.volume = 0
            zero.charge = .zero
            _ = try RoamingSlots.commitment(of: [zero])
        }
        #expect(throws: RoamingCommitmentError.noRecords) { _ = try RoamingSlots.commitment(of: []) }
    }

    // MARK: Store

    @Test("the SQLite store replaces slots atomically, drops their intents, and keeps the replay cache")
    func store() async throws {
        let store = try SQLiteRoamingRecordStore()
        let slot = RoamingSlot(agreementId: 3, direction: .aOnB, period: 0)
        let records = try RoamingSlots.place([RoamingUsageRecord(imsiPseudonym: try Hash32(hex: Self.p), service: .voice, start: 10_000, end: 10_060,
                                                                 volume: 1, location: Self.terms.plmnB)],
                                             agreementId: 3, agreement: Self.terms, direction: .aOnB, strict: true)
        try await store.replaceRecords(records)
        #expect(try await store.records(of: slot) == records[slot])
        let c = try RoamingSlots.commitment(of: try #require(records[slot]))
        try await store.saveIntent(RoamingCommitIntent(slot: slot, root: c.root, count: c.count, totals: c.totals, transaction: c.root, block: 7))
        #expect(try await store.intent(of: slot)?.block == 7)
        #expect(try await store.slots().map(\.records) == [1])
        try await store.replaceRecords(records)
        #expect(try await store.intent(of: slot) == nil)
        let nonce = try Hash32(hex: Self.p)
        let home = try Address(hex: "0x00000000000000000000000000000000000000aa")
        #expect(try await store.rememberAuthorization(nonce: nonce, home: home, expiresAt: 100, now: 50))
        #expect(try await !store.rememberAuthorization(nonce: nonce, home: home, expiresAt: 100, now: 60))
        #expect(try await store.rememberAuthorization(nonce: nonce, home: home, expiresAt: 200, now: 150), "expired entries are dropped")
    }
}

/// Agreement 3's terms: A 262-01, B 208-10, rates 2/10/5, hourly periods from 10,000.
enum RoamingTestAgreement {
    static var terms: RoamingClearing.Agreement {
        // Decoded from the ABI tuple as the contract returns it.
        let values: [ABIValue] = [
            .address(try! Address(hex: "0x00000000000000000000000000000000000000a1")), .address(try! Address(hex: "0x00000000000000000000000000000000000000b2")),
            .uint(UInt256(UInt64(RoamingClearing.PLMN("262-01")!.value))), .uint(UInt256(UInt64(RoamingClearing.PLMN("208-10")!.value))),
            .uint(2), .uint(10), .uint(5), .uint(10_000), .uint(3600), .uint(UInt256(UInt64.max)), .uint(2),
        ]
        let output = try! ABI.encode([RoamingClearing.Functions.agreements.outputs[0]], [.tuple(values)])
        return try! RoamingClearing.agreements(3).decodeOutput(output)
    }
}
