import EUICC

/// A malformed frame on the vpcd link.
public enum VPCDFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A frame announced length 0 (vpcd never sends one).
    case zeroLength
    /// A frame longer than the configured maximum (incoming) or than the 16-bit length field (outgoing).
    case oversized(Int, limit: Int)
    /// A one-byte frame that is none of the control codes 00, 01, 02, 04.
    case unknownControl(UInt8)

    public var description: String {
        switch self {
        case .zeroLength: "vpcd frame of length 0"
        case let .oversized(count, limit): "vpcd frame of \(count) bytes exceeds \(limit)"
        case let .unknownControl(code): "unknown vpcd control code \(code)"
        }
    }
}

/// One message from vpcd (the reader side) to the virtual card.
///
/// vsmartcard's vpcd protocol: every frame is a 2-byte big-endian length and that many payload
/// bytes. A 1-byte payload is a control message (`00` power off, `01` power on, `02` reset,
/// `04` get ATR); any longer payload is a command APDU. The card answers a command APDU and
/// "get ATR" with one frame; the other control messages have no answer.
public enum VPCDMessage: Hashable, Sendable {
    case powerOff
    case powerOn
    case reset
    case getATR
    /// The raw C-APDU bytes (parsed by the bridge, which answers `6700` if they do not parse).
    case apdu([UInt8])

    /// Largest payload the 16-bit length field can carry.
    public static let maxPayload = 0xFFFF

    /// Interprets one frame payload (without its length prefix).
    public init(payload: [UInt8]) throws(VPCDFrameError) {
        switch payload.count {
        case 0:
            throw .zeroLength
        case 1:
            switch payload[0] {
            case 0x00: self = .powerOff
            case 0x01: self = .powerOn
            case 0x02: self = .reset
            case 0x04: self = .getATR
            default: throw .unknownControl(payload[0])
            }
        default:
            self = .apdu(payload)
        }
    }

    /// Reads the 2-byte big-endian frame length; rejects 0 and anything above `limit`.
    public static func payloadLength(header: [UInt8], limit: Int = maxPayload) throws(VPCDFrameError) -> Int {
        let length = Int(header[0]) << 8 | Int(header[1])
        guard length > 0 else { throw .zeroLength }
        guard length <= limit else { throw .oversized(length, limit: limit) }
        return length
    }

    /// Frames `payload` for sending: the 2-byte big-endian length, then the bytes.
    public static func frame(_ payload: [UInt8]) throws(VPCDFrameError) -> [UInt8] {
        guard !payload.isEmpty else { throw .zeroLength }
        guard payload.count <= maxPayload else { throw .oversized(payload.count, limit: maxPayload) }
        return [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }
}

/// The card side of the vpcd protocol without the socket: turns one message into the answer
/// payload (or `nil` when the message has no answer) by driving an `APDUCard`.
public struct VPCDCardEndpoint: Sendable {
    public let card: any APDUCard
    /// The Answer To Reset sent for "get ATR".
    public let atr: [UInt8]

    /// `3B 80 80 01 01`: direct convention, no historical bytes, offers T=0 and T=1, with TCK.
    public static let defaultATR: [UInt8] = [0x3B, 0x80, 0x80, 0x01, 0x01]

    public init(card: any APDUCard, atr: [UInt8] = VPCDCardEndpoint.defaultATR) {
        self.card = card
        self.atr = atr
    }

    /// Handles one message; a malformed C-APDU is answered with SW `6700` (wrong length).
    public func handle(_ message: VPCDMessage) async -> [UInt8]? {
        switch message {
        case .powerOff:
            return nil
        case .powerOn, .reset:
            await card.reset()
            return nil
        case .getATR:
            return atr
        case let .apdu(bytes):
            let command: CommandAPDU
            do {
                command = try CommandAPDU(bytes: bytes)
            } catch {
                // A real card answers a command whose length fields do not add up with 6700.
                return ResponseAPDU(status: .wrongLength).bytes
            }
            return await card.process(command).bytes
        }
    }
}
