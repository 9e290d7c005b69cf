import Foundation
import RSPASN1
import SMDPCore
import SMDPStoreSQLite
import SMDPTestSupport
import Testing

@Suite("ProfileStateMachine")
struct ProfileStateMachineTests {
    @Test("the download path Available → … → Installed is allowed step by step")
    func happyPath() throws {
        let path: [ProfileDownloadState] = [.available, .allocated, .linked, .confirmed, .released, .downloaded, .installed]
        for (from, to) in zip(path, path.dropFirst()) {
            try ProfileStateMachine.check(from: from, to: to)
        }
    }

    @Test("every pair outside the table is rejected with a typed error", arguments: ProfileDownloadState.allCases)
    func exhaustive(from: ProfileDownloadState) {
        for to in ProfileDownloadState.allCases {
            let allowed = ProfileStateMachine.allowedTransitions[from]?.contains(to) ?? false
            if allowed {
                #expect(throws: Never.self) { try ProfileStateMachine.check(from: from, to: to) }
            } else {
                #expect(throws: IllegalProfileTransition(from: from, to: to)) { try ProfileStateMachine.check(from: from, to: to) }
            }
        }
    }

    @Test("no skipping: Available cannot become Released, Downloaded or Installed; Unavailable is final")
    func forbidden() {
        for to in [ProfileDownloadState.released, .downloaded, .installed, .confirmed] {
            #expect(!ProfileStateMachine.canTransition(from: .available, to: to))
        }
        #expect(!ProfileStateMachine.canTransition(from: .installed, to: .downloaded))
        #expect(!ProfileStateMachine.canTransition(from: .confirmed, to: .downloaded))
        #expect(ProfileDownloadState.allCases.allSatisfy { !ProfileStateMachine.canTransition(from: .unavailable, to: $0) })
    }

    @Test("ProfileTransition cannot be built for an illegal change")
    func transitionValue() throws {
        let iccid = try ICCID(digits: "89000123456789012341")
        #expect(throws: IllegalProfileTransition.self) { try ProfileTransition(iccid: iccid, from: .available, to: .installed) }
        let ok = try ProfileTransition(iccid: iccid, from: .released, to: .downloaded)
        #expect(ok.to == .downloaded)
    }
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    static func record(_ iccid: String, type: String = "TS48", clock: ManualClock) throws -> ProfilePackageRecord {
        ProfilePackageRecord(iccid: try ICCID(digits: iccid), profileType: type, unprotectedProfilePackage: [0xA0, 0x00, 0xAA, 0x00],
                             serviceProviderName: "SP", profileName: "P", profileClass: .test, state: .available, eid: nil,
                             updatedAt: clock.now())
    }

    @Test("compare-and-set: a transition from a stale state fails and rolls back the whole change")
    func compareAndSet() async throws {
        let clock = ManualClock()
        let store = try SQLiteSMDPStore(inMemoryWith: clock)
        let profile = try Self.record("89000123456789012341", clock: clock)
        try await store.insertProfile(profile)
        await #expect(throws: SMDPStoreError.self) { try await store.insertProfile(profile) }
        let order = DownloadOrder(iccid: profile.iccid, matchingId: "M-1", createdAt: clock.now())
        try await store.apply(SMDPStateChange(profileTransitions: [try ProfileTransition(iccid: profile.iccid, from: .available, to: .allocated)],
                                              orderUpserts: [order]))
        // A second allocation from Available conflicts; its order upsert must not be written either.
        var other = order
        other.matchingId = "M-2"
        await #expect(throws: SMDPStoreError.conflict("profile 89000123456789012341 is no longer Available")) {
            try await store.apply(SMDPStateChange(profileTransitions: [try ProfileTransition(iccid: profile.iccid, from: .available, to: .linked)],
                                                  orderUpserts: [other]))
        }
        #expect(try await store.profile(iccid: profile.iccid)?.state == .allocated)
        #expect(try await store.order(iccid: profile.iccid)?.matchingId == "M-1")
        #expect(try await store.order(matchingId: "M-2") == nil)
        #expect(try await store.profileCounts() == [.allocated: 1])
    }

    @Test("a file database keeps profiles, orders and sessions across reopening")
    func persistence() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = ManualClock()
        let eid = try EID.withCheckDigits(prefix30: "890490320000000000000000012345")
        let tid = try TransactionID([1, 2, 3])
        do {
            let store = try SQLiteSMDPStore(path: path, clock: clock)
            let profile = try Self.record("8949449999999990023", clock: clock)
            try await store.insertProfile(profile)
            let session = DownloadSession(transactionId: tid, phase: .clientAuthenticated, createdAt: clock.now(),
                                          expiresAt: clock.now() + 60, euiccChallenge: Array(repeating: 1, count: 16),
                                          serverChallenge: Array(repeating: 2, count: 16), ciPKId: [9, 9], eid: eid,
                                          iccid: profile.iccid, matchingId: "X", euiccCertificate: [0x30, 0x00],
                                          smdpSignature2: Array(repeating: 3, count: 64), ccRequired: true, profileMetadata: [0xBF, 0x25, 0x00])
            try await store.apply(SMDPStateChange(
                profileTransitions: [try ProfileTransition(iccid: profile.iccid, from: .available, to: .linked, bindEID: eid)],
                orderUpserts: [DownloadOrder(iccid: profile.iccid, matchingId: "X", eid: eid, confirmationCodeHash: [7, 7],
                                             createdAt: clock.now(), expiresAt: clock.now() + 3600)],
                sessionUpserts: [session]))
        }
        let reopened = try SQLiteSMDPStore(path: path, clock: clock)
        let iccid = try ICCID(digits: "8949449999999990023")
        let profile = try #require(try await reopened.profile(iccid: iccid))
        #expect(profile.state == .linked && profile.eid == eid && profile.profileClass == .test)
        let order = try #require(try await reopened.order(matchingId: "X"))
        #expect(order.confirmationCodeHash == [7, 7] && order.eid == eid)
        #expect(try await reopened.orders(eid: eid).map(\.iccid) == [iccid])
        let session = try #require(try await reopened.session(transactionId: tid))
        #expect(session.phase == .clientAuthenticated && session.ccRequired && session.smdpSignature2?.count == 64)
        try await reopened.apply(SMDPStateChange(sessionDeletes: [tid]))
        #expect(try await reopened.session(transactionId: tid) == nil)
    }
}
