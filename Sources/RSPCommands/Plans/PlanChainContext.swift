// The chain side of `openrsp plan` and `openrsp entitlement` (issue 15 item 4): which node, which
// PlanEntitlements, which key signs. Interim: the chain-cli foundation (`--account`, `--rpc-url`/
// `--chain-id`, a persisted submitter) replaces `PlanChainOptions`/`PlanSignerOptions`; the commands
// only use `PlanChain.send` and `PlanSignerOptions.load`, so the switch is local to this file.
import ArgumentParser
import EthereumCore
import EthereumRPC
import Foundation
import Settlement

/// `--rpc-url`, `--contracts`, `--plans`: the node and the deployed PlanEntitlements.
struct PlanChainOptions: ParsableArguments {
    @Option(name: .long, help: "JSON-RPC URL (default: rpcUrl from the deploy JSON, else http://127.0.0.1:8545).")
    var rpcUrl: String?

    @Option(name: .long, help: "Deploy JSON (default: $OPENRSP_HOME/contracts.json).")
    var contracts: String?

    @Option(name: .long, help: "PlanEntitlements address (overrides the deploy JSON).")
    var plans: String?

    func connect() async throws -> PlanChain {
        var deployed: [String: Any]?
        let path = contracts ?? DataDirectory.resolve().url.appendingPathComponent("contracts.json").path
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw PlanCommandError.chain("\(path) is not a JSON object")
            }
            deployed = object
        } else if contracts != nil {
            throw PlanCommandError.chain("no deploy JSON at \(path)")
        }
        let contractMap = deployed?["contracts"] as? [String: Any]
        guard let plansText = plans ?? (contractMap?["PlanEntitlements"] as? String) else {
            throw PlanCommandError.chain("no PlanEntitlements address: pass --plans or --contracts (the deploy JSON)")
        }
        let plansAddress: Address
        do { plansAddress = try Address(hex: plansText) } catch { throw PlanCommandError.input("PlanEntitlements address: \(error)") }
        let settlementAddress = (contractMap?["UsageSettlement"] as? String).flatMap { try? Address(hex: $0) }
        let url = rpcUrl ?? (deployed?["rpcUrl"] as? String) ?? "http://127.0.0.1:8545"
        let client: RPCClient
        do { client = try RPCClient(url: url) } catch { throw PlanCommandError.chain("\(error)") }
        do {
            let chain = try await Chain.connect(client)
            let plans = chain.contract(PlanEntitlements.self, at: plansAddress)
            let token = chain.contract(TestStablecoin.self, at: try await plans.call(PlanEntitlements.TOKEN()))
            var settlement = settlementAddress.map { chain.contract(UsageSettlement.self, at: $0) }
            if settlement == nil {
                let onChain = try await plans.call(PlanEntitlements.settlement())
                if onChain != .zero { settlement = chain.contract(UsageSettlement.self, at: onChain) }
            }
            return PlanChain(chain: chain, client: client, plans: plans, token: token, settlement: settlement)
        } catch {
            try? await client.shutdown()
            throw PlanCommandError.chain("cannot use PlanEntitlements \(plansAddress) at \(url): \(error)")
        }
    }

    /// Runs `body` with a connected `PlanChain`; always closes the RPC client.
    func with<T>(_ body: (PlanChain) async throws -> T) async throws -> T {
        let session = try await connect()
        do {
            let result = try await body(session)
            try? await session.client.shutdown()
            return result
        } catch {
            try? await session.client.shutdown()
            throw error
        }
    }
}

/// `--key FILE` (hex private key or V3 keystore, password from `--key-password-env`).
struct PlanSignerOptions: ParsableArguments {
    @Option(name: .long, help: "Signing key file: hex private key (mode 0600) or V3 keystore JSON.")
    var key: String?

    @Option(name: .long, help: "Environment variable holding the keystore password (default OPENRSP_KEY_PASSWORD).")
    var keyPasswordEnv: String = "OPENRSP_KEY_PASSWORD"

    func load() throws -> PrivateKey {
        guard let key else { throw PlanCommandError.input("this command signs a transaction: give --key FILE") }
        do { return try loadSigningKey(path: key, passwordEnv: keyPasswordEnv) } catch { throw PlanCommandError.key(error.description) }
    }
}

/// The connected contracts.
struct PlanChain {
    let chain: Chain
    let client: RPCClient
    let plans: Contract<PlanEntitlements>
    let token: Contract<TestStablecoin>
    let settlement: Contract<UsageSettlement>?

    /// A read; failures are `PlanCommandError.rpc` (or the typed refusal of a revert).
    func call<B: ContractBinding, T>(_ contract: Contract<B>, _ call: ContractCall<T>, from: Address? = nil) async throws -> T {
        do { return try await contract.call(call, from: from) } catch { throw PlanCommandError.contract(error) }
    }

    /// A transaction signed by `signer`; a revert (at estimation, so nothing is sent) is a typed refusal.
    func send<B: ContractBinding, T>(_ contract: Contract<B>, _ call: ContractCall<T>, signer: PrivateKey) async throws -> TransactionOutcome {
        do { return try await contract.send(call, signer: signer) } catch { throw PlanCommandError.contract(error) }
    }
}
