/// Why the software eUICC refused something, or what it accepted outside the letter of SGP.22.
/// The card answers a real SGP.22 code (a BF37 ErrorReason, an AuthenticateServer error), which says
/// little; the diagnostic names the segment, its size and the check that failed. It goes to the
/// handler set with `SoftEUICC.setDiagnosticHandler` (`euicc serve` logs it) and the last failure is
/// kept in memory (`SoftEUICC.lastFailure`) for an LPA in the same process to show.
public struct EUICCDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Accepted, but worth a log line (e.g. an oversize BSP segment).
        case notice
        /// Refused with the SGP.22 code in `code`.
        case failure
    }

    public let kind: Kind
    /// The ES10 function, e.g. `LoadBoundProfilePackage`.
    public let function: String
    /// The SGP.22 code answered (empty for notices).
    public let code: String
    public let message: String

    public init(kind: Kind, function: String, code: String = "", message: String) {
        self.kind = kind
        self.function = function
        self.code = code
        self.message = message
    }

    public var description: String {
        code.isEmpty ? "\(function): \(message)" : "\(function) \(code): \(message)"
    }
}

extension SoftEUICC {
    /// Receives every diagnostic from now on (nil stops it). Called on the eUICC's actor: keep it short.
    public func setDiagnosticHandler(_ handler: (@Sendable (EUICCDiagnostic) -> Void)?) {
        diagnosticHandler = handler
    }

    func report(_ diagnostic: EUICCDiagnostic) {
        if diagnostic.kind == .failure { lastFailure = diagnostic }
        diagnosticHandler?(diagnostic)
    }
}
