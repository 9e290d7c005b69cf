/// One documented CLI error code (docs/CLI-ERRORS.md): `payload.code` of a failed `--json` envelope.
public struct CLIErrorCode: Hashable, Sendable {
    public let code: Int
    /// The Swift error type and kind that report it, e.g. `DeviceCommandError.noPKI`.
    public let name: String
    public let meaning: String
}

/// The kinds of one error type, each with its own code (raw value) and meaning. A raw-value enum, so
/// the compiler refuses two kinds with the same code inside a type; `CLIErrorCatalog` checks across types.
public protocol CLIErrorKind: CaseIterable, RawRepresentable, Sendable where RawValue == Int {
    var meaning: String { get }
}

/// A `CodedCommandError` whose code comes from its kind: every case maps to exactly one kind.
protocol KindedCommandError: CodedCommandError {
    associatedtype Kind: CLIErrorKind
    var kind: Kind { get }
}

extension KindedCommandError {
    var code: Int { kind.rawValue }

    static var codes: [CLIErrorCode] { KindedCodes<Kind>.codes(of: Self.self) }
}

/// Every CLI error code. A test checks that no code has two meanings, that every `CodedCommandError`
/// type in Sources/RSPCommands is listed here, and that docs/CLI-ERRORS.md lists exactly these codes.
public enum CLIErrorCatalog {
    /// Any failure no command classifies (`OutputOptions.reportingErrors`).
    static let unclassified = CLIErrorCode(code: 1, name: "unclassified", meaning: "an error no command classifies; the message says what failed")

    static var types: [any CodedCommandError.Type] { [
        DevnetCommandError.self, PKICommandError.self, DeviceCommandError.self, ProfileDownloadCommandError.self,
        NotificationProcessCommandError.self, SMDPCommandError.self, UsageCommandError.self, DemoStepError.self,
        ChainCommandError.self, PlanCommandError.self, DisputeCommandError.self, CatalogCommandError.self, RoamingCommandError.self,
        IdentityCommandError.self,
    ] }

    public static var all: [CLIErrorCode] {
        ([unclassified] + types.flatMap { $0.codes }).sorted { $0.code < $1.code }
    }
}
