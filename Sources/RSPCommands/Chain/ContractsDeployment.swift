// The one Swift implementation of deploying and wiring the OpenRSP contracts (contracts/deploy.py's
// order, constructor arguments and wiring calls), used by `openrsp contracts deploy` and the demo:
// TestStablecoin (devnet chain ids only, unless an existing --token), TrustRegistry(governance),
// IdentityRegistry(registry), PlanEntitlements(registry, token, uri), UsageSettlement(registry, plans, token, window,
// grace), RoamingClearing(registry, token, roaming parameters), PlanEntitlements.setSettlement,
// PlanEntitlements.setIdentityRegistry, and
// TrustRegistry.setDeployment when the deployer is governance.
import EthereumCore
import Foundation
import Settlement

/// Deployment choices (deploy.py's flags).
struct DeploymentParameters: Sendable, Hashable, Codable {
    /// An existing ERC-20; nil deploys TestStablecoin (devnet chain ids only).
    var token: Address?
    /// TrustRegistry owner; nil is the deployer.
    var governance: Address?
    var disputeWindow: UInt64 = 86_400
    /// At least the dispute window + 1 h (UsageSettlement.MIN_FINAL_POST_TIME).
    var postingGrace: UInt64 = 2 * 86_400
    var metadataURI = "https://openrsp.invalid/entitlement/{id}.json"
    /// RoamingClearing: commit and review windows (deposit notice: 4 windows).
    var roamingWindow: UInt64 = 7 * 86_400
    /// RoamingClearing: the court's vote, reveal and objection periods.
    var courtPeriod: UInt64 = 3 * 86_400

    /// RoamingClearing's constructor parameters, as contracts/deploy.py's `roaming_parameters`.
    var roaming: RoamingClearing.Parameters {
        RoamingClearing.Parameters(
            commitWindow: roamingWindow, reviewWindow: roamingWindow, depositNotice: 4 * roamingWindow, minStake: UInt256(1_000_000_000),
            slashBps: 1_000, courtFee: UInt256(100_000_000), drawDelay: 5, votePeriod: courtPeriod, revealPeriod: courtPeriod,
            objectionPeriod: courtPeriod)
    }
}

/// contracts/build/<Name>.json: Vyper's bytecode and the compiler version.
struct ContractArtifacts: Sendable {
    let directory: URL

    /// `contracts/build` under the current directory (the repository root).
    static var defaultDirectory: URL {
        URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("contracts/build", isDirectory: true)
    }

    func object(_ name: String) throws(ChainCommandError) -> [String: Any] {
        let url = directory.appendingPathComponent("\(name).json")
        guard let data = FileManager.default.contents(atPath: url.path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ChainCommandError(.artifacts, "contract artifact \(url.path) not found or not JSON (run from the repository root or pass --artifacts DIR)")
        }
        return object
    }

    func bytecode(_ name: String) throws(ChainCommandError) -> [UInt8] {
        guard let hex = try object(name)["bytecode"] as? String, let bytes = try? Hex.decode(hex), !bytes.isEmpty else {
            throw ChainCommandError(.artifacts, "\(name).json has no bytecode")
        }
        return bytes
    }

    var vyper: String? { (try? object("TrustRegistry"))?["vyper"] as? String }
}

/// Steps already done by an interrupted deployment: `<out>.partial.json`, so a rerun continues
/// instead of deploying a second TrustRegistry.
struct DeploymentJournal: Codable, Sendable {
    var chainId: UInt64
    var deployer: Address
    var parameters: DeploymentParameters
    /// label → contract address (deployments) or transaction hash (calls).
    var steps: [String: String] = [:]
    var gasUsed: [String: UInt64] = [:]
}

enum ContractsDeployment {
    static let devnetChainIds = TestStablecoin.devnetChainIdSet

    /// Deploys and wires everything; returns contracts.json's content and the transactions sent.
    /// `journal` (optional) records finished steps so an interrupted run resumes.
    static func run(submitter: TransactionSubmitter, artifacts: ContractArtifacts, parameters: DeploymentParameters,
                    journalURL: URL?, restart: Bool = false) async throws(ChainCommandError) -> (DeploymentFile, [SubmittedTransaction]) {
        let chainId = submitter.connection.chainId
        let deployer = submitter.signer.address
        if parameters.token == nil, !devnetChainIds.contains(chainId) {
            throw ChainCommandError(.notDevnet, "chain id \(chainId) is not a devnet (\(devnetChainIds.sorted())): pass --token with an existing ERC-20")
        }
        // Every artifact is read before the first transaction.
        let names = (parameters.token == nil ? ["TestStablecoin"] : []) + ["TrustRegistry", "PlanEntitlements", "UsageSettlement", "RoamingClearing", "IdentityRegistry"]
        var code: [String: [UInt8]] = [:]
        for name in names { code[name] = try artifacts.bytecode(name) }

        var journal = DeploymentJournal(chainId: chainId, deployer: deployer, parameters: parameters)
        if let journalURL, !restart, let data = FileManager.default.contents(atPath: journalURL.path) {
            guard let earlier = try? JSONDecoder().decode(DeploymentJournal.self, from: data) else {
                throw ChainCommandError(.deploymentMismatch, "\(journalURL.path) is unreadable: remove it or pass --restart")
            }
            guard earlier.chainId == chainId, earlier.deployer == deployer, earlier.parameters == parameters else {
                throw ChainCommandError(.deploymentMismatch,
                                        "\(journalURL.path) is an unfinished deployment (chain \(earlier.chainId), deployer \(earlier.deployer)) with other parameters: pass --restart to start over")
            }
            journal = earlier
            submitter.progress("continuing the deployment recorded in \(journalURL.path) (\(earlier.steps.count) step(s) done)")
        }
        var sent: [SubmittedTransaction] = []
        func save() throws(ChainCommandError) {
            guard let journalURL else { return }
            do {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try Data(try encoder.encode(journal)).write(to: journalURL, options: .atomic)
            } catch { throw ChainCommandError(.contractsFile, "cannot write \(journalURL.path): \(error)") }
        }
        func deploy<B: ContractBinding>(_ binding: B.Type, _ data: [UInt8]) async throws(ChainCommandError) -> Address {
            let label = "deploy \(B.contractName)"
            if let done = journal.steps[label], let address = try? Address(hex: done) { return address }
            let tx = try await submitter.deploy(B.self, data: data, label: label)
            guard let address = tx.contractAddress else { throw ChainCommandError(.transactionFailed, "\(label): no contract address") }
            submitter.progress("\(B.contractName) at \(address) (\(tx.gasUsed) gas)")
            journal.steps[label] = address.checksummed
            journal.gasUsed[label] = tx.gasUsed
            sent.append(tx)
            try save()
            return address
        }
        func call<B: ContractBinding>(_ call: ContractCall<Void>, on address: Address, _ binding: B.Type, label: String) async throws(ChainCommandError) {
            if journal.steps[label] != nil { return }
            let tx = try await submitter.send(call, to: submitter.connection.chain.contract(B.self, at: address), label: label)
            journal.steps[label] = tx.hash.hex
            journal.gasUsed[label] = tx.gasUsed
            sent.append(tx)
            try save()
        }
        func encoded(_ body: () throws(BindingError) -> [UInt8]) throws(ChainCommandError) -> [UInt8] {
            do { return try body() } catch { throw ChainCommandError(.artifacts, "constructor arguments: \(error)") }
        }

        var contracts: [String: Address] = [:]
        let token: Address
        if let existing = parameters.token {
            token = existing
        } else {
            let bytecode = code["TestStablecoin"] ?? []
            token = try await deploy(TestStablecoin.self, try encoded { () throws(BindingError) in try TestStablecoin.deploymentData(bytecode: bytecode) })
            contracts["TestStablecoin"] = token
        }
        contracts["Token"] = token
        let governance = parameters.governance ?? deployer
        let registryCode = code["TrustRegistry"] ?? [], plansCode = code["PlanEntitlements"] ?? [], settlementCode = code["UsageSettlement"] ?? []
        let registry = try await deploy(TrustRegistry.self, try encoded { () throws(BindingError) in
            try TrustRegistry.deploymentData(bytecode: registryCode, owner: governance)
        })
        let identityCode = code["IdentityRegistry"] ?? []
        let identity = try await deploy(IdentityRegistry.self, try encoded { () throws(BindingError) in
            try IdentityRegistry.deploymentData(bytecode: identityCode, registry: registry)
        })
        let plans = try await deploy(PlanEntitlements.self, try encoded { () throws(BindingError) in
            try PlanEntitlements.deploymentData(bytecode: plansCode, registry: registry, token: token, uri: parameters.metadataURI)
        })
        let settlement = try await deploy(UsageSettlement.self, try encoded { () throws(BindingError) in
            try UsageSettlement.deploymentData(bytecode: settlementCode, registry: registry, entitlements: plans, token: token,
                                               disputeWindow: UInt256(parameters.disputeWindow), postingGrace: UInt256(parameters.postingGrace))
        })
        let roamingCode = code["RoamingClearing"] ?? []
        let roaming = try await deploy(RoamingClearing.self, try encoded { () throws(BindingError) in
            try RoamingClearing.deploymentData(bytecode: roamingCode, registry: registry, token: token, parameters: parameters.roaming)
        })
        contracts["TrustRegistry"] = registry
        contracts["PlanEntitlements"] = plans
        contracts["IdentityRegistry"] = identity
        contracts["UsageSettlement"] = settlement
        contracts["RoamingClearing"] = roaming
        try await call(PlanEntitlements.setSettlement(settlement), on: plans, PlanEntitlements.self, label: "setSettlement(address)")
        try await call(PlanEntitlements.setIdentityRegistry(identity), on: plans, PlanEntitlements.self, label: "setIdentityRegistry(address)")
        let current = governance == deployer
        if current {
            try await call(TrustRegistry.setDeployment(version: PlanEntitlements.bindingVersion, entitlements: plans, settlement: settlement),
                           on: registry, TrustRegistry.self, label: "setDeployment(uint256,address,address)")
        }
        let version: UInt256
        do { version = try await submitter.connection.chain.contract(PlanEntitlements.self, at: plans).call(PlanEntitlements.VERSION()) } catch {
            throw ChainCommandError(.rpc, "PlanEntitlements.VERSION(): \(error)")
        }
        guard version == PlanEntitlements.bindingVersion else {
            throw ChainCommandError(.versionMismatch, "PlanEntitlements at \(plans) reports VERSION \(version), the CLI is built for \(PlanEntitlements.bindingVersion)")
        }
        let file = DeploymentFile(chainId: chainId, version: version.w0, deployer: deployer, governance: governance, registryPointsHere: current,
                                  vyper: artifacts.vyper, disputeWindow: parameters.disputeWindow, postingGrace: parameters.postingGrace,
                                  roamingWindow: parameters.roamingWindow, courtPeriod: parameters.courtPeriod,
                                  contracts: contracts, gasUsed: journal.gasUsed, rpcUrl: submitter.connection.rpcURL)
        if let journalURL { try? FileManager.default.removeItem(at: journalURL) }
        return (file, sent)
    }
}
