import Foundation
import GRDB
import RSPASN1
import SMDPCore

/// The SM-DP+ state in one SQLite database (GRDB). Every `apply` is one SQL transaction: profile
/// transitions are compare-and-set updates (`… WHERE iccid = ? AND state = ?`), and if any of them
/// matches no row the whole change rolls back with `.conflict`. All SQL is parameterised.
public final class SQLiteSMDPStore: SMDPStore, Sendable {
    private let database: any DatabaseWriter
    private let clock: any SMDPClock

    /// Opens (creating if needed) the database file at `path` and runs the migrations.
    public init(path: String, clock: any SMDPClock = SystemClock()) throws(SMDPStoreError) {
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            // Several processes may write one file (`smdp serve` beside `smdp order create`, or two
            // servers): a writer waits for the lock instead of failing with "database is locked".
            configuration.busyMode = .timeout(5)
            // A new file holds profile packages and signed transactions: create it 0600 before SQLite
            // does (SQLite gives -wal and -shm the database file's mode).
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { close(fd) }
            self.database = try DatabasePool(path: path, configuration: configuration)
        } catch { throw .backend("cannot open \(path): \(error)") }
        self.clock = clock
        try migrate()
    }

    /// A private in-memory database (tests, demos).
    public init(inMemoryWith clock: any SMDPClock = SystemClock()) throws(SMDPStoreError) {
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            self.database = try DatabaseQueue(configuration: configuration)
        } catch { throw .backend("cannot open an in-memory database: \(error)") }
        self.clock = clock
        try migrate()
    }

    private func migrate() throws(SMDPStoreError) {
        do { try SQLiteSMDPSchema.migrator.migrate(database) } catch { throw .backend("migration failed: \(error)") }
    }

    // MARK: ProfileStore

    public func insertProfile(_ profile: ProfilePackageRecord) async throws(SMDPStoreError) {
        try await write { db in
            try db.cachedExecute(
                sql: """
                INSERT INTO profile (iccid, profile_type, upp, service_provider_name, profile_name, profile_class, state, eid, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                arguments: [profile.iccid.digits, profile.profileType, Data(profile.unprotectedProfilePackage),
                            profile.serviceProviderName, profile.profileName, profile.profileClass.rawValue,
                            profile.state.rawValue, profile.eid?.digits, profile.updatedAt.timeIntervalSince1970])
        }
    }

    public func profile(iccid: ICCID) async throws(SMDPStoreError) -> ProfilePackageRecord? {
        try await read { db in
            try Row.cachedFetchOne(db, sql: "SELECT * FROM profile WHERE iccid = ?", arguments: [iccid.digits]).map(Self.decodeProfile)
        }
    }

    public func availableProfile(profileType: String) async throws(SMDPStoreError) -> ProfilePackageRecord? {
        try await read { db in
            try Row.cachedFetchOne(db, sql: "SELECT * FROM profile WHERE state = ? AND profile_type = ? ORDER BY updated_at, iccid LIMIT 1",
                             arguments: [ProfileDownloadState.available.rawValue, profileType]).map(Self.decodeProfile)
        }
    }

    public func profileCounts() async throws(SMDPStoreError) -> [ProfileDownloadState: Int] {
        let rows: [(String, Int)] = try await read { db in
            try Row.cachedFetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM profile GROUP BY state").map { ($0["state"], $0["n"]) }
        }
        var counts: [ProfileDownloadState: Int] = [:]
        for (state, count) in rows {
            guard let parsed = ProfileDownloadState(rawValue: state) else { throw .corrupt("profile state \(state)") }
            counts[parsed] = count
        }
        return counts
    }

    public func allProfiles() async throws(SMDPStoreError) -> [ProfileSummary] {
        try await read { db in
            try Row.cachedFetchAll(db, sql: "SELECT iccid, profile_type, state, eid, updated_at FROM profile ORDER BY iccid").map(Self.decodeSummary)
        }
    }

    // MARK: OrderStore

    public func order(iccid: ICCID) async throws(SMDPStoreError) -> DownloadOrder? {
        try await read { db in
            try Row.cachedFetchOne(db, sql: "SELECT * FROM download_order WHERE iccid = ?", arguments: [iccid.digits]).map(Self.decodeOrder)
        }
    }

    public func order(matchingId: String) async throws(SMDPStoreError) -> DownloadOrder? {
        try await read { db in
            try Row.cachedFetchOne(db, sql: "SELECT * FROM download_order WHERE matching_id = ?", arguments: [matchingId]).map(Self.decodeOrder)
        }
    }

    public func orders(eid: EID) async throws(SMDPStoreError) -> [DownloadOrder] {
        try await read { db in
            try Row.cachedFetchAll(db, sql: "SELECT * FROM download_order WHERE eid = ? ORDER BY created_at", arguments: [eid.digits]).map(Self.decodeOrder)
        }
    }

    // MARK: SessionStore

    public func session(transactionId: TransactionID) async throws(SMDPStoreError) -> DownloadSession? {
        try await read { db in
            try Row.cachedFetchOne(db, sql: "SELECT * FROM session WHERE transaction_id = ?", arguments: [Data(transactionId.bytes)]).map(Self.decodeSession)
        }
    }

    public func purgeExpiredSessions(before instant: Date) async throws(SMDPStoreError) -> Int {
        try await write { db in
            try db.cachedExecute(sql: "DELETE FROM session WHERE expires_at < ? AND phase <> ?",
                           arguments: [instant.timeIntervalSince1970, DownloadSessionPhase.bppDelivered.rawValue])
            return db.changesCount
        }
    }

    public func deliveredSessions(iccid: ICCID) async throws(SMDPStoreError) -> [DownloadSession] {
        try await read { db in
            try Row.cachedFetchAll(db, sql: "SELECT * FROM session WHERE iccid = ? AND phase = ? ORDER BY created_at",
                             arguments: [iccid.digits, DownloadSessionPhase.bppDelivered.rawValue]).map(Self.decodeSession)
        }
    }

    public func expiredDeliveries(before instant: Date, limit: Int) async throws(SMDPStoreError) -> [DownloadSession] {
        try await read { db in
            try Row.cachedFetchAll(db, sql: """
                SELECT session.* FROM session JOIN profile ON profile.iccid = session.iccid
                WHERE session.phase = ? AND session.expires_at < ? AND profile.state = ? ORDER BY session.expires_at LIMIT ?
                """, arguments: [DownloadSessionPhase.bppDelivered.rawValue, instant.timeIntervalSince1970,
                                 ProfileDownloadState.downloaded.rawValue, limit]).map(Self.decodeSession)
        }
    }

    // MARK: DownloadProgressOutbox

    public func orderRequester(iccid: ICCID) async throws(SMDPStoreError) -> String? {
        try await read { db in
            try String.cachedFetchOne(db, sql: "SELECT requester_id FROM es2plus_order_requester WHERE iccid = ?", arguments: [iccid.digits])
        }
    }

    public func claimDueDownloadProgress(at instant: Date, leaseUntil: Date, limit: Int) async throws(SMDPStoreError) -> [PendingDownloadProgress] {
        // One write transaction: SQLite runs one writer at a time, so no other process selects the same rows.
        try await write { db in
            let due = try Row.cachedFetchAll(db, sql: "SELECT * FROM es2plus_progress WHERE next_attempt_at <= ? ORDER BY id LIMIT ?",
                                       arguments: [instant.timeIntervalSince1970, limit]).map(Self.decodeProgress)
            for report in due {
                try db.cachedExecute(sql: "UPDATE es2plus_progress SET next_attempt_at = ? WHERE id = ?",
                               arguments: [leaseUntil.timeIntervalSince1970, report.id])
            }
            return due
        }
    }

    public func pendingDownloadProgress() async throws(SMDPStoreError) -> [PendingDownloadProgress] {
        try await read { db in
            try Row.cachedFetchAll(db, sql: "SELECT * FROM es2plus_progress ORDER BY id").map(Self.decodeProgress)
        }
    }

    public func deleteDownloadProgress(id: Int64) async throws(SMDPStoreError) {
        try await write { db in
            try db.cachedExecute(sql: "DELETE FROM es2plus_progress WHERE id = ?", arguments: [id])
        }
    }

    public func rescheduleDownloadProgress(id: Int64, attempts: Int, nextAttemptAt: Date, lastError: String) async throws(SMDPStoreError) {
        try await write { db in
            try db.cachedExecute(sql: "UPDATE es2plus_progress SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                           arguments: [attempts, nextAttemptAt.timeIntervalSince1970, lastError, id])
        }
    }

    // MARK: apply

    public func apply(_ change: SMDPStateChange) async throws(SMDPStoreError) {
        let now = clock.now().timeIntervalSince1970
        try await write { db in
            for transition in change.profileTransitions {
                try db.cachedExecute(
                    sql: "UPDATE profile SET state = ?, eid = COALESCE(?, eid), updated_at = ? WHERE iccid = ? AND state = ?",
                    arguments: [transition.to.rawValue, transition.bindEID?.digits, now, transition.iccid.digits, transition.from.rawValue])
                guard db.changesCount == 1 else {
                    throw SMDPStoreError.conflict("profile \(transition.iccid) is no longer \(transition.from.rawValue)")
                }
                if DownloadProgressReport.isReported(transition) {
                    // Queued in this transaction, from the requester recorded with the order (if any).
                    try db.cachedExecute(
                        sql: """
                        INSERT INTO es2plus_progress (requester_id, iccid, eid, profile_type, from_state, to_state, occurred_at,
                          attempts, next_attempt_at)
                        SELECT r.requester_id, p.iccid, p.eid, p.profile_type, ?, ?, ?, 0, ?
                        FROM es2plus_order_requester r JOIN profile p ON p.iccid = r.iccid WHERE r.iccid = ?
                        """,
                        arguments: [transition.from.rawValue, transition.to.rawValue, now, now, transition.iccid.digits])
                }
            }
            for iccid in change.orderDeletes {
                try db.cachedExecute(sql: "DELETE FROM download_order WHERE iccid = ?", arguments: [iccid.digits])
            }
            for order in change.orderUpserts {
                try db.cachedExecute(
                    sql: """
                    INSERT INTO download_order (iccid, matching_id, eid, cc_hash, cc_failures, locked, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(iccid) DO UPDATE SET matching_id = excluded.matching_id, eid = excluded.eid, cc_hash = excluded.cc_hash,
                      cc_failures = excluded.cc_failures, locked = excluded.locked, expires_at = excluded.expires_at
                    """,
                    arguments: [order.iccid.digits, order.matchingId, order.eid?.digits, order.confirmationCodeHash.map { Data($0) },
                                order.confirmationCodeFailures, order.isLocked, order.createdAt.timeIntervalSince1970,
                                order.expiresAt?.timeIntervalSince1970])
            }
            for link in change.orderRequesters {
                try db.cachedExecute(
                    sql: """
                    INSERT INTO es2plus_order_requester (iccid, requester_id) VALUES (?, ?)
                    ON CONFLICT(iccid) DO UPDATE SET requester_id = excluded.requester_id
                    """,
                    arguments: [link.iccid.digits, link.requesterId])
            }
            for transactionId in change.sessionDeletes {
                try db.cachedExecute(sql: "DELETE FROM session WHERE transaction_id = ?", arguments: [Data(transactionId.bytes)])
            }
            for grant in change.entitlementGrants {
                try db.cachedExecute(
                    sql: """
                    UPDATE entitlement_order SET iccid = ?, eid = ?, transaction_id = ?, granted_at = ?
                    WHERE matching_id = ? AND iccid IS NULL
                    """,
                    arguments: [grant.iccid.digits, grant.eid.digits, Data(grant.transactionId.bytes),
                                grant.grantedAt.timeIntervalSince1970, grant.matchingId])
                guard db.changesCount == 1 else {
                    throw SMDPStoreError.conflict("entitlement order \(grant.matchingId) is unknown or already granted")
                }
            }
            for session in change.sessionUpserts {
                try db.cachedExecute(
                    sql: """
                    INSERT OR REPLACE INTO session (transaction_id, phase, created_at, expires_at, euicc_challenge, server_challenge,
                      ci_pkid, eid, iccid, matching_id, euicc_certificate, smdp_signature2, cc_required, profile_metadata)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    arguments: [Data(session.transactionId.bytes), session.phase.rawValue, session.createdAt.timeIntervalSince1970,
                                session.expiresAt.timeIntervalSince1970, Data(session.euiccChallenge), Data(session.serverChallenge),
                                Data(session.ciPKId), session.eid?.digits, session.iccid?.digits, session.matchingId,
                                session.euiccCertificate.map { Data($0) }, session.smdpSignature2.map { Data($0) },
                                session.ccRequired, session.profileMetadata.map { Data($0) }])
            }
        }
    }

    // MARK: EntitlementOrderStore

    public func insertEntitlementOrder(_ order: EntitlementOrder) async throws(SMDPStoreError) {
        try await write { db in
            try db.cachedExecute(
                sql: """
                INSERT INTO entitlement_order (matching_id, profile_type, entitlement_id, salt, created_at, expires_at,
                  iccid, eid, transaction_id, granted_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                arguments: [order.matchingId, order.profileType, Data(order.entitlement.bytes), Data(order.salt.bytes),
                            order.createdAt.timeIntervalSince1970, order.expiresAt?.timeIntervalSince1970,
                            order.grant?.iccid.digits, order.grant?.eid.digits, order.grant.map { Data($0.transactionId.bytes) },
                            order.grant?.grantedAt.timeIntervalSince1970])
        }
    }

    public func entitlementOrder(matchingId: String) async throws(SMDPStoreError) -> EntitlementOrder? {
        try await read { db in
            try Row.cachedFetchOne(db, sql: "SELECT * FROM entitlement_order WHERE matching_id = ?", arguments: [matchingId])
                .map(Self.decodeEntitlementOrder)
        }
    }

    public func entitlementOrder(iccid: ICCID) async throws(SMDPStoreError) -> EntitlementOrder? {
        try await read { db in
            try Row.cachedFetchOne(db, sql: "SELECT * FROM entitlement_order WHERE iccid = ?", arguments: [iccid.digits])
                .map(Self.decodeEntitlementOrder)
        }
    }

    public func grantedEntitlementOrder(entitlement: EntitlementID) async throws(SMDPStoreError) -> EntitlementOrder? {
        try await read { db in
            try Row.cachedFetchOne(db, sql: "SELECT * FROM entitlement_order WHERE entitlement_id = ? AND granted_at IS NOT NULL",
                             arguments: [Data(entitlement.bytes)])
                .map(Self.decodeEntitlementOrder)
        }
    }

    private static func decodeEntitlementOrder(_ row: Row) throws -> EntitlementOrder {
        let entitlement: Data = row["entitlement_id"]
        let salt: Data = row["salt"]
        let expires: Double? = row["expires_at"]
        let matchingId: String = row["matching_id"]
        var grant: EntitlementGrant?
        if let iccid = row["iccid"] as String? {
            let eidDigits: String? = row["eid"]
            let transaction: Data? = row["transaction_id"]
            let grantedAt: Double? = row["granted_at"]
            guard let eidDigits, let transaction, let grantedAt else {
                throw SMDPStoreError.corrupt("entitlement order \(matchingId): incomplete grant")
            }
            grant = EntitlementGrant(matchingId: matchingId, iccid: try ICCID(digits: iccid), eid: try EID(digits: eidDigits),
                                     transactionId: try TransactionID(Array(transaction)),
                                     grantedAt: Date(timeIntervalSince1970: grantedAt))
        }
        return EntitlementOrder(
            matchingId: matchingId, profileType: row["profile_type"], entitlement: try EntitlementID(bytes: Array(entitlement)),
            salt: try EntitlementSalt(bytes: Array(salt)), createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: expires.map { Date(timeIntervalSince1970: $0) }, grant: grant)
    }

    // MARK: Access helpers

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(SMDPStoreError) -> T {
        do { return try await database.read(body) } catch { throw Self.map(error) }
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(SMDPStoreError) -> T {
        do { return try await database.write(body) } catch { throw Self.map(error) }
    }

    private static func map(_ error: any Error) -> SMDPStoreError {
        if let own = error as? SMDPStoreError { return own }
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_CONSTRAINT {
            return .duplicate(db.message ?? "\(db)")
        }
        return .backend("\(error)")
    }

    // MARK: Row decoding

    private static func decodeProfile(_ row: Row) throws -> ProfilePackageRecord {
        let stateText: String = row["state"]
        guard let state = ProfileDownloadState(rawValue: stateText) else { throw SMDPStoreError.corrupt("profile state \(stateText)") }
        let upp: Data = row["upp"]
        return ProfilePackageRecord(
            iccid: try ICCID(digits: row["iccid"]), profileType: row["profile_type"], unprotectedProfilePackage: Array(upp),
            serviceProviderName: row["service_provider_name"], profileName: row["profile_name"],
            profileClass: ProfileClass(rawValue: row["profile_class"]), state: state, eid: try eid(row["eid"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    private static func decodeSummary(_ row: Row) throws -> ProfileSummary {
        let stateText: String = row["state"]
        guard let state = ProfileDownloadState(rawValue: stateText) else { throw SMDPStoreError.corrupt("profile state \(stateText)") }
        return ProfileSummary(iccid: try ICCID(digits: row["iccid"]), profileType: row["profile_type"], state: state,
                              eid: try eid(row["eid"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }

    private static func decodeProgress(_ row: Row) throws -> PendingDownloadProgress {
        func state(_ column: String) throws -> ProfileDownloadState {
            let text: String = row[column]
            guard let state = ProfileDownloadState(rawValue: text) else { throw SMDPStoreError.corrupt("progress state \(text)") }
            return state
        }
        return PendingDownloadProgress(
            id: row["id"], requesterId: row["requester_id"], iccid: try ICCID(digits: row["iccid"]), eid: try eid(row["eid"]),
            profileType: row["profile_type"], from: try state("from_state"), to: try state("to_state"),
            occurredAt: Date(timeIntervalSince1970: row["occurred_at"]), attempts: row["attempts"],
            nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]), lastError: row["last_error"])
    }

    private static func decodeOrder(_ row: Row) throws -> DownloadOrder {
        let ccHash: Data? = row["cc_hash"]
        let expires: Double? = row["expires_at"]
        return DownloadOrder(
            iccid: try ICCID(digits: row["iccid"]), matchingId: row["matching_id"], eid: try eid(row["eid"]),
            confirmationCodeHash: ccHash.map { Array($0) }, confirmationCodeFailures: row["cc_failures"], isLocked: row["locked"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), expiresAt: expires.map { Date(timeIntervalSince1970: $0) })
    }

    private static func decodeSession(_ row: Row) throws -> DownloadSession {
        let phaseText: String = row["phase"]
        guard let phase = DownloadSessionPhase(rawValue: phaseText) else { throw SMDPStoreError.corrupt("session phase \(phaseText)") }
        func bytes(_ column: String) -> [UInt8]? { (row[column] as Data?).map { Array($0) } }
        let iccidText: String? = row["iccid"]
        return DownloadSession(
            transactionId: try TransactionID(bytes("transaction_id") ?? []), phase: phase,
            createdAt: Date(timeIntervalSince1970: row["created_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            euiccChallenge: bytes("euicc_challenge") ?? [], serverChallenge: bytes("server_challenge") ?? [],
            ciPKId: bytes("ci_pkid") ?? [], eid: try eid(row["eid"]), iccid: try iccidText.map { try ICCID(digits: $0) },
            matchingId: row["matching_id"], euiccCertificate: bytes("euicc_certificate"), smdpSignature2: bytes("smdp_signature2"),
            ccRequired: row["cc_required"], profileMetadata: bytes("profile_metadata"))
    }

    private static func eid(_ digits: String?) throws -> EID? {
        try digits.map { try EID(digits: $0) }
    }
}

/// Statements through the connection's prepared-statement cache: each SQL text is compiled once per
/// connection and reused (bindings are reset per call), instead of being parsed on every request.
extension Database {
    func cachedExecute(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

extension Row {
    static func cachedFetchOne(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func cachedFetchAll(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

extension DatabaseValueConvertible where Self: StatementColumnConvertible {
    static func cachedFetchOne(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}
