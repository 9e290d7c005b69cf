import Foundation
import PostgresSupport
import Logging
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStorePostgres
import SMDPStoreSQLite

/// The `openrsp smdp serve --config FILE` JSON file. Every key is optional; command-line flags override
/// it. Relative paths are resolved against the file's directory.
///
/// ```json
/// {
///   "host": "127.0.0.1", "port": 8443, "address": "smdp.example.com:8443",
///   "pki": "pki", "tlsCertificate": "tls/chain.pem", "tlsKey": "tls/key.pem",
///   "database": "smdp.sqlite",                      // or "postgres://user:pw@host/db?sslmode=require"
///   "postgresSchema": "smdp",
///   "insecureLoopbackHTTP": false, "logLevel": "info", "maxRequestBodyBytes": 65536,
///   "operators": [{"id": "mno-1", "tokenSHA256": "<64 hex>", "callbackURL": "https://mno.example/gsma/rsp2/es2plus/handleDownloadProgressInfo"}],
///   "callbackTrustRoots": ["mno-ca.pem"], "callbackRetryBaseSeconds": 2, "callbackRetryMaxSeconds": 900,
///   "callbackPollSeconds": 1,
///   "notify": "enable,disable,delete", "notifyByProfileType": {"Test profile": "delete"},
///   "bspSegmentPlaintextBytes": 1008,
///   "maxConnections": 10000, "maxConnectionsPerAddress": 256, "requestDeadlineSeconds": 20,
///   "rateLimitPerSecond": 20, "rateLimitBurst": 40,          // 0 turns the ES9+ rate limit off
///   "metricsTokenSHA256": "<64 hex>",                         // /metrics then needs that bearer token
///   "deliveryTimeoutSeconds": 86400                           // a delivered BPP without result → Error
/// }
/// ```
struct SMDPServeConfigurationFile: Codable, Equatable {
    struct Operator: Codable, Equatable {
        var id: String
        /// Hex SHA-256 of the operator's bearer token (`openrsp smdp token hash` prints it).
        var tokenSHA256: String
        var callbackURL: String?
    }

    var host: String?
    var port: Int?
    var address: String?
    var pki: String?
    var tlsCertificate: String?
    var tlsKey: String?
    var database: String?
    var postgresSchema: String?
    var insecureLoopbackHTTP: Bool?
    var logLevel: String?
    var maxRequestBodyBytes: Int?
    var operators: [Operator]?
    var callbackTrustRoots: [String]?
    var callbackRetryBaseSeconds: Double?
    var callbackRetryMaxSeconds: Double?
    var callbackPollSeconds: Double?
    var notify: String?
    var notifyByProfileType: [String: String]?
    var bspSegmentPlaintextBytes: Int?
    var maxConnections: Int?
    var maxConnectionsPerAddress: Int?
    var requestDeadlineSeconds: Double?
    var rateLimitPerSecond: Double?
    var rateLimitBurst: Double?
    var metricsTokenSHA256: String?
    var deliveryTimeoutSeconds: Double?

    /// Reads and validates the file (unknown keys are refused, so a typo does not silently fall back to a default).
    static func load(_ path: String) throws -> SMDPServeConfigurationFile {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw SMDPCommandError.invalidArgument("cannot read --config \(path): \(error.localizedDescription)") }
        guard data.count <= 1024 * 1024 else { throw SMDPCommandError.invalidArgument("--config \(path) is larger than 1 MiB") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw SMDPCommandError.invalidArgument("--config \(path) is not JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else { throw SMDPCommandError.invalidArgument("--config \(path): expected a JSON object") }
        let known: Set<String> = ["host", "port", "address", "pki", "tlsCertificate", "tlsKey", "database", "postgresSchema",
                                  "insecureLoopbackHTTP", "logLevel", "maxRequestBodyBytes", "operators", "callbackTrustRoots",
                                  "callbackRetryBaseSeconds", "callbackRetryMaxSeconds", "callbackPollSeconds",
                                  "notify", "notifyByProfileType", "bspSegmentPlaintextBytes", "maxConnections",
                                  "maxConnectionsPerAddress", "requestDeadlineSeconds", "rateLimitPerSecond", "rateLimitBurst",
                                  "metricsTokenSHA256", "deliveryTimeoutSeconds"]
        if let unknown = dictionary.keys.filter({ !known.contains($0) }).sorted().first {
            throw SMDPCommandError.invalidArgument("--config \(path): unknown key '\(unknown)'")
        }
        var file: SMDPServeConfigurationFile
        do { file = try JSONDecoder().decode(Self.self, from: data) } catch {
            throw SMDPCommandError.invalidArgument("--config \(path): \(error)")
        }
        let base = url.deletingLastPathComponent()
        func resolve(_ p: String?) -> String? {
            guard let p, !p.isEmpty else { return p }
            return p.hasPrefix("/") ? p : base.appendingPathComponent(p).path
        }
        file.pki = resolve(file.pki)
        file.tlsCertificate = resolve(file.tlsCertificate)
        file.tlsKey = resolve(file.tlsKey)
        if let database = file.database, !SMDPStoreLocation.isPostgresURL(database) { file.database = resolve(database) }
        file.callbackTrustRoots = file.callbackTrustRoots?.map { resolve($0) ?? $0 }
        return file
    }
}

/// Where the SM-DP+ state lives: a SQLite file or a PostgreSQL URL.
enum SMDPStoreLocation {
    static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Opens the store `database` names (default: the SQLite file in $OPENRSP_HOME/smdp) for `body`.
    /// A PostgreSQL store is migrated and its client shut down when `body` returns.
    static func withStore<T: Sendable>(_ database: String?, postgresSchema: String? = nil, logger: Logger = Logger(label: "openrsp.smdp.store"),
                                       _ body: (any SMDPStore) async throws -> T) async throws -> T {
        if let database, isPostgresURL(database) {
            let configuration: PostgresStoreConfiguration
            let schema: PostgresSchemaName
            do {
                configuration = try PostgresStoreConfiguration(url: database)
                schema = try PostgresSchemaName(postgresSchema ?? "openrsp_smdp")
            } catch {
                throw SMDPCommandError.database("\(error)")
            }
            do {
                return try await PostgresSMDPStore.withStore(configuration, schema: schema, logger: logger) { store in try await body(store) }
            } catch let error as SMDPStoreError {
                throw SMDPCommandError.database("\(error)")
            }
        }
        let store = try SMDPDatabaseOption.openSQLite(database)
        return try await body(store)
    }
}

/// Loads TLS credentials from PEM files: a certificate chain (leaf first) and a P-256 private key.
enum TLSCredentialFiles {
    static func load(certificate: String, key: String) throws -> SMDPTLSCredentials {
        do {
            let chain = try PKIDecoder.certificates(Array(try Data(contentsOf: URL(fileURLWithPath: certificate)))).map { try PKIEncoding.der($0) }
            let privateKey = try PKIDecoder.privateKey(Array(try Data(contentsOf: URL(fileURLWithPath: key))))
            return try SMDPTLSCredentials(certificateChainDER: chain, privateKey: privateKey)
        } catch {
            throw SMDPCommandError.pki("TLS certificate/key: \(error)")
        }
    }

    /// DER certificates from PEM (bundles allowed) or DER files (trust roots).
    static func certificates(_ paths: [String]) throws -> [[UInt8]] {
        var result: [[UInt8]] = []
        for path in paths {
            do {
                result += try PKIDecoder.certificates(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).map { try PKIEncoding.der($0) }
            } catch {
                throw SMDPCommandError.pki("trust root \(path): \(error)")
            }
        }
        return result
    }
}

enum HexText {
    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 65...70: c - 55
            case 97...102: c - 87
            default: nil
            }
        }
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func encode(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
