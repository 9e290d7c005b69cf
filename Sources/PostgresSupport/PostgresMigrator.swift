import Foundation
import PostgresNIO

/// One schema migration: a version (applied in ascending order, recorded in the store's migration
/// table) and its DDL. Append new migrations; never edit a shipped one.
public struct PostgresMigration: Sendable {
    public let version: Int
    public let name: String
    public let statements: @Sendable (PostgresSchemaName) -> [PostgresQuery]

    public init(version: Int, name: String, statements: @escaping @Sendable (PostgresSchemaName) -> [PostgresQuery]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// Applies migrations to one schema for every store that keeps tables there (the SM-DP+ store, the
/// usage outbox). All of them take the same transaction-scoped advisory lock keyed on the schema, so
/// processes and stores starting together never run DDL on one schema at once (two concurrent
/// `CREATE SCHEMA IF NOT EXISTS` can fail) and each migration is applied exactly once.
public enum PostgresMigrator {
    /// The database records a migration this build does not know.
    public struct NewerThanBuild: Error, Sendable, CustomStringConvertible {
        public let schema: String
        public let table: String
        public let version: Int
        public let newestKnown: Int
        public var description: String {
            "schema \(schema) has migration \(version) in \(table), newer than this build knows (\(newestKnown))"
        }
    }

    /// Takes the lock, creates the schema and `table` if needed, applies the missing `migrations` in
    /// version order, inside the caller's transaction. Idempotent; returns the versions applied.
    /// `table` is a literal of the calling store, never input.
    public static func migrate(_ connection: PostgresConnection, schema: PostgresSchemaName, table: StaticString,
                               migrations: [PostgresMigration], logger: Logger) async throws -> [Int] {
        let s = schema.rawValue
        let t = "\(table)"
        let lockKey = "openrsp.smdp.migrate:\(s)"
        try await connection.queryAll("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)
        try await connection.queryAll("CREATE SCHEMA IF NOT EXISTS \(unescaped: s)", logger: logger)
        try await connection.queryAll("""
            CREATE TABLE IF NOT EXISTS \(unescaped: s).\(unescaped: t) (
              version bigint PRIMARY KEY,
              name text NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now())
            """, logger: logger)
        var applied = Set<Int>()
        for row in try await connection.queryAll("SELECT version FROM \(unescaped: s).\(unescaped: t)", logger: logger) {
            applied.insert(try row.decode(Int.self))
        }
        let known = Set(migrations.map(\.version))
        if let unknown = applied.subtracting(known).max() {
            throw NewerThanBuild(schema: s, table: t, version: unknown, newestKnown: known.max() ?? 0)
        }
        var done: [Int] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
            for statement in migration.statements(schema) {
                try await connection.queryAll(statement, logger: logger)
            }
            try await connection.queryAll(
                "INSERT INTO \(unescaped: s).\(unescaped: t) (version, name) VALUES (\(migration.version), \(migration.name))",
                logger: logger)
            done.append(migration.version)
        }
        return done
    }
}
