import Dispatch
import EthereumRPC
import Foundation

/// What every step gets besides the state: the configuration, the processes and tasks to clean up,
/// and the progress printer (stderr).
struct DemoEnvironment: Sendable {
    let config: DemoConfiguration
    let resources: DemoResources

    func progress(_ line: String) {
        guard !config.quiet else { return }
        FileHandle.standardError.write(Data("  \(line)\n".utf8))
    }
}

/// One step of the demo. Each step reads what earlier steps put in `DemoState` and adds its own.
protocol DemoStep: Sendable {
    /// Short stable name, reported when the step fails (`demo step <name> failed: …`).
    var name: String { get }
    /// One line for the progress output.
    var title: String { get }
    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws
}

/// Everything the demo starts and must stop: the devnet process, the SM-DP+ server task, network clients.
final class DemoResources: @unchecked Sendable {
    private let lock = NSLock()
    private var devnet: Process?
    private var server: Task<Void, any Error>?
    private var shutdowns: [@Sendable () async -> Void] = []
    private var wasInterrupted = false

    var interrupted: Bool { lock.withLock { wasInterrupted } }

    func adopt(devnet process: Process) { lock.withLock { devnet = process } }
    func adopt(server task: Task<Void, any Error>) { lock.withLock { server = task } }
    /// Registers a client shutdown to run at cleanup (in reverse order of registration).
    func onCleanup(_ body: @escaping @Sendable () async -> Void) { lock.withLock { shutdowns.append(body) } }

    /// SIGINT/SIGTERM: remember it and stop the devnet now, so a step blocked on the chain fails at once.
    func interrupt() {
        let process = lock.withLock { () -> Process? in
            wasInterrupted = true
            return devnet
        }
        if let process, process.isRunning { kill(process.processIdentifier, SIGTERM) }
    }

    /// Stops the server, closes clients, stops the devnet (SIGTERM, SIGKILL after 15 s). Idempotent.
    func cleanup() async {
        let (server, shutdowns, devnet) = lock.withLock {
            let taken = (self.server, self.shutdowns, self.devnet)
            self.server = nil
            self.shutdowns = []
            self.devnet = nil
            return taken
        }
        if let server {
            server.cancel()
            _ = await server.result
        }
        for shutdown in shutdowns.reversed() { await shutdown() }
        if let devnet, devnet.isRunning {
            kill(devnet.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now.advanced(by: .seconds(15))
            while devnet.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(100))
            }
            if devnet.isRunning { kill(devnet.processIdentifier, SIGKILL) }
            devnet.waitUntilExit()
        }
    }
}

/// Runs the steps in order, reports progress, wraps a failure with the step's name, cleans up.
enum DemoRunner {
    /// The demo, in order.
    static let steps: [any DemoStep] = [
        PrepareDirectoryStep(),
        StartChainStep(),
        CreateAccountsStep(),
        DeployContractsStep(),
        PKIStep(),
        RegisterTrustStep(),
        StartSMDPStep(),
        ImportProfileStep(),
        PrepareEUICCStep(),
        ListPlanStep(),
        BuyPlanStep(),
        CreateOrderStep(),        // entitlement-gated: the SM-DP+ checks isLive(id, commitment) at AuthenticateClient
        DownloadProfileStep(),    // chain-pinned LPA: TrustRegistry.isTrusted(SMDP, DPauth SPKI hash)
        InstallNotificationStep(),
        EnableProfileStep(),
        GenerateUsageStep(),
        PostUsageStep(),          // SWAP (c): post through the usage outbox
        AdvanceTimeStep(),
        SettleStep(),
    ]

    /// `openrsp demo --roaming`: two MNOs clear a period (RoamingSteps.swift). Its step errors take the
    /// codes after the main demo's (`codeOffset`).
    static let roamingSteps: [any DemoStep] = [
        PrepareDirectoryStep(),
        StartChainStep(),
        CreateAccountsStep(),
        DeployContractsStep(),
        RoamingPartiesStep(),
        RoamingAgreementStep(),
        RoamingCommitStep(),
        RoamingDisputeStep(),
        RoamingCourtStep(),
        RoamingSettleStep(),
    ]

    /// The position of the roaming demo's first step in the error codes (after the main demo and its summary).
    static var roamingCodeOffset: Int { steps.count + 1 }

    /// Runs the demo and returns its summary; always cleans up what it started.
    static func run(_ config: DemoConfiguration, resources: DemoResources = DemoResources()) async throws -> DemoSummary {
        try await run(config, steps: steps, codeOffset: 0, resources: resources, summarize: DemoSummaryBuilder.build)
    }

    /// The roaming demo and its summary.
    static func runRoaming(_ config: DemoConfiguration, resources: DemoResources = DemoResources()) async throws -> RoamingDemoSummary {
        try await run(config, steps: roamingSteps, codeOffset: roamingCodeOffset, resources: resources, summarize: RoamingDemoSummary.build)
    }

    /// Runs `steps` in order and returns `summarize`'s result; always cleans up what it started.
    static func run<S>(_ config: DemoConfiguration, steps: [any DemoStep], codeOffset: Int, resources: DemoResources,
                       summarize: (DemoState, DemoConfiguration) async throws -> S) async throws -> S {
        let env = DemoEnvironment(config: config, resources: resources)
        var state = DemoState()
        do {
            for (index, step) in steps.enumerated() {
                if resources.interrupted || Task.isCancelled {
                    throw DemoStepError(step: step.name, index: codeOffset + index + 1, reason: DemoError.interrupted.description)
                }
                if !config.quiet {
                    FileHandle.standardError.write(Data("[\(index + 1)/\(steps.count)] \(step.title)\n".utf8))
                }
                do {
                    try await step.run(&state, env)
                } catch {
                    let reason = resources.interrupted ? "\(DemoError.interrupted) (\(error))" : "\(error)"
                    throw DemoStepError(step: step.name, index: codeOffset + index + 1, reason: reason)
                }
            }
            let summary: S
            do {
                summary = try await summarize(state, config)
            } catch {
                throw DemoStepError(step: "summary", index: codeOffset + steps.count + 1, reason: "\(error)")
            }
            await resources.cleanup()
            return summary
        } catch {
            await resources.cleanup()
            throw error
        }
    }

    /// `run` with SIGINT/SIGTERM turned into an orderly stop (cleanup, then the step's error).
    static func runInterruptible<S: Sendable>(_ config: DemoConfiguration,
                                              _ body: @escaping @Sendable (DemoConfiguration, DemoResources) async throws -> S) async throws -> S {
        let resources = DemoResources()
        let task = Task { try await body(config, resources) }
        let queue = DispatchQueue(label: "openrsp.demo.signals")
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                resources.interrupt()
                task.cancel()
            }
            source.resume()
            sources.append(source)
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return try await task.value
    }
}
