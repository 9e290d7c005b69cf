import Foundation
import PostgresSupport
import RSPASN1
import SMDPCore
import SMDPStorePostgres
import SMDPStoreSQLite
import SMDPTestSupport
import Testing

/// `OPENRSP_TEST_POSTGRES_URL` (printed by `scripts/start-postgres`); nil when unset, and the PostgreSQL
/// cases are left out of the store-kind arguments (the skip is reported by `PostgresAvailabilityTests`).
let testPostgresURL: String? = ProcessInfo.processInfo.environment["OPENRSP_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

/// The store implementations the ES9+ flow runs against.
enum TestStoreKind: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when `OPENRSP_TEST_POSTGRES_URL` is set.
    static var available: [TestStoreKind] { testPostgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// `count` store instances on one fresh database (as `count` SM-DP+ processes would have): one
/// temporary SQLite file opened `count` times, or one fresh PostgreSQL schema through `count` separate
/// clients. The database is removed afterwards.
func withTestStores(_ kind: TestStoreKind, count: Int = 1, clock: ManualClock,
                    _ body: ([any SMDPStore]) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        try await body(try (0..<count).map { _ in try SQLiteSMDPStore(path: path, clock: clock) })
    case .postgres:
        let url = try #require(testPostgresURL, "OPENRSP_TEST_POSTGRES_URL is not set")
        let configuration = try PostgresStoreConfiguration(url: url)
        let schema = try PostgresSchemaName("t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
        func open(_ opened: [PostgresSMDPStore]) async throws {
            guard opened.count < count else {
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

@Suite("PostgreSQL availability")
struct PostgresAvailabilityTests {
    @Test("the ES9+ flow also runs against PostgreSQL",
          .enabled(if: testPostgresURL != nil,
                   "OPENRSP_TEST_POSTGRES_URL is not set: ES9+ flow against PostgreSQL skipped (run scripts/start-postgres as root and export the URL it prints)"))
    func postgresConfigured() async throws {
        #expect(TestStoreKind.available.contains(.postgres))
        try await withTestStores(.postgres, clock: ManualClock()) { stores in
            let counts = try await stores[0].profileCounts()
            #expect(counts.isEmpty)
        }
    }
}
