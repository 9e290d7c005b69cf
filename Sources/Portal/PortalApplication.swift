// `openrsp portal serve` (issue 16 item 2, docs/PORTAL.md): the MVNO's self-service portal as a
// Hummingbird application. Pages are rendered on the server; the one script is the portal's own.
import Catalog
import EthereumCore
import Foundation
import Hummingbird
import HummingbirdCore
import Identity
import Logging
import Mustache
import NIOCore
import Settlement
import SMDPServer
import X402

/// Sends the buyer's signed purchase (PlanEntitlements.buyWithAuthorization, buyFromDeposit) and settles x402
/// payments (the token's transferWithAuthorization): the portal's relayer account, signing through the
/// persisted, exactly-once transaction submitter of the CLI (one sender, so nonces never collide).
public protocol PortalRelayer: Sendable {
    /// The relayer's address (the `from` of the simulation).
    var address: Address { get }
    /// Signs, persists, broadcasts and waits for `call`; returns the mined outcome.
    func send<B: ContractBinding, T>(_ call: ContractCall<T>, to contract: Contract<B>, label: String) async throws -> TransactionOutcome
}

public struct PortalConfiguration: Sendable {
    public var settings: SMDPServerSettings
    /// `<plan id>.json` metadata documents.
    public var catalogDirectory: String
    public var names: CatalogNames
    public var plans: Contract<PlanEntitlements>
    public var token: Contract<TestStablecoin>
    public var relayer: any PortalRelayer
    /// How long the catalog read from the chain is reused.
    public var catalogMaxAge: Duration
    /// Longest validity of a purchase authorisation the portal accepts (seconds).
    public var maxAuthorizationSeconds: Int
    /// The ES2+ client that orders profiles for bought entitlements (nil: the operator orders them).
    public var orders: PortalOrders?
    /// The operator's did:web document, served at `/.well-known/did.json` (nil: none).
    public var didDocument: [UInt8]?
    /// Where credential status list tokens (`NAME.jwt`) are served from, at `/status/NAME` (nil: none).
    public var statusDirectory: String?
    /// DID-Auth messages addressed to `didAuthAudience` (the portal's did:web) are verified and kept in this
    /// directory (nil: `/api/didauth/messages` is not served).
    public var didAuthInbox: (audience: DID, directory: String, resolver: any DIDResolving)?

    public init(settings: SMDPServerSettings, catalogDirectory: String, names: CatalogNames, plans: Contract<PlanEntitlements>,
                token: Contract<TestStablecoin>, relayer: any PortalRelayer, catalogMaxAge: Duration = .seconds(5),
                maxAuthorizationSeconds: Int = 3600, orders: PortalOrders? = nil) {
        self.settings = settings; self.catalogDirectory = catalogDirectory; self.names = names; self.plans = plans
        self.token = token; self.relayer = relayer; self.catalogMaxAge = catalogMaxAge; self.maxAuthorizationSeconds = maxAuthorizationSeconds
        self.orders = orders
    }
}

/// Everything a request handler reads.
struct PortalState: Sendable {
    let configuration: PortalConfiguration
    let catalog: PortalCatalogCache
    let templates: MustacheLibrary
    let token: TokenFacts

    struct TokenFacts: Sendable {
        let symbol: String
        let decimals: Int
    }

    func price(_ units: UInt256) -> String { PortalFormat.amount(units, decimals: token.decimals, symbol: token.symbol) }
}

public enum PortalApplication {
    /// Largest JSON body of the purchase API.
    static let maxBodyBytes = 8 * 1024
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        HTTPFields.Element.Name("Content-Security-Policy")!: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPFields.Element.Name("X-Content-Type-Options")!: "nosniff",
        HTTPFields.Element.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// The router (also for tests); reads the token's symbol and decimals once.
    public static func router(_ configuration: PortalConfiguration, logger: Logger) async throws -> Router<SMDPRequestContext> {
        let symbol = (try? await configuration.token.call(TestStablecoin.symbol())) ?? "tokens"
        let decimals = Int((try? await configuration.token.call(TestStablecoin.decimals())) ?? 0)
        let state = PortalState(
            configuration: configuration,
            catalog: PortalCatalogCache(plans: configuration.plans, directory: configuration.catalogDirectory, names: configuration.names,
                                        maxAge: configuration.catalogMaxAge, logger: logger),
            templates: try PortalTemplates.library(),
            token: .init(symbol: String(symbol.prefix(16)), decimals: min(decimals, 36)))
        let router = Router(context: SMDPRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        if let limit = configuration.settings.rateLimit {
            router.add(middleware: RateLimitMiddleware(limit, metrics: SMDPMetrics(), pathPrefix: "/api/"))
        }
        PortalPages(state: state).register(on: router)
        PortalPurchaseAPI(state: state).register(on: router)
        try await x402Purchase(state).register(on: router)
        PortalOrderAPI(state: state).register(on: router)
        PortalUsage(state: state).register(on: router)
        PortalActions(state: state).register(on: router)
        PortalTokens(state: state).register(on: router)
        router.get("/static/portal.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(string: PortalScript.source)))
        }
        router.get("/static/portal.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(string: PortalStyle.source)))
        }
        if let inbox = configuration.didAuthInbox {
            PortalDIDAuthInbox(audience: inbox.audience, directory: inbox.directory, resolver: inbox.resolver).register(on: router)
        }
        if let directory = configuration.statusDirectory {
            PortalStatusLists(directory: directory).register(on: router)
        }
        if let document = configuration.didDocument {
            router.get("/.well-known/did.json") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/did+json", .cacheControl: "max-age=300"],
                         body: .init(byteBuffer: ByteBuffer(bytes: document)))
            }
        }
        router.get("/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        return router
    }

    /// The x402 plan purchase: an in-process facilitator that verifies payments and settles them through the
    /// relayer (the same sender as the purchases, so their nonces never collide), in the plans' token only.
    static func x402Purchase(_ state: PortalState) async throws -> PortalX402Purchase {
        let configuration = state.configuration
        let token = configuration.token
        let relayer = configuration.relayer
        let ledger = ChainX402Ledger(chain: token.chain, settlerAddress: relayer.address) { call, token in
            try await relayer.send(call, to: token, label: "portal x402 settlement")
        }
        return PortalX402Purchase(state: state, facilitator: X402Facilitator(ledger: ledger, assets: [token.address]),
                                  tokenDomain: try await ledger.domain(of: token.address))
    }

    /// The application with the SM-DP+'s connection guards, TLS (or loopback plain HTTP) and limits.
    public static func build(_ configuration: PortalConfiguration, logger: Logger,
                             onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) async throws -> some ApplicationProtocol {
        let router = try await router(configuration, logger: logger)
        let server = try guardedHTTPServer(settings: configuration.settings, logger: logger)
        return Application(router: router, server: server,
                           configuration: guardedConfiguration(settings: configuration.settings, serverName: "OpenRSP portal", logger: logger),
                           onServerRunning: onServerRunning, logger: logger)
    }

    /// Serves until SIGINT/SIGTERM; `onListening` gets the bound port (useful with port 0).
    public static func serve(_ configuration: PortalConfiguration, logger: Logger,
                             onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let port = configuration.settings.port
        let app = try await build(configuration, logger: logger) { channel in onListening(channel.localAddress?.port ?? port) }
        try await app.runService()
    }

    /// A page, or the error page for `error` (its detail logged under the request id).
    static func page(_ state: PortalState, _ context: SMDPRequestContext, title: String, template: String,
                     _ build: () async throws -> [String: Any]) async -> Response {
        var status = HTTPResponse.Status.ok
        var values: [String: Any]
        var name = template
        do {
            values = try await build()
        } catch {
            let failure = PortalPurchaseAPI.publicError(error, context: context)
            status = failure.status
            name = "error"
            values = ["heading": status == .notFound ? "Not found" : "Sorry", "message": failure.message, "requestId": context.id]
        }
        let body = state.templates.render(values, withTemplate: name) ?? ""
        let html = state.templates.render(["title": title, "body": body, "chainId": state.configuration.plans.chain.chainId,
                                           "plans": state.configuration.plans.address.checksummed], withTemplate: "layout") ?? ""
        return Response(status: status, headers: pageHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
