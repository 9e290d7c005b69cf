// The usage outbox tables in the SM-DP+ PostgreSQL schema. Their migrations are numbered in their own
// table (`usage_schema_migration`), so they never collide with the SM-DP+ store's `schema_migration`.
import Foundation
import PostgresNIO
import SMDPStorePostgres
import UsageService

/// One usage-outbox migration: a version (applied in ascending order, recorded in
/// `usage_schema_migration`) and its DDL. Append new migrations; never edit a shipped one.
struct PostgresUsageMigration: Sendable {
    let version: Int
    let name: String
    let statements: @Sendable (PostgresSchemaName) -> [PostgresQuery]
}

/// The tables of `PostgresUsageOutboxStore`, mirroring `SQLiteUsageOutboxStore`: uint64 values are
/// `bigint` holding their Int64 bit pattern (order is never taken from SQL on them), uint256 values
/// decimal `text`, hashes and raw transactions `bytea`, times `double precision` seconds since 1970.
enum PostgresUsageSchema {
    static let migrations: [PostgresUsageMigration] = [
        PostgresUsageMigration(version: 1, name: "usage-pg-v1-outbox-batches-cdrs-transactions") { schema in
            let s = schema.rawValue
            return [
                """
                CREATE TABLE \(unescaped: s).usage_batch (
                  id bigserial PRIMARY KEY,
                  entitlement_id text NOT NULL,
                  first_seq bigint NOT NULL,
                  last_seq bigint NOT NULL,
                  total_bytes bigint NOT NULL,
                  root bytea NOT NULL,
                  state text NOT NULL,
                  poster text,
                  contract_nonce text,
                  batch_id bytea UNIQUE,
                  posted_at bigint,
                  posted_block bigint,
                  last_error text,
                  created_at double precision NOT NULL)
                """,
                "CREATE INDEX usage_batch_state ON \(unescaped: s).usage_batch (state)",
                "CREATE INDEX usage_batch_entitlement ON \(unescaped: s).usage_batch (entitlement_id)",
                """
                CREATE TABLE \(unescaped: s).usage_cdr (
                  batch bigint NOT NULL REFERENCES \(unescaped: s).usage_batch (id),
                  leaf_index bigint NOT NULL,
                  entitlement_id text NOT NULL,
                  sequence bigint NOT NULL,
                  bytes bigint NOT NULL,
                  period_start bigint NOT NULL,
                  period_end bigint NOT NULL,
                  cdr_hash bytea NOT NULL,
                  PRIMARY KEY (batch, leaf_index),
                  UNIQUE (entitlement_id, sequence))
                """,
                """
                CREATE TABLE \(unescaped: s).usage_tx (
                  hash bytea PRIMARY KEY,
                  seq bigserial NOT NULL,
                  batch bigint NOT NULL REFERENCES \(unescaped: s).usage_batch (id),
                  purpose text NOT NULL,
                  sender text NOT NULL,
                  nonce bigint NOT NULL,
                  raw bytea NOT NULL,
                  status text NOT NULL,
                  block_number bigint,
                  gas_used bigint,
                  created_at double precision NOT NULL)
                """,
                "CREATE INDEX usage_tx_batch ON \(unescaped: s).usage_tx (batch)",
                "CREATE INDEX usage_tx_status ON \(unescaped: s).usage_tx (status)",
            ]
        },
    ]

    /// The advisory lock key, the same one `PostgresSMDPStore` takes to migrate `schema`: the two stores
    /// never run DDL on one schema at once (two concurrent `CREATE SCHEMA IF NOT EXISTS` can fail).
    static func lockKey(_ schema: PostgresSchemaName) -> String { "openrsp.smdp.migrate:\(schema.rawValue)" }

    /// Brings the usage tables of `schema` up to the newest migration, inside the caller's transaction,
    /// after taking the transaction-scoped advisory lock. Idempotent; returns the versions applied.
    static func migrate(_ connection: PostgresConnection, schema: PostgresSchemaName, logger: Logger) async throws -> [Int] {
        let s = schema.rawValue
        try await connection.queryAll("SELECT pg_advisory_xact_lock(hashtext(\(lockKey(schema))))", logger: logger)
        try await connection.queryAll("CREATE SCHEMA IF NOT EXISTS \(unescaped: s)", logger: logger)
        try await connection.queryAll("""
            CREATE TABLE IF NOT EXISTS \(unescaped: s).usage_schema_migration (
              version bigint PRIMARY KEY,
              name text NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var applied = Set<Int>()
        for row in try await connection.queryAll("SELECT version FROM \(unescaped: s).usage_schema_migration", logger: logger) {
            applied.insert(try row.decode(Int.self))
        }
        let known = Set(migrations.map(\.version))
        if let unknown = applied.subtracting(known).max() {
            throw UsageOutboxStoreError.backend(
                "schema \(s) has usage migration \(unknown), newer than this build knows (\(known.max() ?? 0))")
        }
        var done: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
            for statement in migration.statements(schema) {
                try await connection.queryAll(statement, logger: logger)
            }
            try await connection.queryAll(
                "INSERT INTO \(unescaped: s).usage_schema_migration (version, name) VALUES (\(migration.version), \(migration.name))",
                logger: logger)
            done.append(migration.version)
        }
        return done
    }
}
