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

/// `<packageRoot>/../shared/testdata/ts48/*.der`, sorted; empty when the shared test data is absent.
enum TS48 {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/testdata/ts48", isDirectory: true)

    static let files: [String] = {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".der") }.sorted()
        } catch {
            return []
        }
    }()
}

/// One SM-DP+ (SQLite in memory) and one software eUICC issued from the same generated PKI.
struct DownloadTestbed {
    static let address = "smdp.openrsp.test"
    let root: URL
    let service: ES9PlusService
    let store: SQLiteSMDPStore
    let orders: ES2PlusOrderService
    let inventory: ProfileInventory
    let card: SoftEUICC
    let es10: ES10Client

    /// `bspProfileElementPieceBytes` 1008 makes the SM-DP+ send 1036-byte `86` TLVs, as other deployed SM-DP+s do;
    /// `notificationRequests` is what StoreMetadata asks the eUICC to notify.
    init(bspProfileElementPieceBytes: Int? = nil, notificationRequests: NotificationRequestPolicy = .all) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lpa-download-\(UUID().uuidString)")
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: Self.address))
        _ = try PKIWriter.write(pki, to: root.appendingPathComponent("pki"), overwrite: false)
        store = try SQLiteSMDPStore(inMemoryWith: SystemClock())
        let configuration = try SMDPConfiguration(
            address: Self.address,
            dpAuth: [try SMDPSigningIdentity(certificate: pki.dpAuth.certificate, privateKey: pki.dpAuth.privateKey)],
            dpPb: [try SMDPSigningIdentity(certificate: pki.dpPb.certificate, privateKey: pki.dpPb.privateKey)],
            trustStore: try CITrustStore([pki.ci.certificate]), bspProfileElementPieceBytes: bspProfileElementPieceBytes,
            notificationRequests: notificationRequests)
        service = ES9PlusService(store: store, configuration: configuration)
        orders = ES2PlusOrderService(store: store, configuration: configuration)
        inventory = ProfileInventory(store: store)
        let identity = try EUICCIdentity.load(pkiDirectory: root.appendingPathComponent("pki"))
        card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: root.appendingPathComponent("euicc")))
        es10 = try ES10Client(transport: InProcessTransport(card: card))
        try await es10.open()
    }

    /// Imports the UPP, orders it and releases it; returns the ICCID and the matchingId.
    func release(_ file: String, confirmationCode: String?) async throws -> (ICCID, String) {
        let upp = Array(try Data(contentsOf: TS48.directory.appendingPathComponent(file)))
        let record = try await inventory.importPackage(upp)
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let confirmed = try await orders.confirmOrder(iccid: iccid, confirmationCode: confirmationCode, releaseFlag: true)
        return (iccid, confirmed.matchingId)
    }

    func downloader(steps: StepLog) throws -> ProfileDownloader {
        let client = InProcessES9PlusClient(service: service)
        let deviceInfo = try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities())
        return ProfileDownloader(es10: es10, connect: { address in
            guard address == Self.address else { throw UnknownServer(address: address) }
            return client
        }, deviceInfo: deviceInfo,
        progress: { steps.append($0) })
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

struct UnknownServer: Error { let address: String }

/// Collects progress steps from the downloader's callback.
final class StepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [DownloadStep] = []
    func append(_ step: DownloadStep) { lock.lock(); items.append(step); lock.unlock() }
    var steps: [DownloadStep] { lock.lock(); defer { lock.unlock() }; return items }
}

@Suite("LPA download: ProfileDownloader → ES9PlusService (in-process, JSON) → software eUICC")
struct FullDownloadTests {
    @Test("TS.48 UPP with confirmation code: installed, install notification acknowledged and removed",
          .enabled(if: !TS48.files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"),
          arguments: TS48.files)
    func fullDownload(file: String) async throws {
        let testbed = try await DownloadTestbed()
        defer { testbed.remove() }
        let (iccid, matchingId) = try await testbed.release(file, confirmationCode: "4711")
        let code = try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: matchingId, confirmationCodeRequired: true)
        let steps = StepLog()
        let result = try await testbed.downloader(steps: steps).download(code, confirmationCode: "4711")
        #expect(result.iccid == iccid)
        #expect(result.notificationDelivered)
        #expect(steps.steps == [.getEUICCChallenge, .getEUICCInfo1, .initiateAuthentication, .authenticateServer,
                                .authenticateClient, .prepareDownload, .getBoundProfilePackage, .loadBoundProfilePackage,
                                .sendInstallNotification, .removeInstallNotification])
        guard case let .ok(profiles) = try await testbed.es10.getProfilesInfo() else {
            Issue.record("GetProfilesInfo failed")
            return
        }
        #expect(profiles.map(\.iccid) == [iccid])
        #expect(profiles.first?.profileState == .disabled)
        #expect(try await NotificationProcessor(es10: testbed.es10, connect: { _ in InProcessES9PlusClient(service: testbed.service) }).list().isEmpty)
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .installed)
    }

    @Test("no confirmation code: the session is cancelled with endUserRejection on the eUICC and the SM-DP+",
          .enabled(if: !TS48.files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func missingConfirmationCode() async throws {
        let testbed = try await DownloadTestbed()
        defer { testbed.remove() }
        let (iccid, matchingId) = try await testbed.release(TS48.files[0], confirmationCode: "4711")
        let code = try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: matchingId, confirmationCodeRequired: true)
        let steps = StepLog()
        let downloader = try testbed.downloader(steps: steps)
        do {
            _ = try await downloader.download(code, confirmationCode: nil)
            Issue.record("download without the confirmation code succeeded")
        } catch {
            #expect(error.step == .prepareDownload)
            guard case .confirmationCodeRequired = error.error else { Issue.record("wrong error \(error.error)"); return }
            let cancellation = try #require(error.cancellation)
            #expect(cancellation.reason == .endUserRejection)
            guard case let .success(.ok(signed, _)) = cancellation.euiccResponse else { Issue.record("eUICC did not sign the cancellation"); return }
            #expect(signed.reason == .endUserRejection)
            guard case .success(nil) = cancellation.serverOutcome else { Issue.record("server refused cancelSession: \(cancellation.serverOutcome)"); return }
        }
        #expect(steps.steps.suffix(2) == [.cancelSession, .cancelServerSession])
        #expect(try await testbed.store.profile(iccid: iccid)?.state != .installed)
        guard case let .ok(profiles) = try await testbed.es10.getProfilesInfo() else { Issue.record("GetProfilesInfo failed"); return }
        #expect(profiles.isEmpty)
    }

    @Test("a wrong confirmation code is refused by the SM-DP+ at getBoundProfilePackage and the session is cancelled",
          .enabled(if: !TS48.files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func wrongConfirmationCode() async throws {
        let testbed = try await DownloadTestbed()
        defer { testbed.remove() }
        let (_, matchingId) = try await testbed.release(TS48.files[0], confirmationCode: "4711")
        let code = try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: matchingId, confirmationCodeRequired: true)
        let downloader = try testbed.downloader(steps: StepLog())
        do {
            _ = try await downloader.download(code, confirmationCode: "0000")
            Issue.record("download with a wrong confirmation code succeeded")
        } catch {
            #expect(error.step == .getBoundProfilePackage)
            guard case let .server(status) = error.error else { Issue.record("wrong error \(error.error)"); return }
            #expect(status.subjectCode == "8.2.7")
            #expect(error.cancellation?.reason == .undefinedReason)
        }
    }

    @Test("an unknown matchingId is refused at authenticateClient; an unreachable server fails before any session")
    func refusals() async throws {
        let testbed = try await DownloadTestbed()
        defer { testbed.remove() }
        let unknown = try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: "NO-SUCH-ORDER")
        let downloader = try testbed.downloader(steps: StepLog())
        do {
            _ = try await downloader.download(unknown)
            Issue.record("download with an unknown matchingId succeeded")
        } catch {
            #expect(error.step == .authenticateClient)
            guard case .server = error.error else { Issue.record("wrong error \(error.error)"); return }
            // Issue 13 item 5: the eUICC was authenticated before the refusal, so its signed cancel ends the
            // session on the SM-DP+ (it used to answer 8.1/6.1 "eUICC signature invalid").
            let cancellation = try #require(error.cancellation)
            guard case .success(nil) = cancellation.serverOutcome else {
                Issue.record("the SM-DP+ refused the cancel after a refused authenticateClient: \(cancellation.serverOutcome)")
                return
            }
        }
        let elsewhere = try ActivationCode(smdpAddress: "other.example", matchingId: "X")
        do {
            _ = try await downloader.download(elsewhere)
            Issue.record("download from an unknown server succeeded")
        } catch {
            guard case .serverUnreachable = error.error else { Issue.record("wrong error \(error.error)"); return }
            #expect(error.cancellation == nil)
        }
    }
}

/// A connector whose notification deliveries fail until `online` is set.
final class Reachability: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var online: Bool {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
}

/// Forwards to the service but refuses handleNotification while offline.
struct FlakyNotificationClient: ES9PlusClient {
    let inner: InProcessES9PlusClient
    let reachability: Reachability
    struct Offline: Error {}

    func initiateAuthentication(_ r: InitiateAuthenticationRequest) async throws(ES9PlusClientError) -> InitiateAuthenticationResponse { try await inner.initiateAuthentication(r) }
    func authenticateClient(_ r: AuthenticateClientRequest) async throws(ES9PlusClientError) -> AuthenticateClientResponse { try await inner.authenticateClient(r) }
    func getBoundProfilePackage(_ r: GetBoundProfilePackageRequest) async throws(ES9PlusClientError) -> GetBoundProfilePackageResponse { try await inner.getBoundProfilePackage(r) }
    func cancelSession(_ r: ES9CancelSessionRequest) async throws(ES9PlusClientError) -> ES9CancelSessionResponse { try await inner.cancelSession(r) }
    func handleNotification(_ r: HandleNotificationRequest) async throws(ES9PlusClientError) {
        guard reachability.online else { throw .transport(.unreachable, Offline()) }
        try await inner.handleNotification(r)
    }
}

@Suite("NotificationProcessor: a notification is removed only after the SM-DP+ acknowledged it")
struct NotificationProcessorTests {
    @Test("an undelivered install notification stays on the eUICC and is delivered and removed later",
          .enabled(if: !TS48.files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func deferredDelivery() async throws {
        let testbed = try await DownloadTestbed()
        defer { testbed.remove() }
        let (iccid, matchingId) = try await testbed.release(TS48.files[0], confirmationCode: nil)
        let reachability = Reachability()
        let client = FlakyNotificationClient(inner: InProcessES9PlusClient(service: testbed.service), reachability: reachability)
        let downloader = ProfileDownloader(es10: testbed.es10, connect: { _ in client },
                                           deviceInfo: try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities()))
        let result = try await downloader.download(try ActivationCode(smdpAddress: DownloadTestbed.address, matchingId: matchingId))
        #expect(!result.notificationDelivered)
        #expect(try await testbed.store.profile(iccid: iccid)?.state != .installed)

        let processor = NotificationProcessor(es10: testbed.es10, connect: { _ in client })
        let pending = try await processor.list()
        #expect(pending.map(\.seqNumber) == [result.notificationSeqNumber])
        #expect(pending.first?.profileManagementOperation == .install)

        let failed = try await processor.process()
        guard case .sendFailed = try #require(failed.first).outcome else { Issue.record("delivered while offline"); return }
        #expect(try await processor.list().count == 1)

        reachability.online = true
        let delivered = try await processor.process()
        guard case .delivered = try #require(delivered.first).outcome else { Issue.record("not delivered: \(delivered)"); return }
        #expect(try await processor.list().isEmpty)
        #expect(try await testbed.store.profile(iccid: iccid)?.state == .installed)
    }
}
