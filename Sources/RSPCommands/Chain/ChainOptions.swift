// `--rpc-url`, `--chain-id`, `--contracts`, `--confirmations`: which node, which chain, which
// deployment, how long to wait. Every chain command takes these.
import ArgumentParser
import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import Settlement

/// The chain a command talks to. The chain id the node reports must equal `--chain-id` (or the
/// deploy JSON's `chainId`); commands that sign refuse to run without one of them.
struct ChainOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "JSON-RPC URL: https, or http to loopback (default: rpcUrl of the deploy JSON, else http://127.0.0.1:8545).", valueName: "url"))
    var rpcUrl: String?

    @Option(name: .long, help: ArgumentHelp(
        "Expected chain id; refused if the node's eth_chainId differs (default: chainId of the deploy JSON).", valueName: "id"))
    var chainId: UInt64?

    @Option(name: .long, help: ArgumentHelp("Deploy JSON (default: $OPENRSP_HOME/contracts.json).", valueName: "file"))
    var contracts: String?

    @Option(name: .long, help: ArgumentHelp("Blocks a transaction needs (1 = mined) before the command reports it.", valueName: "n"))
    var confirmations: UInt64 = 1

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the confirmations before giving up (the transaction stays persisted).",
                                            valueName: "seconds"))
    var receiptTimeout: UInt64 = 300

    init() {}

    func validate() throws {
        guard confirmations >= 1 else { throw ValidationError("--confirmations must be at least 1") }
        guard receiptTimeout >= 1 else { throw ValidationError("--receipt-timeout must be at least 1 second") }
    }

    /// The deploy JSON path: `--contracts`, else `$OPENRSP_HOME/contracts.json`.
    func deploymentPath(home: DataDirectory) -> String {
        contracts ?? DeploymentFile.defaultPath(home: home)
    }

    /// The deploy JSON if there is one; `--contracts` naming a missing file is an error.
    func deployment(home: DataDirectory) throws(ChainCommandError) -> DeploymentFile? {
        let path = deploymentPath(home: home)
        guard FileManager.default.fileExists(atPath: path) else {
            if contracts != nil { throw ChainCommandError(.contractsFile, "no deploy JSON at \(path)") }
            return nil
        }
        return try DeploymentFile.read(path: path)
    }

    /// Runs `body` with a connection (see `connect`) and always closes it.
    func withConnection<T>(home: DataDirectory, signing: Bool, useDeployment: Bool = true,
                                  _ body: (ChainConnection) async throws -> T) async throws -> T {
        let connection = try await connect(home: home, signing: signing, useDeployment: useDeployment)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Connects and checks the chain id. `signing`: a chain id must be known (flag or deploy JSON).
    /// `useDeployment: false` ignores the deploy JSON (contracts deploy writes a new one).
    func connect(home: DataDirectory, signing: Bool, useDeployment: Bool = true) async throws(ChainCommandError) -> ChainConnection {
        let deployment = useDeployment ? try self.deployment(home: home) : nil
        let url = rpcUrl ?? deployment?.rpcUrl ?? "http://127.0.0.1:8545"
        let expected = chainId ?? deployment?.chainId
        if signing, expected == nil {
            throw ChainCommandError(.chainIdUnknown, "pass --chain-id (the chain this command may sign for)")
        }
        let client: RPCClient
        do { client = try RPCClient(url: url) } catch { throw ChainCommandError(.rpcURL, "\(url): \(error)") }
        let reported: UInt64
        do { reported = try await client.chainId() } catch {
            try? await client.shutdown()
            throw ChainCommandError.rpc(error, "cannot reach \(url)")
        }
        if let expected, expected != reported {
            try? await client.shutdown()
            let source = chainId != nil ? "--chain-id" : "the deploy JSON"
            throw ChainCommandError(.chainIdMismatch, "\(url) is chain \(reported), \(source) says \(expected): refusing")
        }
        if let fileChain = deployment?.chainId, fileChain != reported {
            try? await client.shutdown()
            throw ChainCommandError(.chainIdMismatch,
                                    "\(deploymentPath(home: home)) is for chain \(fileChain), \(url) is chain \(reported): pass the matching --contracts")
        }
        return ChainConnection(client: client, chain: Chain(client: client, chainId: reported), rpcURL: url, deployment: deployment,
                               deploymentPath: deploymentPath(home: home), confirmations: confirmations,
                               receiptTimeout: .seconds(receiptTimeout))
    }
}

/// A connected, chain-id-checked node and the deployment the command works on.
struct ChainConnection: Sendable {
    let client: RPCClient
    let chain: Chain
    let rpcURL: String
    let deployment: DeploymentFile?
    let deploymentPath: String
    let confirmations: UInt64
    let receiptTimeout: Duration

    var chainId: UInt64 { chain.chainId }

    /// The deployed contract `name` (e.g. "TrustRegistry"), `override` (an address flag) first.
    func contract<B: ContractBinding>(_ binding: B.Type, name: String? = nil, override: String? = nil) throws(ChainCommandError) -> Contract<B> {
        let contractName = name ?? B.contractName
        if let override {
            do { return chain.contract(B.self, at: try Address(hex: override)) } catch {
                throw ChainCommandError(.invalidArgument, "\(contractName) address \(override): \(error)")
            }
        }
        guard let deployment else {
            throw ChainCommandError(.contractsFile, "no deploy JSON at \(deploymentPath): pass --contracts FILE (written by `openrsp contracts deploy`)")
        }
        return chain.contract(B.self, at: try deployment.address(of: contractName, path: deploymentPath))
    }

    /// Closes the HTTP client.
    func close() async {
        try? await client.shutdown()
    }
}
