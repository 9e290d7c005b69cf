import EUICC
import Testing

/// ISO/IEC 7816-4 §5.1 command APDU cases and response parsing.
@Suite struct CommandAPDUTests {
    @Test("Short cases 1, 2S, 3S, 4S encode and parse back")
    func shortCases() throws {
        let case1 = try CommandAPDU(cla: 0x00, ins: 0x70, p1: 0x80, p2: 0x01)
        #expect(case1.bytes == [0x00, 0x70, 0x80, 0x01])
        let case2 = try CommandAPDU(cla: 0x00, ins: 0x70, p1: 0, p2: 0, le: 1)
        #expect(case2.bytes == [0x00, 0x70, 0x00, 0x00, 0x01])
        let case2max = try CommandAPDU(cla: 0x81, ins: 0xC0, p1: 0, p2: 0, le: 256)
        #expect(case2max.bytes == [0x81, 0xC0, 0x00, 0x00, 0x00])
        let case3 = try CommandAPDU(cla: 0x81, ins: 0xE2, p1: 0x91, p2: 0x00, data: [0xBF, 0x2E, 0x00])
        #expect(case3.bytes == [0x81, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2E, 0x00])
        let case4 = try CommandAPDU(cla: 0x01, ins: 0xA4, p1: 0x04, p2: 0x00, data: [0xA0, 0x00], le: 256)
        #expect(case4.bytes == [0x01, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x00, 0x00])
        for apdu in [case1, case2, case2max, case3, case4] {
            #expect(try CommandAPDU(bytes: apdu.bytes) == apdu)
            #expect(!apdu.isExtended)
        }
    }

    @Test("Extended cases 2E, 3E, 4E encode and parse back")
    func extendedCases() throws {
        let data = [UInt8](repeating: 0x5A, count: 300)
        let case3 = try CommandAPDU(cla: 0x80, ins: 0xE2, p1: 0x91, p2: 0, data: data)
        #expect(case3.bytes.prefix(7) == [0x80, 0xE2, 0x91, 0x00, 0x00, 0x01, 0x2C])
        #expect(case3.bytes.count == 7 + 300)
        let case4 = try CommandAPDU(cla: 0x80, ins: 0xE2, p1: 0x91, p2: 0, data: data, le: 65_536)
        #expect(case4.bytes.suffix(2) == [0x00, 0x00])
        let case2 = try CommandAPDU(cla: 0x00, ins: 0xC0, p1: 0, p2: 0, le: 1000)
        #expect(case2.bytes == [0x00, 0xC0, 0x00, 0x00, 0x00, 0x03, 0xE8])
        for apdu in [case2, case3, case4] {
            #expect(apdu.isExtended)
            #expect(try CommandAPDU(bytes: apdu.bytes) == apdu)
        }
    }

    @Test("Malformed command APDUs throw typed errors")
    func malformed() {
        #expect(throws: APDUError.tooShort(3)) { try CommandAPDU(bytes: [0x00, 0xA4, 0x04]) }
        #expect(throws: APDUError.self) { try CommandAPDU(bytes: [0x00, 0xA4, 0x04, 0x00, 0x05, 0x01, 0x02]) }   // Lc 5, 2 bytes
        #expect(throws: APDUError.self) { try CommandAPDU(bytes: [0x00, 0xA4, 0x04, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00]) } // 2 extra
        #expect(throws: APDUError.self) { try CommandAPDU(bytes: [0x00, 0xA4, 0x04, 0x00, 0x00, 0x01]) }         // extended incomplete
        #expect(throws: APDUError.self) { try CommandAPDU(bytes: [0x00, 0xA4, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01]) } // extended Lc 0
        #expect(throws: APDUError.self) { try CommandAPDU(bytes: [0x00, 0xA4, 0x04, 0x00, 0x00, 0x00, 0x05, 0x01]) } // extended Lc 5, 1 byte
        #expect(throws: APDUError.dataTooLong(65_536)) { try CommandAPDU(cla: 0, ins: 0, p1: 0, p2: 0, data: [UInt8](repeating: 0, count: 65_536)) }
        #expect(throws: APDUError.expectedLengthOutOfRange(0)) { try CommandAPDU(cla: 0, ins: 0, p1: 0, p2: 0, le: 0) }
        #expect(throws: APDUError.expectedLengthOutOfRange(65_537)) { try CommandAPDU(cla: 0, ins: 0, p1: 0, p2: 0, le: 65_537) }
    }

    @Test("Response APDUs: data and status word; fewer than 2 bytes is an error")
    func responses() throws {
        let response = try ResponseAPDU(bytes: [0xBF, 0x2E, 0x00, 0x90, 0x00])
        #expect(response.data == [0xBF, 0x2E, 0x00] && response.status == .success && response.status.isSuccess)
        let more = try ResponseAPDU(bytes: [0x61, 0x1A])
        #expect(more.data.isEmpty && more.status.hasMoreData && more.status.sw2 == 0x1A)
        #expect(throws: APDUError.tooShort(1)) { try ResponseAPDU(bytes: [0x90]) }
        #expect(ResponseAPDU(data: [1, 2], status: StatusWord(0x6A88)).bytes == [1, 2, 0x6A, 0x88])
    }
}

@Suite struct StatusAndChannelTests {
    @Test("Status words map to named errors; unknown ones keep their value", arguments: [
        (UInt16(0x6A88), CardStatusError.referencedDataNotFound), (0x6985, .conditionsOfUseNotSatisfied), (0x6A80, .incorrectData),
        (0x6D00, .insNotSupported), (0x6E00, .claNotSupported), (0x6A86, .incorrectP1P2), (0x6700, .wrongLength),
        (0x6881, .logicalChannelNotSupported), (0x6C10, .wrongLe(available: 0x10)), (0x6A84, .notEnoughMemory),
    ])
    func mapping(value: UInt16, expected: CardStatusError) {
        let error = CardStatusError(StatusWord(value))
        #expect(error == expected)
        #expect(error.statusWord.value == value)
    }

    @Test("Unknown status word keeps its value")
    func unknown() {
        let error = CardStatusError(StatusWord(0x6F42))
        #expect(error == .other(StatusWord(0x6F42)))
        #expect(error.statusWord == StatusWord(0x6F42))
        #expect("\(error)".contains("6F42"))
    }

    @Test("Logical channel CLA: channels 0–3 in b2b1, 4–19 as 0x40 + (n − 4), both classes; decoding inverts it")
    func channelCLA() {
        #expect(LogicalChannel.cla(base: 0x80, channel: 1) == 0x81)
        #expect(LogicalChannel.cla(base: 0x00, channel: 3) == 0x03)
        #expect(LogicalChannel.cla(base: 0x00, channel: 4) == 0x40)
        #expect(LogicalChannel.cla(base: 0x80, channel: 4) == 0xC0)
        #expect(LogicalChannel.cla(base: 0x80, channel: 19) == 0xCF)
        for channel in UInt8(0)...19 {
            #expect(LogicalChannel.channel(ofCLA: LogicalChannel.cla(base: 0x80, channel: channel)) == channel)
            #expect(LogicalChannel.channel(ofCLA: LogicalChannel.cla(base: 0x00, channel: channel)) == channel)
        }
    }

    @Test("ISD-R session rejects chunk sizes outside 1…255")
    func chunkSize() async throws {
        #expect(throws: ES10Error.self) { _ = try ISDRSession(transport: NoCardTransport(), chunkSize: 0) }
        #expect(throws: ES10Error.self) { _ = try ISDRSession(transport: NoCardTransport(), chunkSize: 256) }
        let session = try ISDRSession(transport: NoCardTransport(), chunkSize: 255)
        await #expect(throws: ES10Error.self) { _ = try await session.storeData([0xBF, 0x2E, 0x00], command: "x") }
    }
}

/// A transport with no card behind it (every exchange fails), for argument validation only.
struct NoCardTransport: APDUTransport {
    struct NoCard: Error {}
    func connect() async throws { throw NoCard() }
    func disconnect() async throws {}
    func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU { throw NoCard() }
}

/// Randomised round trips and garbage input (seeded, reproducible).
@Suite struct APDURandomisedTests {
    /// SplitMix64, so a failure can be reproduced from the printed seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("500 random command APDUs (short and extended) survive encode → parse unchanged")
    func roundTrip() throws {
        var rng = SeededGenerator(state: 0x0E51_CC00)
        for _ in 0..<500 {
            let count = Bool.random(using: &rng) ? Int.random(in: 0...255, using: &rng) : Int.random(in: 0...700, using: &rng)
            let data = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let le: Int? = switch Int.random(in: 0...3, using: &rng) {
            case 0: nil
            case 1: Int.random(in: 1...256, using: &rng)
            case 2: Int.random(in: 257...65_536, using: &rng)
            default: 256
            }
            let apdu = try CommandAPDU(cla: .random(in: 0...255, using: &rng), ins: .random(in: 0...255, using: &rng),
                                       p1: .random(in: 0...255, using: &rng), p2: .random(in: 0...255, using: &rng), data: data, le: le)
            #expect(try CommandAPDU(bytes: apdu.bytes) == apdu)
        }
    }

    @Test("Random byte strings either parse to an APDU whose encoding parses back to it, or throw APDUError")
    func garbage() {
        var rng = SeededGenerator(state: 0xBAD_C0DE)
        var parsed = 0
        for _ in 0..<5000 {
            let count = Int.random(in: 0...12, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Every third input gets an extended-length marker (body starting with 00).
            if bytes.count > 4, Int.random(in: 0...2, using: &rng) == 0 { bytes[4] = 0 }
            do {
                let apdu = try CommandAPDU(bytes: bytes)
                parsed += 1
                // Extended fields for small values re-encode in short form, so compare values, not bytes.
                #expect(try CommandAPDU(bytes: apdu.bytes) == apdu)
                #expect(apdu.cla == bytes[0] && apdu.ins == bytes[1] && apdu.p1 == bytes[2] && apdu.p2 == bytes[3])
            } catch {
                #expect(error is APDUError)
            }
        }
        #expect(parsed > 0)
    }
}
