import ArgumentParser
import Foundation
import RSPASN1
@testable import RSPCommands
import SMDPCore
import SMDPStoreSQLite
import Testing

@Suite("smaller CLI defects (issue 13 item 8)")
struct CLISmallDefectTests {
    /// Every command's help discussion, walking the command tree.
    static func discussions(_ command: any ParsableCommand.Type) -> [(String, String)] {
        [(command.configuration.commandName ?? "\(command)", command.configuration.discussion)]
            + command.configuration.subcommands.flatMap { discussions($0) }
    }

    @Test("pki init --help reads as sentences; no help discussion carries the blanks of a broken line continuation")
    func helpTexts() {
        let help = PKIInitCommand.helpMessage(columns: 2000)
        #expect(help.contains("NameConstraints O + first 8 EID digits), eUICC (subject serialNumber = EID), DPauth and DPpb"), "\(help)")
        for (name, text) in Self.discussions(OpenRSPCommand.self) {
            #expect(text.firstMatch(of: /\S {3,}\S/) == nil, "\(name): \(text)")
        }
    }

    @Test("profile import names the ICCID of a duplicate and --profile-type sets the type")
    func importDuplicateAndType() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-import-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let iccid = try ICCID(digits: "89000123456789012341")
        let file = root.appendingPathComponent("profile.der")
        try Data(try MinimalProfilePackageBuilder(iccid: iccid, profileType: "header type").build()).write(to: file)
        let database = root.appendingPathComponent("smdp.sqlite").path
        try await SMDPCommandTests().run(["profile", "import", "--database", database, "--profile-type", "travel-1GB", file.path])
        let store = try SQLiteSMDPStore(path: database)
        #expect(try await store.profile(iccid: iccid)?.profileType == "travel-1GB")

        let bytes = Array(try Data(contentsOf: file))
        do throws(ProfileImportError) {
            try await ProfileInventory(store: store).importPackage(bytes)
            Issue.record("a second import of the same ICCID succeeded")
        } catch {
            #expect(error == .duplicateICCID(iccid))
            #expect(error.description == "ICCID \(iccid.digits) is already in the inventory (each ICCID is imported once)")
        }
        await #expect(throws: ExitCode.self) {
            try await SMDPCommandTests().run(["profile", "import", "--database", database, "--json", file.path])
        }
    }

    @Test("order create --database takes the address from the serve configuration, or refuses without --address")
    func orderAddress() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-address-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = root.appendingPathComponent("pki").path
        try await PKICommandTests().run(["init", "--dir", pki])
        let database = root.appendingPathComponent("smdp.sqlite").path
        let config = root.appendingPathComponent("smdp.json")
        try Data(#"{"address": "rsp.example.net:9443", "port": 9443, "pki": "pki", "database": "smdp.sqlite"}"#.utf8).write(to: config)
        let portOnly = root.appendingPathComponent("port-only.json")
        try Data(#"{"port": 9444, "pki": "pki"}"#.utf8).write(to: portOnly)

        /// The SM-DP+ address the in-process order functions would put into activation codes.
        func address(_ arguments: [String], needsAddress: Bool = true) async throws -> String {
            try await SMDPOrderTargetOptions.parse(arguments).run(needsAddress: needsAddress, remote: { _ in "remote" },
                                                                  local: { _, configuration in "\(configuration.address)" })
        }
        #expect(try await address(["--config", config.path]) == "rsp.example.net:9443")
        #expect(try await address(["--config", portOnly.path]) == "localhost:9444")
        #expect(try await address(["--config", config.path, "--address", "flag.example:1"]) == "flag.example:1")
        // Neither --address nor --config: refused for functions that issue an activation code.
        do {
            _ = try await address(["--pki", pki, "--database", database])
            Issue.record("an in-process order without an address succeeded")
        } catch let error as SMDPCommandError {
            #expect(error.code == 35 && error.description.contains("--address HOST[:PORT]") && error.description.contains("--config FILE"))
        }
        #expect(try await address(["--pki", pki, "--database", database], needsAddress: false) == "localhost:8443")
        #expect(throws: (any Error).self) {
            try SMDPOrderTargetOptions.parse(["--config", config.path, "--url", "https://x", "--token-file", "t", "--requester", "r"])
                .validateTarget()
        }
    }
}
