import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import RSPCrypto
import Settlement

/// Makes `$OPENRSP_HOME/demo` anew (the previous run's files are removed; the PKI and contracts.json stay outside it).
struct PrepareDirectoryStep: DemoStep {
    let name = "prepare"
    let title = "fresh run directory"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let dir = env.config.demoDirectory
        if FileManager.default.fileExists(atPath: dir.path) { try FileManager.default.removeItem(at: dir) }
        try env.config.home.ensure()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        env.progress("run directory \(dir.path)")
    }
}

/// Starts the embedded devnet (tools/devnet/devnet.py, port picked by the OS, state in demo/devnet) as a
/// child process, or connects to `--rpc-url`.
struct StartChainStep: DemoStep {
    let name = "chain"
    let title = "start the chain"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let url: String
        if let rpc = env.config.rpcURL {
            url = rpc
            state.embeddedDevnet = false
        } else {
            url = try await startDevnet(env)
            state.embeddedDevnet = true
        }
        let client = try RPCClient(url: url)
        env.resources.onCleanup {
            // Closing the HTTP pool after the run; nothing depends on it succeeding.
            try? await client.shutdown()
        }
        let chain = try await Chain.connect(client)
        state.chain = chain
        state.rpcURL = url
        env.progress("\(state.embeddedDevnet ? "embedded devnet" : "JSON-RPC") \(url), chain id \(chain.chainId)")
    }

    private func startDevnet(_ env: DemoEnvironment) async throws -> String {
        let config = env.config
        guard FileManager.default.isExecutableFile(atPath: config.python.path) else {
            throw DemoError.missing("Python venv not found at \(config.python.path): run scripts/setup (or pass --python)")
        }
        guard FileManager.default.fileExists(atPath: config.devnetScript.path) else {
            throw DemoError.missing("devnet script not found at \(config.devnetScript.path): run from the repository root (or pass --devnet-script)")
        }
        let stateDir = config.demoDirectory.appendingPathComponent("devnet", isDirectory: true)
        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let logURL = stateDir.appendingPathComponent("devnet.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = config.python
        process.arguments = [config.devnetScript.path, "--port", "0", "--state-dir", stateDir.path, "--quiet"]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try log.close()
        env.resources.adopt(devnet: process)

        let info = stateDir.appendingPathComponent("devnet.json")
        let deadline = ContinuousClock.now.advanced(by: .seconds(120))
        var last = "devnet.json not written yet"
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let tail = (try? String(contentsOf: logURL, encoding: .utf8)).map { String($0.suffix(1500)) } ?? ""
                throw DemoError.invalid("devnet exited with status \(process.terminationStatus); log tail:\n\(tail)")
            }
            if env.resources.interrupted { throw DemoError.interrupted }
            // devnet.json may be caught half-written: an unreadable file means "not yet", polled again.
            if let data = FileManager.default.contents(atPath: info.path),
               let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
               let url = object["url"] as? String {
                do {
                    _ = try await DevnetRuntime.query(url: url)
                    env.progress("devnet pid \(process.processIdentifier), state \(stateDir.path)")
                    return url
                } catch {
                    last = "\(error)"
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw DemoError.invalid("devnet did not become ready: \(last)")
    }
}

/// The parties' chain accounts: the deployer (devnet dev account 0, or `--key-file`) and fresh keys for
/// MNO, MVNO, user, CI and SM-DP+ (saved in demo/keys, mode 0600). MNO, MVNO and user get gas money.
struct CreateAccountsStep: DemoStep {
    let name = "accounts"
    let title = "create the parties' accounts"
    /// 0.1 ether each: far more than the demo's gas at devnet prices.
    static let gasMoney = UInt256(100_000_000_000_000_000 as UInt64)

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let chain = try state.require(state.chain, "the chain")
        let deployer: PrivateKey
        if let keyFile = env.config.keyFile {
            deployer = try Self.readKey(keyFile)
        } else {
            deployer = try devnetDeployer(env)
        }
        let keysDir = env.config.demoDirectory.appendingPathComponent("keys", isDirectory: true)
        try FileManager.default.createDirectory(at: keysDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        func fresh(_ role: String) throws -> PrivateKey {
            let key = try PrivateKey.generate()
            try SecureFileWriter.write(Array((Hex.encode(key.rawBytes) + "\n").utf8), to: keysDir.appendingPathComponent("\(role).key"), mode: 0o600)
            return key
        }
        let accounts = DemoAccounts(deployer: deployer, mno: try fresh("mno"), mvno: try fresh("mvno"), user: try fresh("user"),
                                    ci: try fresh("ci"), smdp: try fresh("smdp"))
        // The SM-DP+ transacts too: it records deliveries on chain (PlanEntitlements.markDelivered).
        for (role, key) in [("MNO", accounts.mno), ("MVNO", accounts.mvno), ("user", accounts.user), ("SM-DP+", accounts.smdp)] {
            let outcome = try await chain.sendValue(Self.gasMoney, to: try key.address(), signer: deployer)
            state.record(name, "gas money → \(role)", outcome)
        }
        state.accounts = accounts
        env.progress("deployer \(try deployer.address()), user \(try accounts.user.address()); keys in \(keysDir.path)")
    }

    /// The first dev account of the embedded devnet (its key is public: DEVNET ONLY).
    private func devnetDeployer(_ env: DemoEnvironment) throws -> PrivateKey {
        let file = env.config.demoDirectory.appendingPathComponent("devnet/accounts.json")
        guard let data = FileManager.default.contents(atPath: file.path),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let accounts = object["accounts"] as? [[String: Any]],
              let key = accounts.first?["privateKey"] as? String else {
            throw DemoError.missing("no dev account in \(file.path)")
        }
        return try PrivateKey(Hex.decode(key))
    }

    static func readKey(_ url: URL) throws -> PrivateKey {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DemoError.missing("cannot read key file \(url.path)") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try PrivateKey(Hex.decode(text.hasPrefix("0x") ? text : "0x" + text))
        } catch {
            throw DemoError.invalid("key file \(url.path): not a 32-byte hex private key")
        }
    }
}

/// Deploys and wires the contracts with the same code as `openrsp contracts deploy`
/// (`ContractsDeployment`, contracts/deploy.py's order) and writes the same contracts.json.
struct DeployContractsStep: DemoStep {
    let name = "deploy"
    let title = "deploy and wire the contracts"
    static let devnetChainIds = ContractsDeployment.devnetChainIds

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let chain = try state.require(state.chain, "the chain")
        let deployer = try state.require(state.accounts, "the accounts").deployer
        guard Self.devnetChainIds.contains(chain.chainId) else {
            throw DemoError.invalid("chain id \(chain.chainId) is not a devnet (\(Self.devnetChainIds.sorted())): TestStablecoin is test-only")
        }
        guard let client = chain.client as? RPCClient else { throw DemoError.invalid("the demo chain has no JSON-RPC client") }
        let connection = ChainConnection(client: client, chain: chain, rpcURL: state.rpcURL, deployment: nil,
                                         deploymentPath: env.config.contractsFile.path, confirmations: 1, receiptTimeout: chain.receiptTimeout)
        let progress: @Sendable (String) -> Void = { line in env.progress(line) }
        let submitter = TransactionSubmitter(
            connection: connection, signer: try LocalKeySigner(deployer),
            store: PendingTransactionStore(directory: env.config.demoDirectory.appendingPathComponent("transactions", isDirectory: true)),
            progress: progress)
        let parameters = DeploymentParameters(disputeWindow: env.config.disputeWindow, postingGrace: env.config.postingGrace)
        let (file, sent) = try await ContractsDeployment.run(
            submitter: submitter, artifacts: ContractArtifacts(directory: env.config.contractsDir), parameters: parameters, journalURL: nil)
        // The submitter took the deployer's nonces from the node: the chain's nonce manager re-reads them.
        try await chain.nonces.resync(submitter.signer.address)
        for tx in sent { state.record(name, tx.label.hasPrefix("deploy ") ? tx.label : String(tx.label.prefix { $0 != "(" }), tx) }
        func address(_ contract: String) throws -> Address { try file.address(of: contract, path: env.config.contractsFile.path) }
        state.contracts = DemoContracts(
            token: chain.contract(TestStablecoin.self, at: try address("TestStablecoin")),
            registry: chain.contract(TrustRegistry.self, at: try address("TrustRegistry")),
            plans: chain.contract(PlanEntitlements.self, at: try address("PlanEntitlements")),
            settlement: chain.contract(UsageSettlement.self, at: try address("UsageSettlement")),
            clearing: chain.contract(RoamingClearing.self, at: try address("RoamingClearing")))
        try file.write(to: env.config.contractsFile)
        env.progress("addresses written to \(env.config.contractsFile.path)")
    }
}
