// The usage outbox in SQLite (GRDB), in the same file as the SM-DP+ store: its own migrator with
// migrations named "usage-v1-…", so either store can open the file first. uint64 values are stored
// as their Int64 bit pattern (order is never taken from SQL), uint256 and hashes as text/blobs.
import EthereumCore
import Foundation
import GRDB
import Settlement
import UsageService

public final class SQLiteUsageOutboxStore: UsageOutboxStore, Sendable {
    private let database: any DatabaseWriter

    /// Opens (creating if needed) the database file at `path` and runs the usage migrations.
    public init(path: String) throws(UsageOutboxStoreError) {
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(5)
            // A new file holds profile packages and signed transactions: create it 0600 before SQLite
            // does (SQLite gives -wal and -shm the database file's mode).
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
            database = try DatabasePool(path: path, configuration: configuration)
        } catch { throw .backend("cannot open \(path): \(error)") }
        try migrate()
    }

    /// A private in-memory database.
    public init() throws(UsageOutboxStoreError) {
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            database = try DatabaseQueue(configuration: configuration)
        } catch { throw .backend("cannot open an in-memory database: \(error)") }
        try migrate()
    }

    private func migrate() throws(UsageOutboxStoreError) {
        do { try Self.migrator.migrate(database) } catch { throw .backend("migration failed: \(error)") }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("usage-v1-outbox-batches-cdrs-transactions") { db in
            try db.execute(sql: """
                CREATE TABLE usage_batch (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    entitlement_id TEXT NOT NULL,
                    first_seq INTEGER NOT NULL,
                    last_seq INTEGER NOT NULL,
                    total_bytes INTEGER NOT NULL,
                    root BLOB NOT NULL,
                    state TEXT NOT NULL,
                    poster TEXT,
                    contract_nonce TEXT,
                    batch_id BLOB UNIQUE,
                    posted_at INTEGER,
                    posted_block INTEGER,
                    last_error TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX usage_batch_state ON usage_batch(state);
                CREATE INDEX usage_batch_entitlement ON usage_batch(entitlement_id);
                CREATE TABLE usage_cdr (
                    batch INTEGER NOT NULL REFERENCES usage_batch(id),
                    leaf_index INTEGER NOT NULL,
                    entitlement_id TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    period_start INTEGER NOT NULL,
                    period_end INTEGER NOT NULL,
                    cdr_hash BLOB NOT NULL,
                    PRIMARY KEY (batch, leaf_index),
                    UNIQUE (entitlement_id, sequence)
                );
                CREATE TABLE usage_tx (
                    hash BLOB PRIMARY KEY,
                    batch INTEGER NOT NULL REFERENCES usage_batch(id),
                    purpose TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    nonce INTEGER NOT NULL,
                    raw BLOB NOT NULL,
                    status TEXT NOT NULL,
                    block_number INTEGER,
                    gas_used INTEGER,
                    created_at REAL NOT NULL
                );
                CREATE INDEX usage_tx_batch ON usage_tx(batch);
                CREATE INDEX usage_tx_status ON usage_tx(status);
                """)
        }
        return migrator
    }

    // MARK: UsageOutboxStore

    public func insertBatches(_ batches: [UsageBatch]) async throws(UsageOutboxStoreError) -> [OutboxBatch] {
        let now = Date().timeIntervalSince1970
        return try await write { db in
            var out = [OutboxBatch]()
            for b in batches {
                try db.execute(sql: """
                    INSERT INTO usage_batch (entitlement_id, first_seq, last_seq, total_bytes, root, state, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [b.entitlementId.description, Self.i64(b.firstSeq), Self.i64(b.lastSeq),
                                     Self.i64(b.totalBytes), Data(b.root.bytes), OutboxBatchState.pending.rawValue, now])
                let id = db.lastInsertedRowID
                let statement = try db.makeStatement(sql: """
                    INSERT INTO usage_cdr (batch, leaf_index, entitlement_id, sequence, bytes, period_start, period_end, cdr_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for (i, c) in b.cdrs.enumerated() {
                    do {
                        try statement.execute(arguments: [id, i, c.entitlementId.description, Self.i64(c.sequence), Self.i64(c.bytes),
                                                          Self.i64(c.periodStart), Self.i64(c.periodEnd), Data(c.cdrHash.bytes)])
                    } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                        || e.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                        throw UsageOutboxStoreError.duplicateCDR("entitlement \(c.entitlementId) sequence \(c.sequence)")
                    }
                }
                out.append(OutboxBatch(id: id, entitlementId: b.entitlementId, firstSeq: b.firstSeq, lastSeq: b.lastSeq,
                                       totalBytes: b.totalBytes, root: b.root))
            }
            return out
        }
    }

    public func batch(id: Int64) async throws(UsageOutboxStoreError) -> OutboxBatch? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM usage_batch WHERE id = ?", arguments: [id]).map(Self.decodeBatch) }
    }

    public func batches(in states: Set<OutboxBatchState>?) async throws(UsageOutboxStoreError) -> [OutboxBatch] {
        try await read { db in
            if let states {
                let list = states.map(\.rawValue).sorted()
                let marks = list.map { _ in "?" }.joined(separator: ",")
                return try Row.fetchAll(db, sql: "SELECT * FROM usage_batch WHERE state IN (\(marks)) ORDER BY id",
                                        arguments: StatementArguments(list)).map(Self.decodeBatch)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM usage_batch ORDER BY id").map(Self.decodeBatch)
        }
    }

    public func cdrs(batch: Int64) async throws(UsageOutboxStoreError) -> [CDR] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_cdr WHERE batch = ? ORDER BY leaf_index", arguments: [batch]).map(Self.decodeCDR)
        }
    }

    public func batch(containing entitlementId: UInt256, sequence: UInt64) async throws(UsageOutboxStoreError) -> OutboxBatch? {
        try await read { db in
            try Row.fetchOne(db, sql: """
                SELECT b.* FROM usage_batch b JOIN usage_cdr c ON c.batch = b.id
                WHERE c.entitlement_id = ? AND c.sequence = ?
                """, arguments: [entitlementId.description, Self.i64(sequence)]).map(Self.decodeBatch)
        }
    }

    public func lastSequence(entitlementId: UInt256) async throws(UsageOutboxStoreError) -> UInt64 {
        let values: [Int64] = try await read { db in
            try Int64.fetchAll(db, sql: "SELECT last_seq FROM usage_batch WHERE entitlement_id = ? AND state <> ?",
                               arguments: [entitlementId.description, OutboxBatchState.rejected.rawValue])
        }
        return values.map { UInt64(bitPattern: $0) }.max() ?? 0
    }

    public func highestContractNonce(entitlementId: UInt256) async throws(UsageOutboxStoreError) -> UInt256? {
        let texts: [String] = try await read { db in
            try String.fetchAll(db, sql: "SELECT contract_nonce FROM usage_batch WHERE entitlement_id = ? AND contract_nonce IS NOT NULL",
                                arguments: [entitlementId.description])
        }
        var best: UInt256?
        for t in texts {
            let v: UInt256
            do { v = try UInt256(decimal: t) } catch { throw .corrupt("contract nonce \(t)") }
            if best.map({ v > $0 }) ?? true { best = v }
        }
        return best
    }

    public func transactions(batch: Int64) async throws(UsageOutboxStoreError) -> [OutboxTransaction] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_tx WHERE batch = ? ORDER BY created_at, rowid", arguments: [batch])
                .map(Self.decodeTransaction)
        }
    }

    public func inFlightTransactions() async throws(UsageOutboxStoreError) -> [OutboxTransaction] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_tx WHERE status = ? ORDER BY created_at, rowid",
                             arguments: [OutboxTransactionStatus.signed.rawValue]).map(Self.decodeTransaction)
        }
    }

    public func apply(_ change: UsageOutboxChange) async throws(UsageOutboxStoreError) {
        let now = Date().timeIntervalSince1970
        try await write { db in
            let b = change.batch
            try db.execute(sql: """
                UPDATE usage_batch SET state = ?, poster = ?, contract_nonce = ?, batch_id = ?, posted_at = ?, posted_block = ?,
                    last_error = ?
                WHERE id = ? AND state = ?
                """, arguments: [b.state.rawValue, b.poster?.checksummed, b.contractNonce?.description, b.batchId.map { Data($0.bytes) },
                                 b.postedAt.map(Self.i64), b.postedBlock.map(Self.i64), b.lastError, b.id, change.expectedState.rawValue])
            guard db.changesCount == 1 else {
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_batch WHERE id = ?", arguments: [b.id]) == 0 {
                    throw UsageOutboxStoreError.unknownBatch(b.id)
                }
                throw UsageOutboxStoreError.stateConflict(batch: b.id, expected: change.expectedState)
            }
            if let t = change.insertTransaction {
                try db.execute(sql: """
                    INSERT INTO usage_tx (hash, batch, purpose, sender, nonce, raw, status, block_number, gas_used, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [Data(t.hash.bytes), t.batch, t.purpose.rawValue, t.sender.checksummed, Self.i64(t.nonce), Data(t.raw),
                                     t.status.rawValue, t.blockNumber.map(Self.i64), t.gasUsed.map(Self.i64), now])
            }
            for t in change.updateTransactions {
                try db.execute(sql: "UPDATE usage_tx SET status = ?, block_number = ?, gas_used = ? WHERE hash = ?",
                               arguments: [t.status.rawValue, t.blockNumber.map(Self.i64), t.gasUsed.map(Self.i64), Data(t.hash.bytes)])
                guard db.changesCount == 1 else { throw UsageOutboxStoreError.corrupt("no transaction \(t.hash.hex) to update") }
            }
        }
    }

    // MARK: Decoding

    static func i64(_ v: UInt64) -> Int64 { Int64(bitPattern: v) }
    static func u64(_ row: Row, _ column: String) -> UInt64 { UInt64(bitPattern: row[column] as Int64) }
    static func optionalU64(_ row: Row, _ column: String) -> UInt64? { (row[column] as Int64?).map { UInt64(bitPattern: $0) } }

    static func hash(_ row: Row, _ column: String) throws -> Hash32 {
        let data: Data = row[column]
        do { return try Hash32([UInt8](data)) } catch { throw UsageOutboxStoreError.corrupt("\(column)") }
    }

    static func decodeBatch(_ row: Row) throws -> OutboxBatch {
        let stateText: String = row["state"]
        guard let state = OutboxBatchState(rawValue: stateText) else { throw UsageOutboxStoreError.corrupt("batch state \(stateText)") }
        let entitlementText: String = row["entitlement_id"]
        let entitlement: UInt256
        do { entitlement = try UInt256(decimal: entitlementText) } catch { throw UsageOutboxStoreError.corrupt("entitlement id") }
        var poster: Address?
        if let p = row["poster"] as String? {
            do { poster = try Address(hex: p) } catch { throw UsageOutboxStoreError.corrupt("poster \(p)") }
        }
        var nonce: UInt256?
        if let n = row["contract_nonce"] as String? {
            do { nonce = try UInt256(decimal: n) } catch { throw UsageOutboxStoreError.corrupt("contract nonce \(n)") }
        }
        let batchId: Hash32? = (row["batch_id"] as Data?) == nil ? nil : try hash(row, "batch_id")
        return OutboxBatch(id: row["id"], entitlementId: entitlement, firstSeq: u64(row, "first_seq"), lastSeq: u64(row, "last_seq"),
                           totalBytes: u64(row, "total_bytes"), root: try hash(row, "root"), state: state, poster: poster,
                           contractNonce: nonce, batchId: batchId, postedAt: optionalU64(row, "posted_at"),
                           postedBlock: optionalU64(row, "posted_block"), lastError: row["last_error"])
    }

    static func decodeCDR(_ row: Row) throws -> CDR {
        let entitlementText: String = row["entitlement_id"]
        let entitlement: UInt256
        do { entitlement = try UInt256(decimal: entitlementText) } catch { throw UsageOutboxStoreError.corrupt("entitlement id") }
        return CDR(entitlementId: entitlement, sequence: u64(row, "sequence"), bytes: u64(row, "bytes"),
                   periodStart: u64(row, "period_start"), periodEnd: u64(row, "period_end"), cdrHash: try hash(row, "cdr_hash"))
    }

    static func decodeTransaction(_ row: Row) throws -> OutboxTransaction {
        let purposeText: String = row["purpose"], statusText: String = row["status"], senderText: String = row["sender"]
        guard let purpose = OutboxTransactionPurpose(rawValue: purposeText) else { throw UsageOutboxStoreError.corrupt("purpose \(purposeText)") }
        guard let status = OutboxTransactionStatus(rawValue: statusText) else { throw UsageOutboxStoreError.corrupt("status \(statusText)") }
        let sender: Address
        do { sender = try Address(hex: senderText) } catch { throw UsageOutboxStoreError.corrupt("sender \(senderText)") }
        let raw: Data = row["raw"]
        return OutboxTransaction(hash: try hash(row, "hash"), batch: row["batch"], purpose: purpose, sender: sender,
                                 nonce: u64(row, "nonce"), raw: [UInt8](raw), status: status,
                                 blockNumber: optionalU64(row, "block_number"), gasUsed: optionalU64(row, "gas_used"))
    }

    // MARK: Plumbing

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(UsageOutboxStoreError) -> T {
        do { return try await database.read(body) } catch { throw Self.map(error) }
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(UsageOutboxStoreError) -> T {
        do { return try await database.write(body) } catch { throw Self.map(error) }
    }

    private static func map(_ error: any Error) -> UsageOutboxStoreError {
        if let e = error as? UsageOutboxStoreError { return e }
        return .backend("\(error)")
    }
}
