// `openrsp contracts deploy`: deploy and wire the OpenRSP contracts on any EVM chain from the
// compiled artifacts in contracts/build, and write contracts.json.
import ArgumentParser
import EthereumCore
import Foundation

public struct ContractsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "contracts",
        abstract: "Deploy the OpenRSP contracts (TrustRegistry, PlanEntitlements, UsageSettlement, RoamingClearing).",
        subcommands: [ContractsDeployCommand.self]
    )

    public init() {}
}

struct ContractsDeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy and wire the contracts from contracts/build; write contracts.json.",
        discussion: """
            Order (as contracts/deploy.py): TestStablecoin (devnet chain ids 1337/31337 only, and only without \
            --token), TrustRegistry(governance), PlanEntitlements(registry, token, uri), UsageSettlement(registry, \
            plans, token, dispute window, posting grace), RoamingClearing(registry, token, --roaming-window as commit and \
            review window and 4 × it as deposit notice, 1,000 tokens staked per court seat, 10 % slash, a 100-token court \
            fee, a 5-block draw delay, --court-period as vote, reveal and objection period), then PlanEntitlements.setSettlement and, when the deployer \
            is governance, TrustRegistry.setDeployment. Every transaction is signed by --account and persisted \
            before it is broadcast; finished steps are recorded in OUT.partial.json, so rerunning the same command \
            after a crash continues where it stopped. --chain-id is required (there is no deploy JSON yet).
            """
    )

    @OptionGroup var account: AccountOptions
    @OptionGroup var chain: ChainOptions
    @Option(name: .long, help: ArgumentHelp("Compiled contracts directory (default: ./contracts/build).", valueName: "dir"))
    var artifacts: String?
    @Option(name: .long, help: ArgumentHelp("Use this existing ERC-20 instead of deploying TestStablecoin.", valueName: "address"))
    var token: String?
    @Option(name: .long, help: ArgumentHelp("TrustRegistry owner (default: the deployer). Another owner calls setDeployment itself.",
                                            valueName: "address"))
    var governance: String?
    @Option(name: .long, help: "Dispute window in seconds.") var disputeWindow: UInt64 = 86_400
    @Option(name: .long, help: "Posting grace in seconds after an entitlement ends (at least the dispute window + 3600).")
    var postingGrace: UInt64 = 2 * 86_400
    @Option(name: .long, help: "RoamingClearing commit and review windows in seconds.") var roamingWindow: UInt64 = 7 * 86_400
    @Option(name: .long, help: "RoamingClearing court vote, reveal and objection periods in seconds.") var courtPeriod: UInt64 = 3 * 86_400
    @Option(name: .long, help: "PlanEntitlements ERC-1155 metadata URI.") var metadataUri = "https://openrsp.invalid/entitlement/{id}.json"
    @Option(name: .long, help: ArgumentHelp("Where to write the addresses (default: $OPENRSP_HOME/contracts.json).", valueName: "file"))
    var out: String?
    @Flag(name: .long, help: "Overwrite an existing --out file.") var force = false
    @Flag(name: .long, help: "Ignore an unfinished deployment recorded in OUT.partial.json and start over.") var restart = false
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let path: String
        let chainId: UInt64
        let contracts: [String: String]
        let registryPointsHere: Bool
        let transactions: [SubmittedTransaction]
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let outURL = URL(fileURLWithPath: out ?? DeploymentFile.defaultPath(home: home))
            if FileManager.default.fileExists(atPath: outURL.path), !force {
                throw ChainCommandError(.outputExists, "\(outURL.path) exists: pass --force to replace it (or --out another file)")
            }
            guard disputeWindow >= 1, postingGrace >= disputeWindow + 3600 else {
                throw ChainCommandError(.invalidArgument, "--posting-grace must be at least --dispute-window + 3600 seconds")
            }
            guard roamingWindow >= 1, courtPeriod >= 1 else {
                throw ChainCommandError(.invalidArgument, "--roaming-window and --court-period must be at least 1 second")
            }
            var parameters = DeploymentParameters(disputeWindow: disputeWindow, postingGrace: postingGrace, metadataURI: metadataUri,
                                                  roamingWindow: roamingWindow, courtPeriod: courtPeriod)
            do {
                parameters.token = try token.map { try Address(hex: $0) }
                parameters.governance = try governance.map { try Address(hex: $0) }
            } catch { throw ChainCommandError(.invalidArgument, "--token/--governance: \(error)") }
            let directory = artifacts.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? ContractArtifacts.defaultDirectory
            let signer = try account.signer(home: home)
            let (file, sent) = try await chain.withConnection(home: home, signing: true, useDeployment: false) { connection in
                try await ContractsDeployment.run(
                    submitter: TransactionSubmitter(connection: connection, signer: signer, home: home),
                    artifacts: ContractArtifacts(directory: directory), parameters: parameters,
                    journalURL: URL(fileURLWithPath: outURL.path + ".partial.json"), restart: restart)
            }
            try file.write(to: outURL)
            let document = Document(path: outURL.path, chainId: file.chainId ?? 0, contracts: file.contracts.mapValues(\.checksummed),
                                    registryPointsHere: file.registryPointsHere, transactions: sent)
            try output.emit(document) {
                file.contracts.sorted { $0.key < $1.key }.map { "\($0.key.padding(toLength: 18, withPad: " ", startingAt: 0)) \($0.value)" }
                    .joined(separator: "\n") + "\nwrote \(outURL.path)"
            }
        }
    }
}
