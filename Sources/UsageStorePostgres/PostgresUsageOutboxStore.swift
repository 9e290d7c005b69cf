// The usage outbox in PostgreSQL, in the same schema as the SM-DP+ store (default `openrsp_smdp`):
// the same semantics as `SQLiteUsageOutboxStore` (compare-and-set batch transitions, all-or-nothing
// changes, the same errors), with every value a bound parameter.
import EthereumCore
import Foundation
import PostgresNIO
import PostgresSupport
import Settlement
import UsageService

/// The usage outbox in one PostgreSQL schema, shared with `PostgresSMDPStore` when both are opened on
/// the same schema (either may be opened first).
///
/// Every method is one statement or one SQL transaction. `apply` updates the batch with
/// `UPDATE … WHERE id = $1 AND state = $2 RETURNING id`; if no row matches, the transaction rolls back
/// and the error is `.unknownBatch` or `.stateConflict`, as in SQLite. A concurrent `apply` on the same
/// batch waits for the first to commit and then re-checks the state, so only one of them moves it.
///
/// The store uses a `PostgresClient` that must be running (`client.run()` in a task); `withStore`
/// does that for a scope.
public final class PostgresUsageOutboxStore: UsageOutboxStore, Sendable {
    public let schema: PostgresSchemaName
    private let client: PostgresClient
    private let logger: Logger

    /// A store on `client` (which the caller runs) in `schema`. Call `migrate()` before first use.
    public init(client: PostgresClient, schema: PostgresSchemaName, logger: Logger = Logger(label: "openrsp.usage.postgres")) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    /// Runs a `PostgresClient` for `configuration` while `body` runs, migrates the usage tables of
    /// `schema`, and hands `body` the store; the client is shut down when `body` returns or throws.
    /// An unreachable server or rejected credentials fail at once with `.backend` (`checkConnection`).
    public static func withStore<T: Sendable>(
        _ configuration: PostgresStoreConfiguration, schema: PostgresSchemaName,
        logger: Logger = Logger(label: "openrsp.usage.postgres"),
        _ body: (PostgresUsageOutboxStore) async throws -> T
    ) async throws -> T {
        do { try await configuration.checkConnection(logger: logger) } catch { throw UsageOutboxStoreError.backend(error.description) }
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            await withCheckedContinuation { (started: CheckedContinuation<Void, Never>) in
                group.addTask {
                    started.resume()
                    await client.run()
                }
            }
            defer { group.cancelAll() }
            let store = PostgresUsageOutboxStore(client: client, schema: schema, logger: logger)
            try await store.migrate()
            return try await body(store)
        }
    }

    /// Creates the schema if needed and applies missing usage migrations under the schema's advisory
    /// lock. Safe to call from several processes at once. Returns the versions this call applied.
    @discardableResult
    public func migrate() async throws(UsageOutboxStoreError) -> [Int] {
        let schema = self.schema, logger = self.logger
        return try await transaction { connection in
            try await PostgresUsageSchema.migrate(connection, schema: schema, logger: logger)
        }
    }

    // MARK: UsageOutboxStore

    public func insertBatches(_ batches: [UsageBatch]) async throws(UsageOutboxStoreError) -> [OutboxBatch] {
        let now = Date().timeIntervalSince1970
        let s = schema.rawValue, logger = self.logger
        return try await transaction { connection in
            var out = [OutboxBatch]()
            for b in batches {
                let rows = try await connection.queryAll("""
                    INSERT INTO \(unescaped: s).usage_batch (entitlement_id, first_seq, last_seq, total_bytes, root, state, created_at)
                    VALUES (\(b.entitlementId.description), \(Self.i64(b.firstSeq)), \(Self.i64(b.lastSeq)), \(Self.i64(b.totalBytes)),
                      \(ByteBuffer(bytes: b.root.bytes)), \(OutboxBatchState.pending.rawValue), \(now))
                    RETURNING id
                    """, logger: logger)
                guard let row = rows.first else { throw UsageOutboxStoreError.backend("insert returned no batch id") }
                let id = try row.decode(Int64.self)
                try await Self.insertCDRs(b.cdrs, batch: id, schema: s, connection: connection, logger: logger)
                out.append(OutboxBatch(id: id, entitlementId: b.entitlementId, firstSeq: b.firstSeq, lastSeq: b.lastSeq,
                                       totalBytes: b.totalBytes, root: b.root))
            }
            return out
        }
    }

    /// CDRs per `INSERT … SELECT FROM unnest(…)` statement (bounds the size of one bind message).
    public static let cdrChunk = 5_000

    /// Inserts the batch's CDRs in leaf order with a few array-bound statements. A CDR already stored
    /// (by an earlier call, or by an earlier batch of this call) is found first, so the error names the
    /// first one in leaf order as the SQLite store does; a unique violation from a concurrent import
    /// that commits in between is `.duplicateCDR` with the server's detail.
    private static func insertCDRs(_ cdrs: [CDR], batch id: Int64, schema s: String, connection: PostgresConnection,
                                   logger: Logger) async throws {
        var start = 0
        while start < cdrs.count {
            let chunk = cdrs[start..<min(start + cdrChunk, cdrs.count)]
            let entitlements = chunk.map(\.entitlementId.description), sequences = chunk.map { i64($0.sequence) }
            let existing = try await connection.queryAll("""
                SELECT entitlement_id, sequence FROM \(unescaped: s).usage_cdr
                WHERE (entitlement_id, sequence) IN (SELECT * FROM unnest(\(entitlements)::text[], \(sequences)::bigint[]))
                """, logger: logger)
            if !existing.isEmpty {
                var stored = Set<String>()
                for row in existing {
                    let (entitlement, sequence) = try row.decode((String, Int64).self)
                    stored.insert("\(entitlement):\(sequence)")
                }
                if let c = chunk.first(where: { stored.contains("\($0.entitlementId.description):\(i64($0.sequence))") }) {
                    throw UsageOutboxStoreError.duplicateCDR("entitlement \(c.entitlementId) sequence \(c.sequence)")
                }
            }
            do {
                try await connection.queryAll("""
                    INSERT INTO \(unescaped: s).usage_cdr (batch, leaf_index, entitlement_id, sequence, bytes, period_start, period_end,
                      cdr_hash)
                    SELECT \(id), u.* FROM unnest(\(chunk.indices.map { Int64($0) })::bigint[], \(entitlements)::text[],
                      \(sequences)::bigint[], \(chunk.map { i64($0.bytes) })::bigint[], \(chunk.map { i64($0.periodStart) })::bigint[],
                      \(chunk.map { i64($0.periodEnd) })::bigint[], \(chunk.map { ByteBuffer(bytes: $0.cdrHash.bytes) })::bytea[]) AS u
                    """, logger: logger)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw UsageOutboxStoreError.duplicateCDR(error.serverInfo?[.detail] ?? "unique violation")
            }
            start += cdrChunk
        }
    }

    public func batch(id: Int64) async throws(UsageOutboxStoreError) -> OutboxBatch? {
        try await fetchAll(Self.decodeBatch) { s in "SELECT * FROM \(unescaped: s).usage_batch WHERE id = \(id)" }.first
    }

    public func batches(in states: Set<OutboxBatchState>?) async throws(UsageOutboxStoreError) -> [OutboxBatch] {
        if let states {
            let list = states.map(\.rawValue).sorted()
            return try await fetchAll(Self.decodeBatch) { s in
                "SELECT * FROM \(unescaped: s).usage_batch WHERE state = ANY(\(list)) ORDER BY id"
            }
        }
        return try await fetchAll(Self.decodeBatch) { s in "SELECT * FROM \(unescaped: s).usage_batch ORDER BY id" }
    }

    public func cdrs(batch: Int64) async throws(UsageOutboxStoreError) -> [CDR] {
        try await fetchAll(Self.decodeCDR) { s in
            "SELECT * FROM \(unescaped: s).usage_cdr WHERE batch = \(batch) ORDER BY leaf_index"
        }
    }

    public func batch(containing entitlementId: UInt256, sequence: UInt64) async throws(UsageOutboxStoreError) -> OutboxBatch? {
        try await fetchAll(Self.decodeBatch) { s in
            """
            SELECT b.* FROM \(unescaped: s).usage_batch b JOIN \(unescaped: s).usage_cdr c ON c.batch = b.id
            WHERE c.entitlement_id = \(entitlementId.description) AND c.sequence = \(Self.i64(sequence))
            """
        }.first
    }

    public func lastSequence(entitlementId: UInt256) async throws(UsageOutboxStoreError) -> UInt64 {
        let values = try await fetchAll({ row throws -> Int64 in try row.decode(Int64.self) }) { s in
            """
            SELECT last_seq FROM \(unescaped: s).usage_batch
            WHERE entitlement_id = \(entitlementId.description) AND state <> \(OutboxBatchState.rejected.rawValue)
            """
        }
        return values.map { UInt64(bitPattern: $0) }.max() ?? 0
    }

    public func highestContractNonce(entitlementId: UInt256) async throws(UsageOutboxStoreError) -> UInt256? {
        let texts = try await fetchAll({ row throws -> String in try row.decode(String.self) }) { s in
            """
            SELECT contract_nonce FROM \(unescaped: s).usage_batch
            WHERE entitlement_id = \(entitlementId.description) AND contract_nonce IS NOT NULL
            """
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
        try await fetchAll(Self.decodeTransaction) { s in
            "SELECT * FROM \(unescaped: s).usage_tx WHERE batch = \(batch) ORDER BY created_at, seq"
        }
    }

    public func inFlightTransactions() async throws(UsageOutboxStoreError) -> [OutboxTransaction] {
        try await fetchAll(Self.decodeTransaction) { s in
            "SELECT * FROM \(unescaped: s).usage_tx WHERE status = \(OutboxTransactionStatus.signed.rawValue) ORDER BY created_at, seq"
        }
    }

    public func apply(_ change: UsageOutboxChange) async throws(UsageOutboxStoreError) {
        let now = Date().timeIntervalSince1970
        let s = schema.rawValue, logger = self.logger
        try await transaction { connection in
            let b = change.batch
            let updated = try await connection.queryAll("""
                UPDATE \(unescaped: s).usage_batch SET state = \(b.state.rawValue), poster = \(b.poster?.checksummed),
                  contract_nonce = \(b.contractNonce?.description), batch_id = \(b.batchId.map { ByteBuffer(bytes: $0.bytes) }),
                  posted_at = \(b.postedAt.map(Self.i64)), posted_block = \(b.postedBlock.map(Self.i64)), last_error = \(b.lastError)
                WHERE id = \(b.id) AND state = \(change.expectedState.rawValue)
                RETURNING id
                """, logger: logger)
            guard updated.count == 1 else {
                let existing = try await connection.queryAll("SELECT id FROM \(unescaped: s).usage_batch WHERE id = \(b.id)", logger: logger)
                if existing.isEmpty { throw UsageOutboxStoreError.unknownBatch(b.id) }
                throw UsageOutboxStoreError.stateConflict(batch: b.id, expected: change.expectedState)
            }
            if let t = change.insertTransaction {
                try await connection.queryAll("""
                    INSERT INTO \(unescaped: s).usage_tx (hash, batch, purpose, sender, nonce, raw, status, block_number, gas_used, created_at)
                    VALUES (\(ByteBuffer(bytes: t.hash.bytes)), \(t.batch), \(t.purpose.rawValue), \(t.sender.checksummed),
                      \(Self.i64(t.nonce)), \(ByteBuffer(bytes: t.raw)), \(t.status.rawValue), \(t.blockNumber.map(Self.i64)),
                      \(t.gasUsed.map(Self.i64)), \(now))
                    """, logger: logger)
            }
            for t in change.updateTransactions {
                let rows = try await connection.queryAll("""
                    UPDATE \(unescaped: s).usage_tx SET status = \(t.status.rawValue), block_number = \(t.blockNumber.map(Self.i64)),
                      gas_used = \(t.gasUsed.map(Self.i64))
                    WHERE hash = \(ByteBuffer(bytes: t.hash.bytes))
                    RETURNING hash
                    """, logger: logger)
                guard rows.count == 1 else { throw UsageOutboxStoreError.corrupt("no transaction \(t.hash.hex) to update") }
            }
        }
    }

    // MARK: Decoding

    static func i64(_ v: UInt64) -> Int64 { Int64(bitPattern: v) }

    private struct Columns {
        let row: PostgresRandomAccessRow

        init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

        func value<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T {
            guard row.contains(name) else { throw UsageOutboxStoreError.corrupt("column \(name) missing") }
            return try row[name].decode(T.self)
        }

        func u64(_ name: String) throws -> UInt64 { UInt64(bitPattern: try value(name, Int64.self)) }
        func optionalU64(_ name: String) throws -> UInt64? { try value(name, Int64?.self).map { UInt64(bitPattern: $0) } }

        func hash(_ name: String) throws -> Hash32? {
            guard let buffer = try value(name, ByteBuffer?.self) else { return nil }
            do { return try Hash32(Array(buffer.readableBytesView)) } catch { throw UsageOutboxStoreError.corrupt(name) }
        }

        func requiredHash(_ name: String) throws -> Hash32 {
            guard let h = try hash(name) else { throw UsageOutboxStoreError.corrupt("\(name) is NULL") }
            return h
        }

        func uint256(_ name: String) throws -> UInt256? {
            guard let text = try value(name, String?.self) else { return nil }
            do { return try UInt256(decimal: text) } catch { throw UsageOutboxStoreError.corrupt("\(name) \(text)") }
        }

        func requiredUInt256(_ name: String) throws -> UInt256 {
            guard let v = try uint256(name) else { throw UsageOutboxStoreError.corrupt("\(name) is NULL") }
            return v
        }
    }

    static func decodeBatch(_ row: PostgresRow) throws -> OutboxBatch {
        let c = Columns(row)
        let stateText = try c.value("state", String.self)
        guard let state = OutboxBatchState(rawValue: stateText) else { throw UsageOutboxStoreError.corrupt("batch state \(stateText)") }
        var poster: Address?
        if let p = try c.value("poster", String?.self) {
            do { poster = try Address(hex: p) } catch { throw UsageOutboxStoreError.corrupt("poster \(p)") }
        }
        return OutboxBatch(id: try c.value("id", Int64.self), entitlementId: try c.requiredUInt256("entitlement_id"),
                           firstSeq: try c.u64("first_seq"), lastSeq: try c.u64("last_seq"), totalBytes: try c.u64("total_bytes"),
                           root: try c.requiredHash("root"), state: state, poster: poster,
                           contractNonce: try c.uint256("contract_nonce"), batchId: try c.hash("batch_id"),
                           postedAt: try c.optionalU64("posted_at"), postedBlock: try c.optionalU64("posted_block"),
                           lastError: try c.value("last_error", String?.self))
    }

    static func decodeCDR(_ row: PostgresRow) throws -> CDR {
        let c = Columns(row)
        return CDR(entitlementId: try c.requiredUInt256("entitlement_id"), sequence: try c.u64("sequence"), bytes: try c.u64("bytes"),
                   periodStart: try c.u64("period_start"), periodEnd: try c.u64("period_end"), cdrHash: try c.requiredHash("cdr_hash"))
    }

    static func decodeTransaction(_ row: PostgresRow) throws -> OutboxTransaction {
        let c = Columns(row)
        let purposeText = try c.value("purpose", String.self), statusText = try c.value("status", String.self)
        let senderText = try c.value("sender", String.self)
        guard let purpose = OutboxTransactionPurpose(rawValue: purposeText) else { throw UsageOutboxStoreError.corrupt("purpose \(purposeText)") }
        guard let status = OutboxTransactionStatus(rawValue: statusText) else { throw UsageOutboxStoreError.corrupt("status \(statusText)") }
        let sender: Address
        do { sender = try Address(hex: senderText) } catch { throw UsageOutboxStoreError.corrupt("sender \(senderText)") }
        let raw = try c.value("raw", ByteBuffer.self)
        return OutboxTransaction(hash: try c.requiredHash("hash"), batch: try c.value("batch", Int64.self), purpose: purpose,
                                 sender: sender, nonce: try c.u64("nonce"), raw: Array(raw.readableBytesView), status: status,
                                 blockNumber: try c.optionalU64("block_number"), gasUsed: try c.optionalU64("gas_used"))
    }

    // MARK: Plumbing

    private func transaction<T>(_ body: (PostgresConnection) async throws -> sending T) async throws(UsageOutboxStoreError) -> T {
        do { return try await client.withTransaction(logger: logger, body) } catch { throw Self.map(error) }
    }

    private func fetchAll<T>(_ decode: (PostgresRow) throws -> T, _ query: (String) -> PostgresQuery) async throws(UsageOutboxStoreError) -> [T] {
        let rows: [PostgresRow]
        do { rows = try await client.query(query(schema.rawValue), logger: logger).collect() } catch { throw Self.map(error) }
        do { return try rows.map(decode) } catch { throw Self.corrupt(error) }
    }

    /// PostgresNIO errors to `UsageOutboxStoreError` as the SQLite store maps GRDB's: the store's own
    /// errors pass through (a transaction is rolled back first), everything else is `.backend` with the
    /// SQLSTATE and message; undecodable values are `.corrupt`.
    static func map(_ error: any Error) -> UsageOutboxStoreError {
        if let own = error as? UsageOutboxStoreError { return own }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError { return map(inner) }
            return .backend("transaction failed")
        }
        if let psql = error as? PSQLError {
            guard let state = psql.serverInfo?[.sqlState] else { return .backend("postgres: \(psql.code)") }
            return .backend("\(psql.serverInfo?[.message] ?? "") (SQLSTATE \(state))")
        }
        if error is PostgresDecodingError { return corrupt(error) }
        return .backend("\(error)")
    }

    static func corrupt(_ error: any Error) -> UsageOutboxStoreError {
        if let own = error as? UsageOutboxStoreError { return own }
        if let decoding = error as? PostgresDecodingError { return .corrupt("column \(decoding.columnName): \(decoding.code)") }
        return .corrupt("\(error)")
    }
}
