import ArgumentParser
import ES9PlusAPI
import EUICC
import EUICCSimulator
import ES9PlusTestSupport
import Foundation
import LPA
import RSPASN1
@testable import RSPCommands
import RSPCrypto
import SMDPCore
import SMDPStoreSQLite
import Testing

/// Runs an `openrsp` command line in-process (async commands included).
func openrsp(_ arguments: [String]) async throws {
    var command = try OpenRSPCommand.parseAsRoot(arguments)
    if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        try command.run()
    }
}

/// `<packageRoot>/../shared/testdata/ts48`, when present.
enum SharedTS48 {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/testdata/ts48", isDirectory: true)
    static var first: URL? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".der") }.sorted().first.map { directory.appendingPathComponent($0) }
    }
}

@Suite("openrsp chip / profile / notification on the software eUICC (--simulator)")
struct DeviceCommandTests {
    @Test("device options: --reader and --simulator exclude each other; a missing PKI is reported")
    func options() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("device-cmd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        await #expect(throws: (any Error).self) { try await openrsp(["chip", "info", "--reader", "x", "--simulator", root.path]) }
        #expect(throws: DeviceCommandError.self) { _ = try DeviceOptions.softEUICC(at: root.appendingPathComponent("none")) }
        #expect(ProfileTarget.hexBytes("A0000005591010FFFFFFFF8900001100") != nil)
        #expect(ProfileTarget.hexBytes("A0G0") == nil)
    }

    @Test("download a TS.48 profile into the simulator, then nickname, enable, notifications, disable, delete by command",
          .enabled(if: SharedTS48.first != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func profileLifecycle() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("device-cmd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let simulator = root.appendingPathComponent("euicc")
        let address = "smdp.openrsp.test"
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: address))
        _ = try PKIWriter.write(pki, to: simulator.appendingPathComponent("pki"), overwrite: false)
        let sim = ["--simulator", simulator.path]

        try await openrsp(["chip", "info", "--json"] + sim)
        try await openrsp(["profile", "list"] + sim)

        // Install a profile through the LPA and the real SM-DP+ core, into the same state directory.
        let store = try SQLiteSMDPStore(inMemoryWith: SystemClock())
        let configuration = try SMDPConfiguration(
            address: address,
            dpAuth: [try SMDPSigningIdentity(certificate: pki.dpAuth.certificate, privateKey: pki.dpAuth.privateKey)],
            dpPb: [try SMDPSigningIdentity(certificate: pki.dpPb.certificate, privateKey: pki.dpPb.privateKey)],
            trustStore: try CITrustStore([pki.ci.certificate]))
        let service = ES9PlusService(store: store, configuration: configuration)
        let record = try await ProfileInventory(store: store).importPackage(Array(try Data(contentsOf: try #require(SharedTS48.first))))
        let orders = ES2PlusOrderService(store: store, configuration: configuration)
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let confirmed = try await orders.confirmOrder(iccid: iccid, releaseFlag: true)
        do {
            let es10 = try ES10Client(transport: InProcessTransport(card: try DeviceOptions.softEUICC(at: simulator)))
            try await es10.open()
            let downloader = ProfileDownloader(es10: es10, connect: { _ in InProcessES9PlusClient(service: service) },
                                               deviceInfo: try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities()))
            let result = try await downloader.download(try ActivationCode(smdpAddress: address, matchingId: confirmed.matchingId))
            #expect(result.notificationDelivered)
        }
        let stateStore = EUICCStateStore(directory: simulator)
        func saved() throws -> EUICCPersistentState { try #require(try stateStore.load()) }
        #expect(try saved().profiles.map(\.iccid) == [iccid.digits])

        try await openrsp(["profile", "list", "--json"] + sim)
        try await openrsp(["profile", "nickname", iccid.digits, "Travel"] + sim)
        #expect(try saved().profiles.first?.nickname == "Travel")

        try await openrsp(["profile", "enable", iccid.digits] + sim)
        #expect(try saved().profiles.first?.state == ProfileState.enabled.rawValue)
        await #expect(throws: (any Error).self) { try await openrsp(["profile", "enable", iccid.digits] + sim) }
        await #expect(throws: (any Error).self) { try await openrsp(["profile", "delete", iccid.digits] + sim) }

        // The SM-DP+'s StoreMetadata asked for enable/disable/delete notifications: the enable is pending;
        // removing a sequence number that does not exist is refused (nothingToDelete), removing it works.
        let pending = try saved().notifications
        #expect(pending.map(\.event) == [NotificationEvent.enable.rawValue])
        try await openrsp(["notification", "list", "--json"] + sim)
        await #expect(throws: (any Error).self) { try await openrsp(["notification", "remove", "999"] + sim) }
        try await openrsp(["notification", "remove", "\(try #require(pending.first).seqNumber)"] + sim)
        #expect(try saved().notifications.isEmpty)

        try await openrsp(["profile", "disable", iccid.digits] + sim)
        #expect(try saved().profiles.first?.state == ProfileState.disabled.rawValue)
        try await openrsp(["profile", "delete", iccid.digits, "--json"] + sim)
        #expect(try saved().profiles.isEmpty)
        #expect(try saved().notifications.map(\.event) == [NotificationEvent.disable.rawValue, NotificationEvent.delete.rawValue])
        await #expect(throws: (any Error).self) { try await openrsp(["profile", "disable", iccid.digits] + sim) }
    }
}
