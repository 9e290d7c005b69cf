// The outbox store implementations the store tests run against, and the PostgreSQL test database.
import Foundation
import PostgresSupport
import PostgresNIO
import SMDPStorePostgres
import Testing
import UsageService
import UsageStorePostgres
import UsageStoreSQLite

/// `OPENRSP_TEST_POSTGRES_URL` (e.g. `postgres://openrsp:openrsp@127.0.0.1:5432/openrsp_test?sslmode=disable`,
/// printed by `scripts/start-postgres`); nil when unset.
let testPostgresURL: String? = ProcessInfo.processInfo.environment["OPENRSP_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
let postgresSkipMessage: Comment = "OPENRSP_TEST_POSTGRES_URL is not set: PostgreSQL usage store tests skipped (run scripts/start-postgres as root and export the URL it prints)"
/// The PostgreSQL cases run when the URL is set, and always under CI, where a missing URL fails them.
let postgresTestsEnabled = testPostgresURL != nil || ProcessInfo.processInfo.environment["CI"] != nil

enum UsageStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when `OPENRSP_TEST_POSTGRES_URL` is set or under CI.
    static var available: [UsageStoreKind] { postgresTestsEnabled ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }
}

/// A fresh schema name per test, so tests run in parallel on one database.
func uniqueTestSchema() throws -> PostgresSchemaName {
    try PostgresSchemaName("u_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
}

func testPostgresConfiguration() throws -> PostgresStoreConfiguration {
    try PostgresStoreConfiguration(url: try #require(testPostgresURL, postgresSkipMessage))
}

/// Runs `body` with a running `PostgresClient` on the test database; shuts it down afterwards.
func withTestPostgresClient<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
    let client = PostgresClient(configuration: try testPostgresConfiguration().client, backgroundLogger: Logger(label: "openrsp.usage.test"))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

/// Drops a test schema with everything in it.
func dropTestSchema(_ schema: PostgresSchemaName) async throws {
    try await withTestPostgresClient { client in
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: schema.rawValue) CASCADE").collect()
    }
}

/// `body` with a fresh, empty store of `kind`: an in-memory SQLite database, or a fresh PostgreSQL
/// schema (dropped afterwards).
func withFreshUsageStore(_ kind: UsageStoreKind,
                         _ body: (any UsageOutboxStore) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        try await body(try SQLiteUsageOutboxStore())
    case .postgres:
        let configuration = try testPostgresConfiguration()
        let schema = try uniqueTestSchema()
        do {
            try await PostgresUsageOutboxStore.withStore(configuration, schema: schema) { store in try await body(store) }
        } catch {
            try? await dropTestSchema(schema)
            throw error
        }
        try await dropTestSchema(schema)
    }
}
