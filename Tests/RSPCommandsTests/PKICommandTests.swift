import Foundation
@testable import RSPCommands
import Testing

@Suite("openrsp pki init / verify")
struct PKICommandTests {
    func run(_ arguments: [String]) async throws {
        var command = try PKICommand.parseAsRoot(arguments)
        guard var runnable = command as? any AsyncParsableCommandRunnable else {
            try command.run()
            return
        }
        try await runnable.runAsync()
    }

    @Test("init writes a PKI (keys 0600), refuses a second init, --keep-existing and --force work, verify passes")
    func initAndVerify() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pki-cmd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("pki").path
        try await run(["init", "--dir", dir, "--smdp-host", "smdp.test"])
        let keyAttributes = try FileManager.default.attributesOfItem(atPath: dir + "/dp-auth.key.pem")
        #expect((keyAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let firstCI = try Data(contentsOf: URL(fileURLWithPath: dir + "/ci.der"))

        await #expect(throws: (any Error).self) { try await run(["init", "--dir", dir]) }
        try await run(["init", "--dir", dir, "--keep-existing"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/ci.der")) == firstCI)
        try await run(["verify", "--dir", dir])

        try await run(["init", "--dir", dir, "--force", "--eid", "89049032123451234512345678901235"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/ci.der")) != firstCI)
        try await run(["verify", "--dir", dir, "--json"])
        await #expect(throws: (any Error).self) { try await run(["init", "--dir", dir, "--eid", "123"]) }
    }

    @Test("verify fails for a PKI whose DPauth comes from another CI, and for a missing PKI")
    func verifyFailures() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pki-cmd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let a = root.appendingPathComponent("a").path
        let b = root.appendingPathComponent("b").path
        try await run(["init", "--dir", a])
        try await run(["init", "--dir", b])
        let fm = FileManager.default
        for name in ["dp-auth.pem", "dp-auth.der", "dp-auth.key.pem"] {
            try fm.removeItem(atPath: a + "/" + name)
        }
        try fm.copyItem(atPath: b + "/dp-auth.der", toPath: a + "/dp-auth.der")
        await #expect(throws: (any Error).self) { try await run(["verify", "--dir", a]) }
        await #expect(throws: (any Error).self) { try await run(["verify", "--dir", root.appendingPathComponent("none").path]) }
    }
}

/// Lets the test run an `AsyncParsableCommand` returned as `ParsableCommand` by `parseAsRoot`.
protocol AsyncParsableCommandRunnable {
    mutating func runAsync() async throws
}

extension PKIInitCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}

extension PKIVerifyCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}
