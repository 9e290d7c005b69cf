import ArgumentParser
import Foundation
import RSPCrypto
import SMDPServer

/// `openrsp smdp token`: ES2+ operator bearer tokens.
struct SMDPTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create an ES2+ operator bearer token, or print a token's SHA-256 for the server configuration.",
        subcommands: [SMDPTokenNewCommand.self, SMDPTokenHashCommand.self]
    )
}

struct SMDPTokenNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Write a random token (32 bytes, hex) to FILE (mode 0600) and print its SHA-256 (the server's tokenSHA256).")

    @Option(name: .long, help: "File to create (must not exist).")
    var out: String

    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var file: String; var tokenSHA256: String }

    func run() async throws {
        try await output.reportingErrors {
            let url = URL(fileURLWithPath: out)
            guard !FileManager.default.fileExists(atPath: url.path) else { throw SMDPCommandError.invalidArgument("\(out) exists") }
            var generator = SystemRandomNumberGenerator()
            let token = HexText.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
            do { try SecureFileWriter.write(Array((token + "\n").utf8), to: url, mode: 0o600) } catch {
                throw SMDPCommandError.invalidArgument("cannot write \(out): \(error)")
            }
            let report = Report(file: out, tokenSHA256: HexText.encode(ES2PlusOperator.hash(token: token)))
            try output.emit(report) { "token written to \(report.file)\ntokenSHA256: \(report.tokenSHA256)" }
        }
    }
}

struct SMDPTokenHashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hash", abstract: "Print the SHA-256 (hex) of the token in FILE.")

    @Option(name: .customLong("token-file"), help: "File holding the token.")
    var tokenFile: String

    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var tokenSHA256: String }

    func run() async throws {
        try await output.reportingErrors {
            let token: String
            do { token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                throw SMDPCommandError.invalidArgument("cannot read \(tokenFile)")
            }
            guard !token.isEmpty else { throw SMDPCommandError.invalidArgument("\(tokenFile) is empty") }
            let report = Report(tokenSHA256: HexText.encode(ES2PlusOperator.hash(token: token)))
            try output.emit(report) { report.tokenSHA256 }
        }
    }
}
