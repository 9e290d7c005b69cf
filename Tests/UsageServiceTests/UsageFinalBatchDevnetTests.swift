// Contracts v2 on the real devnet through the outbox: the user cancels right after a post, and the
// service still bills the usage up to the cancel (issue 20 finding 1); settlement credits the MNO and
// the outbox withdraws it (finding 2, pull payments).
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import Testing
import UsageService
import UsageStoreSQLite

@Suite("Usage outbox: final batch after Cancelled, withdraw", .serialized, .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct UsageFinalBatchDevnetTests {
    @Test("cancel right after a post: the pending batch settles and the final batch is posted in one run before end + grace; the MNO withdraws")
    func finalBatchAfterCancel() async throws {
        try await withWorld { w in
            let db = temporaryDatabase()
            defer { removeDatabase(db) }
            let service = try w.service(database: db)
            let cdrs = w.cdrs(count: 4)
            let first = try await service.importCDRs(Array(cdrs[0..<2]))
            try await service.post()
            let posted = try #require(try await service.status().first?.postedAt)

            // The user cancels a minute later; the CDRs of the rest of the usage (up to the cancel) arrive.
            try await UsageWorld.mine(w.devnet.client, at: posted + 60)
            let cancelled = try await w.plans.send(PlanEntitlements.cancel(tokenId: w.entitlementId), signer: w.user)
            let end = try w.plans.event(PlanEntitlements.Cancelled.self, in: cancelled).at.w0
            let final = try await service.importCDRs(Array(cdrs[2...]))
            #expect(cdrs.allSatisfy { $0.periodEnd <= end })

            // While the first batch's window is open the final one waits; the service reports the deadline.
            let waiting = try await service.postFinalBatches()
            let due = UsageEvent.finalBatchDue(entitlementId: w.entitlementId, end: end, postBy: end + UsageWorld.postingGrace)
            #expect(waiting.contains(due))
            #expect(waiting.contains(.waitingForPrevious(batch: final[0].id, entitlementId: w.entitlementId)))
            #expect(try await service.endedEntitlements() == [EndedEntitlement(entitlementId: w.entitlementId, end: end, cancelled: true,
                                                                                 postBy: end + UsageWorld.postingGrace)])

            // Past the window (and past v1's 1-hour grace) but before end + grace: one run settles and posts.
            try await UsageWorld.mine(w.devnet.client, at: posted + UsageWorld.disputeWindow + 1)
            #expect(try await service.chainTime() < end + UsageWorld.postingGrace)
            let run = try await service.postFinalBatches()
            #expect(run.contains { if case .settled(first[0].id, _?, _, _, _) = $0 { return true } else { return false } })
            #expect(run.contains { if case .posted(final[0].id, _, _?, _, _) = $0 { return true } else { return false } })
            let ledger = try await w.settlement.currentLedger(entitlementId: w.entitlementId)
            #expect(ledger.lastSeq == 4 && ledger.hasPendingBatch)

            // The final batch settles; the credits are withdrawn by the MNO's key (pull payments).
            try await UsageWorld.mine(w.devnet.client, at: try #require(try await service.status().last?.postedAt) + UsageWorld.disputeWindow + 1)
            try await service.settle()
            let owed = try await service.owed()
            let total = cdrs.reduce(0) { $0 + $1.bytes }
            let pay = try (UInt256(10_000_000) * UInt256(total)).divided(by: UInt256(UsageWorld.planMB * 1_000_000))
            #expect(owed == (try pay - (try (pay * 1500).divided(by: 10_000))))
            let before = try await w.token.call(TestStablecoin.balanceOf(w.mno))
            let withdrawn = try #require(try await service.withdraw())
            #expect(withdrawn.event.amount == owed && withdrawn.event.payee == w.mno && withdrawn.event.receiver == w.mno)
            #expect(try await w.token.call(TestStablecoin.balanceOf(w.mno)) == (try before + owed))
            #expect(try await service.withdraw() == nil)   // nothing owed: nothing sent
        }
    }
}
