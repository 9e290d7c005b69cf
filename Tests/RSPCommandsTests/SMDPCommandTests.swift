import ActivationCodeQR
import Foundation
import RSPASN1
@testable import RSPCommands
import SMDPCore
import SMDPServer
import SMDPStoreSQLite
import Testing

/// `<packageRoot>/../shared/testdata/ts48`, nil when absent.
private func ts48Directory() -> URL? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let url = root.deletingLastPathComponent().appendingPathComponent("shared/testdata/ts48")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}

@Suite("openrsp smdp profile import / list, order create")
struct SMDPCommandTests {
    static let ts48 = ts48Directory()

    func run(_ arguments: [String]) async throws {
        let command = try SMDPCommand.parseAsRoot(arguments)
        guard var runnable = command as? any AsyncParsableCommandRunnable else {
            Issue.record("\(arguments) did not parse to an async command")
            return
        }
        try await runnable.runAsync()
    }

    @Test("import a TS.48 UPP, refuse a duplicate and a non-UPP file, order by ICCID, list the states",
          .enabled(if: ts48 != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func importOrderList() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-cmd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = root.appendingPathComponent("pki").path
        let database = root.appendingPathComponent("smdp.sqlite").path
        try await PKICommandTests().run(["init", "--dir", pki])
        let dir = try #require(Self.ts48)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".der") }.sorted()
            .map { dir.appendingPathComponent($0).path }
        try #require(!files.isEmpty)
        try await run(["profile", "import", "--database", database, files[0]])
        // The same file again is a duplicate ICCID (the TS.48 samples share one ICCID).
        await #expect(throws: (any Error).self) { try await run(["profile", "import", "--database", database, files[0]]) }
        let junk = root.appendingPathComponent("junk.der")
        try Data([0x30, 0x03, 0x01, 0x01]).write(to: junk)
        await #expect(throws: (any Error).self) { try await run(["profile", "import", "--database", database, junk.path]) }

        let store = try SQLiteSMDPStore(path: database)
        #expect(try await store.profileCounts()[.available] == 1)
        let first = try ProfileElementSequence(der: Array(try Data(contentsOf: URL(fileURLWithPath: files[0])))).header.iccid
        #expect(try await store.profile(iccid: first)?.state == .available)
        try await run(["order", "create", "--pki", pki, "--database", database, "--iccid", first.digits,
                       "--address", "smdp.example:8443", "--json"])
        #expect(try await store.profile(iccid: first)?.state == .released)
        #expect((try await store.profileCounts()[.available] ?? 0) == 0)
        // The profile is taken: a second order for it fails.
        await #expect(throws: (any Error).self) {
            try await run(["order", "create", "--pki", pki, "--database", database, "--iccid", first.digits])
        }
        try await run(["profile", "list", "--database", database, "--iccid", first.digits, "--json"])
    }

    @Test("order create --qr-png writes the activation code's QR Code as a 0600 PNG",
          .enabled(if: ts48 != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func orderQRCode() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-qr-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = root.appendingPathComponent("pki").path
        let database = root.appendingPathComponent("smdp.sqlite").path
        let png = root.appendingPathComponent("code.png").path
        try await PKICommandTests().run(["init", "--dir", pki])
        let dir = try #require(Self.ts48)
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".der") }.sorted().first)
        try await run(["profile", "import", "--database", database, dir.appendingPathComponent(file).path])
        let iccid = try ProfileElementSequence(der: Array(try Data(contentsOf: dir.appendingPathComponent(file)))).header.iccid
        try await run(["order", "create", "--pki", pki, "--database", database, "--iccid", iccid.digits,
                       "--address", "smdp.example:8443", "--qr-png", png, "--qr-scale", "3", "--json"])
        let attributes = try FileManager.default.attributesOfItem(atPath: png)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // The PNG is the QR Code of the activation code the SM-DP+ issued for this order.
        let store = try SQLiteSMDPStore(path: database)
        let matchingId = try #require(try await store.order(iccid: iccid)?.matchingId)
        let site = try await SMDPServerPKI.load(directory: URL(fileURLWithPath: pki), address: "smdp.example:8443")
        let oid = try OIDText.dotted(try #require(site.configuration.dpAuth.first).smdpOid)
        let code = try ActivationCode.make(smdpAddress: "smdp.example:8443", matchingId: matchingId, smdpOid: oid,
                                           confirmationCodeRequired: false)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: png))) == (try QRMatrix.encode(code, level: .medium).png(scale: 3)))
        #expect(throws: (any Error).self) {
            try SMDPCommand.parseAsRoot(["order", "create", "--iccid", iccid.digits, "--qr-scale", "0"])
        }
    }

    @Test("order create --entitlement-id --salt stores an entitlement order and reserves no profile",
          .enabled(if: ts48 != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func entitlementOrder() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-cmd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = root.appendingPathComponent("pki").path
        let database = root.appendingPathComponent("smdp.sqlite").path
        try await PKICommandTests().run(["init", "--dir", pki])
        let dir = try #require(Self.ts48)
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".der") }.sorted().first)
        try await run(["profile", "import", "--database", database, dir.appendingPathComponent(file).path])
        let salt = String(repeating: "ab", count: 32)
        try await run(["order", "create", "--pki", pki, "--database", database, "--profile-type", "GSMA Generic eUICC Test Profile",
                       "--entitlement-id", "7", "--salt", "0x" + salt, "--address", "smdp.example:8443", "--json"])
        let store = try SQLiteSMDPStore(path: database)
        #expect(try await store.profileCounts() == [.available: 1])
        // A bad salt or id is refused before anything is written.
        await #expect(throws: (any Error).self) {
            try await run(["order", "create", "--pki", pki, "--database", database, "--profile-type", "T", "--entitlement-id", "7", "--salt", "abcd"])
        }
        await #expect(throws: (any Error).self) {
            try await run(["order", "create", "--pki", pki, "--database", database, "--profile-type", "T", "--entitlement-id", "x", "--salt", salt])
        }
        #expect(throws: (any Error).self) { try SMDPCommand.parseAsRoot(["order", "create", "--profile-type", "T", "--entitlement-id", "7"]) }
        #expect(throws: (any Error).self) {
            try SMDPCommand.parseAsRoot(["order", "create", "--iccid", "1", "--entitlement-id", "7", "--salt", salt])
        }
    }

    @Test("order create needs exactly one of --iccid and --profile-type")
    func orderArguments() {
        #expect(throws: (any Error).self) { try SMDPCommand.parseAsRoot(["order", "create"]) }
        #expect(throws: (any Error).self) { try SMDPCommand.parseAsRoot(["order", "create", "--iccid", "1", "--profile-type", "x"]) }
        #expect(throws: (any Error).self) { try SMDPCommand.parseAsRoot(["serve", "--host", "0.0.0.0", "--insecure-loopback-http"]) }
    }
}

extension SMDPProfileImportCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}

extension SMDPProfileListCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}

extension SMDPOrderCreateCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}
