import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPTestSupport
import Testing

/// Issue 14 items 2 and 3: a delivered BPP whose answer was lost (a crash after the commit) is not
/// stranded, and a losing session's cancel never breaks the session that holds the delivery. Every test
/// runs on SQLite and, when configured, PostgreSQL.
@Suite("Delivery recovery: redelivery to the same eUICC, cancels only by the delivering session, delivery expiry")
struct DeliveryRecoveryTests {
    static func released(_ testbed: SMDPTestbed, iccid: String) async throws -> (ICCID, String) {
        try await testbed.orderReleased(try MinimalProfilePackageBuilder(iccid: try ICCID(digits: iccid), profileType: "generated").build())
    }

    /// initiate + authenticate + prepare + getBoundProfilePackage; returns the BPP response (the caller may "lose" it).
    static func deliver(_ testbed: SMDPTestbed, _ euicc: TestEUICC, matchingId: String) async throws -> GetBoundProfilePackageResponse {
        let (_, authenticated) = try await testbed.authenticate(euicc, matchingId: matchingId)
        let output = try #require(authenticated.output, "authenticateClient failed: \(String(describing: authenticated.failure))")
        return try overJSON(await testbed.service.getBoundProfilePackage(try overJSON(try await euicc.prepareDownload(output, confirmationCode: nil))))
    }

    @Test("the BPP answer is lost after the commit: the same eUICC downloads again in a new session and installs; no other eUICC can",
          arguments: TestStoreKind.available)
    func lostAnswerRedelivered(kind: TestStoreKind) async throws {
        try await withTestStores(kind, clock: ManualClock()) { stores in
            let testbed = try SMDPTestbed(useSGP26: false, store: stores[0], clock: ManualClock())
            let (iccid, matchingId) = try await Self.released(testbed, iccid: "89000123456789012341")
            let first = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            #expect(try await Self.deliver(testbed, first, matchingId: matchingId).output != nil)   // answer lost on the wire
            #expect(try await testbed.state(iccid) == .downloaded)

            // Another eUICC with the same activation code: refused, the profile stays with the first.
            let otherPKI = try TestPKIGenerator.generate(TestPKIOptions(eid: try EID.withCheckDigits(prefix30: "890490320000000000000000077777")))
            let other = try TestEUICC(pki: otherPKI, trustedCIs: [testbed.pki.ci.certificate])
            let (_, refused) = try await testbed.authenticate(other, matchingId: matchingId)
            #expect(refused.failure != nil)
            #expect(try await testbed.state(iccid) == .downloaded)

            // The same eUICC retries (a new LPA session): it gets the profile and installs it.
            let retry = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let again = try await Self.deliver(testbed, retry, matchingId: matchingId)
            #expect(again.output != nil, "\(String(describing: again.failure))")
            #expect(await testbed.service.handleNotification(try overJSON(try retry.installationResult(iccid: iccid, success: true))) == .installed(iccid))
            #expect(try await testbed.state(iccid) == .installed)
            // The first delivery's session went with it: its late result changes nothing.
            guard case .rejected = await testbed.service.handleNotification(try first.installationResult(iccid: iccid, success: false)) else {
                Issue.record("a result of the superseded delivery was applied")
                return
            }
            #expect(try await testbed.state(iccid) == .installed)
        }
    }

    @Test("two overlapping sessions of one eUICC: the cancel of the session without the delivery, or of one of two deliveries, leaves the profile to the other",
          arguments: TestStoreKind.available)
    func losingCancelLeavesWinner(kind: TestStoreKind) async throws {
        try await withTestStores(kind, clock: ManualClock()) { stores in
            let testbed = try SMDPTestbed(useSGP26: false, store: stores[0], clock: ManualClock())
            let (iccid, matchingId) = try await Self.released(testbed, iccid: "89000123456789012358")
            let winner = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let loser = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let (_, loserAuth) = try await testbed.authenticate(loser, matchingId: matchingId)
            #expect(loserAuth.output != nil)
            #expect(try await Self.deliver(testbed, winner, matchingId: matchingId).output != nil)
            // The loser, authenticated but without the delivery, gives up with a terminating reason.
            let cancelled = await testbed.service.cancelSession(try overJSON(try loser.cancelSession(reason: .undefinedReason)))
            #expect(cancelled.failure == nil)
            #expect(try await testbed.state(iccid) == .downloaded)
            #expect(await testbed.service.handleNotification(try overJSON(try winner.installationResult(iccid: iccid, success: true))) == .installed(iccid))
            #expect(try await testbed.state(iccid) == .installed)
        }
    }

    @Test("with two deliveries, a failure result or cancel of one does not move the profile; the other's success installs it",
          arguments: TestStoreKind.available)
    func twoDeliveriesOneFails(kind: TestStoreKind) async throws {
        try await withTestStores(kind, clock: ManualClock()) { stores in
            let testbed = try SMDPTestbed(useSGP26: false, store: stores[0], clock: ManualClock())
            let (iccid, matchingId) = try await Self.released(testbed, iccid: "89000123456789012366")
            let first = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let second = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let third = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            #expect(try await Self.deliver(testbed, first, matchingId: matchingId).output != nil)
            #expect(try await Self.deliver(testbed, second, matchingId: matchingId).output != nil)
            #expect(try await Self.deliver(testbed, third, matchingId: matchingId).output != nil)
            // e.g. installFailedDueToIccidAlreadyExistsOnEuicc because the first one did install.
            #expect(await testbed.service.handleNotification(try overJSON(try second.installationResult(iccid: iccid, success: false)))
                    == .installationFailed(iccid, .loadProfileElements, .installFailedDueToPEProcessingError))
            #expect(await testbed.service.cancelSession(try overJSON(try third.cancelSession(reason: .loadBppExecutionError))).failure == nil)
            #expect(try await testbed.state(iccid) == .downloaded)
            #expect(await testbed.service.handleNotification(try overJSON(try first.installationResult(iccid: iccid, success: true))) == .installed(iccid))
            #expect(try await testbed.state(iccid) == .installed)
        }
    }

    @Test("a delivery without a result expires to Error after deliveryTimeout (reported to the operator); a late signed success still installs",
          arguments: TestStoreKind.available)
    func deliveryExpiry(kind: TestStoreKind) async throws {
        // Ahead of the wall clock, so certificates issued during a slow store setup are already valid.
        let clock = ManualClock(Date().addingTimeInterval(300))
        try await withTestStores(kind, clock: clock) { stores in
            let testbed = try SMDPTestbed(useSGP26: false, store: stores[0], clock: clock)
            let record = try await testbed.inventory.importPackage(
                try MinimalProfilePackageBuilder(iccid: try ICCID(digits: "89000123456789012374"), profileType: "generated").build())
            let iccid = try await testbed.orders.downloadOrder(iccid: record.iccid, requesterId: "mno-1")
            let matchingId = try await testbed.orders.confirmOrder(iccid: iccid, releaseFlag: true, requesterId: "mno-1").matchingId
            let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            #expect(try await Self.deliver(testbed, euicc, matchingId: matchingId).output != nil)
            #expect(try await testbed.service.expireUninstalledDeliveries().isEmpty)
            clock.advance(testbed.configuration.sessionLifetime + testbed.configuration.deliveryTimeout / 2)
            #expect(try await testbed.service.expireUninstalledDeliveries().isEmpty)
            clock.advance(testbed.configuration.deliveryTimeout)
            #expect(try await testbed.service.expireUninstalledDeliveries() == [iccid])
            #expect(try await testbed.state(iccid) == .error)
            #expect(try await testbed.service.expireUninstalledDeliveries().isEmpty)
            let reports = try await testbed.store.pendingDownloadProgress().filter { $0.iccid == iccid }
            #expect(reports.last?.from == .downloaded && reports.last?.to == .error)
            #expect(reports.last?.report.outcome == .failure)
            #expect(await testbed.service.handleNotification(try overJSON(try euicc.installationResult(iccid: iccid, success: true))) == .installed(iccid))
            #expect(try await testbed.state(iccid) == .installed)
        }
    }
}
