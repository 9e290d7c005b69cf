import RSPASN1

/// AID of the ISD-R (SGP.22 §2.2.3): `A0000005591010FFFFFFFF8900000100`.
public let isdrAID: [UInt8] = [0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00]

/// ISO 7816-4 / GlobalPlatform instruction bytes used on the ES10 link.
public enum ES10Instruction {
    public static let manageChannel: UInt8 = 0x70
    public static let select: UInt8 = 0xA4
    public static let getResponse: UInt8 = 0xC0
    public static let storeData: UInt8 = 0xE2
    /// STORE DATA P1: more blocks follow (`11`), last block (`91`) — DGI-less, BER-TLV data.
    public static let storeDataMoreBlocks: UInt8 = 0x11
    public static let storeDataLastBlock: UInt8 = 0x91
}

/// One logical channel to the ISD-R: opens it (MANAGE CHANNEL + SELECT), then carries ES10
/// requests as STORE DATA sequences and collects responses with GET RESPONSE (SGP.22 §5.7,
/// notes §1.1).
public actor ISDRSession {
    public let transport: any APDUTransport
    /// STORE DATA block size in bytes (1…255; lpac uses 120).
    public let chunkSize: Int
    /// Upper bound on one collected response (protects against a card that never stops sending 61xx).
    public let maxResponseBytes: Int
    /// The open logical channel, or `nil`.
    public private(set) var channel: UInt8?
    /// Whether an exchange sequence is running; the actor is reentrant at every `await`, so one
    /// STORE DATA sequence must finish before the next starts (blocks must not interleave).
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    public init(transport: any APDUTransport, chunkSize: Int = 120, maxResponseBytes: Int = 1 << 20) throws(ES10Error) {
        guard (1...255).contains(chunkSize) else { throw .invalidChunkSize(chunkSize) }
        self.transport = transport
        self.chunkSize = chunkSize
        self.maxResponseBytes = maxResponseBytes
    }

    /// Connects, opens a logical channel and selects the ISD-R on it.
    public func open() async throws(ES10Error) {
        await acquire()
        defer { release() }
        if channel != nil { return }
        do {
            try await transport.connect()
        } catch {
            throw .transport(error)
        }
        let manage = try apdu(cla: 0x00, ins: ES10Instruction.manageChannel, p1: 0x00, p2: 0x00, le: 1)
        let opened = try await exchange(manage, command: "MANAGE CHANNEL open")
        guard opened.count == 1, (1...19).contains(opened[0]) else {
            throw .noChannel("MANAGE CHANNEL returned \(opened.count) byte(s)")
        }
        let number = opened[0]
        let select = try apdu(cla: LogicalChannel.cla(base: 0x00, channel: number), ins: ES10Instruction.select,
                              p1: 0x04, p2: 0x00, data: isdrAID, le: 256)
        do {
            _ = try await exchange(select, command: "SELECT ISD-R")
        } catch {
            let close = try apdu(cla: LogicalChannel.cla(base: 0x00, channel: number), ins: ES10Instruction.manageChannel, p1: 0x80, p2: number)
            _ = try? await exchange(close, command: "MANAGE CHANNEL close")
            throw error
        }
        channel = number
    }

    /// Closes the logical channel (MANAGE CHANNEL close).
    public func close() async throws(ES10Error) {
        await acquire()
        defer { release() }
        guard let number = channel else { return }
        channel = nil
        let close = try apdu(cla: LogicalChannel.cla(base: 0x00, channel: number), ins: ES10Instruction.manageChannel, p1: 0x80, p2: number)
        _ = try await exchange(close, command: "MANAGE CHANNEL close")
    }

    /// Sends one ES10 request (a complete DER TLV, or a BPP segment) as one STORE DATA sequence:
    /// blocks of `chunkSize` bytes, P1 `11` for all but the last (`91`), P2 the block number from 00.
    /// Returns the response data (collected across GET RESPONSE), possibly empty.
    public func storeData(_ request: [UInt8], command: String) async throws(ES10Error) -> [UInt8] {
        await acquire()
        defer { release() }
        guard let number = channel else { throw .notOpen }
        let cla = LogicalChannel.cla(base: 0x80, channel: number)
        var blocks: [[UInt8]] = []
        var offset = 0
        repeat {
            let end = min(offset + chunkSize, request.count)
            blocks.append(Array(request[offset..<end]))
            offset = end
        } while offset < request.count
        guard blocks.count <= 256 else { throw .apdu(.dataTooLong(request.count)) }
        var response: [UInt8] = []
        for (index, block) in blocks.enumerated() {
            let last = index == blocks.count - 1
            let store = try apdu(cla: cla, ins: ES10Instruction.storeData,
                                 p1: last ? ES10Instruction.storeDataLastBlock : ES10Instruction.storeDataMoreBlocks,
                                 p2: UInt8(index), data: block)
            let data = try await exchange(store, command: command)
            if last { response = data }
        }
        return response
    }

    /// Transmits `command`; on `61xx` issues GET RESPONSE on the same channel until the card stops
    /// announcing data. Returns all data; any final status other than success throws.
    func exchange(_ command: CommandAPDU, command name: String) async throws(ES10Error) -> [UInt8] {
        var response = try await transmit(command)
        var data = response.data
        let channelCLA = LogicalChannel.cla(base: 0x00, channel: LogicalChannel.channel(ofCLA: command.cla)) | (command.cla & 0x80)
        while response.status.hasMoreData {
            let expected = response.status.sw2 == 0 ? 256 : Int(response.status.sw2)
            let get = try apdu(cla: channelCLA, ins: ES10Instruction.getResponse, p1: 0, p2: 0, le: expected)
            response = try await transmit(get)
            data += response.data
            guard data.count <= maxResponseBytes else { throw .responseTooLarge(maxResponseBytes) }
        }
        guard response.status.isSuccess else { throw .card(CardStatusError(response.status), command: name) }
        return data
    }

    private func transmit(_ command: CommandAPDU) async throws(ES10Error) -> ResponseAPDU {
        do {
            return try await transport.transmit(command)
        } catch let error as APDUError {
            throw .apdu(error)
        } catch {
            throw .transport(error)
        }
    }

    private func apdu(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil) throws(ES10Error) -> CommandAPDU {
        do {
            return try CommandAPDU(cla: cla, ins: ins, p1: p1, p2: p2, data: data, le: le)
        } catch {
            throw .apdu(error)
        }
    }
}
