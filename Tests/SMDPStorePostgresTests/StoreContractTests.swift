import Foundation
import RSPASN1
import SMDPCore
import SMDPStorePostgres
import Testing

/// The `SMDPStore` contract, run against every available store implementation.
@Suite("SMDPStore contract (SQLite and PostgreSQL)")
struct StoreContractTests {
    static var eidA: EID { get throws { try EID.withCheckDigits(prefix30: "890490320000000000000000012345") } }
    static var eidB: EID { get throws { try EID.withCheckDigits(prefix30: "890490320000000000000000099999") } }

    @Test("compare-and-set: a transition from a stale state fails with .conflict and rolls back the whole change",
          arguments: StoreKind.available)
    func compareAndSet(kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStores(kind, clock: clock) { stores in
            let store = stores[0]
            let profile = try record("89000123456789012341", at: clock.now())
            try await store.insertProfile(profile)
            let order = DownloadOrder(iccid: profile.iccid, matchingId: "M-1", createdAt: clock.now())
            try await store.apply(SMDPStateChange(
                profileTransitions: [try ProfileTransition(iccid: profile.iccid, from: .available, to: .allocated)], orderUpserts: [order]))
            var other = order
            other.matchingId = "M-2"
            let tid = try TransactionID([9, 9, 9])
            await #expect(throws: SMDPStoreError.conflict("profile 89000123456789012341 is no longer Available")) {
                try await store.apply(SMDPStateChange(
                    profileTransitions: [try ProfileTransition(iccid: profile.iccid, from: .available, to: .linked)],
                    orderUpserts: [other],
                    sessionUpserts: [try Self.session(tid, clock: clock)]))
            }
            #expect(try await store.profile(iccid: profile.iccid)?.state == .allocated)
            #expect(try await store.order(iccid: profile.iccid)?.matchingId == "M-1")
            #expect(try await store.order(matchingId: "M-2") == nil)
            #expect(try await store.session(transactionId: tid) == nil)
            #expect(try await store.profileCounts() == [.allocated: 1])
            // A transition whose profile does not exist conflicts too.
            let missing = try ICCID(digits: "89000123456789012358")
            await #expect(throws: SMDPStoreError.self) {
                try await store.apply(SMDPStateChange(profileTransitions: [try ProfileTransition(iccid: missing, from: .available, to: .allocated)]))
            }
        }
    }

    @Test("inserting an existing ICCID and reusing another order's matchingId are .duplicate; the change is not written",
          arguments: StoreKind.available)
    func duplicates(kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStores(kind, clock: clock) { stores in
            let store = stores[0]
            let first = try record("89000123456789012341", at: clock.now())
            let second = try record("89000123456789012358", at: clock.now())
            try await store.insertProfile(first)
            try await store.insertProfile(second)
            await #expect { try await store.insertProfile(first) } throws: { error in
                if case SMDPStoreError.duplicate = error { true } else { false }
            }
            try await store.apply(SMDPStateChange(orderUpserts: [DownloadOrder(iccid: first.iccid, matchingId: "SAME", createdAt: clock.now())]))
            await #expect { 
                try await store.apply(SMDPStateChange(
                    profileTransitions: [try ProfileTransition(iccid: second.iccid, from: .available, to: .allocated)],
                    orderUpserts: [DownloadOrder(iccid: second.iccid, matchingId: "SAME", createdAt: clock.now())]))
            } throws: { error in
                if case SMDPStoreError.duplicate = error { true } else { false }
            }
            #expect(try await store.profile(iccid: second.iccid)?.state == .available)
            #expect(try await store.order(iccid: second.iccid) == nil)
        }
    }

    @Test("concurrent allocation through two store instances on one database: exactly one winner per profile",
          arguments: StoreKind.available)
    func concurrentAllocation(kind: StoreKind) async throws {
        let clock = TestClock()
        let (eidA, eidB) = (try Self.eidA, try Self.eidB)
        try await withStores(kind, count: 2, clock: clock) { stores in
            let iccids = try (0..<8).map { i in try ICCID(digits: "8900012345678901\(String(format: "%03d", i))") }
            for iccid in iccids {
                try await stores[0].insertProfile(try record(iccid.digits, at: clock.now()))
            }
            // 4 contenders per profile, alternating between the two instances and two eUICCs.
            let outcomes = try await withThrowingTaskGroup(of: (ICCID, EID, Bool).self) { group in
                for iccid in iccids {
                    for contender in 0..<4 {
                        let store = stores[contender % stores.count]
                        let eid = contender < 2 ? eidA : eidB
                        group.addTask {
                            let change = SMDPStateChange(
                                profileTransitions: [try ProfileTransition(iccid: iccid, from: .available, to: .linked, bindEID: eid)],
                                orderUpserts: [DownloadOrder(iccid: iccid, matchingId: "M-\(iccid.digits)", eid: eid, createdAt: clock.now())])
                            do {
                                try await store.apply(change)
                                return (iccid, eid, true)
                            } catch SMDPStoreError.conflict {
                                return (iccid, eid, false)
                            }
                        }
                    }
                }
                var all: [(ICCID, EID, Bool)] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.count == iccids.count * 4)
            for iccid in iccids {
                let winners = outcomes.filter { $0.0 == iccid && $0.2 }
                #expect(winners.count == 1, "profile \(iccid) won \(winners.count) times")
                let stored = try #require(try await stores[stores.count - 1].profile(iccid: iccid))
                #expect(stored.state == .linked && stored.eid == winners.first?.1)
                #expect(try await stores[stores.count - 1].order(iccid: iccid)?.eid == winners.first?.1)
            }
            #expect(try await stores[0].profileCounts() == [.linked: iccids.count])
        }
    }

    @Test("every field of profiles, orders and sessions round-trips; upserts replace; queries order and filter",
          arguments: StoreKind.available)
    func roundTrip(kind: StoreKind) async throws {
        let clock = TestClock()
        let (eidA, eidB) = (try Self.eidA, try Self.eidB)
        try await withStores(kind, count: 2, clock: clock) { stores in
            let (writer, reader) = (stores[0], stores[1])
            let older = try record("8949449999999990023", type: "TS48", at: clock.now())
            let newer = try record("89000123456789012341", type: "TS48", at: clock.now() + 10)
            let untyped = ProfilePackageRecord(iccid: try ICCID(digits: "89000123456789012358"), profileType: nil,
                                               unprotectedProfilePackage: Array(0...255), serviceProviderName: "Ä SP",
                                               profileName: "P 'quoted'; --", profileClass: .operational, state: .available,
                                               eid: eidB, updatedAt: clock.now() + 0.5)
            for profile in [newer, older, untyped] { try await writer.insertProfile(profile) }
            #expect(try await reader.profile(iccid: untyped.iccid) == untyped)
            #expect(try await reader.profile(iccid: older.iccid) == older)
            #expect(try await reader.availableProfile(profileType: "TS48")?.iccid == older.iccid)
            #expect(try await reader.availableProfile(profileType: "other") == nil)

            let order = DownloadOrder(iccid: older.iccid, matchingId: "X", eid: eidA, confirmationCodeHash: Array(repeating: 7, count: 32),
                                      confirmationCodeFailures: 2, isLocked: true, createdAt: clock.now(), expiresAt: clock.now() + 3600)
            let bare = DownloadOrder(iccid: newer.iccid, eid: eidA, createdAt: clock.now() + 1)
            let tid = try TransactionID(Array(repeating: 0xAB, count: 16))
            var session = try Self.session(tid, clock: clock)
            try await writer.apply(SMDPStateChange(
                profileTransitions: [try ProfileTransition(iccid: older.iccid, from: .available, to: .linked, bindEID: eidA)],
                orderUpserts: [order, bare], sessionUpserts: [session]))
            #expect(try await reader.order(matchingId: "X") == order)
            #expect(try await reader.order(iccid: newer.iccid) == bare)
            #expect(try await reader.orders(eid: eidA) == [order, bare])
            #expect(try await reader.orders(eid: eidB) == [])
            #expect(try await reader.session(transactionId: tid) == session)
            let linked = try #require(try await reader.profile(iccid: older.iccid))
            #expect(linked.state == .linked && linked.eid == eidA && linked.updatedAt == clock.now())

            // Upserts replace every mutable column; a transition without bindEID keeps the EID.
            var changedOrder = order
            changedOrder.matchingId = nil
            changedOrder.confirmationCodeHash = nil
            changedOrder.expiresAt = nil
            changedOrder.isLocked = false
            session.phase = .bppDelivered
            session.eid = nil
            session.smdpSignature2 = nil
            session.profileMetadata = [0xBF, 0x25, 0x00]
            try await writer.apply(SMDPStateChange(
                profileTransitions: [try ProfileTransition(iccid: older.iccid, from: .linked, to: .confirmed)],
                orderUpserts: [changedOrder], sessionUpserts: [session]))
            #expect(try await reader.order(iccid: older.iccid) == changedOrder)
            #expect(try await reader.order(matchingId: "X") == nil)
            #expect(try await reader.session(transactionId: tid) == session)
            #expect(try await reader.profile(iccid: older.iccid)?.eid == eidA)
            #expect(try await reader.profileCounts() == [.available: 2, .confirmed: 1])

            try await writer.apply(SMDPStateChange(orderDeletes: [older.iccid], sessionDeletes: [tid]))
            #expect(try await reader.order(iccid: older.iccid) == nil)
            #expect(try await reader.session(transactionId: tid) == nil)
            #expect(try await reader.orders(eid: eidA) == [bare])
        }
    }

    @Test("purging expired sessions keeps live ones and those that delivered a BPP", arguments: StoreKind.available)
    func purge(kind: StoreKind) async throws {
        let clock = TestClock()
        try await withStores(kind, clock: clock) { stores in
            let store = stores[0]
            let expired = try TransactionID([1])
            let delivered = try TransactionID([2])
            let live = try TransactionID([3])
            var deliveredSession = try Self.session(delivered, clock: clock)
            deliveredSession.phase = .bppDelivered
            var liveSession = try Self.session(live, clock: clock)
            liveSession.expiresAt = clock.now() + 600
            try await store.apply(SMDPStateChange(sessionUpserts: [try Self.session(expired, clock: clock), deliveredSession, liveSession]))
            #expect(try await store.purgeExpiredSessions(before: clock.now() + 61) == 1)
            #expect(try await store.purgeExpiredSessions(before: clock.now() + 61) == 0)
            #expect(try await store.session(transactionId: expired) == nil)
            #expect(try await store.session(transactionId: delivered) != nil)
            #expect(try await store.session(transactionId: live) != nil)
        }
    }

    static func session(_ tid: TransactionID, clock: TestClock) throws -> DownloadSession {
        DownloadSession(transactionId: tid, phase: .clientAuthenticated, createdAt: clock.now(), expiresAt: clock.now() + 60,
                        euiccChallenge: Array(repeating: 1, count: 16), serverChallenge: Array(repeating: 2, count: 16),
                        ciPKId: Array(repeating: 9, count: 20), eid: try eidA, iccid: try ICCID(digits: "8949449999999990023"),
                        matchingId: "X", euiccCertificate: [0x30, 0x00], smdpSignature2: Array(repeating: 3, count: 64),
                        ccRequired: true, profileMetadata: nil)
    }
}
