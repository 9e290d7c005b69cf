import Foundation

/// What `openrsp demo` runs against, resolved from its options.
struct DemoConfiguration: Sendable {
    enum ProfileSource: Sendable, Equatable {
        /// A SAIP UPP file (a TS.48 test profile or `--upp`).
        case file(URL)
        /// The minimal package of `MinimalProfilePackageBuilder`.
        case generated
    }

    var home: DataDirectory
    /// nil: start the embedded devnet.
    var rpcURL: String?
    var keyFile: URL?
    var python: URL
    var devnetScript: URL
    var contractsDir: URL
    var smdpPort: Int
    var profile: ProfileSource
    var disputeWindow: UInt64
    /// Seconds after an entitlement ends during which usage may still be posted: at least the dispute
    /// window + 1 h (UsageSettlement.MIN_FINAL_POST_TIME, checked by its constructor).
    var postingGrace: UInt64 { disputeWindow + 3600 }
    var cdrCount: Int
    /// No progress lines on stderr (tests).
    var quiet: Bool

    /// `$OPENRSP_HOME/demo`: this run's SM-DP+ database, software eUICC, keys, CDRs, devnet state.
    var demoDirectory: URL { home.url.appendingPathComponent("demo", isDirectory: true) }
    var pkiDirectory: URL { home.url.appendingPathComponent("pki", isDirectory: true) }
    var euiccDirectory: URL { demoDirectory.appendingPathComponent("euicc", isDirectory: true) }
    var contractsFile: URL { home.url.appendingPathComponent("contracts.json") }

    /// The first `.der` file of `<dir>/../shared/testdata/ts48`, when the shared GSMA test data sits beside the repository.
    static func sharedTS48(besides repository: URL) -> URL? {
        let directory = repository.deletingLastPathComponent().appendingPathComponent("shared/testdata/ts48", isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        // Prefer the SAIP 2.3 profile without BER-TLV files (what scripts/demo used), else the first by name.
        let ders = names.filter { $0.hasSuffix(".der") }.sorted()
        let pick = ders.first { $0.contains("SAIP2.3") } ?? ders.first
        return pick.map { directory.appendingPathComponent($0) }
    }
}

/// A failed demo step: its name and why. `code` is stable per step for the JSON envelope.
struct DemoStepError: CodedCommandError {
    let step: String
    let index: Int
    let reason: String

    var code: Int { 100 + index }

    /// 100 + the step's position (1-based); the summary after the last step; then the roaming demo's steps and summary.
    static var codes: [CLIErrorCode] {
        (DemoRunner.steps.map(\.name) + ["summary"]).enumerated().map { index, name in
            CLIErrorCode(code: 101 + index, name: "DemoStepError(\(name))", meaning: "demo step \(name) failed")
        } + (DemoRunner.roamingSteps.map(\.name) + ["summary"]).enumerated().map { index, name in
            CLIErrorCode(code: 101 + DemoRunner.roamingCodeOffset + index, name: "DemoStepError(roaming \(name))",
                         meaning: "demo --roaming step \(name) failed")
        }
    }
    var description: String { "demo step \(step) failed: \(reason)" }
}

/// Errors the steps raise themselves (everything else is wrapped with its description).
enum DemoError: Error, CustomStringConvertible {
    case missing(String)
    case invalid(String)
    case interrupted

    var description: String {
        switch self {
        case .missing(let m): return m
        case .invalid(let m): return m
        case .interrupted: return "interrupted (SIGINT/SIGTERM)"
        }
    }
}
