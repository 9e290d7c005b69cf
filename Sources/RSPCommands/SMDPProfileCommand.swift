import ArgumentParser
import Foundation
import RSPASN1
import SMDPCore

/// `openrsp smdp profile`: the profile inventory.
struct SMDPProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Import SAIP Unprotected Profile Packages and list the inventory.",
        subcommands: [SMDPProfileImportCommand.self, SMDPProfileListCommand.self, SMDPProfileGenerateCommand.self]
    )
}

struct SMDPProfileImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import UPP DER files (concatenated SAIP ProfileElements) into the inventory as Available profiles.",
        discussion: "Each file is imported on its own; a file that fails (bad DER, an ICCID already in the inventory) does not stop " +
            "the others, and its line names the file and the ICCID. The profile type (what `order create --profile-type` picks by) " +
            "comes from the ProfileHeader unless --profile-type sets it: the public GSMA TS.48 files all declare the same type."
    )

    /// Largest UPP file read (a TS.48 profile is a few KiB; real profiles stay well below 1 MiB).
    static let maxFileBytes = 4 * 1024 * 1024

    @Argument(help: "UPP DER files.")
    var files: [String]

    @Option(name: .customLong("service-provider-name"), help: "serviceProviderName in the profile metadata.")
    var serviceProviderName = "OpenRSP"

    @Option(name: .customLong("profile-type"), help: "Profile type of every imported file, instead of its ProfileHeader's profileType.")
    var profileType: String?

    @OptionGroup var database: SMDPDatabaseOption
    @OptionGroup var output: OutputOptions

    struct Row: Encodable {
        var file: String
        var iccid: String?
        var profileType: String?
        var state: String?
        var error: String?
    }

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one UPP file") }
        if let profileType, profileType.isEmpty { throw ValidationError("--profile-type must not be empty") }
    }

    func run() async throws {
        try await output.reportingErrors {
            let rows = try await database.withStore { store in
                let inventory = ProfileInventory(store: store)
                var rows: [Row] = []
                for file in files {
                    do {
                        let bytes = try Self.read(file)
                        let record = try await inventory.importPackage(bytes, serviceProviderName: serviceProviderName, profileType: profileType)
                        rows.append(Row(file: file, iccid: record.iccid.digits, profileType: record.profileType, state: record.state.rawValue))
                    } catch {
                        rows.append(Row(file: file, error: "\(error)"))
                    }
                }
                return rows
            }
            let failed = rows.filter { $0.error != nil }.count
            if output.json {
                let envelope = failed == 0
                    ? CommandEnvelope(data: rows)
                    : CommandEnvelope(code: SMDPCommandError.importFailed(failed).code,
                                      message: SMDPCommandError.importFailed(failed).description, data: rows)
                print(try envelope.jsonString())
                if failed > 0 { throw ExitCode(1) }
            } else {
                for row in rows {
                    if let error = row.error {
                        FileHandle.standardError.write(Data("\(row.file): error: \(error)\n".utf8))
                    } else {
                        print("\(row.file): ICCID \(row.iccid ?? "") type \(row.profileType ?? "(none)") \(row.state ?? "")")
                    }
                }
                if failed > 0 { throw SMDPCommandError.importFailed(failed) }
            }
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: path)
        let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxFileBytes else {
            throw SMDPCommandError.invalidArgument("\(path) is \(size) bytes, more than \(maxFileBytes)")
        }
        return Array(try Data(contentsOf: url))
    }
}

struct SMDPProfileListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Number of profiles per state and every profile (ICCID, state, type, EID); with --iccid, only those profiles.",
        discussion: "--database takes a SQLite path or a postgres:// URL."
    )

    @Option(name: .long, help: "Show this profile (repeatable).")
    var iccid: [String] = []

    @OptionGroup var database: SMDPDatabaseOption
    @OptionGroup var output: OutputOptions

    struct Profile: Encodable {
        var iccid: String
        var state: String?
        var profileType: String?
        var eid: String?
    }

    struct Report: Encodable {
        var counts: [String: Int]
        var profiles: [Profile]
    }

    func run() async throws {
        try await output.reportingErrors {
            let wanted: [ICCID]
            do { wanted = try iccid.map { try ICCID(digits: $0) } } catch {
                throw SMDPCommandError.invalidArgument("invalid --iccid: \(error)")
            }
            let (counts, profiles) = try await database.withStore { store in
                var profiles: [Profile] = []
                do {
                    let counts = try await store.profileCounts()
                    if wanted.isEmpty {
                        profiles = try await store.allProfiles().map {
                            Profile(iccid: $0.iccid.digits, state: $0.state.rawValue, profileType: $0.profileType, eid: $0.eid?.digits)
                        }
                    }
                    for id in wanted {
                        let record = try await store.profile(iccid: id)
                        profiles.append(Profile(iccid: id.digits, state: record?.state.rawValue, profileType: record?.profileType,
                                                eid: record?.eid?.digits))
                    }
                    return (counts, profiles)
                } catch {
                    throw SMDPCommandError.database("\(error)")
                }
            }
            let report = Report(counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }), profiles: profiles)
            try output.emit(report) {
                var lines = ProfileDownloadState.allCases.map { "\($0.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(counts[$0] ?? 0)" }
                for profile in profiles {
                    lines.append("\(profile.iccid)  \(profile.state ?? "not in the inventory")  \(profile.profileType ?? "")  \(profile.eid.map { "EID \($0)" } ?? "")")
                }
                return lines.joined(separator: "\n")
            }
        }
    }
}
