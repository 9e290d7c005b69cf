import Foundation
import PostgresSupport
import RSPASN1
import SMDPCore
import SMDPStorePostgres
import SMDPStoreSQLite
import Testing

/// `OPENRSP_TEST_POSTGRES_URL` (e.g. `postgres://openrsp:openrsp@127.0.0.1:5432/openrsp_test?sslmode=disable`,
/// printed by `scripts/start-postgres`); nil when unset, and the PostgreSQL cases are skipped.
let testPostgresURL: String? = ProcessInfo.processInfo.environment["OPENRSP_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
let postgresSkipMessage: Comment = "OPENRSP_TEST_POSTGRES_URL is not set: PostgreSQL store tests skipped (run scripts/start-postgres as root and export the URL it prints)"

/// The store implementations the contract tests run against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when `OPENRSP_TEST_POSTGRES_URL` is set.
    static var available: [StoreKind] { testPostgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// A fresh schema name per test, so tests run in parallel on one database.
func uniqueTestSchema() throws -> PostgresSchemaName {
    try PostgresSchemaName("t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
}

func testPostgresConfiguration() throws -> PostgresStoreConfiguration {
    try PostgresStoreConfiguration(url: try #require(testPostgresURL, postgresSkipMessage))
}

/// `count` independent store instances on one fresh database: for SQLite one temporary file opened
/// `count` times, for PostgreSQL one fresh schema reached through `count` separate `PostgresClient`s
/// (as `count` SM-DP+ processes would). The database is removed afterwards.
func withStores(_ kind: StoreKind, count: Int = 1, clock: any SMDPClock,
                _ body: ([any SMDPStore]) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let stores: [any SMDPStore] = try (0..<count).map { _ in try SQLiteSMDPStore(path: path, clock: clock) }
        try await body(stores)
    case .postgres:
        let configuration = try testPostgresConfiguration()
        let schema = try uniqueTestSchema()
        func open(_ opened: [PostgresSMDPStore]) async throws {
            if opened.count == count {
                do { try await body(opened) } catch {
                    try? await opened[0].dropSchema()
                    throw error
                }
                try await opened[0].dropSchema()
                return
            }
            try await PostgresSMDPStore.withStore(configuration, schema: schema, clock: clock) { store in
                try await open(opened + [store])
            }
        }
        try await open([])
    }
}

func record(_ iccid: String, type: String? = "TS48", at date: Date) throws -> ProfilePackageRecord {
    ProfilePackageRecord(iccid: try ICCID(digits: iccid), profileType: type, unprotectedProfilePackage: [0xA0, 0x00, 0xAA, 0x00],
                         serviceProviderName: "SP", profileName: "P", profileClass: .test, state: .available, eid: nil, updatedAt: date)
}

/// A clock the test moves by hand.
final class TestClock: SMDPClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_764_000_000.25)) { current = start }

    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}
