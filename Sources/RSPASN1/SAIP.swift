import SwiftASN1

/// One SAIP profile element (TCA eUICC Profile Package, `ProfileElement ::= CHOICE {…}`), kept as
/// its complete TLV. The CHOICE index n gives tag `A0+n` (n < 16) or `B0+(n-16)`.
public struct ProfileElement: Hashable, Sendable {
    /// The raw tag bytes (one byte for every PE type up to index 30).
    public let tag: [UInt8]
    /// The complete TLV.
    public let rawDER: [UInt8]
    /// `identification` from the PE's `PEHeader` (`A0 {[80 00], 81 id}`), when present.
    public let identification: Int?

    /// The PE type name from the SAIP ProfileElement CHOICE (e.g. `header`, `mf`, `end`).
    public var name: String {
        guard tag.count == 1, let name = ProfileElement.names[tag[0]] else { return "unknown(\(hex(tag)))" }
        return name
    }

    static let names: [UInt8: String] = [
        0xA0: "header", 0xA1: "genericFileManagement", 0xA2: "pinCodes", 0xA3: "pukCodes", 0xA4: "akaParameter",
        0xA5: "cdmaParameter", 0xA6: "securityDomain", 0xA7: "rfm", 0xA8: "application", 0xA9: "nonStandard",
        0xAA: "end", 0xB0: "mf", 0xB1: "cd", 0xB2: "telecom", 0xB3: "usim", 0xB4: "opt-usim", 0xB5: "isim",
        0xB6: "opt-isim", 0xB7: "phonebook", 0xB8: "gsm-access", 0xB9: "csim", 0xBA: "opt-csim", 0xBB: "eap",
        0xBC: "df-5gs", 0xBD: "df-saip", 0xBE: "df-snpn",
    ]

    init(tlv: [UInt8]) throws(RSPASN1Error) {
        let header = try TLVHeader.read(tlv[...])
        guard header.isConstructed else { throw .unexpectedTag("profile element \(hex(header.tag)) is not constructed") }
        tag = header.tag
        rawDER = tlv
        // PEHeader is the first component of every PE except the ProfileHeader.
        var identification: Int?
        if tlv.first != 0xA0 {
            let value = tlv[header.headerLength...]
            let peHeader = try TLVHeader.read(value)
            if peHeader.tag == [0xA0] {
                let fields = try TLVHeader.split(value.dropFirst(peHeader.headerLength).prefix(peHeader.valueLength))
                if let idField = fields.first(where: { $0.first == 0x81 }), idField.count >= 3, idField.count <= 6 {
                    identification = idField[2...].reduce(0) { $0 << 8 | Int($1) }
                }
            }
        }
        self.identification = identification
    }
}

/// ```
/// ProfileHeader ::= SEQUENCE {
///    major-version UInt8, minor-version UInt8, profileType UTF8String (SIZE (1..100)) OPTIONAL,
///    iccid OCTET STRING (SIZE (10)), pol OCTET STRING OPTIONAL,
///    eUICC-Mandatory-services ServicesList,
///    eUICC-Mandatory-GFSTEList SEQUENCE OF OBJECT IDENTIFIER,
///    connectivityParameters OCTET STRING OPTIONAL,
///    eUICC-Mandatory-AIDs SEQUENCE OF SEQUENCE {…} OPTIONAL, iotOptions [9] SEQUENCE {…} OPTIONAL }
/// ```
/// Automatic tags `80 81 82 83 84 A5 A6 87 A8 A9`; the PE itself is `header [0]` (`A0`). The ICCID
/// is in natural digit order (`89000123456789012341`), unlike RSP `Iccid`.
public struct ProfileHeader: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(0) }
    public var majorVersion: Int
    public var minorVersion: Int
    public var profileType: String?
    public var iccid: ICCID
    public var pol: [UInt8]?
    /// The ServicesList field numbers present (each a NULL with automatic tag `[n]`).
    public var mandatoryServices: [UInt]
    public var mandatoryGFSTEList: [ASN1ObjectIdentifier]
    /// `connectivityParameters`, `eUICC-Mandatory-AIDs`, `iotOptions` and later fields, raw.
    public var otherFields: [[UInt8]]

    /// ServicesList field names by automatic tag number (SAIP v3.3.1).
    public static let serviceNames: [UInt: String] = [
        0: "contactless", 1: "usim", 2: "isim", 3: "csim", 4: "milenage", 5: "tuak128", 6: "cave", 7: "gba-usim",
        8: "gba-isim", 9: "mbms", 10: "eap", 11: "javacard", 12: "multos", 13: "multiple-usim", 14: "multiple-isim",
        15: "multiple-csim", 16: "tuak256", 17: "usim-test-algorithm", 18: "ber-tlv", 19: "dfLink", 20: "cat-tp",
        21: "get-identity", 22: "profile-a-x25519", 23: "profile-b-p256", 24: "suciCalculatorApi", 25: "dns-resolution",
    ]

    /// Names of `mandatoryServices` (`unknown(n)` for numbers this version does not name).
    public var mandatoryServiceNames: [String] { mandatoryServices.map { Self.serviceNames[$0] ?? "unknown(\($0))" } }

    public init(majorVersion: Int, minorVersion: Int, profileType: String?, iccid: ICCID, pol: [UInt8]? = nil,
                mandatoryServices: [UInt], mandatoryGFSTEList: [ASN1ObjectIdentifier], otherFields: [[UInt8]] = []) {
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.profileType = profileType
        self.iccid = iccid
        self.pol = pol
        self.mandatoryServices = mandatoryServices
        self.mandatoryGFSTEList = mandatoryGFSTEList
        self.otherFields = otherFields
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let major = try Decode.int(nodes.required(Tag.ctx(0), "major-version"), Tag.ctx(0))
            let minor = try Decode.int(nodes.required(Tag.ctx(1), "minor-version"), Tag.ctx(1))
            guard (0...255).contains(major), (0...255).contains(minor) else {
                throw RSPASN1Error.valueOutOfRange(field: "ProfileHeader version", value: "\(major).\(minor)")
            }
            let profileType = try nodes.optional(Tag.ctx(2)).map { try Decode.utf8($0, Tag.ctx(2)) }
            let iccidBytes = try Decode.octets(nodes.required(Tag.ctx(3), "iccid"), Tag.ctx(3), field: "iccid", size: 10...10)
            let iccid = try ICCID(profileHeaderBytes: iccidBytes)
            let pol = try nodes.optional(Tag.ctx(4)).map { try Decode.octets($0, Tag.ctx(4)) }
            let services: [UInt] = try DER.sequence(nodes.required(Tag.ctx(5), "eUICC-Mandatory-services"), identifier: Tag.ctx(5)) { list in
                var out: [UInt] = []
                while let service = list.next() {
                    guard service.identifier.tagClass == .contextSpecific else {
                        throw RSPASN1Error.unexpectedTag("ServicesList entry \(service.identifier)")
                    }
                    // A SEQUENCE of OPTIONAL components: each present at most once, in tag order.
                    guard out.last.map({ $0 < service.identifier.tagNumber }) ?? true else {
                        throw RSPASN1Error.unexpectedTag("ServicesList entry \(service.identifier) out of order or repeated")
                    }
                    _ = try ASN1Null(derEncoded: service, withIdentifier: service.identifier)
                    out.append(service.identifier.tagNumber)
                }
                return out
            }
            let gfste: [ASN1ObjectIdentifier] = try DER.sequence(nodes.required(Tag.ctx(6), "eUICC-Mandatory-GFSTEList"), identifier: Tag.ctx(6)) { list in
                var out: [ASN1ObjectIdentifier] = []
                while let oid = list.next() { out.append(try Decode.oid(oid)) }
                return out
            }
            return ProfileHeader(majorVersion: major, minorVersion: minor, profileType: profileType, iccid: iccid, pol: pol,
                                 mandatoryServices: services, mandatoryGFSTEList: gfste, otherFields: nodes.remainingRaw())
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.int(majorVersion, Tag.ctx(0))
            try coder.int(minorVersion, Tag.ctx(1))
            if let profileType { try coder.utf8(profileType, Tag.ctx(2)) }
            try coder.octets(iccid.profileHeaderBytes, Tag.ctx(3))
            if let pol { try coder.octets(pol, Tag.ctx(4)) }
            coder.appendConstructedNode(identifier: Tag.ctx(5)) { coder in
                for service in mandatoryServices.sorted() {
                    ASN1Null().serialize(into: &coder, withIdentifier: Tag.ctx(service))
                }
            }
            try coder.appendConstructedNode(identifier: Tag.ctx(6)) { coder in
                for oid in mandatoryGFSTEList { try coder.serialize(oid) }
            }
            for raw in otherFields { coder.serializeRawBytes(raw) }
        }
    }
}

/// An Unprotected Profile Package: the concatenation of DER `ProfileElement` TLVs, with no outer
/// wrapper. The first PE must be the ProfileHeader (`A0`), the last the `end` PE (`AA`).
public struct ProfileElementSequence: Hashable, Sendable {
    public let header: ProfileHeader
    /// Every PE in order, including the header and the end PE.
    public let elements: [ProfileElement]

    public init(der bytes: [UInt8]) throws(RSPASN1Error) {
        let tlvs = try TLVHeader.split(bytes[...])
        var elements: [ProfileElement] = []
        elements.reserveCapacity(tlvs.count)
        for tlv in tlvs { elements.append(try ProfileElement(tlv: tlv)) }
        guard let first = elements.first, first.tag == [0xA0] else {
            throw .unexpectedTag("a UPP must start with the ProfileHeader PE (A0)")
        }
        guard let last = elements.last, last.tag == [0xAA], elements.count > 1 else {
            throw .unexpectedTag("a UPP must end with the end PE (AA)")
        }
        self.header = try ProfileHeader(der: first.rawDER)
        self.elements = elements
    }

    /// The PEs concatenated again (identical to the parsed input).
    public var derEncoded: [UInt8] { elements.flatMap(\.rawDER) }
}
