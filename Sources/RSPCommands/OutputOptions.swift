import ArgumentParser
import Foundation

/// `--json` for every command that prints data.
public struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON envelope (lpac-compatible shape) instead of human text.")
    public var json = false

    public init() {}
}

/// A command's result in the lpac envelope shape:
/// `{"type":"lpa","payload":{"code":0,"message":"success","data":...}}`.
/// `code` 0 is success; any other value is the failing error's code.
public struct CommandEnvelope<DataPayload: Encodable>: Encodable {
    public struct Payload: Encodable {
        public var code: Int
        public var message: String
        public var data: DataPayload?
    }

    public var type: String
    public var payload: Payload

    public init(type: String = "lpa", code: Int = 0, message: String = "success", data: DataPayload?) {
        self.type = type
        self.payload = Payload(code: code, message: message, data: data)
    }

    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Errors that carry a numeric code for the JSON envelope and the process exit status.
public protocol CodedCommandError: Error, CustomStringConvertible {
    /// Stable numeric code, reported as `payload.code` in JSON output; unique across commands (docs/CLI-ERRORS.md).
    var code: Int { get }
    /// Every code the type reports, with its meaning (`CLIErrorCatalog`).
    static var codes: [CLIErrorCode] { get }
    /// `payload.message` of the failure envelope (default: the description; lpac-shaped commands: the failing step).
    var envelopeMessage: String { get }
    /// `payload.data` of the failure envelope (default: none; lpac-shaped commands: the detail).
    var envelopeData: String? { get }
}

extension CodedCommandError {
    public var envelopeMessage: String { description }
    public var envelopeData: String? { nil }
}

extension OutputOptions {
    /// Prints `data` as one JSON envelope when `--json` is set, or the human rendering otherwise.
    public func emit<T: Encodable>(_ data: T, human: () -> String) throws {
        if json {
            print(try CommandEnvelope(data: data).jsonString())
        } else {
            print(human())
        }
    }

    /// Runs `body`; on failure prints the error (as an envelope with its code under `--json`)
    /// and exits non-zero, so scripts can rely on both the exit status and the envelope.
    public func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CodedCommandError {
            try fail(code: error.code, message: json ? error.envelopeMessage : error.description, data: error.envelopeData)
        } catch let error as any ParsableArgumentsValidationError {
            throw error
        } catch {
            try fail(code: CLIErrorCatalog.unclassified.code, message: String(describing: error))
        }
    }

    /// With `--json`, one lpac progress line on stdout: `{"type":"progress","payload":{"code":0,"message":STEP,"data":DATA}}`.
    public func progress(_ step: String, data: String?) {
        if json { Self.printProgress(step, data: data) }
    }

    /// Prints one lpac progress line (for progress callbacks that cannot capture the options).
    public static func printProgress(_ step: String, data: String?) {
        // Encoding a String-only envelope cannot fail.
        guard let line = try? CommandEnvelope(type: "progress", message: step, data: data).jsonString() else { return }
        print(line)
    }

    private func fail(code: Int, message: String, data: String? = nil) throws -> Never {
        if json {
            print(try CommandEnvelope<String>(code: code, message: message, data: data).jsonString())
        } else {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        }
        throw ExitCode(1)
    }
}

/// Marker so `reportingErrors` lets ArgumentParser's own validation errors through untouched.
public protocol ParsableArgumentsValidationError: Error {}
extension ValidationError: ParsableArgumentsValidationError {}
