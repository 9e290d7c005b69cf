import Foundation
import PostgresSupport
import PostgresNIO
import RSPASN1
import SMDPCore
import SMDPStorePostgres
import Testing

@Suite("PostgreSQL store: configuration")
struct PostgresConfigurationTests {
    @Test("a connection URL gives host, port, user, percent-decoded password and database")
    func parsesURL() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://smdp:p%40ss%2Fw@db.example.net:6543/rsp?sslmode=require").client
        #expect(configuration.host == "db.example.net")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "smdp")
        #expect(configuration.password == "p@ss/w")
        #expect(configuration.database == "rsp")
        let loopback = try PostgresStoreConfiguration(url: "postgresql://openrsp@127.0.0.1/openrsp_test").client
        #expect(loopback.port == 5432 && loopback.password == nil && loopback.host == "127.0.0.1")
    }

    @Test("malformed or unsupported URLs are rejected with a typed error", arguments: [
        "mysql://u:p@h/db", "postgres://u:p@/db", "postgres://h/db", "postgres://u:p@h", "postgres://u:p@h/", "postgres://u:p@h/a/b",
        "postgres://u:p@h/db?sslmode=allow", "postgres://u:p@h/db?search_path=x", "not a url",
    ])
    func rejectsURL(text: String) {
        #expect(throws: PostgresConfigurationError.self) { try PostgresStoreConfiguration(url: text) }
    }

    @Test("schema names are plain lower-case identifiers; anything else is rejected", arguments: [
        "", "Smdp", "1abc", "a-b", "a b", "x; DROP TABLE profile", "\"q\"", "pg_catalog", String(repeating: "a", count: 64), "schéma",
    ])
    func rejectsSchemaName(name: String) {
        #expect(throws: PostgresConfigurationError.self) { try PostgresSchemaName(name) }
    }

    @Test("valid schema names are accepted unchanged")
    func acceptsSchemaName() throws {
        for name in ["smdp", "_x", "t_0123abcd", String(repeating: "a", count: 63)] {
            #expect(try PostgresSchemaName(name).rawValue == name)
        }
    }
}

@Suite("PostgreSQL store: migrations and lifetime")
struct PostgresLifetimeTests {
    @Test("OPENRSP_TEST_POSTGRES_URL is set, parses, and the server answers", .enabled(if: testPostgresURL != nil, postgresSkipMessage))
    func serverReachable() async throws {
        try await PostgresSMDPStore.withStore(try testPostgresConfiguration(), schema: try uniqueTestSchema(), clock: TestClock()) { store in
            #expect(try await store.profileCounts().isEmpty)
            try await store.dropSchema()
        }
    }

    @Test("migrations started at once by several processes apply each version exactly once; later runs apply nothing",
          .enabled(if: testPostgresURL != nil, postgresSkipMessage))
    func concurrentMigrations() async throws {
        let configuration = try testPostgresConfiguration()
        let schema = try uniqueTestSchema()
        let clock = TestClock()
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await Self.withRunningClient(configuration) { client in
                        try await PostgresSMDPStore(client: client, schema: schema, clock: clock).migrate()
                    }
                }
            }
            var all: [[Int]] = []
            for try await result in group { all.append(result) }
            return all
        }
        // One process applied every known version (1, 2, … in order); the others found them recorded.
        let versions = applied.flatMap { $0 }
        #expect(applied.filter { !$0.isEmpty }.count == 1, "\(applied)")
        #expect(versions.first == 1 && versions == Array(1...versions.count), "\(applied)")
        try await Self.withRunningClient(configuration) { client in
            let store = PostgresSMDPStore(client: client, schema: schema, clock: clock)
            #expect(try await store.migrate() == [])
            try await store.dropSchema()
        }
    }

    @Test("data written through one client is there for a new client after the first shut down",
          .enabled(if: testPostgresURL != nil, postgresSkipMessage))
    func reopen() async throws {
        let configuration = try testPostgresConfiguration()
        let schema = try uniqueTestSchema()
        let clock = TestClock()
        let profile = try record("89000123456789012341", at: clock.now())
        try await PostgresSMDPStore.withStore(configuration, schema: schema, clock: clock) { store in
            try await store.insertProfile(profile)
        }
        try await PostgresSMDPStore.withStore(configuration, schema: schema, clock: clock) { store in
            #expect(try await store.profile(iccid: profile.iccid) == profile)
            try await store.dropSchema()
            await #expect(throws: SMDPStoreError.self) { try await store.profile(iccid: profile.iccid) }
        }
    }

    @Test("rows that do not decode (unknown state, bad ICCID, wrong column type) are .corrupt, not a crash",
          .enabled(if: testPostgresURL != nil, postgresSkipMessage))
    func corruptRows() async throws {
        let configuration = try testPostgresConfiguration()
        let schema = try uniqueTestSchema()
        try await Self.withRunningClient(configuration) { client in
            let store = PostgresSMDPStore(client: client, schema: schema, clock: TestClock())
            try await store.migrate()
            let s = schema.rawValue
            _ = try await client.query("""
                INSERT INTO \(unescaped: s).profile (iccid, profile_type, upp, service_provider_name, profile_name, profile_class, state, updated_at)
                VALUES ('89000123456789012341', 'TS48', '\\x00', 'SP', 'P', 0, 'Bogus', 0),
                       ('89ABC', 'TS48', '\\x00', 'SP', 'P', 0, 'Available', 0)
                """).collect()
            await #expect(throws: SMDPStoreError.corrupt("profile state Bogus")) {
                try await store.profile(iccid: try ICCID(digits: "89000123456789012341"))
            }
            await #expect { try await store.availableProfile(profileType: "TS48") } throws: { error in
                if case SMDPStoreError.corrupt = error { true } else { false }
            }
            _ = try await client.query("ALTER TABLE \(unescaped: s).profile ALTER COLUMN state TYPE bigint USING 1").collect()
            await #expect { try await store.profileCounts() } throws: { error in
                if case SMDPStoreError.corrupt = error { true } else { false }
            }
            try await store.dropSchema()
        }
    }

    @Test("a wrong password or a closed port fails withStore at once with .backend",
          .enabled(if: testPostgresURL != nil, postgresSkipMessage))
    func connectionFailures() async throws {
        var wrongPassword = try testPostgresConfiguration()
        wrongPassword.client.password = "definitely-not-the-password"
        let closedPort = try PostgresStoreConfiguration(url: "postgres://openrsp:x@127.0.0.1:1/openrsp_test")
        for (configuration, expected) in [(wrongPassword, "SQLSTATE 28P01"), (closedPort, "connection")] {
            do {
                try await PostgresSMDPStore.withStore(configuration, schema: try uniqueTestSchema(), clock: TestClock()) { _ in }
                Issue.record("withStore succeeded")
            } catch SMDPStoreError.backend(let message) {
                #expect(message.contains(expected), "\(message)")
                #expect(!message.contains("definitely-not-the-password"))
            }
        }
    }

    /// Runs a `PostgresClient` for the duration of `body` (one simulated SM-DP+ process).
    static func withRunningClient<T: Sendable>(_ configuration: PostgresStoreConfiguration,
                                               _ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: configuration.client)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
