// The roaming records and commitment outbox in SQLite (GRDB). uint64 values are stored as their
// Int64 bit pattern, uint256 values as decimal text, hashes as blobs; migrations are named
// "roaming-v1-…" so the file may be shared with other stores.
import EthereumCore
import Foundation
import GRDB
import Roaming
import Settlement

public final class SQLiteRoamingRecordStore: RoamingRecordStore, Sendable {
    private let database: any DatabaseWriter

    /// Opens (creating 0600 if needed) the database file at `path` and runs the migrations.
    public init(path: String) throws(RoamingStoreError) {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
            database = try DatabasePool(path: path, configuration: configuration)
        } catch { throw .backend("cannot open the database: \(error)") }
        try migrate()
    }

    /// A private in-memory database.
    public init() throws(RoamingStoreError) {
        do { database = try DatabaseQueue() } catch { throw .backend("cannot open an in-memory database: \(error)") }
        try migrate()
    }

    private func migrate() throws(RoamingStoreError) {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("roaming-v1-records-intents") { db in
            try db.execute(sql: """
                CREATE TABLE roaming_record (
                    agreement_id TEXT NOT NULL,
                    direction INTEGER NOT NULL,
                    period INTEGER NOT NULL,
                    leaf_index INTEGER NOT NULL,
                    imsi_pseudonym BLOB NOT NULL,
                    service INTEGER NOT NULL,
                    start_time INTEGER NOT NULL,
                    end_time INTEGER NOT NULL,
                    volume INTEGER NOT NULL,
                    location INTEGER NOT NULL,
                    charge TEXT NOT NULL,
                    PRIMARY KEY (agreement_id, direction, period, leaf_index)
                );
                CREATE TABLE roaming_intent (
                    agreement_id TEXT NOT NULL,
                    direction INTEGER NOT NULL,
                    period INTEGER NOT NULL,
                    root BLOB NOT NULL,
                    count INTEGER NOT NULL,
                    data_mb INTEGER NOT NULL,
                    voice_minutes INTEGER NOT NULL,
                    sms_messages INTEGER NOT NULL,
                    tx_hash BLOB,
                    block INTEGER,
                    PRIMARY KEY (agreement_id, direction, period)
                );
                """)
        }
        migrator.registerMigration("roaming-v1-seen-authorizations") { db in
            try db.execute(sql: """
                CREATE TABLE roaming_seen_authorization (
                    home TEXT NOT NULL,
                    nonce BLOB NOT NULL,
                    expires_at INTEGER NOT NULL,
                    PRIMARY KEY (home, nonce)
                );
                """)
        }
        do { try migrator.migrate(database) } catch { throw .backend("migration failed: \(error)") }
    }

    /// Runs `body`; a database failure is reported by its SQLite code and message, never its SQL text.
    private func run<T>(_ body: () throws -> T) throws(RoamingStoreError) -> T {
        do { return try body() } catch let e as RoamingStoreError { throw e } catch let e as DatabaseError {
            throw .backend("SQLite error \(e.resultCode.rawValue): \(e.message ?? "no message")")
        } catch { throw .backend("\(type(of: error))") }
    }

    private static func bits(_ x: UInt64) -> Int64 { Int64(bitPattern: x) }
    private static func unbits(_ x: Int64) -> UInt64 { UInt64(bitPattern: x) }

    private static func slotArguments(_ slot: RoamingSlot) -> StatementArguments {
        [slot.agreementId.description, Int(slot.direction.rawValue), bits(slot.period)]
    }

    public func records(of slot: RoamingSlot) async throws(RoamingStoreError) -> [RoamingClearing.Record] {
        let rows = try run {
            try database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT leaf_index, imsi_pseudonym, service, start_time, end_time, volume, location, charge FROM roaming_record
                    WHERE agreement_id = ? AND direction = ? AND period = ? ORDER BY leaf_index
                    """, arguments: Self.slotArguments(slot))
            }
        }
        var out: [RoamingClearing.Record] = []
        for row in rows {
            let pseudonym: Data = row[1]
            let serviceRaw: Int = row[2]
            let chargeText: String = row[7]
            let location: Int64 = row[6]
            guard let hash = try? Hash32(Array(pseudonym)), let service = RoamingClearing.Service(rawValue: UInt8(truncatingIfNeeded: serviceRaw)),
                  let charge = try? UInt256(decimal: chargeText), (0...0xFFFFFF).contains(location) else {
                throw .corrupt("a record of \(slot)")
            }
            out.append(RoamingClearing.Record(
                agreementId: slot.agreementId, direction: slot.direction, period: slot.period, index: Self.unbits(row[0]), imsiPseudonym: hash,
                service: service, startTime: Self.unbits(row[3]), endTime: Self.unbits(row[4]), volume: Self.unbits(row[5]),
                location: RoamingClearing.PLMN(value: UInt32(location)), charge: charge))
        }
        guard out.enumerated().allSatisfy({ UInt64($0.offset) == $0.element.index }) else { throw .corrupt("indices of \(slot) are not 0..<n") }
        return out
    }

    public func replaceRecords(_ bySlot: [RoamingSlot: [RoamingClearing.Record]]) async throws(RoamingStoreError) {
        try run {
            try database.write { db in
                for (slot, records) in bySlot {
                    let key = Self.slotArguments(slot)
                    try db.execute(sql: "DELETE FROM roaming_record WHERE agreement_id = ? AND direction = ? AND period = ?", arguments: key)
                    try db.execute(sql: "DELETE FROM roaming_intent WHERE agreement_id = ? AND direction = ? AND period = ?", arguments: key)
                    let statement = try db.makeStatement(sql: """
                        INSERT INTO roaming_record (agreement_id, direction, period, leaf_index, imsi_pseudonym, service, start_time, end_time,
                                                    volume, location, charge) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                    for r in records {
                        try statement.execute(arguments: [
                            slot.agreementId.description, Int(slot.direction.rawValue), Self.bits(slot.period), Self.bits(r.index),
                            Data(r.imsiPseudonym.bytes), Int(r.service.rawValue), Self.bits(r.startTime), Self.bits(r.endTime),
                            Self.bits(r.volume), Int64(r.location.value), r.charge.description,
                        ])
                    }
                }
            }
        }
    }

    public func intent(of slot: RoamingSlot) async throws(RoamingStoreError) -> RoamingCommitIntent? {
        let row = try run {
            try database.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT root, count, data_mb, voice_minutes, sms_messages, tx_hash, block FROM roaming_intent
                    WHERE agreement_id = ? AND direction = ? AND period = ?
                    """, arguments: Self.slotArguments(slot))
            }
        }
        guard let row else { return nil }
        return try Self.intent(row, slot: slot)
    }

    private static func intent(_ row: Row, slot: RoamingSlot) throws(RoamingStoreError) -> RoamingCommitIntent {
        let root: Data = row["root"]
        let tx: Data? = row["tx_hash"]
        let block: Int64? = row["block"]
        guard let rootHash = try? Hash32(Array(root)) else { throw .corrupt("the intent of \(slot)") }
        var txHash: Hash32?
        if let tx {
            guard let h = try? Hash32(Array(tx)) else { throw .corrupt("the intent of \(slot)") }
            txHash = h
        }
        return RoamingCommitIntent(slot: slot, root: rootHash, count: unbits(row["count"]),
                                   totals: RoamingClearing.ServiceTotals(dataMB: unbits(row["data_mb"]), voiceMinutes: unbits(row["voice_minutes"]),
                                                                         smsMessages: unbits(row["sms_messages"])),
                                   transaction: txHash, block: block.map(unbits))
    }

    public func saveIntent(_ intent: RoamingCommitIntent) async throws(RoamingStoreError) {
        try run {
            try database.write { db in
                try db.execute(sql: """
                    INSERT OR REPLACE INTO roaming_intent (agreement_id, direction, period, root, count, data_mb, voice_minutes, sms_messages,
                                                           tx_hash, block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        intent.slot.agreementId.description, Int(intent.slot.direction.rawValue), Self.bits(intent.slot.period),
                        Data(intent.root.bytes), Self.bits(intent.count), Self.bits(intent.totals.dataMB), Self.bits(intent.totals.voiceMinutes),
                        Self.bits(intent.totals.smsMessages), intent.transaction.map { Data($0.bytes) }, intent.block.map(Self.bits),
                    ])
            }
        }
    }

    public func slots() async throws(RoamingStoreError) -> [RoamingSlotSummary] {
        let rows = try run {
            try database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT r.agreement_id, r.direction, r.period, COUNT(*) AS n FROM roaming_record r
                    GROUP BY r.agreement_id, r.direction, r.period
                    """)
            }
        }
        var out: [RoamingSlotSummary] = []
        for row in rows {
            let idText: String = row[0]
            let dirRaw: Int = row[1]
            guard let id = try? UInt256(decimal: idText), let direction = RoamingClearing.Direction(rawValue: UInt8(truncatingIfNeeded: dirRaw)) else {
                throw .corrupt("a slot key")
            }
            let slot = RoamingSlot(agreementId: id, direction: direction, period: Self.unbits(row[2]))
            out.append(RoamingSlotSummary(slot: slot, records: row[3], intent: try await intent(of: slot)))
        }
        return out.sorted { $0.slot < $1.slot }
    }

    public func rememberAuthorization(nonce: Hash32, home: Address, expiresAt: UInt64, now: UInt64) async throws(RoamingStoreError) -> Bool {
        try run {
            try database.write { db in
                try db.execute(sql: "DELETE FROM roaming_seen_authorization WHERE expires_at <= ?", arguments: [Self.bits(min(now, UInt64(Int64.max)))])
                try db.execute(sql: "INSERT OR IGNORE INTO roaming_seen_authorization (home, nonce, expires_at) VALUES (?, ?, ?)",
                               arguments: [home.checksummed, Data(nonce.bytes), Self.bits(min(expiresAt, UInt64(Int64.max)))])
                return db.changesCount == 1
            }
        }
    }
}
