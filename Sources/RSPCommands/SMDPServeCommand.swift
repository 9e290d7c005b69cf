import ArgumentParser
import SMDPChainTrust
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import Hummingbird
import Logging
import SMDPCore
import SMDPServer
import X402

/// `openrsp smdp serve`: the ES9+ and ES2+ server.
struct SMDPServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve ES9+, ES2+ (with operator tokens) and GET /health over HTTPS with CERT.DP.TLS.",
        discussion: """
            Settings come from --config FILE (JSON; see docs/SMDP-SERVER.md) and the flags, which override it. \
            TLS uses dp-tls.pem/dp-tls.key.pem from the PKI directory unless --tls-cert/--tls-key are given; clients trust the CI certificate. \
            --database takes a SQLite path or a postgres:// URL. ES2+ (POST /gsma/rsp2/es2plus/<function>) is served when operators \
            are configured: each calls with `Authorization: Bearer <token>`; the server keeps only SHA-256(token). \
            HandleDownloadProgressInfo reports go to each operator's callback URL, retried with backoff, queued in the database. \
            With --rpc-url or --entitlements, orders made with `smdp order create --entitlement-id` are released only \
            after PlanEntitlements.isLive(id, keccak256(EID ‖ salt)) holds on chain (docs/CHAIN-TRUST.md). \
            --insecure-loopback-http serves plain HTTP for local development and refuses any bind address \
            that is not loopback. Requests over \(SMDPServerSettings.defaultMaxRequestBodyBytes / 1024) KiB are \
            answered 413; idle connections close after 30 s. Expired ES9+ sessions are purged every minute. SIGTERM/SIGINT shut down gracefully. \
            Log level: --log-level or $LOG_LEVEL (trace, debug, info, notice, warning, error, critical).
            """
    )

    @Option(name: .long, help: "JSON configuration file; flags override its values.")
    var config: String?

    @Option(name: .long, help: "Bind address (default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "TCP port (default 8443; 0 picks a free port).")
    var port: Int?

    @OptionGroup var identity: SMDPIdentityOptions
    @OptionGroup var entitlementGate: SMDPEntitlementGateOptions
    @OptionGroup var profileStatus: SMDPProfileStatusOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "SQLite database path or postgres://user:pw@host:port/db URL (default: $OPENRSP_HOME/smdp/smdp.sqlite).")
    var database: String?

    @Option(name: .customLong("postgres-schema"), help: "PostgreSQL schema (default openrsp_smdp).")
    var postgresSchema: String?

    @Option(name: .customLong("tls-cert"), help: "TLS certificate chain PEM (leaf first) instead of the PKI's dp-tls.pem.")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "TLS private key PEM (with --tls-cert).")
    var tlsKey: String?

    @Option(name: .customLong("operator-token"), help: "ID=FILE: operator ID authenticates with the token in FILE (repeatable; replaces that operator's token from --config).")
    var operatorTokens: [String] = []

    @Option(name: .customLong("operator-callback"), help: "ID=URL: HandleDownloadProgressInfo URL (https) for operator ID (repeatable).")
    var operatorCallbacks: [String] = []

    @Option(name: .customLong("callback-trust-root"), help: "PEM/DER certificate trusted for operator callback servers (repeatable; default: system roots).")
    var callbackTrustRoots: [String] = []

    @Flag(name: .customLong("insecure-loopback-http"), help: "Serve plain HTTP (development only; loopback bind addresses only).")
    var insecureLoopbackHTTP = false

    @Option(name: .customLong("log-level"), help: "Log level (default: $LOG_LEVEL or info).")
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp(
        "Notifications every profile asks the eUICC to send back (enable,disable,delete | none; default all three).",
        discussion: "They keep the inventory true after installation: Installed → Enabled, Disabled, Deleted (docs/SMDP-SERVER.md)."))
    var notify: String?

    @Option(name: .customLong("notify-profile-type"), help: "TYPE=EVENTS: the notifications for profiles of one type (repeatable; overrides --notify).")
    var notifyProfileType: [String] = []

    @Option(name: .customLong("max-connections"), help: "Connections in all (default 10000, kept below the open-file limit); beyond it the server stops accepting until one closes.")
    var maxConnections: Int?

    @Option(name: .customLong("max-connections-per-address"), help: "Connections one client address may hold (default 256); more are closed on arrival.")
    var maxConnectionsPerAddress: Int?

    @Option(name: .customLong("request-deadline"), help: "Seconds a client has to deliver a whole request, headers and body, once the server waits for it (default 20).")
    var requestDeadline: Double?

    @Option(name: .customLong("executor"), help: ArgumentHelp(
        "Where request handlers run: event-loop (default) or pool.",
        discussion: "event-loop: Swift concurrency runs on the SwiftNIO event loops (one thread per core), so a request stays on its connection's thread; pool: Swift's default thread pool (each request hops between the event loop and the pool)."))
    var executor: ConcurrencyExecutor = .eventLoop

    @Option(name: .customLong("rate-limit"), help: "ES9+ requests per second per client address (default 20, bursts of 2x; 0 turns it off). Excess gets HTTP 429 with Retry-After.")
    var rateLimit: Double?

    @Option(name: .customLong("delivery-timeout"), help: "Seconds after its session a delivered profile may wait for its installation result before it moves to Error and the operator is told (default 86400); until then the same eUICC may download it again.")
    var deliveryTimeout: Double?

    @Option(name: .customLong("metrics-token-file"), help: "File with a bearer token that GET /metrics then requires (the server keeps only its SHA-256).")
    var metricsTokenFile: String?

    @Option(name: .customLong("bsp-segment-bytes"), help: ArgumentHelp(
        "Plaintext bytes per BPP 86 segment (interop testing; default: SGP.22's 1007, TLVs ≤ 1020 bytes).",
        discussion: "1008 sends 1036-byte TLVs as some deployed SM-DP+s do; eUICCs that follow SGP.22 strictly may refuse them."))
    var bspSegmentBytes: Int?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("unknown --log-level \(logLevel)")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) { throw ValidationError("give --tls-cert and --tls-key together") }
        if insecureLoopbackHTTP, let host, !SMDPServerSettings.isLoopback(host) {
            throw ValidationError(SMDPServerError.insecureHTTPOnNonLoopback(host: host).description)
        }
    }

    /// The settings after merging the file and the flags.
    struct Resolved: Sendable {
        var host: String
        var port: Int
        var address: String?
        var pki: String?
        var tlsCertificate: String?
        var tlsKey: String?
        var database: String?
        var postgresSchema: String?
        var insecureLoopbackHTTP: Bool
        var logLevel: Logger.Level
        var maxRequestBodyBytes: Int
        var operators: [ES2PlusOperator]
        var callbackTrustRoots: [String]
        var retry: DownloadProgressRetryPolicy
        var pollInterval: Duration
        var notificationRequests: NotificationRequestPolicy = .all
        var bspSegmentPlaintextBytes: Int?
        var limits: ConnectionLimits? = nil
        var rateLimit: RateLimit? = .defaultES9Plus
        var metricsTokenSHA256: [UInt8]?
        var deliveryTimeout: TimeInterval = 86_400
    }

    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Resolved {
        let file = try config.map { try SMDPServeConfigurationFile.load($0) } ?? SMDPServeConfigurationFile()
        let levelText = logLevel ?? file.logLevel ?? environment["LOG_LEVEL"]
        var level = Logger.Level.info
        if let levelText {
            guard let parsed = Logger.Level(rawValue: levelText) else { throw SMDPCommandError.invalidArgument("unknown log level \(levelText)") }
            level = parsed
        }
        // Operators: from the file, then --operator-token / --operator-callback by id.
        var tokens: [String: [UInt8]] = [:]
        var callbacks: [String: String] = [:]
        var order: [String] = []
        for op in file.operators ?? [] {
            guard let hash = HexText.decode(op.tokenSHA256), hash.count == 32 else {
                throw SMDPCommandError.invalidArgument("operator \(op.id): tokenSHA256 must be 64 hex digits")
            }
            if tokens[op.id] == nil { order.append(op.id) }
            tokens[op.id] = hash
            callbacks[op.id] = op.callbackURL
        }
        for entry in operatorTokens {
            let (id, path) = try Self.pair(entry, "--operator-token")
            let token: String
            do { token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                throw SMDPCommandError.invalidArgument("--operator-token \(id): cannot read \(path)")
            }
            guard !token.isEmpty else { throw SMDPCommandError.invalidArgument("--operator-token \(id): \(path) is empty") }
            if tokens[id] == nil { order.append(id) }
            tokens[id] = ES2PlusOperator.hash(token: token)
        }
        for entry in operatorCallbacks {
            let (id, url) = try Self.pair(entry, "--operator-callback")
            guard tokens[id] != nil else { throw SMDPCommandError.invalidArgument("--operator-callback \(id): no such operator (give its token)") }
            callbacks[id] = url
        }
        var operators: [ES2PlusOperator] = []
        for id in order {
            let url: URL?
            if let text = callbacks[id] {
                guard let parsed = URL(string: text) else { throw SMDPCommandError.invalidArgument("operator \(id): invalid callback URL") }
                url = parsed
            } else {
                url = nil
            }
            do { operators.append(try ES2PlusOperator(id: id, tokenSHA256: tokens[id] ?? [], callbackURL: url)) } catch {
                throw SMDPCommandError.invalidArgument(error.description)
            }
        }
        func seconds(_ value: Double?, _ fallback: Duration, _ name: String) throws -> Duration {
            guard let value else { return fallback }
            guard value > 0, value <= 86_400 else { throw SMDPCommandError.invalidArgument("\(name) must be in (0, 86400]") }
            return .milliseconds(Int64(value * 1000))
        }
        let defaults = DownloadProgressRetryPolicy()
        var notifications = NotificationRequestPolicy.all
        do {
            if let text = notify ?? file.notify { notifications.defaultEvents = try NotificationRequestPolicy.events(parsing: text) }
            for (type, text) in file.notifyByProfileType ?? [:] {
                notifications.eventsByProfileType[type] = try NotificationRequestPolicy.events(parsing: text)
            }
            for entry in notifyProfileType {
                let (type, text) = try Self.pair(entry, "--notify-profile-type")
                notifications.eventsByProfileType[type] = try NotificationRequestPolicy.events(parsing: text)
            }
        } catch let error as SMDPConfigurationError {
            throw SMDPCommandError.invalidArgument("notifications: \(error)")
        }
        var resolved = Resolved(
            host: host ?? file.host ?? "127.0.0.1", port: port ?? file.port ?? 8443, address: identity.address ?? file.address,
            pki: identity.pki ?? file.pki, tlsCertificate: tlsCertificate ?? file.tlsCertificate, tlsKey: tlsKey ?? file.tlsKey,
            database: database ?? file.database, postgresSchema: postgresSchema ?? file.postgresSchema,
            insecureLoopbackHTTP: insecureLoopbackHTTP || (file.insecureLoopbackHTTP ?? false), logLevel: level,
            maxRequestBodyBytes: file.maxRequestBodyBytes ?? SMDPServerSettings.defaultMaxRequestBodyBytes, operators: operators,
            callbackTrustRoots: callbackTrustRoots.isEmpty ? (file.callbackTrustRoots ?? []) : callbackTrustRoots,
            retry: DownloadProgressRetryPolicy(base: try seconds(file.callbackRetryBaseSeconds, defaults.base, "callbackRetryBaseSeconds"),
                                               maximum: try seconds(file.callbackRetryMaxSeconds, defaults.maximum, "callbackRetryMaxSeconds")),
            pollInterval: try seconds(file.callbackPollSeconds, .seconds(1), "callbackPollSeconds"))
        resolved.notificationRequests = notifications
        resolved.bspSegmentPlaintextBytes = bspSegmentBytes ?? file.bspSegmentPlaintextBytes
        try resolveLimits(file, into: &resolved)
        if let timeout = deliveryTimeout ?? file.deliveryTimeoutSeconds {
            guard timeout > 0 else { throw SMDPCommandError.invalidArgument("--delivery-timeout must be positive") }
            resolved.deliveryTimeout = timeout
        }
        return resolved
    }

    /// Connection caps, request deadline, ES9+ rate limit and the /metrics token, from flags then the file.
    func resolveLimits(_ file: SMDPServeConfigurationFile, into resolved: inout Resolved) throws {
        do {
            let deadline = requestDeadline ?? file.requestDeadlineSeconds
            resolved.limits = try ConnectionLimits(
                requestDeadline: deadline.map { .milliseconds(Int64($0 * 1000)) } ?? ConnectionLimits.defaultRequestDeadline,
                maxConnectionsPerAddress: maxConnectionsPerAddress ?? file.maxConnectionsPerAddress ?? ConnectionLimits.defaultMaxConnectionsPerAddress,
                maxConnections: maxConnections ?? file.maxConnections ?? ConnectionLimits.defaultMaxConnections)
        } catch {
            throw SMDPCommandError.invalidArgument("\(error)")
        }
        let rate = rateLimit ?? file.rateLimitPerSecond ?? RateLimit.defaultES9Plus.ratePerSecond
        guard rate >= 0 else { throw SMDPCommandError.invalidArgument("--rate-limit must be 0 (off) or positive") }
        let burst = file.rateLimitBurst ?? max(1, rate * 2)
        guard burst >= 1 else { throw SMDPCommandError.invalidArgument("rateLimitBurst must be at least 1") }
        resolved.rateLimit = rate == 0 ? nil : RateLimit(ratePerSecond: rate, burst: burst)
        if let metricsTokenFile {
            let token: String
            do { token = try String(contentsOfFile: metricsTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                throw SMDPCommandError.invalidArgument("--metrics-token-file: cannot read \(metricsTokenFile)")
            }
            guard !token.isEmpty else { throw SMDPCommandError.invalidArgument("--metrics-token-file \(metricsTokenFile) is empty") }
            resolved.metricsTokenSHA256 = ES2PlusOperator.hash(token: token)
        } else if let hex = file.metricsTokenSHA256 {
            guard let hash = HexText.decode(hex), hash.count == 32 else {
                throw SMDPCommandError.invalidArgument("metricsTokenSHA256 must be 64 hex digits")
            }
            resolved.metricsTokenSHA256 = hash
        }
    }

    static func pair(_ entry: String, _ flag: String) throws -> (String, String) {
        guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex, entry.index(after: eq) != entry.endIndex else {
            throw SMDPCommandError.invalidArgument("\(flag) expects ID=VALUE, got \(entry)")
        }
        return (String(entry[..<eq]), String(entry[entry.index(after: eq)...]))
    }

    func run() async throws {
        let settingsLevel: Logger.Level
        do { settingsLevel = try resolve().logLevel } catch { settingsLevel = .info }
        StderrLogging.bootstrap(level: settingsLevel)
        // A startup failure (configuration, PKI, chain) is reported with its code; --json as one envelope.
        try await output.reportingErrors {
            let logger = Logger(label: "openrsp.smdp")
            if executor == .eventLoop, !ConcurrencyExecutor.eventLoopsInstalled {
                logger.warning("the SwiftNIO event loops could not be installed as the concurrency executor; using the thread pool")
            }
            logger.info("concurrency executor", metadata: ["executor": "\(ConcurrencyExecutor.current.rawValue)"])
            let resolved = try resolve()
            let gate = try await entitlementGate.gate(logger: Logger(label: "openrsp.smdp.entitlement-gate"))
            if let gate { logger.info("entitlement gate on", metadata: ["PlanEntitlements": "\(gate.entitlements.address)"]) }
            let delivery: (ChainDeliveryRecorder, RPCClient)?
            do {
                delivery = try await entitlementGate.deliveryRecorder(gate: gate, logger: Logger(label: "openrsp.smdp.delivery-recorder"))
            } catch {
                try? await gate?.shutdown()
                throw error
            }
            if delivery != nil { logger.info("delivery records on chain on (markDelivered)") }
            let status: (holders: any EntitlementHolderCheck, paywall: X402Paywall?, client: RPCClient)?
            do {
                status = try await profileStatus.build(gate: gate, rpcURL: entitlementGate.rpcURL ?? defaultRPCURL,
                                                       smdpAddress: resolved.address ?? "localhost:\(resolved.port)",
                                                       logger: Logger(label: "openrsp.smdp.profile-status"))
            } catch {
                try? await gate?.shutdown()
                try? await delivery?.1.shutdown()
                throw error
            }
            let served: Result<Void, any Error>
            do {
                try await Self.serve(resolved, entitlementGate: gate, deliveryRecorder: delivery?.0,
                                     profileStatus: status.map { ($0.holders, $0.paywall) }, logger: logger)
                served = .success(())
            } catch {
                served = .failure(error)
            }
            // The chain clients are closed however serving ended; a failure here changes no result.
            try? await gate?.shutdown()
            try? await delivery?.1.shutdown()
            try? await status?.client.shutdown()
            try served.get()
        }
    }

    /// Runs the server with resolved settings until SIGTERM/SIGINT (or until the task is cancelled).
    /// `entitlementGate` enables entitlement-gated orders (docs/CHAIN-TRUST.md); `onListening` receives the bound port.
    static func serve(_ resolved: Resolved, entitlementGate: (any EntitlementGate)? = nil,
                      deliveryRecorder: (any DeliveryRecorder)? = nil,
                      profileStatus: (holders: any EntitlementHolderCheck, paywall: X402Paywall?)? = nil, logger: Logger,
                      onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        if resolved.insecureLoopbackHTTP, !SMDPServerSettings.isLoopback(resolved.host) {
            throw SMDPCommandError.server(SMDPServerError.insecureHTTPOnNonLoopback(host: resolved.host).description)
        }
        let address = resolved.address ?? "localhost:\(resolved.port)"
        let pkiDirectory = resolved.pki.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? DataDirectory.resolve().url.appendingPathComponent("pki", isDirectory: true)
        let site: SMDPServerPKI
        do {
            site = try await SMDPServerPKI.load(directory: pkiDirectory, address: address, notificationRequests: resolved.notificationRequests,
                                                bspProfileElementPieceBytes: resolved.bspSegmentPlaintextBytes,
                                                deliveryTimeout: resolved.deliveryTimeout)
        } catch {
            throw SMDPCommandError.pki(error.description)
        }
        var tls = site.tls
        if let certificate = resolved.tlsCertificate, let key = resolved.tlsKey {
            tls = try TLSCredentialFiles.load(certificate: certificate, key: key)
        }
        let settings: SMDPServerSettings
        do {
            settings = try SMDPServerSettings(host: resolved.host, port: resolved.port,
                                              transport: resolved.insecureLoopbackHTTP ? .insecureLoopbackHTTP : .tls(tls),
                                              maxRequestBodyBytes: resolved.maxRequestBodyBytes, limits: resolved.limits,
                                              rateLimit: resolved.rateLimit, metricsTokenSHA256: resolved.metricsTokenSHA256)
        } catch {
            throw SMDPCommandError.server("\(error)")
        }
        let trustRoots = try TLSCredentialFiles.certificates(resolved.callbackTrustRoots)
        try await SMDPStoreLocation.withStore(resolved.database, postgresSchema: resolved.postgresSchema, logger: logger) { store in
            let process: SMDPProcess
            do {
                process = try SMDPProcess(SMDPProcessConfiguration(
                    store: store, configuration: site.configuration, settings: settings, operators: resolved.operators,
                    progress: DownloadProgressSenderSettings(requesterId: address, trustRootsDER: trustRoots, retry: resolved.retry,
                                                             pollInterval: resolved.pollInterval),
                    entitlementGate: entitlementGate, deliveryRecorder: deliveryRecorder, profileStatus: profileStatus),
                    logger: logger, onListening: onListening)
            } catch {
                throw SMDPCommandError.server("\(error)")
            }
            do {
                try await process.run()
            } catch let error as SMDPServerError {
                throw SMDPCommandError.server("\(error)")
            }
        }
        logger.info("SM-DP+ stopped")
    }
}

/// The servers' logging: swift-log lines on stderr at `level` (once per process).
enum StderrLogging {
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
