import ArgumentParser
import Foundation
import SMDPCore
import SMDPServer
import SMDPStoreSQLite

/// `openrsp smdp`: run the SM-DP+ and manage its local inventory and orders.
public struct SMDPCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "smdp",
        abstract: "SM-DP+: serve ES9+ and ES2+ over HTTPS, import profiles, manage download orders.",
        discussion: """
            State lives in one SQLite database (default $OPENRSP_HOME/smdp/smdp.sqlite) or PostgreSQL (postgres:// URL); \
            credentials in a PKI directory (default $OPENRSP_HOME/pki, see `openrsp pki init`). Orders are managed over \
            ES2+ HTTPS (`order ... --url`) or in-process against the database.
            """,
        subcommands: [SMDPServeCommand.self, SMDPProfileCommand.self, SMDPOrderCommand.self, SMDPTokenCommand.self]
    )

    public init() {}
}

/// Errors of the `smdp` commands, with stable codes for the JSON envelope.
enum SMDPCommandError: KindedCommandError {
    case database(String)
    case pki(String)
    case server(String)
    case importFailed(Int)
    case order(String)
    case invalidArgument(String)
    /// The SM-DP+ refused an entitlement order (gate refusal, with its ES2+ code in the message).
    case entitlementRefused(String)
    /// The SM-DP+ could not check the entitlement on chain (retryable).
    case entitlementUnavailable(String)

    enum Kind: Int, CLIErrorKind {
        case database = 30, pki, server, importFailed, order, invalidArgument, entitlementRefused, entitlementUnavailable

        var meaning: String {
            switch self {
            case .database: "smdp: the SM-DP+ database cannot be opened or queried"
            case .pki: "smdp: the SM-DP+ PKI (--pki) is missing or invalid"
            case .server: "smdp serve: the server cannot start or stopped with an error"
            case .importFailed: "smdp profile import: some files were not imported (each row names its file and why)"
            case .order: "smdp order: the order function failed (ES2+ status in the message)"
            case .invalidArgument: "smdp: an argument, option or --config value is invalid"
            case .entitlementRefused: "smdp order: the SM-DP+ refused the entitlement order (unknown, commitment mismatch, not live, already used, other profile type; ES2+ code in the message); nothing was stored"
            case .entitlementUnavailable: "smdp order: the SM-DP+ could not check the entitlement on chain (8.8/3.7, retryable); nothing was stored"
            }
        }
    }

    var kind: Kind {
        switch self {
        case .database: .database
        case .pki: .pki
        case .server: .server
        case .importFailed: .importFailed
        case .order: .order
        case .invalidArgument: .invalidArgument
        case .entitlementRefused: .entitlementRefused
        case .entitlementUnavailable: .entitlementUnavailable
        }
    }

    var description: String {
        switch self {
        case .database(let m), .pki(let m), .server(let m), .order(let m): return m
        case .importFailed(let n): return "\(n) file(s) could not be imported"
        case .invalidArgument(let m), .entitlementRefused(let m), .entitlementUnavailable(let m): return m
        }
    }
}

/// `--database PATH|URL` and `--postgres-schema`: the SM-DP+ store, SQLite or PostgreSQL.
struct SMDPDatabaseOption: ParsableArguments {
    @Option(name: .long, help: "SQLite database path or postgres://user:pw@host:port/db URL (default: $OPENRSP_HOME/smdp/smdp.sqlite; created if missing).")
    var database: String?

    @Option(name: .customLong("postgres-schema"), help: "PostgreSQL schema (default openrsp_smdp).")
    var postgresSchema: String?

    func validate() throws {
        if postgresSchema != nil, !(database.map(SMDPStoreLocation.isPostgresURL) ?? false) {
            throw ValidationError("--postgres-schema needs a postgres:// --database")
        }
    }

    /// Opens the store (creating the SQLite file or the PostgreSQL schema if needed) for `body`.
    func withStore<T: Sendable>(_ body: (any SMDPStore) async throws -> T) async throws -> T {
        try await SMDPStoreLocation.withStore(database, postgresSchema: postgresSchema, body)
    }

    /// Opens the SQLite database at `database` (default: $OPENRSP_HOME/smdp/smdp.sqlite).
    static func openSQLite(_ database: String?) throws -> SQLiteSMDPStore {
        let path: String
        if let database, !database.isEmpty {
            path = database
        } else {
            do {
                path = try DataDirectory.resolve().ensure("smdp").appendingPathComponent("smdp.sqlite").path
            } catch {
                throw SMDPCommandError.database("cannot create the data directory: \(error)")
            }
        }
        do { return try SQLiteSMDPStore(path: path) } catch { throw SMDPCommandError.database("\(error)") }
    }
}

/// `--pki DIR` and `--address HOST[:PORT]`: who this SM-DP+ is.
struct SMDPIdentityOptions: ParsableArguments {
    @Option(name: .long, help: "PKI directory with ci, dp-auth, dp-pb, dp-tls certificates and keys (default: $OPENRSP_HOME/pki).")
    var pki: String?

    @Option(name: .long, help: "SM-DP+ address HOST[:PORT] as put into activation codes and checked in initiateAuthentication (default: localhost:<port>).")
    var address: String?

    var pkiDirectory: URL {
        if let pki, !pki.isEmpty { return URL(fileURLWithPath: pki, isDirectory: true) }
        return DataDirectory.resolve().url.appendingPathComponent("pki", isDirectory: true)
    }

    /// The PKI (`--pki`, else `configuredPKI` from a serve configuration, else the default) with `address`.
    func load(address: String, configuredPKI: String? = nil) async throws -> SMDPServerPKI {
        let directory = pki == nil ? configuredPKI.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? pkiDirectory : pkiDirectory
        do {
            return try await SMDPServerPKI.load(directory: directory, address: address)
        } catch {
            throw SMDPCommandError.pki(error.description)
        }
    }
}
