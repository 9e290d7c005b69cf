// `openrsp smdp profile generate`: a minimal SAIP Unprotected Profile Package (header, MF, USIM,
// Milenage AKA, end) for test deployments without TS.48 files, the same package `openrsp demo` builds.
import ArgumentParser
import Foundation
import RSPASN1
import RSPCrypto

struct SMDPProfileGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a minimal generated SAIP profile package (UPP DER) for tests, ready for `smdp profile import`.",
        discussion: "Test profiles only: the keys inside are fixed test values. --iccid takes 19 digits (the Luhn check digit is added) or 20.")

    @Option(name: .long, help: "ICCID: 19 digits (check digit added) or 20.") var iccid: String
    @Option(name: .customLong("profile-type"), help: "profileType in the ProfileHeader.") var profileType: String
    @Option(name: .long, help: "File to create (must not exist).") var out: String
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let file: String
        let iccid: String
        let profileType: String
        let bytes: Int
    }

    func run() async throws {
        try await output.reportingErrors {
            let digits = iccid.count == 19 ? iccid + String(ImportProfileStep.luhnCheckDigit(iccid)) : iccid
            guard !profileType.isEmpty, profileType.utf8.count <= 100 else {
                throw SMDPCommandError.invalidArgument("--profile-type must be 1–100 bytes")
            }
            let parsed: ICCID
            do { parsed = try ICCID(digits: digits) } catch { throw SMDPCommandError.invalidArgument("--iccid \(iccid): \(error)") }
            let url = URL(fileURLWithPath: out)
            guard !FileManager.default.fileExists(atPath: url.path) else { throw SMDPCommandError.invalidArgument("\(out) exists") }
            let upp: [UInt8]
            do { upp = try MinimalProfilePackageBuilder(iccid: parsed, profileType: profileType).build() } catch {
                throw SMDPCommandError.invalidArgument("building the package: \(error)")
            }
            do { try SecureFileWriter.write(upp, to: url, mode: 0o600) } catch {
                throw SMDPCommandError.invalidArgument("cannot write \(out): \(error)")
            }
            let document = Document(file: url.path, iccid: parsed.digits, profileType: profileType, bytes: upp.count)
            try output.emit(document) { "wrote \(document.file): ICCID \(document.iccid), profile type \"\(profileType)\", \(upp.count) bytes" }
        }
    }
}
