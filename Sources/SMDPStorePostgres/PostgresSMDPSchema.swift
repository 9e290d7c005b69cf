import Foundation
import PostgresNIO
import PostgresSupport
import SMDPCore

/// The schema of `PostgresSMDPStore`, mirroring the SQLite store's tables. Times are `double precision`
/// seconds since 1970 (the same `Date` value round-trips exactly), bytes are `bytea`.
enum PostgresSMDPSchema {
    static let migrations: [PostgresMigration] = [
        PostgresMigration(version: 1, name: "profiles-orders-sessions") { schema in
            let s = schema.rawValue
            return [
                """
                CREATE TABLE \(unescaped: s).profile (
                  iccid text PRIMARY KEY,
                  profile_type text,
                  upp bytea NOT NULL,
                  service_provider_name text NOT NULL,
                  profile_name text NOT NULL,
                  profile_class bigint NOT NULL,
                  state text NOT NULL,
                  eid text,
                  updated_at double precision NOT NULL)
                """,
                "CREATE INDEX profile_by_state_type ON \(unescaped: s).profile (state, profile_type)",
                """
                CREATE TABLE \(unescaped: s).download_order (
                  iccid text PRIMARY KEY REFERENCES \(unescaped: s).profile (iccid) ON DELETE CASCADE,
                  matching_id text UNIQUE,
                  eid text,
                  cc_hash bytea,
                  cc_failures bigint NOT NULL,
                  locked boolean NOT NULL,
                  created_at double precision NOT NULL,
                  expires_at double precision)
                """,
                "CREATE INDEX order_by_eid ON \(unescaped: s).download_order (eid)",
                """
                CREATE TABLE \(unescaped: s).session (
                  transaction_id bytea PRIMARY KEY,
                  phase text NOT NULL,
                  created_at double precision NOT NULL,
                  expires_at double precision NOT NULL,
                  euicc_challenge bytea NOT NULL,
                  server_challenge bytea NOT NULL,
                  ci_pkid bytea NOT NULL,
                  eid text,
                  iccid text,
                  matching_id text,
                  euicc_certificate bytea,
                  smdp_signature2 bytea,
                  cc_required boolean NOT NULL,
                  profile_metadata bytea)
                """,
            ]
        },
        // Entitlement-gated orders (branch chain-trust, docs/CHAIN-TRUST.md).
        PostgresMigration(version: 2, name: "chain-trust-v1-entitlement-orders") { schema in
            let s = schema.rawValue
            return [
                """
                CREATE TABLE \(unescaped: s).entitlement_order (
                  matching_id text PRIMARY KEY,
                  profile_type text NOT NULL,
                  entitlement_id bytea NOT NULL,
                  salt bytea NOT NULL,
                  created_at double precision NOT NULL,
                  expires_at double precision,
                  iccid text UNIQUE,
                  eid text,
                  transaction_id bytea,
                  granted_at double precision)
                """,
            ]
        },
        // ES2+ requesters and the handleDownloadProgressInfo outbox (branch es2plus, docs/SMDP-SERVER.md).
        PostgresMigration(version: 3, name: "es2plus-v1-requesters-progress") { schema in
            let s = schema.rawValue
            return [
                """
                CREATE TABLE \(unescaped: s).es2plus_order_requester (
                  iccid text PRIMARY KEY REFERENCES \(unescaped: s).download_order (iccid) ON DELETE CASCADE,
                  requester_id text NOT NULL)
                """,
                """
                CREATE TABLE \(unescaped: s).es2plus_progress (
                  id bigserial PRIMARY KEY,
                  requester_id text NOT NULL,
                  iccid text NOT NULL,
                  eid text,
                  profile_type text,
                  from_state text NOT NULL,
                  to_state text NOT NULL,
                  occurred_at double precision NOT NULL,
                  attempts bigint NOT NULL,
                  next_attempt_at double precision NOT NULL,
                  last_error text)
                """,
                "CREATE INDEX es2plus_progress_due ON \(unescaped: s).es2plus_progress (next_attempt_at)",
            ]
        },
        // One granted order per entitlement: an entitlement releases at most one profile (docs/CHAIN-TRUST.md).
        PostgresMigration(version: 4, name: "chain-trust-v2-one-grant-per-entitlement") { schema in
            let s = schema.rawValue
            return ["""
                CREATE UNIQUE INDEX entitlement_order_granted ON \(unescaped: s).entitlement_order (entitlement_id)
                  WHERE granted_at IS NOT NULL
                """]
        },
        // Deliveries per profile (redelivery to the same eUICC, delivery expiry).
        PostgresMigration(version: 5, name: "hardening-v1-session-by-iccid") { schema in
            ["CREATE INDEX session_by_iccid_phase ON \(unescaped: schema.rawValue).session (iccid, phase)"]
        },
    ]

    /// Brings `schema` up to the newest migration (`PostgresMigrator`: under the schema's advisory lock,
    /// recorded in `schema_migration`), inside the caller's transaction. Idempotent; returns the versions
    /// applied by this call.
    static func migrate(_ connection: PostgresConnection, schema: PostgresSchemaName, logger: Logger) async throws -> [Int] {
        do {
            return try await PostgresMigrator.migrate(connection, schema: schema, table: "schema_migration", migrations: migrations,
                                                      logger: logger)
        } catch let newer as PostgresMigrator.NewerThanBuild {
            throw SMDPStoreError.backend(newer.description)
        }
    }
}
