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

    @Test("due selection, reschedule and delete", arguments: StoreKind.available)
    func rescheduleAndDelete(kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStores(kind, clock: clock) { stores in
            let store = stores[0]
            let profile = try record("89000123456789012358", at: clock.now())
            try await store.insertProfile(profile)
            let iccid = profile.iccid
            var change = SMDPStateChange(profileTransitions: [try transition(iccid, .available, .allocated),
                                                              try transition(iccid, .allocated, .released)],
                                         orderUpserts: [DownloadOrder(iccid: iccid, createdAt: clock.now())])
            change.orderRequesters = [ES2PlusOrderRequester(iccid: iccid, requesterId: "mno-b")]
            try await store.apply(change)
            try await store.apply(SMDPStateChange(profileTransitions: [try transition(iccid, .released, .error)]))
            let due = try await store.dueDownloadProgress(at: clock.now(), limit: 10)
            try #require(due.count == 1)
            let later = clock.now().addingTimeInterval(30)
            try await store.rescheduleDownloadProgress(id: due[0].id, attempts: 1, nextAttemptAt: later, lastError: "HTTP 503")
            #expect(try await store.dueDownloadProgress(at: clock.now(), limit: 10).isEmpty)
            let again = try await store.dueDownloadProgress(at: later, limit: 10)
            #expect(again.first?.attempts == 1 && again.first?.lastError == "HTTP 503" && again.first?.nextAttemptAt == later)
            try await store.deleteDownloadProgress(id: due[0].id)
            #expect(try await store.pendingDownloadProgress().isEmpty)
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
