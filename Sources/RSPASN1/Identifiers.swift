/// eUICC identifier (SGP.29 / SGP.22 `EID`): 32 decimal digits, 16 bytes BCD in natural digit order
/// (`5A 10 89049032…`), the last two digits are ISO/IEC 7064 MOD 97-10 check digits
/// (the 32-digit number mod 97 equals 1).
public struct EID: Hashable, Sendable, CustomStringConvertible {
    /// The 16 BCD bytes as carried in `5A 10` and in the BSP SharedInfo.
    public let bytes: [UInt8]
    /// The 32 decimal digits.
    public let digits: String

    public init(bytes: [UInt8]) throws(IdentifierError) {
        guard bytes.count == 16 else { throw .wrongLength(kind: "EID", expected: 16, actual: bytes.count) }
        let digits = try BCD.digits(fromNatural: bytes, kind: "EID")
        guard digits.count == 32 else { throw .invalidDigits(kind: "EID") }
        try self.init(digits: digits)
    }

    public init(digits: String) throws(IdentifierError) {
        guard digits.count == 32, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidDigits(kind: "EID")
        }
        guard EID.mod97(digits) == 1 else { throw .checkDigitMismatch(kind: "EID") }
        self.digits = digits
        self.bytes = BCD.natural(fromDigits: digits)
    }

    public var description: String { digits }

    /// Returns a valid EID for the 30 leading digits by appending the MOD 97-10 check digits.
    public static func withCheckDigits(prefix30 prefix: String) throws(IdentifierError) -> EID {
        guard prefix.count == 30, prefix.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidDigits(kind: "EID")
        }
        let check = 98 - mod97(prefix + "00")
        let checkDigits = check < 10 ? "0\(check)" : "\(check)"
        return try EID(digits: prefix + checkDigits)
    }

    static func mod97(_ digits: String) -> Int {
        var remainder = 0
        for ch in digits.utf8 { remainder = (remainder * 10 + Int(ch - 0x30)) % 97 }
        return remainder
    }
}

/// Integrated Circuit Card ID (ITU-T E.118): 18–20 digits (19 plus an optional Luhn digit in practice).
/// In RSP messages (`Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10))`, tag `5A`) it is BCD with
/// nibbles swapped and `F`-padded; in the SAIP ProfileHeader (`83`) it is in natural digit order.
public struct ICCID: Hashable, Sendable, CustomStringConvertible {
    /// The digits, 18 to 20 of them.
    public let digits: String

    public init(digits: String) throws(IdentifierError) {
        guard (18...20).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidDigits(kind: "ICCID")
        }
        self.digits = digits
    }

    /// Decodes the 10-byte RSP form (nibble-swapped, `F`-padded), e.g. `98001032547698103214`.
    public init(rspBytes bytes: [UInt8]) throws(IdentifierError) {
        guard bytes.count == 10 else { throw .wrongLength(kind: "ICCID", expected: 10, actual: bytes.count) }
        let swapped = bytes.map { ($0 << 4) | ($0 >> 4) }
        try self.init(digits: BCD.digits(fromNatural: swapped, kind: "ICCID", allowFPadding: true))
    }

    /// Decodes the 10-byte SAIP ProfileHeader form (natural order, `F`-padded), e.g. `89000123456789012341`.
    public init(profileHeaderBytes bytes: [UInt8]) throws(IdentifierError) {
        guard bytes.count == 10 else { throw .wrongLength(kind: "ICCID", expected: 10, actual: bytes.count) }
        try self.init(digits: BCD.digits(fromNatural: bytes, kind: "ICCID", allowFPadding: true))
    }

    /// The 10-byte RSP form (nibble-swapped, `F`-padded).
    public var rspBytes: [UInt8] { profileHeaderBytes.map { ($0 << 4) | ($0 >> 4) } }

    /// The 10-byte SAIP ProfileHeader form (natural order, `F`-padded).
    public var profileHeaderBytes: [UInt8] {
        BCD.natural(fromDigits: digits + String(repeating: "F", count: 20 - digits.count))
    }

    public var description: String { digits }
}

/// A malformed identifier.
public enum IdentifierError: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongLength(kind: String, expected: Int, actual: Int)
    case invalidDigits(kind: String)
    case checkDigitMismatch(kind: String)

    public var description: String {
        switch self {
        case let .wrongLength(kind, expected, actual): "\(kind): expected \(expected) bytes, got \(actual)"
        case let .invalidDigits(kind): "\(kind): invalid digits"
        case let .checkDigitMismatch(kind): "\(kind): check digits do not match"
        }
    }
}

/// Binary-coded decimal helpers, natural nibble order (high nibble = first digit).
enum BCD {
    static func digits(fromNatural bytes: [UInt8], kind: String, allowFPadding: Bool = false) throws(IdentifierError) -> String {
        var out = ""
        var sawPadding = false
        for byte in bytes {
            for nibble in [byte >> 4, byte & 0x0F] {
                if nibble <= 9 {
                    guard !sawPadding else { throw .invalidDigits(kind: kind) }
                    out.append(Character(Unicode.Scalar(0x30 + nibble)))
                } else if nibble == 0x0F && allowFPadding {
                    sawPadding = true
                } else {
                    throw .invalidDigits(kind: kind)
                }
            }
        }
        return out
    }

    /// Packs digits (and `F` padding) two per byte, high nibble first. `digits.count` must be even.
    static func natural(fromDigits digits: String) -> [UInt8] {
        let nibbles = digits.utf8.map { $0 == UInt8(ascii: "F") ? UInt8(0x0F) : $0 - 0x30 }
        return stride(from: 0, to: nibbles.count, by: 2).map { (nibbles[$0] << 4) | nibbles[$0 + 1] }
    }
}
