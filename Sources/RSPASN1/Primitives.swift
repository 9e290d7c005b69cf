import SwiftASN1

// MARK: - Tags

/// Identifier shorthands: `ctx(1)` is `[1]` (`81`/`A1`), `app(55)` is `[APPLICATION 55]` (`5F37`),
/// `priv(3)` is `[PRIVATE 3]` (`E3`).
enum Tag {
    static func ctx(_ number: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: number, tagClass: .contextSpecific) }
    static func app(_ number: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: number, tagClass: .application) }
    static func priv(_ number: UInt) -> ASN1Identifier { ASN1Identifier(tagWithNumber: number, tagClass: .private) }
    /// `Iccid ::= [APPLICATION 26]`, tag `5A`.
    static let iccid = app(26)
    /// `[APPLICATION 15]`, tag `4F` (ISD-P AID).
    static let aid = app(15)
    /// `[APPLICATION 55]`, tag `5F37` (signatures).
    static let signature = app(55)
    /// `[APPLICATION 73]`, tag `5F49` (one-time public keys).
    static let otpk = app(73)
    /// `[APPLICATION 28]`, tag `5C` (tag lists).
    static let tagList = app(28)
}

// MARK: - Top-level message entry points

/// A complete SGP.22 message or structure that can be decoded from and encoded to one DER TLV.
public protocol RSPMessage: DERParseable, DERSerializable, Hashable, Sendable {}

extension RSPMessage {
    /// Decodes exactly one DER TLV. Truncated input, DER length violations, a wrong tag,
    /// trailing bytes and constraint violations all throw; no partial value is returned.
    public init(der bytes: [UInt8]) throws(RSPASN1Error) {
        let header = try TLVHeader.read(bytes[...])
        guard header.totalLength == bytes.count else {
            throw .trailingData(byteCount: bytes.count - header.totalLength)
        }
        do {
            self = try Self(derEncoded: DER.parse(bytes))
        } catch {
            throw RSPASN1Error(mapping: error)
        }
    }

    /// The DER encoding. Signed parts are emitted as the bytes they were received or built with.
    public func derEncoded() throws(RSPASN1Error) -> [UInt8] {
        try encodeDER { try $0.serialize(self) }
    }
}

/// Runs a serializer body and maps failures onto `RSPASN1Error`.
func encodeDER(_ body: (inout DER.Serializer) throws -> Void) throws(RSPASN1Error) -> [UInt8] {
    var coder = DER.Serializer()
    do {
        try body(&coder)
    } catch {
        throw RSPASN1Error(mapping: error)
    }
    return coder.serializedBytes
}

// MARK: - Decoding helpers

extension ASN1NodeCollection.Iterator {
    /// The next node, which must carry `identifier`.
    mutating func required(_ identifier: ASN1Identifier, _ field: String) throws -> ASN1Node {
        guard let node = next() else { throw RSPASN1Error.invalidEncoding("missing field \(field)") }
        guard node.identifier == identifier else {
            throw RSPASN1Error.unexpectedTag("\(field): expected \(identifier), found \(node.identifier)")
        }
        return node
    }

    /// The next node if it carries `identifier`; otherwise nothing is consumed.
    mutating func optional(_ identifier: ASN1Identifier) -> ASN1Node? {
        var copy = self
        guard let node = copy.next(), node.identifier == identifier else { return nil }
        self = copy
        return node
    }

    /// Every remaining node, as raw TLV bytes (for extensions this version does not model).
    mutating func remainingRaw() -> [[UInt8]] {
        var out: [[UInt8]] = []
        while let node = next() { out.append(Array(node.encodedBytes)) }
        return out
    }
}

enum Decode {
    /// A field kept as its raw TLV (a SEQUENCE this version does not model): it must be the constructed
    /// encoding the encoder would write (`firstTagByte`), so what is accepted re-encodes.
    static func rawTLV(_ node: ASN1Node, field: String, firstTagByte: UInt8) throws -> [UInt8] {
        let raw = Array(node.encodedBytes)
        try Validate.singleTLV(raw, field: field, firstTagByte: firstTagByte)
        return raw
    }

    static func octets(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> [UInt8] {
        Array(try ASN1OctetString(derEncoded: node, withIdentifier: identifier).bytes)
    }

    static func octets(_ node: ASN1Node, _ identifier: ASN1Identifier, field: String, size: ClosedRange<Int>) throws -> [UInt8] {
        let bytes = try octets(node, identifier)
        try Validate.size(bytes, field: field, size)
        return bytes
    }

    static func utf8(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> String {
        let bytes = Array(try ASN1UTF8String(derEncoded: node, withIdentifier: identifier).bytes)
        let string = String(decoding: bytes, as: UTF8.self)
        guard Array(string.utf8) == bytes else { throw RSPASN1Error.invalidEncoding("invalid UTF-8 in \(identifier)") }
        return string
    }

    static func int(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> Int {
        try Int(derEncoded: node, withIdentifier: identifier)
    }

    static func bool(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> Bool {
        try Bool(derEncoded: node, withIdentifier: identifier)
    }

    static func oid(_ node: ASN1Node, _ identifier: ASN1Identifier = .objectIdentifier) throws -> ASN1ObjectIdentifier {
        try ASN1ObjectIdentifier(derEncoded: node, withIdentifier: identifier)
    }

    /// The complete TLV bytes of a node (tag, length and value), e.g. a certificate.
    static func tlv(_ node: ASN1Node, _ identifier: ASN1Identifier, field: String) throws -> [UInt8] {
        guard node.identifier == identifier else {
            throw RSPASN1Error.unexpectedTag("\(field): expected \(identifier), found \(node.identifier)")
        }
        return Array(node.encodedBytes)
    }

    /// `SEQUENCE OF OCTET STRING` (e.g. a list of SubjectKeyIdentifiers) under `identifier`.
    static func octetsList(_ node: ASN1Node, _ identifier: ASN1Identifier, element: ASN1Identifier = .octetString) throws -> [[UInt8]] {
        try DER.sequence(node, identifier: identifier) { nodes in
            var out: [[UInt8]] = []
            while let child = nodes.next() { out.append(try octets(child, element)) }
            return out
        }
    }
}

extension DER.Serializer {
    mutating func octets(_ bytes: [UInt8], _ identifier: ASN1Identifier) throws {
        try serialize(ASN1OctetString(contentBytes: bytes[...]), explicitlyTaggedWithIdentifierOrImplicit: identifier)
    }

    mutating func utf8(_ string: String, _ identifier: ASN1Identifier) throws {
        try ASN1UTF8String(string).serialize(into: &self, withIdentifier: identifier)
    }

    mutating func int(_ value: Int, _ identifier: ASN1Identifier) throws {
        try value.serialize(into: &self, withIdentifier: identifier)
    }

    mutating func bool(_ value: Bool, _ identifier: ASN1Identifier) throws {
        try value.serialize(into: &self, withIdentifier: identifier)
    }

    mutating func octetsList(_ list: [[UInt8]], _ identifier: ASN1Identifier) throws {
        try appendConstructedNode(identifier: identifier) { coder in
            for item in list { try coder.octets(item, .octetString) }
        }
    }

    fileprivate mutating func serialize(_ value: ASN1OctetString, explicitlyTaggedWithIdentifierOrImplicit identifier: ASN1Identifier) throws {
        try value.serialize(into: &self, withIdentifier: identifier)
    }
}

enum Validate {
    static func size(_ bytes: [UInt8], field: String, _ size: ClosedRange<Int>) throws(RSPASN1Error) {
        guard size.contains(bytes.count) else {
            let expected = size.lowerBound == size.upperBound ? "\(size.lowerBound)" : "\(size.lowerBound)...\(size.upperBound)"
            throw .wrongSize(field: field, expected: expected, actual: bytes.count)
        }
    }

    /// Checks that `bytes` is exactly one DER TLV with the given first tag byte (e.g. `0x30` for a certificate).
    static func singleTLV(_ bytes: [UInt8], field: String, firstTagByte: UInt8) throws(RSPASN1Error) {
        let header = try TLVHeader.read(bytes[...])
        guard bytes.first == firstTagByte else {
            throw .unexpectedTag("\(field): expected \(hex([firstTagByte])), found \(hex(header.tag))")
        }
        guard header.totalLength == bytes.count else {
            throw .trailingData(byteCount: bytes.count - header.totalLength)
        }
    }

    static func utf8Length(_ string: String, field: String, max: Int) throws(RSPASN1Error) {
        // The ASN.1 SIZE of a UTF8String counts characters; the byte count bounds it from above.
        let count = string.unicodeScalars.count
        guard count <= max else { throw .wrongSize(field: field, expected: "0...\(max) characters", actual: count) }
    }
}

// MARK: - Basic SGP.22 types

/// `TransactionId ::= OCTET STRING (SIZE(1..16))`. Rendered as an upper-case hex string in
/// ES9+ JSON (SGP.22 §6.5).
public struct TransactionID: Hashable, Sendable, CustomStringConvertible, Codable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) throws(RSPASN1Error) {
        try Validate.size(bytes, field: "transactionId", 1...16)
        self.bytes = bytes
    }

    /// Parses the JSON form (hex digits, either case).
    public init(hex string: String) throws(RSPASN1Error) {
        let digits = Array(string.utf8)
        guard digits.count % 2 == 0 else { throw .invalidEncoding("transactionId: odd number of hex digits") }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else {
                throw .invalidEncoding("transactionId: non-hex character")
            }
            bytes.append(high << 4 | low)
        }
        try self.init(bytes)
    }

    /// Upper-case hex of the value bytes, as used in ES9+ JSON.
    public var hex: String { RSPASN1.hex(bytes) }
    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        try self.init(hex: string)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> TransactionID {
        try TransactionID(Decode.octets(node, identifier))
    }
}

private func hexValue(_ char: UInt8) -> UInt8? {
    switch char {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// An SGP.22 ECDSA signature `[APPLICATION 55] OCTET STRING` (tag `5F37`): plain `r‖s`, 64 bytes
/// (BSI TR-03111 format, not DER `Ecdsa-Sig-Value`).
public struct ECDSASignature: DERImplicitlyTaggable, Hashable, Sendable {
    public static var defaultIdentifier: ASN1Identifier { Tag.signature }
    /// The 64 bytes `r‖s`.
    public let rawValue: [UInt8]

    public init(_ rawValue: [UInt8]) throws(RSPASN1Error) {
        try Validate.size(rawValue, field: "signature", 64...64)
        self.rawValue = rawValue
    }

    public var r: ArraySlice<UInt8> { rawValue[0..<32] }
    public var s: ArraySlice<UInt8> { rawValue[32..<64] }

    /// The complete TLV `5F 37 40 ‖ r‖s`, as included in the smdpSignature2/euiccSignature2 inputs.
    public var tlv: [UInt8] { [0x5F, 0x37, 0x40] + rawValue }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        try self.init(Decode.octets(node, identifier))
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.octets(rawValue, identifier)
    }
}

/// `VersionType ::= OCTET STRING(SIZE(3))`: major, minor, revision as binary bytes (`02 00 0C` = v2.0.12).
public struct VersionType: Hashable, Sendable, CustomStringConvertible {
    public var major: UInt8
    public var minor: UInt8
    public var revision: UInt8

    public init(_ major: UInt8, _ minor: UInt8, _ revision: UInt8) {
        self.major = major
        self.minor = minor
        self.revision = revision
    }

    public var bytes: [UInt8] { [major, minor, revision] }
    public var description: String { "\(major).\(minor).\(revision)" }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier, field: String) throws -> VersionType {
        let bytes = try Decode.octets(node, identifier, field: field, size: 3...3)
        return VersionType(bytes[0], bytes[1], bytes[2])
    }
}

/// A BIT STRING with named bits, kept exactly as encoded (bytes and unused-bit count) so it
/// round-trips. Bit 0 is the most significant bit of the first byte (X.680 numbering).
public struct NamedBits: Hashable, Sendable {
    public let bytes: [UInt8]
    public let unusedBits: Int

    public init(bytes: [UInt8], unusedBits: Int) throws(RSPASN1Error) {
        guard (0...7).contains(unusedBits), !(bytes.isEmpty && unusedBits != 0) else {
            throw .valueOutOfRange(field: "BIT STRING unused bits", value: "\(unusedBits)")
        }
        if let last = bytes.last, last & UInt8((1 << unusedBits) - 1) != 0 {
            throw .invalidEncoding("BIT STRING padding bits are not zero")
        }
        self.bytes = bytes
        self.unusedBits = unusedBits
    }

    /// The DER form of a named-bit list: trailing zero bits removed.
    public init(setBits: some Sequence<Int>) {
        let bits = Set(setBits.filter { $0 >= 0 })
        guard let highest = bits.max() else {
            self.bytes = []
            self.unusedBits = 0
            return
        }
        var bytes = [UInt8](repeating: 0, count: highest / 8 + 1)
        for bit in bits { bytes[bit / 8] |= 0x80 >> UInt8(bit % 8) }
        self.bytes = bytes
        self.unusedBits = 7 - highest % 8
    }

    public func contains(_ bit: Int) -> Bool {
        guard bit >= 0, bit / 8 < bytes.count, bit < bytes.count * 8 - unusedBits else { return false }
        return bytes[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0
    }

    /// The numbers of all set bits, ascending.
    public var setBits: [Int] { (0..<(bytes.count * 8)).filter { contains($0) } }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> NamedBits {
        let bitString = try ASN1BitString(derEncoded: node, withIdentifier: identifier)
        return try NamedBits(bytes: Array(bitString.bytes), unusedBits: bitString.paddingBits)
    }

    func serialize(into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try ASN1BitString(bytes: bytes[...], paddingBits: unusedBits).serialize(into: &coder, withIdentifier: identifier)
    }
}

/// An ASN.1 `INTEGER { name(n), … }` kept as its number so values this version does not name
/// still round-trip. `description` gives the spec name where known.
public protocol IntegerCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible where RawValue == Int {
    init(rawValue: Int)
    static var names: [Int: String] { get }
}

extension IntegerCode {
    public var description: String { Self.names[rawValue] ?? "unknown(\(rawValue))" }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> Self {
        Self(rawValue: try Decode.int(node, identifier))
    }

    func serialize(into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try coder.int(rawValue, identifier)
    }
}

/// Certificates and other nested structures carried as exact DER bytes.
enum RawTLV {
    static func serialize(_ bytes: [UInt8], into coder: inout DER.Serializer) {
        coder.serializeRawBytes(bytes)
    }
}

extension ICCID {
    /// Decodes the RSP `Iccid` form (tag `5A`, 10 bytes nibble-swapped).
    static func decodeRSP(_ node: ASN1Node, _ identifier: ASN1Identifier = Tag.iccid) throws -> ICCID {
        let bytes = try Decode.octets(node, identifier, field: "iccid", size: 10...10)
        return try ICCID(rspBytes: bytes)
    }

    func serializeRSP(into coder: inout DER.Serializer, _ identifier: ASN1Identifier = Tag.iccid) throws {
        try coder.octets(rspBytes, identifier)
    }
}
