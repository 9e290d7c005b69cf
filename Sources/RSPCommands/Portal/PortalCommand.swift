// `openrsp portal serve` (issue 16 item 2, docs/PORTAL.md): the MVNO's self-service portal.
import ArgumentParser
import Catalog
import EthereumCore
import Foundation
import Identity
import Logging
import Portal
import Settlement
import SMDPServer

struct PortalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal", abstract: "The self-service portal: plan catalog, purchase with a browser wallet, entitlements.",
        subcommands: [PortalServeCommand.self])
}

struct PortalServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the portal (HTTPS; plain HTTP only on loopback with --insecure-loopback-http).",
        discussion: """
            Pages are rendered on the server (swift-mustache) and use one script of the portal's own; nothing is loaded \
            from elsewhere. The catalog lists each plan whose metadata document (--catalog DIR/<plan id>.json) matches the \
            hash its MVNO recorded on chain (`openrsp plan set-metadata`); names come from iso-codes and \
            mobile-broadband-provider-info. A purchase is the buyer's EIP-3009 authorisation, signed in the browser's \
            wallet (eth_signTypedData_v4); --account is the relayer that sends PlanEntitlements.buyWithAuthorization \
            through the persisted submitter and pays the gas. The authorisation binds the plan and the EID commitment, \
            so the relayer cannot redirect it. Stops on SIGINT/SIGTERM.
            """)

    @Option(name: .long, help: "Bind address (default 127.0.0.1).") var host = "127.0.0.1"
    @Option(name: .long, help: "TCP port (default 8480; 0 picks a free port, printed on stderr).") var port = 8480
    @Option(name: .long, help: ArgumentHelp("Directory of plan metadata documents (<plan id>.json).", valueName: "dir")) var catalog: String
    @Option(name: .customLong("tls-cert"), help: "TLS certificate chain PEM (leaf first, P-256 key).") var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "TLS private key PEM (with --tls-cert).") var tlsKey: String?
    @Flag(name: .customLong("insecure-loopback-http"), help: "Serve plain HTTP (development only; loopback bind addresses only).")
    var insecureLoopbackHTTP = false
    @Option(name: .customLong("rate-limit"), help: "API requests per second per client address (default 5, bursts of 2x; 0 turns it off).")
    var rateLimit: Double = 5
    @Option(name: .customLong("log-level"), help: "Log level (default info).") var logLevel = "info"
    @Option(name: .customLong("iso-codes"), help: ArgumentHelp("iso-codes' ISO 3166-1 JSON.", valueName: "file"))
    var isoCodes: String = CatalogNames.defaultISO3166Path
    @Option(name: .customLong("providers"), help: ArgumentHelp("mobile-broadband-provider-info's serviceproviders.xml.", valueName: "file"))
    var providers: String = CatalogNames.defaultProvidersPath
    @Option(name: .customLong("es2-url"), help: ArgumentHelp(
        "ES2+ base URL of the SM-DP+ (https://HOST:PORT): the portal then orders the profile of a bought entitlement and shows its activation code and QR Code.",
        valueName: "url"))
    var es2URL: String?
    @Option(name: .customLong("es2-token-file"), help: "With --es2-url: file holding the operator's ES2+ bearer token.") var es2TokenFile: String?
    @Option(name: .customLong("es2-requester"), help: "With --es2-url: the operator id configured on the SM-DP+.") var es2Requester: String?
    @Option(name: .customLong("es2-trust-root"), help: "With --es2-url: PEM/DER certificate trusted for the SM-DP+'s TLS (repeatable).")
    var es2TrustRoots: [String] = []
    @Option(name: .customLong("did-web"), help: ArgumentHelp("The operator's did:web (e.g. did:web:portal.example, did:web:host%3A8480): served at /.well-known/did.json with --did-key.", valueName: "did"))
    var didWeb: String?
    @Option(name: .customLong("status-dir"), help: ArgumentHelp("Serve credential status lists: DIR/NAME.jwt at /status/NAME (`openrsp identity status-list new`).", valueName: "dir"))
    var statusDirectory: String?
    @Option(name: .customLong("didauth-inbox"), help: ArgumentHelp("With --did-web: accept DID-Auth messages addressed to it at POST /api/didauth/messages, verified, into DIR (0700).", valueName: "dir"))
    var didAuthInbox: String?
    @Option(name: .customLong("did-key"), help: ArgumentHelp("With --did-web: the key file (`openrsp identity did new`) the DID document names.", valueName: "file"))
    var didKey: String?
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        if (tlsCertificate == nil) != (tlsKey == nil) { throw ValidationError("give --tls-cert and --tls-key together") }
        if insecureLoopbackHTTP {
            guard tlsCertificate == nil else { throw ValidationError("--insecure-loopback-http takes no --tls-cert") }
            guard SMDPServerSettings.isLoopback(host) else { throw ValidationError(SMDPServerError.insecureHTTPOnNonLoopback(host: host).description) }
        } else if tlsCertificate == nil {
            throw ValidationError("the portal serves HTTPS: give --tls-cert and --tls-key (or --insecure-loopback-http on loopback)")
        }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must be 0 or positive") }
        guard (didWeb == nil) == (didKey == nil) else { throw ValidationError("--did-web and --did-key go together") }
        if es2URL != nil, es2TokenFile == nil || es2Requester == nil { throw ValidationError("--es2-url needs --es2-token-file and --es2-requester") }
        if es2URL == nil, es2TokenFile != nil || es2Requester != nil || !es2TrustRoots.isEmpty {
            throw ValidationError("--es2-token-file, --es2-requester and --es2-trust-root go with --es2-url")
        }
    }

    func run() async throws {
        StderrLogging.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        try await output.reportingErrors {
            let logger = Logger(label: "openrsp.portal")
            let names = try await CatalogCommandError.mapping { try CatalogNames(iso3166Path: isoCodes, providersPath: providers) }
            let transport: SMDPServerSettings.Transport
            if let tlsCertificate, let tlsKey {
                transport = .tls(try TLSCredentialFiles.load(certificate: tlsCertificate, key: tlsKey))
            } else {
                transport = .insecureLoopbackHTTP
            }
            let settings: SMDPServerSettings
            do {
                settings = try SMDPServerSettings(host: host, port: port, transport: transport,
                                                  rateLimit: rateLimit > 0 ? RateLimit(ratePerSecond: rateLimit, burst: max(1, rateLimit * 2)) : nil)
            } catch { throw CatalogCommandError(.portalSetup, "\(error)") }
            let orders = try es2URL.map { url in
                PortalOrders(client: try SMDPOrderTargetOptions.client(
                    url: url, tokenFile: es2TokenFile ?? "", requester: es2Requester ?? "", trustRoots: es2TrustRoots,
                    pkiDirectory: DataDirectory.resolve().url.appendingPathComponent("pki")))
            }
            // The ES2+ client must be shut down before it goes away, also when serving fails.
            do {
                try await chain.with(account: account) { session in
                    guard let submitter = session.submitter else { throw PlanCommandError.input("portal serve needs --account (the relayer)") }
                    var configuration = PortalConfiguration(
                        settings: settings, catalogDirectory: catalog, names: names, plans: session.plans, token: session.token,
                        relayer: SubmitterRelayer(session: session, address: submitter.signer.address), orders: orders)
                    configuration.didDocument = try didDocument()
                    configuration.statusDirectory = statusDirectory
                    if let didAuthInbox {
                        guard let didWeb, let audience = try? DID(didWeb) else { throw IdentityCommandError(.input, "--didauth-inbox needs --did-web") }
                        try FileManager.default.createDirectory(atPath: didAuthInbox, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                        configuration.didAuthInbox = (audience, didAuthInbox, didAuthResolver(trustRoots: []))
                    }
                    let origin = (insecureLoopbackHTTP ? "http://" : "https://") + host
                    try await PortalApplication.serve(configuration, logger: logger) { bound in
                        FileHandle.standardError.write(Data("portal listening on \(origin):\(bound)/\n".utf8))
                    }
                }
            } catch {
                try? await orders?.client.shutdown()
                throw error
            }
            try? await orders?.client.shutdown()
        }
    }
}

extension PortalServeCommand {
    /// The did:web document of --did-web and --did-key (nil without them).
    func didDocument() throws -> [UInt8]? {
        guard let didWeb, let didKey else { return nil }
        let did: DID
        do { did = try DID(didWeb) } catch { throw IdentityCommandError(.input, "--did-web: \(error)") }
        guard case .key(let key) = try DIDKeyFile.did(at: didKey), let document = DIDDocument.web(did, key: key) else {
            throw IdentityCommandError(.input, "--did-web must be a did:web")
        }
        return document.json.serialized()
    }
}

/// The portal's relayer: the CLI's persisted submitter (signed bytes kept before broadcast, a restart
/// finishes the same transaction), one purchase at a time.
actor SubmitterRelayer: PortalRelayer {
    let session: PlanChain
    nonisolated let address: Address

    init(session: PlanChain, address: Address) { self.session = session; self.address = address }

    func send<B: ContractBinding, T>(_ call: ContractCall<T>, to contract: Contract<B>, label: String) async throws -> TransactionOutcome {
        try await session.send(contract, call, label: label)
    }
}
