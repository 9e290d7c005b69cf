import Foundation
import Testing

@Suite("profile download without a chain (issue 13 item 8)")
struct TrustBothWithoutChainTests {
    @Test("the default --trust both without contracts.json or --registry says what it needs and how to run with --trust ci")
    func explainsTrustBoth() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("no-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let run = try await OpenRSPRun.run(["profile", "download", "-a", "LPA:1$127.0.0.1:1$ORDER"], home: home)
        #expect(run.status == 1)
        for needed in ["--trust both", "TrustRegistry", "--registry ADDRESS", "contracts.json", "--trust ci"] {
            #expect(run.stderr.contains(needed), "missing '\(needed)' in: \(run.stderr)")
        }
    }
}
