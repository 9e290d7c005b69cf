import ES9PlusAPI
import ES9PlusTestSupport
import EUICC
import EUICCSimulator
import Foundation
@testable import LPA
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPStoreSQLite
import Testing

/// Issue 13: what other SGP.22 peers send installs, and the SM-DP+'s inventory follows the profile
/// after installation through the notifications it asks for.
@Suite("Interop: 1036-byte BSP segments through the LPA; notifications keep the SM-DP+ inventory true")
struct InteropDownloadTests {
    /// Imports a generated UPP of `type`, orders it for requester `mno-1` and releases it.
    func releaseGenerated(_ testbed: DownloadTestbed, iccid: String, type: String = "generated") async throws -> (ICCID, String) {
        let upp = try MinimalProfilePackageBuilder(iccid: try ICCID(digits: iccid), profileType: type).build()
        let record = try await testbed.inventory.importPackage(upp)
        let ordered = try await testbed.orders.downloadOrder(iccid: record.iccid, requesterId: "mno-1")
        let confirmed = try await testbed.orders.confirmOrder(iccid: ordered, releaseFlag: true, requesterId: "mno-1")
        return (ordered, confirmed.matchingId)
    }

    func processNotifications(_ testbed: DownloadTestbed) async throws -> [NotificationDelivery] {
        try await NotificationProcessor(es10: testbed.es10, connect: { _ in InProcessES9PlusClient(service: testbed.service) }).process()
    }

    @Test("An SM-DP+ sending 1008-byte plaintext pieces (1036-byte TLVs): the TS.48 profile installs through the LPA",
          .enabled(if: !TS48.files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func oversizeSegmentsThroughLPA() async throws {
        let testbed = try await DownloadTestbed(bspProfileElementPieceBytes: 1008)
        defer { testbed.remove() }
        let (iccid, matchingId) = try await testbed.release(TS48.files[0], confirmationCode: nil)
        let result = try await testbed.downloader(steps: StepLog()).download(
            try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: matchingId))
        #expect(result.iccid == iccid)
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .installed)
    }

    @Test("StoreMetadata asks for enable/disable/delete notifications to this SM-DP+; each moves the inventory; delete is reported as point 5")
    func notificationsMoveInventory() async throws {
        let testbed = try await DownloadTestbed()
        defer { testbed.remove() }
        let (iccid, matchingId) = try await releaseGenerated(testbed, iccid: "89000123456789012341")
        let result = try await testbed.downloader(steps: StepLog()).download(
            try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: matchingId))
        #expect(result.notificationDelivered)
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .installed)

        // The eUICC kept what the SM-DP+ asked for.
        guard case let .ok(profiles) = try await testbed.es10.getProfilesInfo(ProfileInfoListRequest(tagList: [0x5A, 0xB6])) else { throw UnknownServer(address: "ProfileInfo") }
        let requested = try #require(profiles.first?.notificationConfigurationInfo)
        #expect(requested == [NotificationConfigurationInformation(profileManagementOperation: [.enable, .disable, .delete],
                                                                   notificationAddress: DownloadTestbed.address)])

        #expect(try await testbed.es10.enableProfile(.iccid(iccid)) == .ok)
        #expect(try await processNotifications(testbed).count == 1)
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .enabled)

        #expect(try await testbed.es10.disableProfile(.iccid(iccid)) == .ok)
        #expect(try await processNotifications(testbed).count == 1)
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .disabled)

        #expect(try await testbed.es10.deleteProfile(.iccid(iccid)) == .ok)
        #expect(try await processNotifications(testbed).count == 1)
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .deleted)

        // HandleDownloadProgressInfo for mno-1: download (3), installation (4) and deletion (5); enable and
        // disable have no SGP.22 notification point and are not reported.
        let reports = try await testbed.store.pendingDownloadProgress().filter { $0.iccid == iccid }
        #expect(reports.map(\.report.notificationPointId) == [3, 4, 5])
        #expect(reports.last?.to == .deleted)
    }

    @Test("A notification signed by another eUICC, or one the state machine does not allow, changes nothing")
    func foreignOrStaleNotificationsChangeNothing() async throws {
        let testbed = try await DownloadTestbed()
        defer { testbed.remove() }
        let (iccid, matchingId) = try await releaseGenerated(testbed, iccid: "89000123456789012358")
        _ = try await testbed.downloader(steps: StepLog()).download(try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: matchingId))
        // Delete, then replay an older enable notification: Deleted is final.
        #expect(try await testbed.es10.enableProfile(.iccid(iccid)) == .ok)
        guard case let .notificationList(pendingEnable) = try await testbed.es10.retrieveNotificationsList() else {
            throw UnknownServer(address: "RetrieveNotificationsList")
        }
        let enable = try #require(pendingEnable.first)
        #expect(try await testbed.es10.disableProfile(.iccid(iccid)) == .ok)
        #expect(try await testbed.es10.deleteProfile(.iccid(iccid)) == .ok)
        // Deliver disable and delete only (the enable stays pending), then the stale enable.
        for notification in try await NotificationProcessor(es10: testbed.es10, connect: { _ in InProcessES9PlusClient(service: testbed.service) }).list()
        where notification.seqNumber != enable.notificationMetadata.seqNumber {
            _ = try await NotificationProcessor(es10: testbed.es10, connect: { _ in InProcessES9PlusClient(service: testbed.service) })
                .process(seqNumbers: [notification.seqNumber])
        }
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .deleted)
        let outcome = await testbed.service.handleNotification(HandleNotificationRequest(pendingNotification: enable))
        guard case .acknowledged = outcome else { Issue.record("a stale enable after delete did \(outcome)"); return }
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .deleted)
    }

    @Test("--notify none: StoreMetadata carries no notificationConfigurationInfo and the eUICC creates no enable notification")
    func noNotificationsRequested() async throws {
        let testbed = try await DownloadTestbed(notificationRequests: .none)
        defer { testbed.remove() }
        let (iccid, matchingId) = try await releaseGenerated(testbed, iccid: "89000123456789012366")
        _ = try await testbed.downloader(steps: StepLog()).download(try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: matchingId))
        #expect(try await testbed.es10.enableProfile(.iccid(iccid)) == .ok)
        #expect(try await processNotifications(testbed).isEmpty)
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .installed)
    }

    @Test("An SM-DP+ whose CERT.DPauth chains to a second CI: refused (ciPKUnknown) until the eUICC trusts that CI, then installs")
    func secondCI() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lpa-second-ci-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let address = DownloadTestbed.address
        let own = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: address))
        let foreign = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: address))
        let pkiDirectory = root.appendingPathComponent("pki")
        _ = try PKIWriter.write(own, to: pkiDirectory, overwrite: false)
        // The SM-DP+ signs under the foreign CI only, and accepts eUICCs of both.
        let store = try SQLiteSMDPStore(inMemoryWith: SystemClock())
        let configuration = try SMDPConfiguration(
            address: address,
            dpAuth: [try SMDPSigningIdentity(certificate: foreign.dpAuth.certificate, privateKey: foreign.dpAuth.privateKey)],
            dpPb: [try SMDPSigningIdentity(certificate: foreign.dpPb.certificate, privateKey: foreign.dpPb.privateKey)],
            trustStore: try CITrustStore([foreign.ci.certificate, own.ci.certificate]))
        let service = ES9PlusService(store: store, configuration: configuration)
        let orders = ES2PlusOrderService(store: store, configuration: configuration)
        let upp = try MinimalProfilePackageBuilder(iccid: try ICCID(digits: "89000123456789012374"), profileType: "generated").build()
        let record = try await ProfileInventory(store: store).importPackage(upp)
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let matchingId = try await orders.confirmOrder(iccid: iccid, releaseFlag: true).matchingId
        let code = try ActivationCode(smdpAddress: address, matchingId: matchingId)

        func download() async throws -> ProfileDownloadResult {
            let card = try SoftEUICC(identity: try EUICCIdentity.load(pkiDirectory: pkiDirectory),
                                     store: EUICCStateStore(directory: root.appendingPathComponent("euicc")))
            let es10 = try ES10Client(transport: InProcessTransport(card: card))
            try await es10.open()
            return try await ProfileDownloader(es10: es10, connect: { _ in InProcessES9PlusClient(service: service) },
                                               deviceInfo: try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities()))
                .download(code)
        }

        do {
            _ = try await download()
            Issue.record("downloaded from an SM-DP+ of an untrusted CI")
        } catch let error as ProfileDownloadFailure {
            // The SM-DP+ finds no CI in euiccCiPKIdListForVerification that it can sign under.
            guard case .server = error.error else { Issue.record("wrong error \(error.error)"); return }
            #expect(error.step == .initiateAuthentication)
        }
        try ExtraCIFolder(pkiDirectory: pkiDirectory).add(certificateBytes: Array(try PKIEncoding.pem(foreign.ci.certificate).utf8))
        let result = try await download()
        #expect(result.iccid == iccid)
        #expect(try await store.profile(iccid: iccid)?.state == .installed)
    }
}
