import Foundation
import RSPASN1
import SMDPCore
import SMDPStorePostgres
import Testing

/// The ES2+ requester link, the HandleDownloadProgressInfo outbox and the profile listing, on every store.
@Suite("SMDPStore ES2+ outbox and profile listing (SQLite and PostgreSQL)")
struct ProgressOutboxContractTests {
    func transition(_ iccid: ICCID, _ from: ProfileDownloadState, _ to: ProfileDownloadState, eid: EID? = nil) throws -> ProfileTransition {
        try ProfileTransition(iccid: iccid, from: from, to: to, bindEID: eid)
    }

    @Test("reported transitions are queued in the same transaction, with the requester; a conflict queues nothing",
          arguments: StoreKind.available)
    func queuedWithTransition(kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStores(kind, clock: clock) { stores in
            let store = stores[0]
            let profile = try record("89000123456789012341", type: "T1", at: clock.now())
            try await store.insertProfile(profile)
            let iccid = profile.iccid
            let eid = try EID.withCheckDigits(prefix30: "890490320000000000000000012345")
            let order = DownloadOrder(iccid: iccid, matchingId: "M-1", createdAt: clock.now())
            var change = SMDPStateChange(profileTransitions: [try transition(iccid, .available, .allocated)], orderUpserts: [order])
            change.orderRequesters = [ES2PlusOrderRequester(iccid: iccid, requesterId: "mno-a")]
            try await store.apply(change)
            #expect(try await store.orderRequester(iccid: iccid) == "mno-a")
            try await store.apply(SMDPStateChange(profileTransitions: [try transition(iccid, .allocated, .released)]))
            // Before the release nothing is reported.
            #expect(try await store.pendingDownloadProgress().isEmpty)

            // A change that conflicts (stale from-state) rolls back and queues nothing.
            await #expect(throws: SMDPStoreError.self) {
                try await store.apply(SMDPStateChange(profileTransitions: [try transition(iccid, .downloaded, .installed)]))
            }
            #expect(try await store.pendingDownloadProgress().isEmpty)

            clock.advance(5)
            try await store.apply(SMDPStateChange(profileTransitions: [try transition(iccid, .released, .downloaded, eid: eid)]))
            let queued = try await store.pendingDownloadProgress()
            try #require(queued.count == 1)
            #expect(queued[0].requesterId == "mno-a")
            #expect(queued[0].iccid == iccid && queued[0].eid == eid && queued[0].profileType == "T1")
            #expect(queued[0].from == .released && queued[0].to == .downloaded)
            #expect(queued[0].occurredAt == clock.now())
            #expect(queued[0].attempts == 0 && queued[0].lastError == nil)

            // Cancel: transition and order delete in one change: the report is queued before the requester goes.
            try await store.apply(SMDPStateChange(profileTransitions: [try transition(iccid, .downloaded, .available)], orderDeletes: [iccid]))
            #expect(try await store.orderRequester(iccid: iccid) == nil)
            let both = try await store.pendingDownloadProgress()
            #expect(both.map(\.to) == [.downloaded, .available])
            #expect(both[0].id < both[1].id)
        }
    }

    /// A released profile of an order from `requester` that then fails: one report queued.
    func queueOneReport(_ store: any SMDPStore, _ iccidDigits: String, requester: String, clock: TestClock) async throws -> ICCID {
        let profile = try record(iccidDigits, at: clock.now())
        try await store.insertProfile(profile)
        let iccid = profile.iccid
        var change = SMDPStateChange(profileTransitions: [try transition(iccid, .available, .allocated),
                                                          try transition(iccid, .allocated, .released)],
                                     orderUpserts: [DownloadOrder(iccid: iccid, createdAt: clock.now())])
        change.orderRequesters = [ES2PlusOrderRequester(iccid: iccid, requesterId: requester)]
        try await store.apply(change)
        try await store.apply(SMDPStateChange(profileTransitions: [try transition(iccid, .released, .error)]))
        return iccid
    }

    @Test("claim (leased), reschedule and delete", arguments: StoreKind.available)
    func rescheduleAndDelete(kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStores(kind, clock: clock) { stores in
            let store = stores[0]
            _ = try await queueOneReport(store, "89000123456789012358", requester: "mno-b", clock: clock)
            let lease = clock.now().addingTimeInterval(50)
            let due = try await store.claimDueDownloadProgress(at: clock.now(), leaseUntil: lease, limit: 10)
            try #require(due.count == 1)
            #expect(due[0].nextAttemptAt <= clock.now(), "the claim returns the report as it was before the lease")
            // Claimed: hidden until the lease passes, then due again (a sender that died mid-delivery).
            #expect(try await store.claimDueDownloadProgress(at: clock.now(), leaseUntil: lease, limit: 10).isEmpty)
            #expect(try await store.pendingDownloadProgress().first?.nextAttemptAt == lease)
            let reclaimed = try await store.claimDueDownloadProgress(at: lease, leaseUntil: lease.addingTimeInterval(50), limit: 10)
            #expect(reclaimed.map(\.id) == [due[0].id])

            let later = clock.now().addingTimeInterval(30)
            try await store.rescheduleDownloadProgress(id: due[0].id, attempts: 1, nextAttemptAt: later, lastError: "HTTP 503")
            #expect(try await store.claimDueDownloadProgress(at: clock.now(), leaseUntil: lease, limit: 10).isEmpty)
            let again = try await store.claimDueDownloadProgress(at: later, leaseUntil: lease, limit: 10)
            #expect(again.first?.attempts == 1 && again.first?.lastError == "HTTP 503" && again.first?.nextAttemptAt == later)
            try await store.deleteDownloadProgress(id: due[0].id)
            #expect(try await store.pendingDownloadProgress().isEmpty)
        }
    }

    @Test("two SM-DP+ processes on one database claim disjoint reports, together all of them, oldest first",
          arguments: StoreKind.available)
    func concurrentClaims(kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStores(kind, count: 2, clock: clock) { stores in
            let iccids = ["89000123456789012341", "89000123456789012358", "89000123456789012366", "89000123456789012374",
                          "89000123456789012382", "89000123456789012390"]
            for digits in iccids { _ = try await queueOneReport(stores[0], digits, requester: "mno-c", clock: clock) }
            let all = try await stores[0].pendingDownloadProgress().map(\.id)
            try #require(all.count == iccids.count)
            let lease = clock.now().addingTimeInterval(60)
            // Both processes claim one report at a time, concurrently, until nothing is due.
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for store in stores {
                    group.addTask {
                        var mine: [Int64] = []
                        while let report = try await store.claimDueDownloadProgress(at: clock.now(), leaseUntil: lease, limit: 1).first {
                            mine.append(report.id)
                        }
                        return mine
                    }
                }
                var perProcess: [[Int64]] = []
                for try await ids in group { perProcess.append(ids) }
                return perProcess
            }
            let flat = claimed.flatMap { $0 }
            #expect(flat.count == all.count, "no report claimed twice")
            #expect(Set(flat) == Set(all))
            for ids in claimed { #expect(ids == ids.sorted(), "each process claims oldest first") }
        }
    }

    @Test("allProfiles lists every profile by ICCID with state, type and EID", arguments: StoreKind.available)
    func allProfiles(kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStores(kind, clock: clock) { stores in
            let store = stores[0]
            #expect(try await store.allProfiles().isEmpty)
            let b = try record("89000123456789012358", type: "B", at: clock.now())
            let a = try record("89000123456789012341", type: nil, at: clock.now())
            try await store.insertProfile(b)
            try await store.insertProfile(a)
            let eid = try EID.withCheckDigits(prefix30: "890490320000000000000000012345")
            try await store.apply(SMDPStateChange(profileTransitions: [try transition(b.iccid, .available, .linked, eid: eid)]))
            let listed = try await store.allProfiles()
            #expect(listed.map(\.iccid) == [a.iccid, b.iccid])
            #expect(listed.map(\.state) == [.available, .linked])
            #expect(listed.map(\.profileType) == [nil, "B"])
            #expect(listed[1].eid == eid)
        }
    }
}
