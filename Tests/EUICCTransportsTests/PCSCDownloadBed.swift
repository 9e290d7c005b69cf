import ES9PlusAPI
import ES9PlusTestSupport
import EUICC
import EUICCSimulator
import Foundation
import LPA
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPStoreSQLite
import Testing

/// Counts address lookups of one download (1 = the activation code's SM-DP+).
final class LookupCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int { lock.withLock { count += 1; return count } }
}

struct PCSCTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A software eUICC and an SM-DP+ core (SQLite in memory) issued from one generated PKI, for driving
/// every ES10 function through PC/SC with the SM-DP+ as the other end of the download.
struct PCSCDownloadBed {
    static let address = "smdp.openrsp.test"

    /// The first TS.48 UPP in `<packageRoot>/../shared/testdata/ts48`, when present.
    static let ts48File: URL? = {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/testdata/ts48", isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".der") }.sorted().first.map { directory.appendingPathComponent($0) }
    }()

    let root: URL
    let card: SoftEUICC
    let identity: EUICCIdentity
    let service: ES9PlusService
    let store: SQLiteSMDPStore
    let orders: ES2PlusOrderService
    let inventory: ProfileInventory

    /// `bspProfileElementPieceBytes` 1008 makes the SM-DP+ send 1036-byte `86` TLVs, as other deployed SM-DP+s do.
    init(bspProfileElementPieceBytes: Int? = nil) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pcsc-es10-\(UUID().uuidString)")
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: Self.address))
        _ = try PKIWriter.write(pki, to: root.appendingPathComponent("pki"), overwrite: false)
        store = try SQLiteSMDPStore(inMemoryWith: SystemClock())
        let configuration = try SMDPConfiguration(
            address: Self.address,
            dpAuth: [try SMDPSigningIdentity(certificate: pki.dpAuth.certificate, privateKey: pki.dpAuth.privateKey)],
            dpPb: [try SMDPSigningIdentity(certificate: pki.dpPb.certificate, privateKey: pki.dpPb.privateKey)],
            trustStore: try CITrustStore([pki.ci.certificate]), bspProfileElementPieceBytes: bspProfileElementPieceBytes)
        service = ES9PlusService(store: store, configuration: configuration)
        orders = ES2PlusOrderService(store: store, configuration: configuration)
        inventory = ProfileInventory(store: store)
        identity = try EUICCIdentity.load(pkiDirectory: root.appendingPathComponent("pki"))
        card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: root.appendingPathComponent("euicc")))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// Imports the TS.48 UPP, orders and releases it with confirmation code 4711; returns ICCID and matchingId.
    func release() async throws -> (ICCID, String) {
        let file = try #require(Self.ts48File)
        let record = try await inventory.importPackage(Array(try Data(contentsOf: file)))
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let order = try await orders.confirmOrder(iccid: iccid, confirmationCode: "4711", releaseFlag: true)
        return (iccid, order.matchingId)
    }

    /// With `holdNotification` the install notification is not sent (its address lookup fails), so it
    /// stays pending on the eUICC for the ES10b notification functions.
    func downloader(_ client: ES10Client, holdNotification: Bool = false) throws -> ProfileDownloader {
        let server = InProcessES9PlusClient(service: service)
        let lookups = LookupCount()
        return ProfileDownloader(es10: client, connect: { address in
            guard address == Self.address else { throw PCSCTestFailure("unknown SM-DP+ \(address)") }
            if holdNotification, lookups.next() > 1 { throw PCSCTestFailure("install notification held back by the test") }
            return server
        }, deviceInfo: try DeviceInfo(tac: [0x35, 0x29, 0x06, 0x11], deviceCapabilities: DeviceCapabilities()))
    }

    func profiles(_ client: ES10Client) async throws -> [ProfileInfo] {
        guard case let .ok(list) = try await client.getProfilesInfo() else { throw PCSCTestFailure("GetProfilesInfo returned an error") }
        return list
    }

    /// Calls every ES10 function the software eUICC implements through `client` and checks each answer.
    func exerciseEveryFunction(_ client: ES10Client) async throws {
        // ES10b/ES10c information.
        let challenge1 = try await client.getEUICCChallenge()
        let challenge2 = try await client.getEUICCChallenge()
        #expect(challenge1.count == 16 && challenge1 != challenge2)
        let info1 = try await client.getEUICCInfo1()
        #expect(info1.euiccCiPKIdListForVerification == identity.ciPKIds)
        let info2 = try await client.getEUICCInfo2()
        #expect(info2.euiccCiPKIdListForVerification == identity.ciPKIds)
        #expect(try await client.getEID() == identity.eid)
        #expect(try await profiles(client).isEmpty)

        // CancelSession: a download with a wrong confirmation code is refused by the SM-DP+ at
        // GetBoundProfilePackage; the LPA cancels the session on the eUICC, which answers signed.
        let (iccid, matchingId) = try await release()
        let code = try ActivationCode(smdpAddress: Self.address, matchingId: matchingId, confirmationCodeRequired: true)
        let secondDownloader = try downloader(client)
        do {
            _ = try await secondDownloader.download(code, confirmationCode: "0000")
            Issue.record("download with a wrong confirmation code succeeded")
        } catch {
            let cancellation = try #require(error.cancellation)
            guard case .success(.ok) = cancellation.euiccResponse else { throw PCSCTestFailure("CancelSession: \(cancellation.euiccResponse)") }
        }
        #expect(try await profiles(client).isEmpty)

        // Then a full download of the same order: GetEUICCChallenge, GetEUICCInfo1, AuthenticateServer,
        // PrepareDownload, LoadBoundProfilePackage (all segments); the install notification is held back.
        let result = try await downloader(client, holdNotification: true).download(code, confirmationCode: "4711")
        #expect(result.iccid == iccid)
        #expect(!result.notificationDelivered)
        #expect(try await profiles(client).map(\.iccid) == [iccid])

        // ES10b notifications: ListNotification shows the install notification; the NotificationProcessor
        // reads it signed (RetrieveNotificationsList), delivers it and removes it (RemoveNotificationFromList).
        guard case let .notificationMetadataList(listed) = try await client.listNotification() else { throw PCSCTestFailure("ListNotification") }
        #expect(listed.map(\.seqNumber) == [result.notificationSeqNumber])
        guard case let .notificationList(pending) = try await client.retrieveNotificationsList() else { throw PCSCTestFailure("RetrieveNotificationsList") }
        #expect(pending.map(\.notificationMetadata.seqNumber) == [result.notificationSeqNumber])
        let deliveries = try await NotificationProcessor(es10: client, connect: { _ in InProcessES9PlusClient(service: service) }).process()
        #expect(deliveries.count == 1)
        if case .delivered = deliveries.first?.outcome {} else { Issue.record("install notification not delivered: \(String(describing: deliveries.first?.outcome))") }
        guard case let .notificationMetadataList(after) = try await client.listNotification() else { throw PCSCTestFailure("ListNotification") }
        #expect(after.isEmpty)
        #expect(try await client.removeNotificationFromList(seqNumber: result.notificationSeqNumber) == .nothingToDelete)
        #expect(try await store.profile(iccid: iccid)?.state == .installed)

        // ES10c profile management.
        #expect(try await client.setNickname(iccid: iccid, nickname: "over pcsc") == .ok)
        #expect(try await profiles(client).first?.profileNickname == "over pcsc")
        #expect(try await client.enableProfile(.iccid(iccid)) == .ok)
        #expect(try await profiles(client).first?.profileState == .enabled)
        #expect(try await client.disableProfile(.iccid(iccid)) == .ok)
        #expect(try await profiles(client).first?.profileState == .disabled)
        #expect(try await client.deleteProfile(.iccid(iccid)) == .ok)
        #expect(try await profiles(client).isEmpty)

        // ES10a addresses and ES10c memory reset.
        #expect(try await client.getEuiccConfiguredAddresses().defaultDpAddress == nil)
        #expect(try await client.setDefaultDpAddress("smdp.pcsc.test") == .ok)
        #expect(try await client.getEuiccConfiguredAddresses().defaultDpAddress == "smdp.pcsc.test")
        #expect(try await client.euiccMemoryReset(options: NamedBits(setBits: [EuiccMemoryResetRequest.resetDefaultSmdpAddress])) == .ok)
        #expect(try await client.getEuiccConfiguredAddresses().defaultDpAddress == nil)
        #expect(try await client.euiccMemoryReset(options: NamedBits(setBits: [EuiccMemoryResetRequest.deleteOperationalProfiles])) == .nothingToDelete)
    }
}
