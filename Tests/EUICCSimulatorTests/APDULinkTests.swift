import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import Testing

/// The card-side APDU layer of the simulator, driven with raw APDUs.
@Suite struct APDULinkTests {
    func openCard() async throws -> (Fixture, InProcessTransport) {
        let fixture = try await Fixture()
        let transport = InProcessTransport(card: fixture.card)
        try await transport.connect()
        return (fixture, transport)
    }

    @Test("MANAGE CHANNEL opens channels 1…19 with the ISO 7816-4 CLA encodings; SELECT ISD-R answers its FCI")
    func channels() async throws {
        let (_, transport) = try await openCard()
        var opened: [UInt8] = []
        for _ in 0..<6 {
            let response = try await transport.transmit(try CommandAPDU(cla: 0x00, ins: 0x70, p1: 0x00, p2: 0x00, le: 1))
            #expect(response.status == .success)
            opened += response.data
        }
        #expect(opened.contains(5))
        // Channel 5 uses the further-interindustry class 0x41; the ISD-R selected there answers on 0xC1 STORE DATA.
        let select = try await transport.transmit(try CommandAPDU(cla: LogicalChannel.cla(base: 0x00, channel: 5), ins: 0xA4, p1: 0x04, p2: 0x00, data: isdrAID, le: 256))
        #expect(select.status == .success)
        #expect(select.data == [0x6F, 0x12, 0x84, 0x10] + isdrAID)
        let eid = try await transport.transmit(try CommandAPDU(cla: 0xC1, ins: 0xE2, p1: 0x91, p2: 0x00, data: [0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A], le: 256))
        #expect(eid.status == .success)
        #expect(eid.data.prefix(4) == [0xBF, 0x3E, 0x12, 0x5A])
        // Unselected channel 1: conditions not satisfied. Unopened channel 19: channel not supported.
        let unselected = try await transport.transmit(try CommandAPDU(cla: 0x81, ins: 0xE2, p1: 0x91, p2: 0x00, data: [0xBF, 0x2E, 0x00]))
        #expect(unselected.status == .conditionsOfUseNotSatisfied)
        let closed = try await transport.transmit(try CommandAPDU(cla: LogicalChannel.cla(base: 0x80, channel: 19), ins: 0xE2, p1: 0x91, p2: 0x00, data: [0xBF, 0x2E, 0x00]))
        #expect(closed.status == .logicalChannelNotSupported)
        let close = try await transport.transmit(try CommandAPDU(cla: 0x01, ins: 0x70, p1: 0x80, p2: 0x01))
        #expect(close.status == .success)
        let afterClose = try await transport.transmit(try CommandAPDU(cla: 0x81, ins: 0xE2, p1: 0x91, p2: 0x00, data: [0xBF, 0x2E, 0x00]))
        #expect(afterClose.status == .logicalChannelNotSupported)
    }

    @Test("Without Le the response is announced with 61xx and fetched with GET RESPONSE in Le-sized pieces")
    func getResponse() async throws {
        let (_, transport) = try await openCard()
        let open = try await transport.transmit(try CommandAPDU(cla: 0x00, ins: 0x70, p1: 0, p2: 0, le: 1))
        let channel = try #require(open.data.first)
        _ = try await transport.transmit(try CommandAPDU(cla: channel, ins: 0xA4, p1: 0x04, p2: 0x00, data: isdrAID, le: 256))
        let first = try await transport.transmit(try CommandAPDU(cla: 0x80 | channel, ins: 0xE2, p1: 0x91, p2: 0x00, data: [0xBF, 0x22, 0x00]))
        #expect(first.status.sw1 == 0x61 && first.data.isEmpty)
        var collected: [UInt8] = []
        var status = first.status
        while status.sw1 == 0x61 {
            let le = status.sw2 == 0 ? 256 : Int(status.sw2)
            let next = try await transport.transmit(try CommandAPDU(cla: 0x80 | channel, ins: 0xC0, p1: 0, p2: 0, le: le))
            #expect(next.data.count == le)
            collected += next.data
            status = next.status
        }
        #expect(status == .success)
        _ = try EUICCInfo2(der: collected)
        // Nothing left: another GET RESPONSE is refused.
        let extra = try await transport.transmit(try CommandAPDU(cla: 0x80 | channel, ins: 0xC0, p1: 0, p2: 0, le: 256))
        #expect(extra.status == .conditionsOfUseNotSatisfied)
    }

    @Test("STORE DATA block numbers must run 00, 01, …; a gap aborts the sequence with 6A86")
    func blockSequence() async throws {
        let (_, transport) = try await openCard()
        let open = try await transport.transmit(try CommandAPDU(cla: 0x00, ins: 0x70, p1: 0, p2: 0, le: 1))
        let channel = try #require(open.data.first)
        _ = try await transport.transmit(try CommandAPDU(cla: channel, ins: 0xA4, p1: 0x04, p2: 0x00, data: isdrAID, le: 256))
        let cla = 0x80 | channel
        #expect(try await transport.transmit(try CommandAPDU(cla: cla, ins: 0xE2, p1: 0x11, p2: 0x00, data: [0xBF])).status == .success)
        #expect(try await transport.transmit(try CommandAPDU(cla: cla, ins: 0xE2, p1: 0x91, p2: 0x02, data: [0x2E, 0x00])).status == .incorrectP1P2)
        // After the failure a new sequence starts at 00 again.
        #expect(try await transport.transmit(try CommandAPDU(cla: cla, ins: 0xE2, p1: 0x11, p2: 0x00, data: [0xBF])).status == .success)
        let done = try await transport.transmit(try CommandAPDU(cla: cla, ins: 0xE2, p1: 0x91, p2: 0x01, data: [0x2E, 0x00], le: 256))
        #expect(done.status == .success && done.data.count == 0x15)
        #expect(try await transport.transmit(try CommandAPDU(cla: cla, ins: 0xE2, p1: 0x55, p2: 0x00, data: [0xBF])).status == .incorrectP1P2)
        #expect(try await transport.transmit(try CommandAPDU(cla: cla, ins: 0x12, p1: 0, p2: 0)).status == .insNotSupported)
    }

    @Test("Client maps status words to typed errors: unknown ES10 tag → 6A88, malformed DER → 6A80")
    func clientStatusErrors() async throws {
        let fixture = try await Fixture(chunkSize: 4)
        do {
            _ = try await fixture.client.session.storeData([0xBF, 0x7F, 0x00], command: "unknown")
            Issue.record("expected an error")
        } catch {
            guard case .card(.referencedDataNotFound, _) = error else { throw error }
        }
        do {
            _ = try await fixture.client.session.storeData([0xBF, 0x2E, 0x05, 0x00], command: "truncated")
            Issue.record("expected an error")
        } catch {
            guard case .card(.incorrectData, _) = error else { throw error }
        }
        // A response of the wrong type is a typed decoding error.
        do {
            _ = try await fixture.client.call(GetEuiccInfo1Request(), expecting: GetEuiccChallengeResponse.self, command: "mismatch")
            Issue.record("expected an error")
        } catch {
            guard case .malformedResponse(.unexpectedTag, _) = error else { throw error }
        }
    }

    @Test("Raw malformed APDUs are rejected by the parser before reaching the card")
    func malformedRaw() async throws {
        let (_, transport) = try await openCard()
        await #expect(throws: APDUError.tooShort(3)) { _ = try await transport.transmitRaw([0x80, 0xE2, 0x91]) }
        await #expect(throws: APDUError.self) { _ = try await transport.transmitRaw([0x80, 0xE2, 0x91, 0x00, 0x05, 0x01]) }
    }

    @Test("Concurrent ES10 calls on one session do not interleave their STORE DATA blocks")
    func concurrentCalls() async throws {
        let fixture = try await Fixture(chunkSize: 2)
        // A transport that yields before each exchange, so concurrent tasks get the chance to interleave.
        let client = try ES10Client(transport: YieldingTransport(inner: fixture.transport), chunkSize: 2)
        try await client.open()
        let expected = fixture.identity.eid
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                group.addTask { () async throws -> Void in
                    if index % 2 == 0 {
                        let eid = try await client.getEID()
                        #expect(eid == expected)
                    } else {
                        let addresses = try await client.getEuiccConfiguredAddresses()
                        #expect(addresses.rootDsAddress == "lpa.ds.gsma.com")
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

/// Forwards to another transport after `Task.yield()`.
struct YieldingTransport: APDUTransport {
    let inner: InProcessTransport
    func connect() async throws { try await inner.connect() }
    func disconnect() async throws { try await inner.disconnect() }
    func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU {
        await Task.yield()
        return try await inner.transmit(command)
    }
}
