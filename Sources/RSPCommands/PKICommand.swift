import ArgumentParser
import Foundation
import RSPASN1
import RSPCrypto

/// `openrsp pki`: create and check the SGP.22 test PKI.
public struct PKICommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Create and verify the SGP.22 test PKI (CI, EUM, eUICC, SM-DP+ DPauth/DPpb/DPtls).",
        discussion: """
            Files in the PKI directory (certificates as PEM and/or DER, keys as PKCS#8 or SEC1 PEM, mode 0600):
            \(PKIDirectoryLayout.documentation)
            """,
        subcommands: [PKIInitCommand.self, PKIVerifyCommand.self]
    )

    public init() {}
}

/// Errors of the `pki` commands, with stable codes for the JSON envelope.
enum PKICommandError: KindedCommandError {
    case alreadyExists(String)
    case invalidEID(String)
    case generation(String)
    case load(String)
    case verificationFailed(Int)

    enum Kind: Int, CLIErrorKind {
        case alreadyExists = 10, invalidEID, generation, load, verificationFailed

        var meaning: String {
            switch self {
            case .alreadyExists: "pki init: the directory already holds a PKI (use --force or --keep-existing)"
            case .invalidEID: "pki init: --eid is not a valid 32-digit EID"
            case .generation: "pki init: generating or writing the certificates failed"
            case .load: "the PKI directory cannot be read"
            case .verificationFailed: "pki verify: certificates failed SGP.22 validation"
            }
        }
    }

    var kind: Kind {
        switch self {
        case .alreadyExists: .alreadyExists
        case .invalidEID: .invalidEID
        case .generation: .generation
        case .load: .load
        case .verificationFailed: .verificationFailed
        }
    }

    var description: String {
        switch self {
        case .alreadyExists(let m), .generation(let m), .load(let m): return m
        case .invalidEID(let m): return "invalid --eid: \(m)"
        case .verificationFailed(let n): return "\(n) certificate(s) failed SGP.22 validation"
        }
    }
}

/// Shared `--dir` option: the PKI directory, default `$OPENRSP_HOME/pki`.
struct PKIDirectoryOption: ParsableArguments {
    @Option(name: .long, help: "PKI directory (default: $OPENRSP_HOME/pki, $OPENRSP_HOME defaults to ~/.openrsp).")
    var dir: String?

    func resolve() -> URL {
        if let dir, !dir.isEmpty { return URL(fileURLWithPath: dir, isDirectory: true) }
        return DataDirectory.resolve().url.appendingPathComponent("pki", isDirectory: true)
    }
}

struct PKIInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Generate a complete SGP.22 test PKI as X.509 DER + PEM files with fresh P-256 keys.",
        discussion: """
            Refuses to replace an existing PKI unless --force is given. With --keep-existing an existing \
            PKI is left untouched and the command succeeds (for repeatable demos); check it with `pki verify`.
            Contents: CI (self-signed, keyCertSign+cRLSign), EUM (CA pathlen 0, NameConstraints O + first 8 \
            EID digits), eUICC (subject serialNumber = EID), DPauth and DPpb (SAN registeredID 2.999.10), \
            DP-TLS (SAN dNSName <smdp-host>, iPAddress 127.0.0.1; EKU serverAuth+clientAuth).
            Files written:
            \(PKIDirectoryLayout.documentation)
            """
    )

    @OptionGroup var directory: PKIDirectoryOption

    @Option(name: .long, help: "EID of the eUICC certificate (32 digits, valid check digits). Default: 89049032000000000000000001234585.")
    var eid: String?

    @Option(name: .customLong("smdp-host"), help: "SM-DP+ host name for the DP-TLS certificate's dNSName.")
    var smdpHost = "localhost"

    @Flag(name: .long, help: "Replace an existing PKI.")
    var force = false

    @Flag(name: .customLong("keep-existing"), help: "If a PKI already exists, keep it and exit successfully.")
    var keepExisting = false

    @Option(name: .customLong("extra-ci"), parsing: .upToNextOption, help: ArgumentHelp(
        "Further CI certificate files (PEM, bundle or DER) to trust next to the generated CI, e.g. the GSMA SGP.26 test CI.",
        discussion: "Written to <dir>/ci-extra; software eUICCs created from this PKI and `smdp serve` trust them too."))
    var extraCI: [String] = []

    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var directory: String
        var created: Bool
        var eid: String?
        var ciPKId: String?
        var files: [String]
        var extraCIs: [ExtraCIFolder.Entry] = []
    }

    func validate() throws {
        if force && keepExisting { throw ValidationError("--force and --keep-existing exclude each other") }
    }

    func run() async throws {
        try await output.reportingErrors {
            let dir = directory.resolve()
            let eidValue: EID
            do {
                eidValue = try eid.map { try EID(digits: $0) } ?? TestPKIOptions.defaultEID
            } catch {
                throw PKICommandError.invalidEID("\(error)")
            }
            var extraCIBytes: [(String, [UInt8])] = []
            for path in extraCI {
                do {
                    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                    _ = try ExtraCIFolder.validatedCIs(bytes)
                    extraCIBytes.append((path, bytes))
                } catch {
                    throw PKICommandError.load("--extra-ci \(path): \(error)")
                }
            }
            let existing = PKIWriter.existingFiles(in: dir)
            if !existing.isEmpty && !force {
                guard keepExisting else {
                    throw PKICommandError.alreadyExists("a PKI already exists in \(dir.path) (\(existing.count) files); use --force to replace it")
                }
                var report = Report(directory: dir.path, created: false, eid: nil, ciPKId: nil, files: existing)
                report.extraCIs = try Self.addExtraCIs(extraCIBytes, to: dir)
                try output.emit(report) {
                    "PKI already present in \(dir.path); kept (\(existing.count) files)." + report.extraCIs.map { "\n  further CI: \($0.keyId) \($0.subject)" }.joined()
                }
                return
            }
            let pki: TestPKI
            let files: [String]
            do {
                pki = try TestPKIGenerator.generate(TestPKIOptions(eid: eidValue, smdpHost: smdpHost))
                files = try PKIWriter.write(pki, to: dir, overwrite: force)
            } catch {
                throw PKICommandError.generation("\(error)")
            }
            let extras = try Self.addExtraCIs(extraCIBytes, to: dir)
            let ciPKId = try HexBytes.encode(SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate))
            var report = Report(directory: dir.path, created: true, eid: eidValue.digits, ciPKId: ciPKId, files: files)
            report.extraCIs = extras
            try output.emit(report) {
                """
                Created SGP.22 test PKI in \(dir.path)
                  CI PKId (SKI): \(ciPKId)
                  EID:           \(eidValue.digits)
                  files:         \(files.count) (keys mode 0600)
                """ + extras.map { "\n  further CI:    \($0.keyId) \($0.subject)" }.joined()
            }
        }
    }
}

extension PKIInitCommand {
    /// Writes the `--extra-ci` certificates (already validated) to `dir/ci-extra`.
    static func addExtraCIs(_ files: [(String, [UInt8])], to dir: URL) throws -> [ExtraCIFolder.Entry] {
        var entries: [ExtraCIFolder.Entry] = []
        for (path, bytes) in files {
            do { entries += try ExtraCIFolder(pkiDirectory: dir).add(certificateBytes: bytes) } catch {
                throw PKICommandError.load("--extra-ci \(path): \(error)")
            }
        }
        return entries
    }
}

struct PKIVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Load a PKI directory (PEM or DER, from any issuer) and validate every chain by SGP.22 rules.",
        discussion: """
            Checks CI → EUM → eUICC and CI → DPauth / DPpb / DPtls at the current time: role policy OIDs, \
            key usage, P-256 only, validity, AKI/SKI links, signatures, EUM name constraints (EID prefix).
            Expected files:
            \(PKIDirectoryLayout.documentation)
            """
    )

    @OptionGroup var directory: PKIDirectoryOption
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var directory: String
        var allValid: Bool
        var certificates: [PKIVerificationRow]
    }

    func run() async throws {
        var failed = 0
        try await output.reportingErrors {
            let dir = directory.resolve()
            let loaded: LoadedPKI
            do { loaded = try PKILoader.load(from: dir) } catch { throw PKICommandError.load("\(error)") }
            let rows = await PKILoader.verify(loaded, at: Date())
            failed = rows.filter { !$0.valid }.count
            let report = Report(directory: dir.path, allValid: failed == 0, certificates: rows)
            if output.json {
                let error = PKICommandError.verificationFailed(failed)
                let envelope = failed == 0
                    ? CommandEnvelope(data: report)
                    : CommandEnvelope(code: error.code, message: error.description, data: report)
                print(try envelope.jsonString())
            } else {
                print(Self.table(rows))
                if failed > 0 {
                    FileHandle.standardError.write(Data("error: \(PKICommandError.verificationFailed(failed).description)\n".utf8))
                }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    static func table(_ rows: [PKIVerificationRow]) -> String {
        let header = ["CERT", "ROLE", "SUBJECT", "NOT AFTER", "RESULT"]
        let cells = rows.map { [$0.certificate, $0.role, $0.subject, $0.notAfter, $0.result] }
        var widths = header.map(\.count)
        for row in cells {
            for (i, cell) in row.enumerated() where i < 4 { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, cell in i < 4 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) : cell }
                .joined(separator: "  ")
        }
        return ([line(header)] + cells.map(line)).joined(separator: "\n")
    }
}
