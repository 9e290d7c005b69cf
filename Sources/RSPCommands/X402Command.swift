// `openrsp x402 facilitator serve`: the x402 facilitator (scheme exact, EIP-3009) as its own HTTPS service.
import ArgumentParser
import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import Hummingbird
import Logging
import SMDPServer
import Settlement
import X402
import X402HTTP

struct X402Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "x402",
        abstract: "x402 pay-per-request (docs/X402.md).",
        subcommands: [X402FacilitatorCommand.self])
}

struct X402FacilitatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facilitator",
        abstract: "The x402 facilitator as a service.",
        subcommands: [X402FacilitatorServeCommand.self])
}

struct X402FacilitatorServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve POST /verify, POST /settle and GET /supported (x402 v2 facilitator API) for scheme exact on one chain.",
        discussion: """
            The facilitator checks EIP-3009 TransferWithAuthorization payments (signature under the token's EIP-712 domain, \
            amount, payee, validity window, unspent nonce, balance) and settles them by sending transferWithAuthorization from \
            --settler-key, which pays the gas and cannot change amount or payee. It settles only the tokens given with --asset \
            (default: PlanEntitlements' stablecoin from $OPENRSP_HOME/contracts.json). /verify and /settle need `Authorization: Bearer <token>` \
            with a token from --token-file unless --insecure-loopback-http is given. HTTPS with --tls-cert/--tls-key. \
            Reasons for refusals are x402's reason strings (docs/X402.md).
            """)

    @Option(name: .customLong("rpc-url"), help: "Ethereum JSON-RPC URL.")
    var rpcURL: String = defaultRPCURL

    @Option(name: .customLong("asset"), help: ArgumentHelp("EIP-3009 token settled (repeatable).", valueName: "address"))
    var assets: [String] = []

    @Option(name: .customLong("settler-key"), help: ArgumentHelp("Key file (hex or V3 keystore) of the account that sends settlements.", valueName: "file"))
    var settlerKey: String

    @Option(name: .customLong("settler-key-password-env"), help: "Environment variable holding the --settler-key keystore password.")
    var settlerKeyPasswordEnv: String = "OPENRSP_KEY_PASSWORD"

    @Option(name: .customLong("token-file"), help: ArgumentHelp("File with a bearer token /verify and /settle accept (repeatable; the server keeps only SHA-256).", valueName: "file"))
    var tokenFiles: [String] = []

    @Option(name: .long, help: "Bind address (default 127.0.0.1).")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "TCP port (default 8402; 0 picks a free port).")
    var port: Int = 8402

    @Option(name: .customLong("tls-cert"), help: "TLS certificate chain PEM (leaf first).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "TLS private key PEM (P-256).")
    var tlsKey: String?

    @Flag(name: .customLong("insecure-loopback-http"), help: "Serve plain HTTP without tokens (development only; loopback bind addresses only).")
    var insecureLoopbackHTTP = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if insecureLoopbackHTTP {
            guard SMDPServerSettings.isLoopback(host) else { throw ValidationError("--insecure-loopback-http needs a loopback --host") }
        } else {
            guard tlsCertificate != nil, tlsKey != nil else { throw ValidationError("give --tls-cert and --tls-key (or --insecure-loopback-http)") }
            guard !tokenFiles.isEmpty else { throw ValidationError("give --token-file: /settle spends the settler's gas") }
        }
    }

    func run() async throws {
        try await output.reportingErrors {
            let logger = Logger(label: "openrsp.x402.facilitator")
            let settler: PrivateKey
            do { settler = try loadSigningKey(path: settlerKey, passwordEnv: settlerKeyPasswordEnv) } catch {
                throw SMDPCommandError.invalidArgument("--settler-key: \(error)")
            }
            var hashes = Set<[UInt8]>()
            for file in tokenFiles {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                      !text.isEmpty else { throw SMDPCommandError.invalidArgument("--token-file \(file): unreadable or empty") }
                hashes.insert(FacilitatorToken.hash(text))
            }
            let client: RPCClient
            do { client = try RPCClient(url: rpcURL) } catch { throw SMDPCommandError.invalidArgument("--rpc-url: \(error)") }
            do {
                let chain = try await Chain.connect(client)
                var tokens = Set<Address>()
                for text in assets {
                    do { tokens.insert(try Address(hex: text)) } catch { throw SMDPCommandError.invalidArgument("--asset \(text): \(error)") }
                }
                if tokens.isEmpty {
                    let plans: Address
                    do {
                        plans = try contractAddress(nil, flag: "--asset", pick: { $0.planEntitlements }, name: "PlanEntitlements")
                    } catch { throw SMDPCommandError.invalidArgument("\(error)") }
                    tokens.insert(try await chain.contract(PlanEntitlements.self, at: plans).call(PlanEntitlements.TOKEN()))
                }
                let facilitator = X402Facilitator(ledger: try ChainX402Ledger(chain: chain, settler: settler), assets: tokens)
                let routes = FacilitatorRoutes(facilitator: facilitator, tokenHashes: insecureLoopbackHTTP ? [] : hashes)
                let transport: SMDPServerSettings.Transport
                if !insecureLoopbackHTTP, let tlsCertificate, let tlsKey {
                    transport = .tls(try TLSCredentialFiles.load(certificate: tlsCertificate, key: tlsKey))
                } else {
                    transport = .insecureLoopbackHTTP
                }
                // The SM-DP+'s connection guards (per-address cap, request deadline, idle timeout, connection cap) and,
                // for /verify and /settle, its per-address rate limit.
                let settings: SMDPServerSettings
                do {
                    settings = try SMDPServerSettings(host: host, port: port, transport: transport, rateLimit: .defaultES9Plus)
                } catch { throw SMDPCommandError.server("\(error)") }
                let router = Router(context: SMDPRequestContext.self)
                router.add(middleware: RateLimitMiddleware(.defaultES9Plus, metrics: SMDPMetrics(), pathPrefix: "/"))
                routes.register(on: router)
                let scheme = insecureLoopbackHTTP ? "http" : "https"
                let network = facilitator.network
                let (host, assetList) = (self.host, tokens.map(\.checksummed).sorted())
                let app = Application(router: router, server: try guardedHTTPServer(settings: settings, logger: logger),
                                      configuration: guardedConfiguration(settings: settings, serverName: "OpenRSP x402 facilitator",
                                                                          logger: logger),
                                      onServerRunning: { channel in
                                          logger.info("x402 facilitator listening", metadata: [
                                              "url": "\(scheme)://\(host):\(channel.localAddress?.port ?? settings.port)", "network": "\(network)",
                                              "assets": "\(assetList)"])
                                      }, logger: logger)
                try await app.runService()
            } catch {
                try? await client.shutdown()
                throw error
            }
            try? await client.shutdown()
        }
    }
}
