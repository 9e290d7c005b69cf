/// A malformed APDU or an APDU field out of its ISO/IEC 7816-4 range.
public enum APDUError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the smallest valid encoding (4 for a command, 2 for a response).
    case tooShort(Int)
    /// The body length does not match any of the ISO 7816-4 cases for the Lc/Le bytes present.
    case lengthMismatch(String)
    /// Command data longer than 65 535 bytes (extended Lc maximum).
    case dataTooLong(Int)
    /// Le outside 1…65 536.
    case expectedLengthOutOfRange(Int)

    public var description: String {
        switch self {
        case let .tooShort(count): "APDU too short: \(count) byte(s)"
        case let .lengthMismatch(reason): "APDU length fields inconsistent: \(reason)"
        case let .dataTooLong(count): "APDU command data of \(count) bytes exceeds 65535"
        case let .expectedLengthOutOfRange(le): "APDU Le \(le) outside 1...65536"
        }
    }
}

/// An ISO/IEC 7816-4 command APDU: header `CLA INS P1 P2`, optional data (Lc), optional Le.
/// Encodes as short form when the data is ≤ 255 bytes and Le ≤ 256, extended form otherwise.
public struct CommandAPDU: Hashable, Sendable, CustomStringConvertible {
    public let cla: UInt8
    public let ins: UInt8
    public let p1: UInt8
    public let p2: UInt8
    public let data: [UInt8]
    /// Expected response length (`Ne`), 1…65 536; `nil` when no Le field is sent.
    /// 256 encodes as short `00`, 65 536 as extended `00 00`.
    public let le: Int?

    public init(cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil) throws(APDUError) {
        guard data.count <= 65_535 else { throw .dataTooLong(data.count) }
        if let le, !(1...65_536).contains(le) { throw .expectedLengthOutOfRange(le) }
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
    }

    /// Whether the encoding uses extended length fields.
    public var isExtended: Bool { data.count > 255 || (le ?? 0) > 256 }

    /// The wire bytes (cases 1, 2S/3S/4S, 2E/3E/4E).
    public var bytes: [UInt8] {
        var out = [cla, ins, p1, p2]
        if isExtended {
            if !data.isEmpty {
                out += [0x00, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
            }
            if let le {
                let value = le == 65_536 ? 0 : le
                if data.isEmpty { out.append(0x00) }
                out += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
        } else {
            if !data.isEmpty { out += [UInt8(data.count)] + data }
            if let le { out.append(le == 256 ? 0 : UInt8(le)) }
        }
        return out
    }

    /// Parses the wire bytes of a command APDU; every length field must agree with the byte count.
    public init(bytes: [UInt8]) throws(APDUError) {
        guard bytes.count >= 4 else { throw .tooShort(bytes.count) }
        let body = Array(bytes[4...])
        var data: [UInt8] = []
        var le: Int?
        switch body.count {
        case 0:
            break
        case 1:
            le = body[0] == 0 ? 256 : Int(body[0])
        default:
            if body[0] != 0 {
                let lc = Int(body[0])
                if body.count == 1 + lc {
                    data = Array(body[1...])
                } else if body.count == 2 + lc {
                    data = Array(body[1...lc])
                    le = body[lc + 1] == 0 ? 256 : Int(body[lc + 1])
                } else {
                    throw .lengthMismatch("short Lc \(lc) with \(body.count - 1) following byte(s)")
                }
            } else {
                guard body.count >= 3 else { throw .lengthMismatch("extended length field incomplete") }
                let first = Int(body[1]) << 8 | Int(body[2])
                if body.count == 3 {
                    le = first == 0 ? 65_536 : first
                } else {
                    guard first != 0 else { throw .lengthMismatch("extended Lc of 0") }
                    if body.count == 3 + first {
                        data = Array(body[3...])
                    } else if body.count == 5 + first {
                        data = Array(body[3..<(3 + first)])
                        let value = Int(body[3 + first]) << 8 | Int(body[4 + first])
                        le = value == 0 ? 65_536 : value
                    } else {
                        throw .lengthMismatch("extended Lc \(first) with \(body.count - 3) following byte(s)")
                    }
                }
            }
        }
        try self.init(cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3], data: data, le: le)
    }

    public var description: String {
        "CommandAPDU(\(hexString([cla, ins, p1, p2])) Lc=\(data.count) Le=\(le.map(String.init) ?? "-"))"
    }
}

/// A status word `SW1 SW2` (ISO/IEC 7816-4 §5.6).
public struct StatusWord: Hashable, Sendable, CustomStringConvertible {
    public let sw1: UInt8
    public let sw2: UInt8

    public init(_ sw1: UInt8, _ sw2: UInt8) {
        self.sw1 = sw1
        self.sw2 = sw2
    }

    public init(_ value: UInt16) {
        self.init(UInt8(value >> 8), UInt8(value & 0xFF))
    }

    public var value: UInt16 { UInt16(sw1) << 8 | UInt16(sw2) }

    public static let success = StatusWord(0x9000)
    public static let wrongLength = StatusWord(0x6700)
    public static let logicalChannelNotSupported = StatusWord(0x6881)
    public static let securityStatusNotSatisfied = StatusWord(0x6982)
    public static let conditionsOfUseNotSatisfied = StatusWord(0x6985)
    public static let incorrectData = StatusWord(0x6A80)
    public static let functionNotSupported = StatusWord(0x6A81)
    public static let fileNotFound = StatusWord(0x6A82)
    public static let notEnoughMemory = StatusWord(0x6A84)
    public static let incorrectP1P2 = StatusWord(0x6A86)
    public static let referencedDataNotFound = StatusWord(0x6A88)
    public static let insNotSupported = StatusWord(0x6D00)
    public static let claNotSupported = StatusWord(0x6E00)
    public static let noPreciseDiagnosis = StatusWord(0x6F00)

    /// `61xx`: more response bytes are available with GET RESPONSE.
    public var hasMoreData: Bool { sw1 == 0x61 }
    /// `90 00` or `91 xx` (proactive command pending, still a success).
    public var isSuccess: Bool { value == 0x9000 || sw1 == 0x91 }

    public var description: String { hexString([sw1, sw2]) }
}

/// An ISO/IEC 7816-4 response APDU: response data followed by `SW1 SW2`.
public struct ResponseAPDU: Hashable, Sendable, CustomStringConvertible {
    public let data: [UInt8]
    public let status: StatusWord

    public init(data: [UInt8] = [], status: StatusWord) {
        self.data = data
        self.status = status
    }

    public init(bytes: [UInt8]) throws(APDUError) {
        guard bytes.count >= 2 else { throw .tooShort(bytes.count) }
        self.data = Array(bytes.dropLast(2))
        self.status = StatusWord(bytes[bytes.count - 2], bytes[bytes.count - 1])
    }

    public var bytes: [UInt8] { data + [status.sw1, status.sw2] }

    public var description: String { "ResponseAPDU(\(data.count) byte(s), SW \(status))" }
}

/// Logical channel encoding in CLA (ISO/IEC 7816-4 §5.4.1).
public enum LogicalChannel {
    /// The CLA for `channel` (0…19) on the class `base` (`0x00` interindustry or `0x80` proprietary):
    /// channels 0–3 in bits b2b1 (`0x0N`/`0x8N`), channels 4–19 as `0x40`/`0xC0` plus `channel − 4`.
    public static func cla(base: UInt8, channel: UInt8) -> UInt8 {
        if channel <= 3 { return (base & 0x80) | channel }
        return (base & 0x80) | 0x40 | ((channel - 4) & 0x0F)
    }

    /// The channel number a CLA addresses.
    public static func channel(ofCLA cla: UInt8) -> UInt8 {
        cla & 0x40 == 0 ? cla & 0x03 : (cla & 0x0F) + 4
    }
}

func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    bytes.map { byte in
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }.joined()
}
