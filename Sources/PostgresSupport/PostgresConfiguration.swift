import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// A PostgreSQL schema name the store accepts: `[a-z_][a-z0-9_]{0,62}`. Identifiers cannot be bound
/// as query parameters, so this is the only text the store puts into SQL unescaped; the validation
/// on construction is what keeps that safe.
/// A connection URL or schema name that cannot be used, or a server that cannot be reached with it.
public enum PostgresConfigurationError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case unreachable(String)

    public var description: String {
        switch self {
        case .invalid(let message), .unreachable(let message): message
        }
    }
}

public struct PostgresSchemaName: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ name: String) throws(PostgresConfigurationError) {
        let bytes = Array(name.utf8)
        func isLetter(_ b: UInt8) -> Bool { (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || b == UInt8(ascii: "_") }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard let first = bytes.first, bytes.count <= 63, isLetter(first), bytes.allSatisfy({ isLetter($0) || isDigit($0) }),
              !name.hasPrefix("pg_") else {
            throw .invalid("invalid schema name '\(name)': expected [a-z_][a-z0-9_]{0,62}, not starting with pg_")
        }
        rawValue = name
    }

    public var description: String { rawValue }
}

/// Where the Postgres store connects: a `PostgresClient` configuration parsed from a connection URL.
///
/// URL form: `postgres://user:password@host:port/database?sslmode=MODE` (`postgresql://` is accepted too;
/// user and password are percent-decoded; port defaults to 5432).
///
/// `sslmode`:
/// - `disable`: plain TCP. Meant for loopback only (a cluster on 127.0.0.1 as in CI).
/// - `require` (also `verify-full`, `verify-ca`): TLS is mandatory, and the server certificate is verified
///   against the system trust roots (or the PEM file named by `sslrootcert=`) including the host name.
///   Note this is stricter than libpq's `require`, which does not verify the certificate.
/// - `prefer`: TLS with the same verification if the server offers it, else plain TCP.
/// - absent: `disable` when the host is `localhost`, `127.0.0.1` or `::1`, otherwise `require`.
public struct PostgresStoreConfiguration: Sendable {
    public var client: PostgresClient.Configuration
    /// The TLS settings parsed from the URL (PostgresNIO's client configuration does not expose them);
    /// nil for `init(client:)`, and `checkConnection` then checks nothing.
    private var tlsMode: TLSMode?

    private enum TLSMode: Sendable {
        case disable
        case prefer(TLSConfiguration)
        case require(TLSConfiguration)
    }

    public init(client: PostgresClient.Configuration) {
        self.client = client
        self.tlsMode = nil
    }

    /// Opens and closes one connection with these settings, so that an unreachable host, a wrong
    /// password or an unknown database fails at once with `.backend` (PostgresClient's pool only fails
    /// waiting requests after its 60 s circuit breaker). Checks nothing for `init(client:)`.
    public func checkConnection(logger: Logger) async throws(PostgresConfigurationError) {
        guard let tlsMode, let host = client.host, let port = client.port else { return }
        do {
            let tls: PostgresConnection.Configuration.TLS
            switch tlsMode {
            case .disable: tls = .disable
            case .prefer(let configuration): tls = .prefer(try NIOSSLContext(configuration: configuration))
            case .require(let configuration): tls = .require(try NIOSSLContext(configuration: configuration))
            }
            let configuration = PostgresConnection.Configuration(host: host, port: port, username: client.username,
                                                                 password: client.password, database: client.database, tls: tls)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw .unreachable(Self.describe(error))
        }
    }

    public init(url text: String) throws(PostgresConfigurationError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw .invalid("not a postgres:// URL")
        }
        guard let host = url.host, !host.isEmpty else { throw .invalid("postgres URL without a host") }
        guard let user = url.user, !user.isEmpty else { throw .invalid("postgres URL without a user name") }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !database.isEmpty, !database.contains("/") else { throw .invalid("postgres URL without a database name") }
        let port = url.port ?? 5432
        guard (1...65535).contains(port) else { throw .invalid("postgres URL port \(port) out of range") }

        var mode: String?
        var rootCertificatePath: String?
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode": mode = item.value
            case "sslrootcert": rootCertificatePath = item.value
            default: throw .invalid("unsupported postgres URL parameter '\(item.name)'")
            }
        }
        let bareHost = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(bareHost)
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        if let rootCertificatePath {
            tlsConfiguration.trustRoots = .file(rootCertificatePath)
        }
        let tls: PostgresClient.Configuration.TLS
        switch mode ?? (loopback ? "disable" : "require") {
        case "disable": (tls, tlsMode) = (.disable, .disable)
        case "prefer": (tls, tlsMode) = (.prefer(tlsConfiguration), .prefer(tlsConfiguration))
        case "require", "verify-ca", "verify-full": (tls, tlsMode) = (.require(tlsConfiguration), .require(tlsConfiguration))
        case let other: throw .invalid("unsupported sslmode '\(other)' (disable, prefer, require, verify-ca, verify-full)")
        }
        client = PostgresClient.Configuration(host: bareHost, port: port, username: user, password: url.password,
                                              database: database, tls: tls)
    }

    /// The server's message and SQLSTATE for a PostgresNIO error, else the error's own text.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            guard let state = psql.serverInfo?[.sqlState] else { return "postgres: \(psql.code)" }
            return "\(psql.serverInfo?[.message] ?? "") (SQLSTATE \(state))"
        }
        return "\(error)"
    }
}

extension PostgresConnection {
    /// Runs `query` and reads the whole result, so that errors raised while executing (constraint
    /// violations) surface here rather than on a discarded row sequence.
    @discardableResult
    public func queryAll(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}
