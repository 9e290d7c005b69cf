import GRDB

/// The schema, as GRDB migrations (append new migrations; never edit a shipped one).
enum SQLiteSMDPSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-profiles-orders-sessions") { db in
            try db.create(table: "profile") { t in
                t.primaryKey("iccid", .text)
                t.column("profile_type", .text)
                t.column("upp", .blob).notNull()
                t.column("service_provider_name", .text).notNull()
                t.column("profile_name", .text).notNull()
                t.column("profile_class", .integer).notNull()
                t.column("state", .text).notNull()
                t.column("eid", .text)
                t.column("updated_at", .double).notNull()
            }
            try db.create(index: "profile_by_state_type", on: "profile", columns: ["state", "profile_type"])
            try db.create(table: "download_order") { t in
                t.primaryKey("iccid", .text).references("profile", onDelete: .cascade)
                t.column("matching_id", .text).unique()
                t.column("eid", .text)
                t.column("cc_hash", .blob)
                t.column("cc_failures", .integer).notNull()
                t.column("locked", .boolean).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double)
            }
            try db.create(index: "order_by_eid", on: "download_order", columns: ["eid"])
            try db.create(table: "session") { t in
                t.primaryKey("transaction_id", .blob)
                t.column("phase", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("euicc_challenge", .blob).notNull()
                t.column("server_challenge", .blob).notNull()
                t.column("ci_pkid", .blob).notNull()
                t.column("eid", .text)
                t.column("iccid", .text)
                t.column("matching_id", .text)
                t.column("euicc_certificate", .blob)
                t.column("smdp_signature2", .blob)
                t.column("cc_required", .boolean).notNull()
                t.column("profile_metadata", .blob)
            }
        }
        // Entitlement-gated orders (branch chain-trust, docs/CHAIN-TRUST.md). The salt is a secret of the
        // entitlement owner shared with this SM-DP+ only.
        migrator.registerMigration("chain-trust-v1-entitlement-orders") { db in
            try db.create(table: "entitlement_order") { t in
                t.primaryKey("matching_id", .text)
                t.column("profile_type", .text).notNull()
                t.column("entitlement_id", .blob).notNull()
                t.column("salt", .blob).notNull()
                t.column("created_at", .double).notNull()
                t.column("expires_at", .double)
                t.column("iccid", .text).unique()
                t.column("eid", .text)
                t.column("transaction_id", .blob)
                t.column("granted_at", .double)
            }
        }
        migrator.registerMigration("es2plus-v1-requesters-progress") { db in
            // The ES2+ requester of an order; deleted with the order.
            try db.create(table: "es2plus_order_requester") { t in
                t.primaryKey("iccid", .text).references("download_order", onDelete: .cascade)
                t.column("requester_id", .text).notNull()
            }
            // Pending HandleDownloadProgressInfo reports (outbox), written with the transition they report.
            try db.create(table: "es2plus_progress") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("requester_id", .text).notNull()
                t.column("iccid", .text).notNull()
                t.column("eid", .text)
                t.column("profile_type", .text)
                t.column("from_state", .text).notNull()
                t.column("to_state", .text).notNull()
                t.column("occurred_at", .double).notNull()
                t.column("attempts", .integer).notNull()
                t.column("next_attempt_at", .double).notNull()
                t.column("last_error", .text)
            }
            try db.create(index: "es2plus_progress_due", on: "es2plus_progress", columns: ["next_attempt_at"])
        }
        // One granted order per entitlement: an entitlement releases at most one profile (docs/CHAIN-TRUST.md).
        migrator.registerMigration("chain-trust-v2-one-grant-per-entitlement") { db in
            try db.execute(sql: """
                CREATE UNIQUE INDEX entitlement_order_granted ON entitlement_order (entitlement_id) WHERE granted_at IS NOT NULL
                """)
        }
        // Deliveries per profile (redelivery to the same eUICC, delivery expiry).
        migrator.registerMigration("hardening-v1-session-by-iccid") { db in
            try db.create(index: "session_by_iccid_phase", on: "session", columns: ["iccid", "phase"])
        }
        return migrator
    }
}
