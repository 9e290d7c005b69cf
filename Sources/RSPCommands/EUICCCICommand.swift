import ArgumentParser
import Foundation
import RSPCrypto

/// `openrsp euicc ci add|list|remove`: the CIs the software eUICC trusts besides its own.
struct EUICCCICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci",
        abstract: "Manage the further CIs the software eUICC trusts (e.g. the GSMA SGP.26 test CI next to your own).",
        discussion: """
            The eUICC verifies an SM-DP+ (CERT.DPauth, CERT.DPpb) against the CI the SM-DP+ chose from \
            euiccCiPKIdListForVerification; EUICCInfo1/2 list every trusted CI there. The eUICC's own \
            certificate still chains to its EUM's CI only, which stays the one entry of \
            euiccCiPKIdListForSigning. The CIs live as <key id>.pem in <simulator>/pki/ci-extra; a running \
            `euicc serve` picks changes up when it is restarted.
            """,
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// `--simulator DIR` of the software eUICC (no reader: a card's CI list is fixed by its EUM).
    struct Target: ParsableArguments {
        @Option(name: .long, help: "Software eUICC state directory (default: $OPENRSP_HOME/euicc).")
        var simulator: String?

        /// The eUICC's PKI folder, created from $OPENRSP_HOME/pki on first use like every device command.
        func folder() throws -> ExtraCIFolder {
            let directory = DeviceOptions.simulatorDirectory(simulator)
            _ = try DeviceOptions.softEUICC(at: directory)
            return ExtraCIFolder(pkiDirectory: directory.appendingPathComponent("pki", isDirectory: true))
        }
    }

    struct Report: Encodable {
        var cis: [ExtraCIFolder.Entry]
    }

    static func table(_ entries: [ExtraCIFolder.Entry]) -> String {
        let formatter = ISO8601DateFormatter()
        return textTable(["KEY ID", "NOT AFTER", "SUBJECT"], entries.map { [$0.keyId, formatter.string(from: $0.notValidAfter), $0.subject] })
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust the CI certificate(s) in FILE (PEM, PEM bundle or DER).",
            discussion: "Each certificate must be an SGP.22 CI: self-signed, a CA with keyCertSign, with a SubjectKeyIdentifier. Nothing is added unless every certificate of every file passes.")

        @Argument(help: "CI certificate files.")
        var files: [String]
        @OptionGroup var target: Target
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await output.reportingErrors {
                let folder = try target.folder()
                var bundles: [(String, [UInt8])] = []
                for path in files {
                    do { bundles.append((path, Array(try Data(contentsOf: URL(fileURLWithPath: path))))) } catch {
                        throw DeviceCommandError.invalidArgument("cannot read \(path): \(error.localizedDescription)")
                    }
                }
                for (path, bytes) in bundles {
                    do { _ = try ExtraCIFolder.validatedCIs(bytes) } catch { throw DeviceCommandError.invalidArgument("\(path): \(error)") }
                }
                var added: [ExtraCIFolder.Entry] = []
                for (path, bytes) in bundles {
                    do { added += try folder.add(certificateBytes: bytes) } catch {
                        throw DeviceCommandError.invalidArgument("\(path): \(error)")
                    }
                }
                try output.emit(Report(cis: added)) { "Trusted \(added.count) CI(s):\n" + EUICCCICommand.table(added) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the further CIs (the eUICC's own CI is in <simulator>/pki/ci.pem).")

        @OptionGroup var target: Target
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await output.reportingErrors {
                let entries: [ExtraCIFolder.Entry]
                do { entries = try target.folder().list() } catch let error as CodedCommandError { throw error } catch {
                    throw DeviceCommandError.simulator("\(error)")
                }
                try output.emit(Report(cis: entries)) { entries.isEmpty ? "No further CI is trusted." : EUICCCICommand.table(entries) }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting the further CI with KEYID (hex SubjectKeyIdentifier, as `ci list` shows).")

        @Argument(help: "The CI's key identifier.")
        var keyId: String
        @OptionGroup var target: Target
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await output.reportingErrors {
                let removed: Bool
                do { removed = try target.folder().remove(keyId: keyId) } catch let error as CodedCommandError { throw error } catch {
                    throw DeviceCommandError.simulator("\(error)")
                }
                guard removed else { throw DeviceCommandError.invalidArgument("no further CI with key id \(keyId) (see `openrsp euicc ci list`)") }
                try output.emit(Report(cis: [])) { "Removed CI \(keyId.lowercased())." }
            }
        }
    }
}
