// The usage outbox tables in the SM-DP+ PostgreSQL schema. Their migrations are numbered in their own
// table (`usage_schema_migration`), so they never collide with the SM-DP+ store's `schema_migration`.
import Foundation
import PostgresNIO
import PostgresSupport
import UsageService

/// The tables of `PostgresUsageOutboxStore`, mirroring `SQLiteUsageOutboxStore`: uint64 values are
/// `bigint` holding their Int64 bit pattern (order is never taken from SQL on them), uint256 values
/// decimal `text`, hashes and raw transactions `bytea`, times `double precision` seconds since 1970.
enum PostgresUsageSchema {
    static let migrations: [PostgresMigration] = [
        PostgresMigration(version: 1, name: "usage-pg-v1-outbox-batches-cdrs-transactions") { schema in
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

    /// Brings the usage tables of `schema` up to the newest migration (`PostgresMigrator`: under the
    /// schema's advisory lock shared with `PostgresSMDPStore`, recorded in `usage_schema_migration`),
    /// inside the caller's transaction. Idempotent; returns the versions applied.
    static func migrate(_ connection: PostgresConnection, schema: PostgresSchemaName, logger: Logger) async throws -> [Int] {
        do {
            return try await PostgresMigrator.migrate(connection, schema: schema, table: "usage_schema_migration",
                                                      migrations: migrations, logger: logger)
        } catch let newer as PostgresMigrator.NewerThanBuild {
            throw UsageOutboxStoreError.backend(newer.description)
        }
    }
}
