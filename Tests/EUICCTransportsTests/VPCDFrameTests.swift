import EUICC
import Foundation
@testable import EUICCTransports
import Testing

@Suite("vpcd frames, card endpoint, reader selection, PC/SC error names")
struct VPCDFrameTests {
    @Test("control payloads 00 01 02 04 and APDU payloads")
    func messages() throws {
        #expect(try VPCDMessage(payload: [0x00]) == .powerOff)
        #expect(try VPCDMessage(payload: [0x01]) == .powerOn)
        #expect(try VPCDMessage(payload: [0x02]) == .reset)
        #expect(try VPCDMessage(payload: [0x04]) == .getATR)
        #expect(try VPCDMessage(payload: [0x00, 0xA4]) == .apdu([0x00, 0xA4]))
    }

    @Test("malformed frames: zero length, oversized, unknown control code")
    func malformed() {
        #expect(throws: VPCDFrameError.zeroLength) { try VPCDMessage(payload: []) }
        #expect(throws: VPCDFrameError.unknownControl(0x03)) { try VPCDMessage(payload: [0x03]) }
        #expect(throws: VPCDFrameError.zeroLength) { try VPCDMessage.payloadLength(header: [0x00, 0x00]) }
        #expect(throws: VPCDFrameError.oversized(0x0401, limit: 1024)) { try VPCDMessage.payloadLength(header: [0x04, 0x01], limit: 1024) }
        #expect(throws: VPCDFrameError.zeroLength) { try VPCDMessage.frame([]) }
        #expect(throws: VPCDFrameError.oversized(65_536, limit: 65_535)) { try VPCDMessage.frame([UInt8](repeating: 0, count: 65_536)) }
    }

    @Test("frame = 2-byte big-endian length + payload")
    func framing() throws {
        #expect(try VPCDMessage.frame([0x90, 0x00]) == [0x00, 0x02, 0x90, 0x00])
        #expect(try VPCDMessage.payloadLength(header: [0x01, 0x05]) == 261)
        let long = [UInt8](repeating: 0xAB, count: 300)
        #expect(try VPCDMessage.frame(long).prefix(2) == [0x01, 0x2C])
    }

    @Test("endpoint answers ATR and APDUs, resets on power-on, answers 6700 to an unparsable APDU")
    func endpoint() async throws {
        let fixture = try SoftEUICCFixture()
        defer { fixture.remove() }
        let endpoint = VPCDCardEndpoint(card: fixture.card)
        #expect(await endpoint.handle(.getATR) == VPCDCardEndpoint.defaultATR)
        #expect(await endpoint.handle(.powerOn) == nil)
        #expect(await endpoint.handle(.powerOff) == nil)
        // MANAGE CHANNEL open → channel number + 9000.
        let opened = try #require(await endpoint.handle(.apdu([0x00, 0x70, 0x00, 0x00, 0x01])))
        #expect(opened.count == 3 && opened.suffix(2) == [0x90, 0x00])
        #expect(await endpoint.handle(.apdu([0x00, 0xA4, 0x04])) == [0x67, 0x00])
        // After a reset the channel is gone: closing it again is refused.
        #expect(await endpoint.handle(.reset) == nil)
        let close = try #require(await endpoint.handle(.apdu([0x00, 0x70, 0x80, opened[0]])))
        #expect(close != [0x90, 0x00])
    }

    @Test("reader selection: exact name, unique substring, ambiguous, missing, none")
    func selection() throws {
        let readers = ["Virtual PCD 00 00", "Virtual PCD 00 01", "ACS ACR39U 01 00"]
        #expect(try PCSCTransport.selectReader("Virtual PCD 00 01", among: readers) == "Virtual PCD 00 01")
        #expect(try PCSCTransport.selectReader("acr39", among: readers) == "ACS ACR39U 01 00")
        #expect(try PCSCTransport.selectReader(nil, among: readers) == "Virtual PCD 00 00")
        #expect(throws: PCSCReaderSelectionError.ambiguous("Virtual PCD", matches: Array(readers.prefix(2)))) {
            try PCSCTransport.selectReader("Virtual PCD", among: readers)
        }
        #expect(throws: PCSCReaderSelectionError.notFound("Omnikey", available: readers)) {
            try PCSCTransport.selectReader("Omnikey", among: readers)
        }
        #expect(throws: PCSCReaderSelectionError.noReaders) { try PCSCTransport.selectReader("x", among: []) }
    }

    @Test("PC/SC error codes map to their pcsclite.h names and hex")
    func errorNames() {
        let error = PCSCError(function: "SCardConnect", code: 0x8010_000C)
        #expect(error.name == "SCARD_E_NO_SMARTCARD")
        #expect(error.description == "SCardConnect failed: 0x8010000C SCARD_E_NO_SMARTCARD")
        #expect(PCSCError(function: "f", code: 0x8010_0069).name == "SCARD_W_REMOVED_CARD")
        #expect(PCSCError(function: "f", code: 0x8010_001D).name == "SCARD_E_NO_SERVICE")
        #expect(PCSCError(function: "f", code: 0x1234).name == nil)
        #expect(PCSCError(function: "f", code: 0x1234).hexCode == "0x00001234")
    }
}

@Suite("VPCDBridge without vpcd")
struct VPCDBridgeShutdownTests {
    @Test("with nothing listening the bridge keeps retrying with backoff, and stop() ends run()")
    func stopWhileReconnecting() async throws {
        let fixture = try SoftEUICCFixture()
        defer { fixture.remove() }
        let failures = FailureCounter()
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        let bridge = VPCDBridge(card: fixture.card,
                                configuration: .init(port: 9, initialReconnectDelay: .milliseconds(10), maxReconnectDelay: .milliseconds(40))) { event in
            if case .connectFailed = event { failures.increment() }
        }
        let running = Task { await bridge.run() }
        while failures.count < 3 { try await Task.sleep(for: .milliseconds(5)) }
        await bridge.stop()
        await running.value
        #expect(await bridge.connectionCount == 0)
        #expect(failures.count >= 3)
    }
}

final class FailureCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.lock(); value += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}
