import Foundation
import PostgresNIO
import PostgresSupport
import RSPASN1
import SMDPCore

/// The SM-DP+ state in one PostgreSQL schema, shared by any number of SM-DP+ processes (scale-out).
///
/// Every `apply` is one SQL transaction. Profile transitions are compare-and-set updates
/// (`UPDATE … WHERE iccid = $1 AND state = $2 RETURNING iccid`); if one matches no row the whole change
/// rolls back with `.conflict`, the same error `SQLiteSMDPStore` gives. Under PostgreSQL's row locking a
/// concurrent transition of the same profile waits for the first to commit, then re-checks the state,
/// so at most one of two processes moves a profile out of a given state. Every value is a bound
/// parameter (`PostgresQuery` interpolation); the schema name is the only identifier placed into SQL,
/// and `PostgresSchemaName` validates it.
///
/// The store uses a `PostgresClient` that must be running (`client.run()` in a task, or in a
/// ServiceLifecycle `ServiceGroup`); `withStore` does that for a scope.
public final class PostgresSMDPStore: SMDPStore, Sendable {
    public let schema: PostgresSchemaName
    private let client: PostgresClient
    private let clock: any SMDPClock
    private let logger: Logger

    /// A store on `client` (which the caller runs) in `schema`. Call `migrate()` before first use.
    public init(client: PostgresClient, schema: PostgresSchemaName, clock: any SMDPClock = SystemClock(),
                logger: Logger = Logger(label: "openrsp.smdp.postgres")) {
        self.client = client
        self.schema = schema
        self.clock = clock
        self.logger = logger
    }

    /// Runs a `PostgresClient` for `configuration` while `body` runs, migrates `schema`, and hands
    /// `body` the store. The client is shut down (its run task cancelled) when `body` returns or throws.
    /// It first opens one plain connection (`checkConnection`), so an unreachable server or rejected
    /// credentials fail at once with `.backend`; PostgresNIO's pool alone would retry for 60 s first.
    public static func withStore<T: Sendable>(
        _ configuration: PostgresStoreConfiguration, schema: PostgresSchemaName, clock: any SMDPClock = SystemClock(),
        logger: Logger = Logger(label: "openrsp.smdp.postgres"),
        _ body: (PostgresSMDPStore) async throws -> T
    ) async throws -> T {
        do { try await configuration.checkConnection(logger: logger) } catch { throw SMDPStoreError.backend(error.description) }
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // Resumed by the run task right before it enters `run()`, so the first lease (migrate) rarely
            // precedes `run()` (harmless either way: a lease waits for `run()`, PostgresNIO only logs a warning).
            await withCheckedContinuation { (started: CheckedContinuation<Void, Never>) in
                group.addTask {
                    started.resume()
                    await client.run()
                }
            }
            defer { group.cancelAll() }
            let store = PostgresSMDPStore(client: client, schema: schema, clock: clock, logger: logger)
            try await store.migrate()
            return try await body(store)
        }
    }

    /// Creates the schema if needed and applies missing migrations (see `PostgresSMDPSchema.migrate`).
    /// Safe to call from several processes at once. Returns the migration versions this call applied.
    @discardableResult
    public func migrate() async throws(SMDPStoreError) -> [Int] {
        let schema = self.schema
        let logger = self.logger
        return try await transaction { connection in
            try await PostgresSMDPSchema.migrate(connection, schema: schema, logger: logger)
        }
    }

    /// Drops the schema with every table in it (test teardown, decommissioning). Irreversible.
    public func dropSchema() async throws(SMDPStoreError) {
        try await run { client, logger, s in
            try await client.queryAll("DROP SCHEMA IF EXISTS \(unescaped: s) CASCADE", logger: logger)
        }
    }

    // MARK: ProfileStore

    public func insertProfile(_ profile: ProfilePackageRecord) async throws(SMDPStoreError) {
        try await run { client, logger, s in
            try await client.queryAll("""
                INSERT INTO \(unescaped: s).profile (iccid, profile_type, upp, service_provider_name, profile_name, profile_class,
                  state, eid, updated_at)
                VALUES (\(profile.iccid.digits), \(profile.profileType), \(ByteBuffer(bytes: profile.unprotectedProfilePackage)),
                  \(profile.serviceProviderName), \(profile.profileName), \(profile.profileClass.rawValue), \(profile.state.rawValue),
                  \(profile.eid?.digits), \(profile.updatedAt.timeIntervalSince1970))
                """, logger: logger)
        }
    }

    public func profile(iccid: ICCID) async throws(SMDPStoreError) -> ProfilePackageRecord? {
        try await fetchOne(PostgresRowDecoding.profile) { s in
            "SELECT * FROM \(unescaped: s).profile WHERE iccid = \(iccid.digits)"
        }
    }

    public func availableProfile(profileType: String) async throws(SMDPStoreError) -> ProfilePackageRecord? {
        try await fetchOne(PostgresRowDecoding.profile) { s in
            """
            SELECT * FROM \(unescaped: s).profile WHERE state = \(ProfileDownloadState.available.rawValue)
              AND profile_type = \(profileType) ORDER BY updated_at, iccid LIMIT 1
            """
        }
    }

    public func profileCounts() async throws(SMDPStoreError) -> [ProfileDownloadState: Int] {
        let rows = try await fetchAll({ row throws -> (String, Int) in try row.decode((String, Int).self) }) { s in
            "SELECT state, COUNT(*) FROM \(unescaped: s).profile GROUP BY state"
        }
        var counts: [ProfileDownloadState: Int] = [:]
        for (state, count) in rows {
            guard let parsed = ProfileDownloadState(rawValue: state) else { throw .corrupt("profile state \(state)") }
            counts[parsed] = count
        }
        return counts
    }

    public func allProfiles() async throws(SMDPStoreError) -> [ProfileSummary] {
        try await fetchAll(PostgresRowDecoding.summary) { s in
            "SELECT iccid, profile_type, state, eid, updated_at FROM \(unescaped: s).profile ORDER BY iccid"
        }
    }

    // MARK: OrderStore

    public func order(iccid: ICCID) async throws(SMDPStoreError) -> DownloadOrder? {
        try await fetchOne(PostgresRowDecoding.order) { s in
            "SELECT * FROM \(unescaped: s).download_order WHERE iccid = \(iccid.digits)"
        }
    }

    public func order(matchingId: String) async throws(SMDPStoreError) -> DownloadOrder? {
        try await fetchOne(PostgresRowDecoding.order) { s in
            "SELECT * FROM \(unescaped: s).download_order WHERE matching_id = \(matchingId)"
        }
    }

    public func orders(eid: EID) async throws(SMDPStoreError) -> [DownloadOrder] {
        try await fetchAll(PostgresRowDecoding.order) { s in
            "SELECT * FROM \(unescaped: s).download_order WHERE eid = \(eid.digits) ORDER BY created_at, iccid"
        }
    }

    // MARK: SessionStore

    public func session(transactionId: TransactionID) async throws(SMDPStoreError) -> DownloadSession? {
        try await fetchOne(PostgresRowDecoding.session) { s in
            "SELECT * FROM \(unescaped: s).session WHERE transaction_id = \(ByteBuffer(bytes: transactionId.bytes))"
        }
    }

    public func deliveredSessions(iccid: ICCID) async throws(SMDPStoreError) -> [DownloadSession] {
        try await fetchAll(PostgresRowDecoding.session) { s in
            """
            SELECT * FROM \(unescaped: s).session WHERE iccid = \(iccid.digits)
              AND phase = \(DownloadSessionPhase.bppDelivered.rawValue) ORDER BY created_at
            """
        }
    }

    public func expiredDeliveries(before instant: Date, limit: Int) async throws(SMDPStoreError) -> [DownloadSession] {
        try await fetchAll(PostgresRowDecoding.session) { s in
            """
            SELECT s.* FROM \(unescaped: s).session s JOIN \(unescaped: s).profile p ON p.iccid = s.iccid
            WHERE s.phase = \(DownloadSessionPhase.bppDelivered.rawValue) AND s.expires_at < \(instant.timeIntervalSince1970)
              AND p.state = \(ProfileDownloadState.downloaded.rawValue) ORDER BY s.expires_at LIMIT \(limit)
            """
        }
    }

    public func purgeExpiredSessions(before instant: Date) async throws(SMDPStoreError) -> Int {
        let counts = try await fetchAll({ row throws -> Int in try row.decode(Int.self) }) { s in
            """
            WITH purged AS (DELETE FROM \(unescaped: s).session WHERE expires_at < \(instant.timeIntervalSince1970)
              AND phase <> \(DownloadSessionPhase.bppDelivered.rawValue) RETURNING 1)
            SELECT COUNT(*) FROM purged
            """
        }
        return counts.first ?? 0
    }

    // MARK: EntitlementOrderStore

    public func insertEntitlementOrder(_ order: EntitlementOrder) async throws(SMDPStoreError) {
        try await run { client, logger, s in
            try await client.queryAll("""
                INSERT INTO \(unescaped: s).entitlement_order (matching_id, profile_type, entitlement_id, salt, created_at, expires_at,
                  iccid, eid, transaction_id, granted_at)
                VALUES (\(order.matchingId), \(order.profileType), \(ByteBuffer(bytes: order.entitlement.bytes)),
                  \(ByteBuffer(bytes: order.salt.bytes)), \(order.createdAt.timeIntervalSince1970), \(order.expiresAt?.timeIntervalSince1970),
                  \(order.grant?.iccid.digits), \(order.grant?.eid.digits), \(order.grant.map { ByteBuffer(bytes: $0.transactionId.bytes) }),
                  \(order.grant?.grantedAt.timeIntervalSince1970))
                """, logger: logger)
        }
    }

    // MARK: DownloadProgressOutbox

    public func orderRequester(iccid: ICCID) async throws(SMDPStoreError) -> String? {
        try await fetchOne({ row throws -> String in try row.decode(String.self) }) { s in
            "SELECT requester_id FROM \(unescaped: s).es2plus_order_requester WHERE iccid = \(iccid.digits)"
        }
    }

    public func claimDueDownloadProgress(at instant: Date, leaseUntil: Date, limit: Int) async throws(SMDPStoreError) -> [PendingDownloadProgress] {
        // One statement: rows another process has locked (claiming them right now) are skipped, and the
        // claimed rows leave the due set until the lease passes. `claimed` returns the pre-lease values.
        let claimed = try await fetchAll(PostgresRowDecoding.progress) { s in
            """
            WITH due AS (
              SELECT * FROM \(unescaped: s).es2plus_progress WHERE next_attempt_at <= \(instant.timeIntervalSince1970)
                ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), leased AS (
              UPDATE \(unescaped: s).es2plus_progress p SET next_attempt_at = \(leaseUntil.timeIntervalSince1970)
                FROM due WHERE p.id = due.id RETURNING p.id
            )
            SELECT due.* FROM due JOIN leased ON leased.id = due.id
            """
        }
        return claimed.sorted { $0.id < $1.id }
    }

    public func pendingDownloadProgress() async throws(SMDPStoreError) -> [PendingDownloadProgress] {
        try await fetchAll(PostgresRowDecoding.progress) { s in
            "SELECT * FROM \(unescaped: s).es2plus_progress ORDER BY id"
        }
    }

    public func deleteDownloadProgress(id: Int64) async throws(SMDPStoreError) {
        try await run { client, logger, s in
            try await client.queryAll("DELETE FROM \(unescaped: s).es2plus_progress WHERE id = \(id)", logger: logger)
        }
    }

    public func rescheduleDownloadProgress(id: Int64, attempts: Int, nextAttemptAt: Date, lastError: String) async throws(SMDPStoreError) {
        try await run { client, logger, s in
            try await client.queryAll("""
                UPDATE \(unescaped: s).es2plus_progress SET attempts = \(attempts),
                  next_attempt_at = \(nextAttemptAt.timeIntervalSince1970), last_error = \(lastError)
                WHERE id = \(id)
                """, logger: logger)
        }
    }

    public func entitlementOrder(matchingId: String) async throws(SMDPStoreError) -> EntitlementOrder? {
        try await fetchOne(PostgresRowDecoding.entitlementOrder) { s in
            "SELECT * FROM \(unescaped: s).entitlement_order WHERE matching_id = \(matchingId)"
        }
    }

    public func entitlementOrder(iccid: ICCID) async throws(SMDPStoreError) -> EntitlementOrder? {
        try await fetchOne(PostgresRowDecoding.entitlementOrder) { s in
            "SELECT * FROM \(unescaped: s).entitlement_order WHERE iccid = \(iccid.digits)"
        }
    }

    public func grantedEntitlementOrder(entitlement: EntitlementID) async throws(SMDPStoreError) -> EntitlementOrder? {
        try await fetchOne(PostgresRowDecoding.entitlementOrder) { s in
            """
            SELECT * FROM \(unescaped: s).entitlement_order
              WHERE entitlement_id = \(ByteBuffer(bytes: entitlement.bytes)) AND granted_at IS NOT NULL
            """
        }
    }

    // MARK: apply

    public func apply(_ change: SMDPStateChange) async throws(SMDPStoreError) {
        guard !change.isEmpty else { return }
        let now = clock.now().timeIntervalSince1970
        let s = schema.rawValue
        let logger = self.logger
        try await transaction { connection in
            for transition in change.profileTransitions {
                let updated = try await connection.queryAll("""
                    UPDATE \(unescaped: s).profile SET state = \(transition.to.rawValue),
                      eid = COALESCE(\(transition.bindEID?.digits), eid), updated_at = \(now)
                    WHERE iccid = \(transition.iccid.digits) AND state = \(transition.from.rawValue)
                    RETURNING iccid
                    """, logger: logger)
                guard updated.count == 1 else {
                    throw SMDPStoreError.conflict("profile \(transition.iccid) is no longer \(transition.from.rawValue)")
                }
                if DownloadProgressReport.isReported(transition) {
                    // Queued in this transaction, from the requester recorded with the order (if any).
                    try await connection.queryAll("""
                        INSERT INTO \(unescaped: s).es2plus_progress (requester_id, iccid, eid, profile_type, from_state, to_state,
                          occurred_at, attempts, next_attempt_at)
                        SELECT r.requester_id, p.iccid, p.eid, p.profile_type, \(transition.from.rawValue), \(transition.to.rawValue),
                          \(now), 0, \(now)
                        FROM \(unescaped: s).es2plus_order_requester r JOIN \(unescaped: s).profile p ON p.iccid = r.iccid
                        WHERE r.iccid = \(transition.iccid.digits)
                        """, logger: logger)
                }
            }
            for iccid in change.orderDeletes {
                try await connection.queryAll("DELETE FROM \(unescaped: s).download_order WHERE iccid = \(iccid.digits)", logger: logger)
            }
            for order in change.orderUpserts {
                try await connection.queryAll("""
                    INSERT INTO \(unescaped: s).download_order (iccid, matching_id, eid, cc_hash, cc_failures, locked, created_at, expires_at)
                    VALUES (\(order.iccid.digits), \(order.matchingId), \(order.eid?.digits),
                      \(order.confirmationCodeHash.map { ByteBuffer(bytes: $0) }), \(order.confirmationCodeFailures), \(order.isLocked),
                      \(order.createdAt.timeIntervalSince1970), \(order.expiresAt?.timeIntervalSince1970))
                    ON CONFLICT (iccid) DO UPDATE SET matching_id = excluded.matching_id, eid = excluded.eid, cc_hash = excluded.cc_hash,
                      cc_failures = excluded.cc_failures, locked = excluded.locked, expires_at = excluded.expires_at
                    """, logger: logger)
            }
            for link in change.orderRequesters {
                try await connection.queryAll("""
                    INSERT INTO \(unescaped: s).es2plus_order_requester (iccid, requester_id) VALUES (\(link.iccid.digits), \(link.requesterId))
                    ON CONFLICT (iccid) DO UPDATE SET requester_id = excluded.requester_id
                    """, logger: logger)
            }
            for transactionId in change.sessionDeletes {
                try await connection.queryAll(
                    "DELETE FROM \(unescaped: s).session WHERE transaction_id = \(ByteBuffer(bytes: transactionId.bytes))", logger: logger)
            }
            for session in change.sessionUpserts {
                try await connection.queryAll(Self.upsert(session, schema: s), logger: logger)
            }
            for grant in change.entitlementGrants {
                let updated = try await connection.queryAll("""
                    UPDATE \(unescaped: s).entitlement_order SET iccid = \(grant.iccid.digits), eid = \(grant.eid.digits),
                      transaction_id = \(ByteBuffer(bytes: grant.transactionId.bytes)), granted_at = \(grant.grantedAt.timeIntervalSince1970)
                    WHERE matching_id = \(grant.matchingId) AND iccid IS NULL
                    RETURNING matching_id
                    """, logger: logger)
                guard updated.count == 1 else {
                    throw SMDPStoreError.conflict("entitlement order \(grant.matchingId) is unknown or already granted")
                }
            }
        }
    }

    private static func upsert(_ session: DownloadSession, schema s: String) -> PostgresQuery {
        func blob(_ bytes: [UInt8]?) -> ByteBuffer? { bytes.map { ByteBuffer(bytes: $0) } }
        return """
            INSERT INTO \(unescaped: s).session (transaction_id, phase, created_at, expires_at, euicc_challenge, server_challenge,
              ci_pkid, eid, iccid, matching_id, euicc_certificate, smdp_signature2, cc_required, profile_metadata)
            VALUES (\(ByteBuffer(bytes: session.transactionId.bytes)), \(session.phase.rawValue), \(session.createdAt.timeIntervalSince1970),
              \(session.expiresAt.timeIntervalSince1970), \(ByteBuffer(bytes: session.euiccChallenge)),
              \(ByteBuffer(bytes: session.serverChallenge)), \(ByteBuffer(bytes: session.ciPKId)), \(session.eid?.digits),
              \(session.iccid?.digits), \(session.matchingId), \(blob(session.euiccCertificate)), \(blob(session.smdpSignature2)),
              \(session.ccRequired), \(blob(session.profileMetadata)))
            ON CONFLICT (transaction_id) DO UPDATE SET phase = excluded.phase, created_at = excluded.created_at,
              expires_at = excluded.expires_at, euicc_challenge = excluded.euicc_challenge, server_challenge = excluded.server_challenge,
              ci_pkid = excluded.ci_pkid, eid = excluded.eid, iccid = excluded.iccid, matching_id = excluded.matching_id,
              euicc_certificate = excluded.euicc_certificate, smdp_signature2 = excluded.smdp_signature2,
              cc_required = excluded.cc_required, profile_metadata = excluded.profile_metadata
            """
    }

    // MARK: Access helpers

    private func run(_ body: (PostgresClient, Logger, String) async throws -> Void) async throws(SMDPStoreError) {
        do { try await body(client, logger, schema.rawValue) } catch { throw PostgresErrorMapping.map(error) }
    }

    private func transaction<T>(_ body: (PostgresConnection) async throws -> sending T) async throws(SMDPStoreError) -> T {
        do { return try await client.withTransaction(logger: logger, body) } catch { throw PostgresErrorMapping.map(error) }
    }

    private func fetchAll<T>(_ decode: (PostgresRow) throws -> T, _ query: (String) -> PostgresQuery) async throws(SMDPStoreError) -> [T] {
        let rows: [PostgresRow]
        do { rows = try await client.queryAll(query(schema.rawValue), logger: logger) } catch { throw PostgresErrorMapping.map(error) }
        do { return try rows.map(decode) } catch { throw PostgresErrorMapping.corrupt(error) }
    }

    private func fetchOne<T>(_ decode: (PostgresRow) throws -> T, _ query: (String) -> PostgresQuery) async throws(SMDPStoreError) -> T? {
        try await fetchAll(decode, query).first
    }
}

/// Maps PostgresNIO errors to `SMDPStoreError` the way the SQLite store does: constraint violations
/// (SQLSTATE class 23) are `.duplicate`; a deadlock or serialization failure (the transaction was rolled
/// back because another one won) is `.conflict`; everything else `.backend` with SQLSTATE and message.
enum PostgresErrorMapping {
    static func map(_ error: any Error) -> SMDPStoreError {
        if let own = error as? SMDPStoreError { return own }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError { return map(inner) }
            return .backend("transaction failed")
        }
        if let psql = error as? PSQLError {
            guard let state = psql.serverInfo?[.sqlState] else { return .backend("postgres: \(psql.code)") }
            let message = "\(psql.serverInfo?[.message] ?? "") (SQLSTATE \(state))"
            if state.hasPrefix("23") { return .duplicate(message) }
            if state == "40001" || state == "40P01" { return .conflict(message) }
            return .backend(message)
        }
        if error is PostgresDecodingError { return corrupt(error) }
        return .backend("\(error)")
    }

    static func corrupt(_ error: any Error) -> SMDPStoreError {
        if let own = error as? SMDPStoreError { return own }
        if let decoding = error as? PostgresDecodingError { return .corrupt("column \(decoding.columnName): \(decoding.code)") }
        return .corrupt("\(error)")
    }
}

extension PostgresClient {
    /// Runs `query` and reads the whole result (see `PostgresConnection.queryAll`).
    @discardableResult
    func queryAll(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
