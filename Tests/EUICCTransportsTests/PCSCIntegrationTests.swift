import EUICC
import EUICCSimulator
@testable import EUICCTransports
import Foundation
import RSPASN1
import Testing

/// Whether pcscd answers and lists the vsmartcard "Virtual PCD" readers (scripts/start-pcscd).
enum VirtualPCDEnvironment {
    static let readers: [String] = {
        do {
            return try PCSCTransport.listReadersBlocking().filter { $0.contains("Virtual PCD") }.sorted()
        } catch {
            return []
        }
    }()

    static var available: Bool { !readers.isEmpty }
}

@Suite("ES10 over real PC/SC: software eUICC → VPCDBridge → vpcd → pcscd → PCSCTransport")
struct PCSCIntegrationTests {
    @Test(
        "GetEID, GetEUICCInfo1, GetProfilesInfo and a chained STORE DATA with GET RESPONSE through pcscd",
        .enabled(if: VirtualPCDEnvironment.available,
                 "skipped: pcscd with the vsmartcard Virtual PCD reader is not reachable (run scripts/start-pcscd as root)")
    )
    func es10ThroughPCSC() async throws {
        let fixture = try SoftEUICCFixture()
        defer { fixture.remove() }
        // The first vpcd slot ("Virtual PCD 00 00") takes its card on port 35963.
        let bridge = VPCDBridge(card: fixture.card, configuration: .init(port: 35963))
        let serving = Task { await bridge.run() }
        defer { serving.cancel() }

        let readerName = try #require(VirtualPCDEnvironment.readers.first)
        #expect(readerName.hasSuffix("00 00"))
        let reader = PCSCTransport(readerName: readerName)
        var present = false
        for _ in 0..<20 where !present {
            present = try await reader.waitForCard(milliseconds: 500)
        }
        try #require(present, "the bridged card did not appear in \(readerName)")

        let recording = RecordingTransport(reader)
        let client = try ES10Client(transport: recording)
        try await client.open()
        let identity = await fixture.card.identity
        let eid = try await client.getEID()
        #expect(eid == identity.eid)
        let info1 = try await client.getEUICCInfo1()
        #expect(info1.euiccCiPKIdListForVerification == identity.ciPKIds)
        guard case let .ok(profiles) = try await client.getProfilesInfo() else {
            Issue.record("GetProfilesInfo returned an error")
            return
        }
        #expect(profiles.isEmpty)
        try await client.close()

        // A small block size makes SetDefaultDpAddress a chained STORE DATA (P1 11 … 91).
        let chained = try ES10Client(transport: recording, chunkSize: 8)
        try await chained.open()
        let address = "smdp.chained-store-data.test"
        let result = try await chained.setDefaultDpAddress(address)
        #expect(result == .ok)
        let addresses = try await chained.getEuiccConfiguredAddresses()
        #expect(addresses.defaultDpAddress == address)
        try await chained.close()
        try await reader.disconnect()

        let commands = await recording.commands
        let moreBlocks = commands.filter { $0.ins == ES10Instruction.storeData && $0.p1 == ES10Instruction.storeDataMoreBlocks }
        let getResponses = commands.filter { $0.ins == ES10Instruction.getResponse }
        #expect(moreBlocks.count >= 4)
        #expect(!getResponses.isEmpty)
        #expect(await bridge.apduCount == commands.count)

        await bridge.stop()
        await serving.value
    }

    @Test(
        "every ES10 function through pcscd: info, challenge, a BPP download in 1036-byte segments from the SM-DP+ core, CancelSession, profile management, notifications, addresses, memory reset",
        .enabled(if: VirtualPCDEnvironment.available,
                 "skipped: pcscd with the vsmartcard Virtual PCD reader is not reachable (run scripts/start-pcscd as root)"),
        .enabled(if: PCSCDownloadBed.ts48File != nil, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48")
    )
    func everyES10FunctionThroughPCSC() async throws {
        // The SM-DP+ cuts the UPP into 1008-byte pieces (1036-byte 86 TLVs, past SGP.22's 1020) as other
        // deployed SM-DP+s do: the bridged eUICC accepts them and says so once as a notice.
        let bed = try await PCSCDownloadBed(bspProfileElementPieceBytes: 1008)
        defer { bed.remove() }
        let notices = NoticeLog()
        await bed.card.setDiagnosticHandler { notices.append($0) }
        // The second vpcd slot ("Virtual PCD 00 01") takes its card on port 35964, so this test and the
        // one above do not share a reader when they run in parallel.
        let readerName = try #require(VirtualPCDEnvironment.readers.first(where: { $0.hasSuffix("00 01") }),
                                      "no second Virtual PCD slot in \(VirtualPCDEnvironment.readers)")
        let bridge = VPCDBridge(card: bed.card, configuration: .init(port: 35964))
        let serving = Task { await bridge.run() }
        defer { serving.cancel() }
        let reader = PCSCTransport(readerName: readerName)
        var present = false
        for _ in 0..<20 where !present {
            present = try await reader.waitForCard(milliseconds: 500)
        }
        try #require(present, "the bridged card did not appear in \(readerName)")
        let recording = RecordingTransport(reader)
        let client = try ES10Client(transport: recording)
        try await client.open()
        try await bed.exerciseEveryFunction(client)
        try await client.close()
        try await reader.disconnect()
        #expect(await bridge.apduCount == (await recording.commands).count)
        #expect(notices.all.contains { $0.kind == .notice && $0.message.contains("1036-byte") })
        await bridge.stop()
        await serving.value
    }
}

/// The bridged software eUICC's diagnostics.
final class NoticeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [EUICCDiagnostic] = []
    func append(_ item: EUICCDiagnostic) { lock.withLock { items.append(item) } }
    var all: [EUICCDiagnostic] { lock.withLock { items } }
}
