import ES9PlusAPI
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import SMDPCore

/// `GET /health`: 200 `{"status":"ok"}` when the store answers a read, 503 otherwise.
struct HealthRoute: Sendable {
    let store: any SMDPStore

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/health") { _, context -> Response in
            let healthy: Bool
            do {
                _ = try await store.profileCounts()
                healthy = true
            } catch {
                context.logger.error("health check: store unavailable", metadata: ["error": "\(error)"])
                healthy = false
            }
            let body = healthy ? #"{"status":"ok"}"# : #"{"status":"unavailable"}"#
            return Response(status: healthy ? .ok : .serviceUnavailable,
                            headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
    }
}

/// The SM-DP+ router: ES9+ functions, ES2+ functions when `es2plus` is given, `/health` and `/metrics`
/// (counting into `metrics`, by default a registry of this router's own), and the holders' profile-status lookup when
/// `profileStatus` is given. Unknown paths answer 404.
/// `rateLimit` limits ES9+ and profile-status requests per client address (HTTP 429); `metricsToken` puts `/metrics` behind
/// a bearer token.
public func buildRouter(service: ES9PlusService,
                        maxRequestBodyBytes: Int = SMDPServerSettings.defaultMaxRequestBodyBytes,
                        es2plus: ES2PlusRoutes? = nil,
                        metrics: SMDPMetrics = SMDPMetrics(),
                        rateLimit: RateLimit? = nil,
                        metricsToken: ES2PlusOperatorRegistry? = nil,
                        profileStatus: ProfileStatusRoute? = nil) -> Router<SMDPRequestContext> {
    let router = Router(context: SMDPRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    if let rateLimit {
        router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(rateLimit), metrics: metrics, pathPrefix: "/gsma/rsp2/es9plus/"))
        // The profile-status lookup costs a signature recovery and a chain read per request: limited the same way.
        if profileStatus != nil {
            router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(rateLimit), metrics: metrics, pathPrefix: ProfileStatusRoute.path))
        }
    }
    if let metricsToken { router.add(middleware: MetricsTokenMiddleware(tokens: metricsToken)) }
    ES9PlusRoutes(service: service, maxRequestBodyBytes: maxRequestBodyBytes, metrics: metrics).register(on: router)
    HealthRoute(store: service.store).register(on: router)
    es2plus?.register(on: router)
    profileStatus?.register(on: router)
    MetricsRoute(metrics: metrics, store: service.store).register(on: router)
    return router
}

/// The SM-DP+ as a Hummingbird application (a `Service`; `runService()` runs it under
/// ServiceLifecycle and shuts down gracefully on SIGTERM/SIGINT). It raises the process's soft open-file
/// limit to the hard limit and caps connections below it (`ConnectionLimits`), so a flood of connections is
/// refused, never fatal.
/// `onServerRunning` receives the listening channel (its `localAddress` tells the port when 0 was asked).
public func buildApplication(
    service: ES9PlusService, settings: SMDPServerSettings, logger: Logger, es2plus: ES2PlusRoutes? = nil,
    metrics: SMDPMetrics = SMDPMetrics(), profileStatus: ProfileStatusRoute? = nil,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws(SMDPServerError) -> some ApplicationProtocol {
    let metricsToken = try settings.metricsTokenSHA256.map { (hash) throws(SMDPServerError) in
        try ES2PlusOperatorRegistry([try ES2PlusOperator(id: "metrics", tokenSHA256: hash)])
    }
    let router = buildRouter(service: service, maxRequestBodyBytes: settings.maxRequestBodyBytes, es2plus: es2plus, metrics: metrics,
                             rateLimit: settings.rateLimit, metricsToken: metricsToken, profileStatus: profileStatus)
    let server = try guardedHTTPServer(settings: settings, logger: logger, onRefused: { metrics.countRefusal($0) })
    return Application(
        router: router, server: server,
        configuration: guardedConfiguration(settings: settings, serverName: "OpenRSP SM-DP+", logger: logger),
        onServerRunning: onServerRunning, logger: logger)
}

/// HTTP/1.1 with the connection guards (per-address cap, request deadline, idle timeout), over TLS or,
/// on loopback only, plain: the server every OpenRSP HTTP service (SM-DP+, portal) listens with.
public func guardedHTTPServer(settings: SMDPServerSettings, logger: Logger,
                              onRefused: @escaping @Sendable (String) -> Void = { _ in }) throws(SMDPServerError) -> HTTPServerBuilder {
    let perAddress = ConnectionsPerAddress(limit: settings.limits.maxConnectionsPerAddress)
    let http1 = HTTPServerBuilder.http1(configuration: .init(
        additionalChannelHandlers: [ConnectionGuardHandler(perAddress: perAddress, deadline: settings.limits.requestDeadline,
                                                           logger: logger, onRefused: onRefused)],
        idleTimeout: settings.idleTimeout))
    switch settings.transport {
    case .tls(let credentials):
        let tls = try credentials.serverTLSConfiguration()
        do { return try .tls(http1, tlsConfiguration: tls) } catch { throw .tlsCredentials("\(error)") }
    case .insecureLoopbackHTTP:
        return http1
    }
}

/// Bind address, backlog and the connection cap below the process's file limit (raised to its hard limit).
public func guardedConfiguration(settings: SMDPServerSettings, serverName: String, logger: Logger) -> ApplicationConfiguration {
    let maxConnections = settings.limits.effectiveMaxConnections(fileLimit: FileDescriptorLimit.raiseSoftLimit())
    return ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: serverName, backlog: 1024,
                                    availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger))
}
