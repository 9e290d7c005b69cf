// `openrsp demo`: the whole product on one machine, step by step (see DemoSteps.swift for the order).

import ArgumentParser
import Foundation

/// `openrsp demo`: chain, contracts, PKI, trust registry, SM-DP+, plan purchase, download, usage, settlement.
public struct DemoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the verifiable provisioning flow end to end and print a summary.",
        discussion: """
            Starts the embedded devnet (or uses --rpc-url), deploys and wires the contracts from \
            contracts/build (addresses in $OPENRSP_HOME/contracts.json, as contracts/deploy.py writes them), \
            creates or reuses the PKI, registers the CI, SM-DP+, MNO and MVNO in the TrustRegistry, runs the \
            SM-DP+ over TLS on 127.0.0.1, imports a profile (a TS.48 test profile from ../shared/testdata/ts48 \
            or --upp, else a generated minimal SAIP package), lists a plan, buys it for the eUICC's EID \
            commitment, downloads and installs the profile on the software eUICC through the LPA over HTTPS, \
            enables it, posts a usage batch, advances devnet time past the dispute window and settles. \
            Progress goes to stderr; the summary (or with --json one JSON envelope) to stdout. Everything \
            it started is stopped at the end, also on failure or Ctrl-C; the run's files stay in \
            $OPENRSP_HOME/demo (made anew each run).
            """
    )

    @Option(name: .long, help: "Data directory (default $OPENRSP_HOME, else ~/.openrsp).")
    var home: String?

    @Option(name: .customLong("rpc-url"), help: "Use this Ethereum JSON-RPC endpoint instead of starting the embedded devnet (needs --key-file).")
    var rpcURL: String?

    @Option(name: .customLong("key-file"), help: "Hex private key of the deployer/governance account for --rpc-url (mode 0600).")
    var keyFile: String?

    @Option(name: .customLong("smdp-port"), help: "SM-DP+ TLS port on 127.0.0.1 (0 picks a free port).")
    var smdpPort: Int = 0

    @Option(name: .long, help: "SAIP Unprotected Profile Package to import (default: a TS.48 test profile from ../shared/testdata/ts48, else a generated one).")
    var upp: String?

    @Flag(name: .customLong("generated-profile"), help: "Always use the generated minimal SAIP profile package.")
    var generatedProfile = false

    @Option(name: .customLong("dispute-window"), help: "UsageSettlement dispute window in seconds.")
    var disputeWindow: UInt64 = 86_400

    @Option(name: .customLong("cdr-count"), help: "Number of usage CDRs in the batch.")
    var cdrCount: Int = 5

    @Option(help: "Python interpreter for the devnet (default $OPENRSP_DEVNET_PYTHON, else ./.venv/bin/python).")
    var python: String?

    @Option(name: .customLong("devnet-script"), help: "devnet.py (default $OPENRSP_DEVNET_SCRIPT, else ./tools/devnet/devnet.py).")
    var devnetScript: String?

    @Option(name: .customLong("contracts-dir"), help: "Directory of the committed contract artifacts (default ./contracts/build).")
    var contractsDir: String?

    @Flag(name: .long, help: "Run the roaming demo instead: two MNOs clear a period with one disproved commitment and one court case (docs/ROAMING.md).")
    var roaming = false

    @OptionGroup var output: OutputOptions

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(smdpPort) else { throw ValidationError("--smdp-port must be 0...65535") }
        guard (1...1000).contains(cdrCount) else { throw ValidationError("--cdr-count must be 1...1000") }
        guard disputeWindow > 0 else { throw ValidationError("--dispute-window must be positive") }
        if rpcURL != nil && keyFile == nil { throw ValidationError("--rpc-url needs --key-file (the deployer and governance key)") }
        if upp != nil && generatedProfile { throw ValidationError("--upp and --generated-profile exclude each other") }
    }

    /// The options resolved against the environment and the working directory.
    func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) -> DemoConfiguration {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let home = DataDirectory.resolve(explicit: home, environment: environment)
        let profile: DemoConfiguration.ProfileSource
        if generatedProfile {
            profile = .generated
        } else if let upp {
            profile = .file(URL(fileURLWithPath: upp))
        } else if let ts48 = DemoConfiguration.sharedTS48(besides: cwd) {
            profile = .file(ts48)
        } else {
            profile = .generated
        }
        return DemoConfiguration(
            home: home,
            rpcURL: rpcURL,
            keyFile: keyFile.map { URL(fileURLWithPath: $0) },
            python: URL(fileURLWithPath: python ?? environment["OPENRSP_DEVNET_PYTHON"] ?? cwd.appendingPathComponent(".venv/bin/python").path),
            devnetScript: URL(fileURLWithPath: devnetScript ?? environment["OPENRSP_DEVNET_SCRIPT"]
                ?? cwd.appendingPathComponent("tools/devnet/devnet.py").path),
            contractsDir: URL(fileURLWithPath: contractsDir ?? cwd.appendingPathComponent("contracts/build").path, isDirectory: true),
            smdpPort: smdpPort, profile: profile, disputeWindow: disputeWindow, cdrCount: cdrCount, quiet: false)
    }

    public func run() async throws {
        let config = configuration()
        let json = output.json
        try await output.reportingErrors {
            if roaming {
                let summary = try await DemoRunner.runInterruptible(config) { c, r in try await DemoRunner.runRoaming(c, resources: r) }
                if json { print(try CommandEnvelope(data: summary).jsonString()) } else { print(summary.humanReadable()) }
                return
            }
            let summary = try await DemoRunner.runInterruptible(config) { c, r in try await DemoRunner.run(c, resources: r) }
            if json {
                print(try CommandEnvelope(data: summary).jsonString())
            } else {
                print(summary.humanReadable())
            }
        }
    }
}
