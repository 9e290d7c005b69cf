import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SMDPCore
import SMDPServer

/// `openrsp smdp serve`: the ES9+ server.
struct SMDPServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve ES9+ (POST /gsma/rsp2/es9plus/<function>) and GET /health over HTTPS with CERT.DP.TLS.",
        discussion: """
            TLS uses dp-tls.pem/dp-tls.key.pem from the PKI directory; clients trust the CI certificate. \
            --insecure-loopback-http serves plain HTTP for local development and refuses any bind address \
            that is not loopback. Requests over \(SMDPServerSettings.defaultMaxRequestBodyBytes / 1024) KiB are \
            answered 413; idle connections close after 30 s. Expired ES9+ sessions are purged every minute. SIGTERM/SIGINT shut down gracefully. \
            With --rpc-url or --entitlements, orders made with `smdp order create --entitlement-id` are released only \
            after PlanEntitlements.isLive(id, keccak256(EID ‖ salt)) holds on chain (docs/CHAIN-TRUST.md). \
            Log level: --log-level or $LOG_LEVEL (trace, debug, info, notice, warning, error, critical).
            """
    )

    @Option(name: .long, help: "Bind address.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "TCP port (0 picks a free port).")
    var port = 8443

    @OptionGroup var identity: SMDPIdentityOptions
    @OptionGroup var database: SMDPDatabaseOption
    @OptionGroup var entitlementGate: SMDPEntitlementGateOptions

    @Flag(name: .customLong("insecure-loopback-http"), help: "Serve plain HTTP (development only; loopback bind addresses only).")
    var insecureLoopbackHTTP = false

    @Option(name: .customLong("log-level"), help: "Log level (default: $LOG_LEVEL or info).")
    var logLevel: String?

    func validate() throws {
        if insecureLoopbackHTTP, !SMDPServerSettings.isLoopback(host) {
            throw ValidationError(SMDPServerError.insecureHTTPOnNonLoopback(host: host).description)
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("unknown --log-level \(logLevel)")
        }
    }

    func run() async throws {
        let level = (logLevel ?? ProcessInfo.processInfo.environment["LOG_LEVEL"]).flatMap { Logger.Level(rawValue: $0) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "openrsp.smdp")
        try await OutputOptions().reportingErrors {
            let site = try await identity.load(defaultPort: port)
            let store = try database.open()
            let gate = try entitlementGate.gate(logger: Logger(label: "openrsp.smdp.entitlement-gate"))
            if let gate { logger.info("entitlement gate on", metadata: ["PlanEntitlements": "\(gate.entitlements.address)"]) }
            do {
                try await serve(store: store, site: site, gate: gate, logger: logger)
            } catch {
                // Closing the chain client on the way out; a failure here changes no result.
                try? await gate?.shutdown()
                throw error
            }
            try? await gate?.shutdown()
            logger.info("SM-DP+ stopped")
        }
    }

    private func serve(store: any SMDPStore, site: SMDPServerPKI, gate: (any EntitlementGate)?, logger: Logger) async throws {
            let service = ES9PlusService(store: store, configuration: site.configuration, entitlementGate: gate)
            let settings: SMDPServerSettings
            do {
                settings = try SMDPServerSettings(host: host, port: port, transport: insecureLoopbackHTTP ? .insecureLoopbackHTTP : .tls(site.tls))
            } catch {
                throw SMDPCommandError.server("\(error)")
            }
            let scheme = insecureLoopbackHTTP ? "http" : "https"
            let address = site.configuration.address.description
            do {
                let app = try buildApplication(service: service, settings: settings, logger: logger) { channel in
                    let port = channel.localAddress?.port ?? settings.port
                    logger.info("SM-DP+ listening", metadata: [
                        "url": "\(scheme)://\(settings.host):\(port)", "smdpAddress": "\(address)"])
                }
                let purger = SessionPurger(store: store, logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await purger.run() }
                    // Returns after SIGTERM/SIGINT once in-flight requests are done; then stop the purger.
                    try await app.runService()
                    group.cancelAll()
                }
            } catch let error as SMDPServerError {
                throw SMDPCommandError.server("\(error)")
            }
    }
}
