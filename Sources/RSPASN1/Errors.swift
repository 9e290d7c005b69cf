import SwiftASN1

/// A malformed or out-of-range SGP.22 / SAIP encoding. Every decoder in this module throws this
/// type; errors from swift-asn1 are mapped onto it.
public enum RSPASN1Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ends before a tag, length or value is complete (including a length that
    /// claims more bytes than are present).
    case truncated(String)
    /// A length field that DER forbids: indefinite, non-minimal, or wider than 4 bytes.
    case invalidLength(String)
    /// A TLV carries a tag other than the one the structure requires.
    case unexpectedTag(String)
    /// Bytes follow the end of the top-level TLV.
    case trailingData(byteCount: Int)
    /// A field has a size outside its ASN.1 `SIZE` constraint.
    case wrongSize(field: String, expected: String, actual: Int)
    /// A value outside the range this type allows.
    case valueOutOfRange(field: String, value: String)
    /// Any other DER violation (unconsumed fields, bad INTEGER/BOOLEAN/BIT STRING encoding, invalid UTF-8).
    case invalidEncoding(String)

    public var description: String {
        switch self {
        case let .truncated(context): "truncated input: \(context)"
        case let .invalidLength(reason): "invalid DER length: \(reason)"
        case let .unexpectedTag(context): "unexpected tag: \(context)"
        case let .trailingData(count): "\(count) trailing byte(s) after the top-level TLV"
        case let .wrongSize(field, expected, actual): "\(field): expected \(expected) bytes, got \(actual)"
        case let .valueOutOfRange(field, value): "\(field): value \(value) out of range"
        case let .invalidEncoding(reason): "invalid encoding: \(reason)"
        }
    }

    /// Maps any error thrown while decoding onto `RSPASN1Error`.
    init(mapping error: any Error) {
        if let own = error as? RSPASN1Error {
            self = own
            return
        }
        if let asn1 = error as? ASN1Error {
            switch asn1.code {
            case .truncatedASN1Field: self = .truncated("\(asn1)")
            case .unexpectedFieldType: self = .unexpectedTag("\(asn1)")
            case .unsupportedFieldLength: self = .invalidLength("\(asn1)")
            default: self = .invalidEncoding("\(asn1)")
            }
            return
        }
        if let identifierError = error as? IdentifierError {
            self = .invalidEncoding("\(identifierError)")
            return
        }
        self = .invalidEncoding("\(error)")
    }
}

/// The header of one BER/DER TLV: tag bytes, and where the value starts and ends.
public struct TLVHeader: Hashable, Sendable {
    /// The raw tag bytes (1 to 4 bytes, e.g. `[0xBF, 0x36]`).
    public let tag: [UInt8]
    /// Whether the constructed bit of the first tag byte is set.
    public let isConstructed: Bool
    /// Number of tag and length bytes.
    public let headerLength: Int
    /// Number of value bytes.
    public let valueLength: Int
    /// Header plus value.
    public var totalLength: Int { headerLength + valueLength }

    /// Reads the DER header at the start of `bytes` and checks that the value is present in full.
    /// Lengths must be definite and minimally encoded, at most 4 length bytes.
    public static func read(_ bytes: ArraySlice<UInt8>) throws(RSPASN1Error) -> TLVHeader {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { throw .truncated("empty input where a TLV was expected") }
        let first = bytes[index]
        var tag: [UInt8] = [first]
        index += 1
        if first & 0x1F == 0x1F {
            while true {
                guard index < bytes.endIndex else { throw .truncated("multi-byte tag is incomplete") }
                let byte = bytes[index]
                tag.append(byte)
                index += 1
                if byte & 0x80 == 0 { break }
                guard tag.count < 4 else { throw .unexpectedTag("tag longer than 4 bytes") }
            }
        }
        guard index < bytes.endIndex else { throw .truncated("length field missing after tag \(hex(tag))") }
        let lengthByte = bytes[index]
        index += 1
        var length = 0
        if lengthByte < 0x80 {
            length = Int(lengthByte)
        } else if lengthByte == 0x80 {
            throw .invalidLength("indefinite length is not DER")
        } else {
            let count = Int(lengthByte & 0x7F)
            guard count <= 4 else { throw .invalidLength("\(count)-byte length field") }
            guard bytes.endIndex - index >= count else { throw .truncated("length field of tag \(hex(tag)) is incomplete") }
            guard bytes[index] != 0 else { throw .invalidLength("non-minimal length (leading zero byte)") }
            for _ in 0..<count {
                length = (length << 8) | Int(bytes[index])
                index += 1
            }
            guard length >= 0x80 else { throw .invalidLength("non-minimal length \(length) in long form") }
        }
        let headerLength = index - bytes.startIndex
        let available = bytes.endIndex - index
        guard length <= available else {
            throw .truncated("tag \(hex(tag)) declares \(length) value bytes, \(available) present")
        }
        return TLVHeader(tag: tag, isConstructed: first & 0x20 != 0, headerLength: headerLength, valueLength: length)
    }

    /// Splits a concatenation of TLVs into the complete TLVs (tag, length and value each).
    public static func split(_ bytes: ArraySlice<UInt8>) throws(RSPASN1Error) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var rest = bytes
        while !rest.isEmpty {
            let header = try read(rest)
            result.append(Array(rest.prefix(header.totalLength)))
            rest = rest.dropFirst(header.totalLength)
        }
        return result
    }
}

func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
