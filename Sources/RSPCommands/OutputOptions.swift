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
    /// Stable numeric code, reported as `payload.code` in JSON output.
    var code: Int { get }
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
            try fail(code: error.code, message: error.description)
        } catch let error as any ParsableArgumentsValidationError {
            throw error
        } catch {
            try fail(code: 1, message: String(describing: error))
        }
    }

    private func fail(code: Int, message: String) throws -> Never {
        if json {
            print(try CommandEnvelope<String>(code: code, message: message, data: nil).jsonString())
        } else {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        }
        throw ExitCode(1)
    }
}

/// Marker so `reportingErrors` lets ArgumentParser's own validation errors through untouched.
public protocol ParsableArgumentsValidationError: Error {}
extension ValidationError: ParsableArgumentsValidationError {}
