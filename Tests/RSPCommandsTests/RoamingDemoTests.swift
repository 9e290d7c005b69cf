// `openrsp demo --roaming` end to end on the embedded devnet: two MNOs, one disproved commitment,
// one court case decided 2:1 by three staked auditors, one netted transfer, balances conserved.
import Foundation
@testable import RSPCommands
import Testing

@Suite("openrsp demo --roaming end to end", .serialized,
       .enabled(if: DemoTestSupport.venvPresent || ProcessInfo.processInfo.environment["CI"] != nil,
                "needs .venv (scripts/setup) for the embedded devnet"))
struct RoamingDemoTests {
    @Test("dispute voids B's commitment, the court upholds A's 2:1, one net transfer settles both directions, balances conserved")
    func roamingDemo() async throws {
        let home = DemoTestSupport.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let config = DemoTestSupport.configuration(home: home, profile: .generated, disputeWindow: 600, cdrCount: 1)
        let s = try await DemoRunner.runRoaming(config)
        #expect(s.dispute.reason == "charge is not volume × rate" && s.dispute.leafIndex == 2)
        #expect(s.court.votes == ["uphold", "uphold", "void"] && s.court.verdict == "uphold" && s.court.commitmentStatus == "accepted")
        #expect(Set(s.court.panel).count == 3)
        // B served A's subscribers for 19 MB, 25 min, 31 SMS; A served B's for 19 MB, 8 min, 11 SMS (rates 2000/10000/5000).
        #expect(s.settlement.invoiceAOnB == "443000" && s.settlement.invoiceBOnA == "173000" && s.settlement.net == "270000")
        #expect(s.conserved)
        let before = try #require(UInt64(s.balancesBefore["MNO B"] ?? "")), after = try #require(UInt64(s.balancesAfter["MNO B"] ?? ""))
        #expect(after == before + 270_000, "B received the net amount")
        // Two auditors in the majority got the court fee and the minority's slash; the minority got nothing back.
        let gains = (1...3).map { (UInt64(s.balancesAfter["auditor \($0)"] ?? "0") ?? 0) - (UInt64(s.balancesBefore["auditor \($0)"] ?? "0") ?? 0) }
        #expect(gains.filter { $0 > 0 }.count == 2)
        #expect(s.commitGas.count == 2 && s.commitGas.allSatisfy { $0 < 150_000 })
        let mnoBTransactions = s.transactions.filter { $0.action.contains("commitRecords") }
        #expect(mnoBTransactions.count == 3, "B, A, and B's corrected commitment")
    }
}
