import SwiftASN1

/// ```
/// NotificationEvent ::= BIT STRING {
///    notificationInstall(0), notificationEnable(1), notificationDisable(2), notificationDelete(3) }
/// ```
/// DER named-bit encoding trims trailing zero bits: install `07 80`, enable `06 40`,
/// disable `05 20`, delete `04 10`.
public struct NotificationEvent: OptionSet, Hashable, Sendable {
    /// Bit n of the BIT STRING is `1 << n` here.
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let install = NotificationEvent(rawValue: 1 << 0)
    public static let enable = NotificationEvent(rawValue: 1 << 1)
    public static let disable = NotificationEvent(rawValue: 1 << 2)
    public static let delete = NotificationEvent(rawValue: 1 << 3)

    var namedBits: NamedBits { NamedBits(setBits: (0..<8).filter { rawValue & (1 << $0) != 0 }) }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> NotificationEvent {
        let bits = try NamedBits.decode(node, identifier)
        let set = bits.setBits
        guard set.allSatisfy({ $0 < 8 }) else {
            throw RSPASN1Error.valueOutOfRange(field: "NotificationEvent", value: "bit \(set.max() ?? 0)")
        }
        return NotificationEvent(rawValue: set.reduce(0) { $0 | UInt8(1 << $1) })
    }

    func serialize(into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try namedBits.serialize(into: &coder, identifier)
    }
}

/// `ProfileClass ::= INTEGER {test(0), provisioning(1), operational(2)}`
public struct ProfileClass: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let test = Self(rawValue: 0)
    public static let provisioning = Self(rawValue: 1)
    public static let operational = Self(rawValue: 2)
    public static let names = [0: "test", 1: "provisioning", 2: "operational"]
}

/// `IconType ::= INTEGER {jpg(0), png(1)}`
public struct IconType: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let jpg = Self(rawValue: 0)
    public static let png = Self(rawValue: 1)
    public static let names = [0: "jpg", 1: "png"]
}

/// `ProfileState ::= INTEGER {disabled(0), enabled(1)}`
public struct ProfileState: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let disabled = Self(rawValue: 0)
    public static let enabled = Self(rawValue: 1)
    public static let names = [0: "disabled", 1: "enabled"]
}

/// ```
/// NotificationConfigurationInformation ::= SEQUENCE {
///    profileManagementOperation NotificationEvent, notificationAddress UTF8String }
/// ```
/// Automatic tags `80`, `81`.
public struct NotificationConfigurationInformation: Hashable, Sendable {
    public var profileManagementOperation: NotificationEvent
    public var notificationAddress: String

    public init(profileManagementOperation: NotificationEvent, notificationAddress: String) {
        self.profileManagementOperation = profileManagementOperation
        self.notificationAddress = notificationAddress
    }

    static func decodeList(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> [NotificationConfigurationInformation] {
        try DER.sequence(node, identifier: identifier) { nodes in
            var out: [NotificationConfigurationInformation] = []
            while let item = nodes.next() {
                out.append(try DER.sequence(item, identifier: .sequence) { fields in
                    NotificationConfigurationInformation(
                        profileManagementOperation: try NotificationEvent.decode(fields.required(Tag.ctx(0), "profileManagementOperation"), Tag.ctx(0)),
                        notificationAddress: try Decode.utf8(fields.required(Tag.ctx(1), "notificationAddress"), Tag.ctx(1)))
                })
            }
            return out
        }
    }

    static func serializeList(_ list: [NotificationConfigurationInformation], into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            for item in list {
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try item.profileManagementOperation.serialize(into: &coder, Tag.ctx(0))
                    try coder.utf8(item.notificationAddress, Tag.ctx(1))
                }
            }
        }
    }
}

/// ```
/// OperatorId ::= SEQUENCE {
///    mccMnc OCTET STRING (SIZE(3)), gid1 OCTET STRING OPTIONAL, gid2 OCTET STRING OPTIONAL }
/// ```
/// Automatic tags `80`, `81`, `82`.
public struct OperatorId: Hashable, Sendable {
    public let mccMnc: [UInt8]
    public let gid1: [UInt8]?
    public let gid2: [UInt8]?

    public init(mccMnc: [UInt8], gid1: [UInt8]? = nil, gid2: [UInt8]? = nil) throws(RSPASN1Error) {
        try Validate.size(mccMnc, field: "mccMnc", 3...3)
        self.mccMnc = mccMnc
        self.gid1 = gid1
        self.gid2 = gid2
    }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> OperatorId {
        try DER.sequence(node, identifier: identifier) { nodes in
            try OperatorId(
                mccMnc: Decode.octets(nodes.required(Tag.ctx(0), "mccMnc"), Tag.ctx(0)),
                gid1: nodes.optional(Tag.ctx(1)).map { try Decode.octets($0, Tag.ctx(1)) },
                gid2: nodes.optional(Tag.ctx(2)).map { try Decode.octets($0, Tag.ctx(2)) })
        }
    }

    func serialize(into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.octets(mccMnc, Tag.ctx(0))
            if let gid1 { try coder.octets(gid1, Tag.ctx(1)) }
            if let gid2 { try coder.octets(gid2, Tag.ctx(2)) }
        }
    }
}

/// ```
/// StoreMetadataRequest ::= [37] SEQUENCE { -- Tag 'BF25'
///    iccid Iccid, serviceProviderName [17] UTF8String (SIZE(0..32)),
///    profileName [18] UTF8String (SIZE(0..64)), iconType [19] IconType OPTIONAL,
///    icon [20] OCTET STRING (SIZE(0..1024)) OPTIONAL, profileClass [21] ProfileClass DEFAULT operational,
///    notificationConfigurationInfo [22] SEQUENCE OF NotificationConfigurationInformation OPTIONAL,
///    profileOwner [23] OperatorId OPTIONAL, profilePolicyRules [25] PprIds OPTIONAL,
///    serviceSpecificDataStoredInEuicc [34] VendorSpecificExtension OPTIONAL,
///    serviceSpecificDataNotStoredInEuicc [35] VendorSpecificExtension OPTIONAL }
/// ```
/// Tags `5A 91 92 93 94 95 B6 B7 99 BF22 BF23`. `profileClass` is omitted when operational (DER
/// DEFAULT). VendorSpecificExtension values are kept as raw TLVs.
public struct StoreMetadataRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(37) }
    public let iccid: ICCID
    public let serviceProviderName: String
    public let profileName: String
    public let iconType: IconType?
    public let icon: [UInt8]?
    public let profileClass: ProfileClass
    public let notificationConfigurationInfo: [NotificationConfigurationInformation]?
    public let profileOwner: OperatorId?
    /// PprIds: pprUpdateControl(0), ppr1(1), ppr2(2).
    public let profilePolicyRules: NamedBits?
    public let serviceSpecificDataStoredInEuicc: [UInt8]?
    public let serviceSpecificDataNotStoredInEuicc: [UInt8]?

    public init(
        iccid: ICCID, serviceProviderName: String, profileName: String, iconType: IconType? = nil, icon: [UInt8]? = nil,
        profileClass: ProfileClass = .operational, notificationConfigurationInfo: [NotificationConfigurationInformation]? = nil,
        profileOwner: OperatorId? = nil, profilePolicyRules: NamedBits? = nil,
        serviceSpecificDataStoredInEuicc: [UInt8]? = nil, serviceSpecificDataNotStoredInEuicc: [UInt8]? = nil
    ) throws(RSPASN1Error) {
        try Validate.utf8Length(serviceProviderName, field: "serviceProviderName", max: 32)
        try Validate.utf8Length(profileName, field: "profileName", max: 64)
        if let icon { try Validate.size(icon, field: "icon", 0...1024) }
        if let raw = serviceSpecificDataStoredInEuicc { try Validate.singleTLV(raw, field: "serviceSpecificDataStoredInEuicc", firstTagByte: 0xBF) }
        if let raw = serviceSpecificDataNotStoredInEuicc { try Validate.singleTLV(raw, field: "serviceSpecificDataNotStoredInEuicc", firstTagByte: 0xBF) }
        self.iccid = iccid
        self.serviceProviderName = serviceProviderName
        self.profileName = profileName
        self.iconType = iconType
        self.icon = icon
        self.profileClass = profileClass
        self.notificationConfigurationInfo = notificationConfigurationInfo
        self.profileOwner = profileOwner
        self.profilePolicyRules = profilePolicyRules
        self.serviceSpecificDataStoredInEuicc = serviceSpecificDataStoredInEuicc
        self.serviceSpecificDataNotStoredInEuicc = serviceSpecificDataNotStoredInEuicc
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try StoreMetadataRequest(
                iccid: ICCID.decodeRSP(nodes.required(Tag.iccid, "iccid")),
                serviceProviderName: Decode.utf8(nodes.required(Tag.ctx(17), "serviceProviderName"), Tag.ctx(17)),
                profileName: Decode.utf8(nodes.required(Tag.ctx(18), "profileName"), Tag.ctx(18)),
                iconType: nodes.optional(Tag.ctx(19)).map { try IconType.decode($0, Tag.ctx(19)) },
                icon: nodes.optional(Tag.ctx(20)).map { try Decode.octets($0, Tag.ctx(20)) },
                profileClass: nodes.optional(Tag.ctx(21)).map { try ProfileClass.decode($0, Tag.ctx(21)) } ?? .operational,
                notificationConfigurationInfo: nodes.optional(Tag.ctx(22)).map { try NotificationConfigurationInformation.decodeList($0, Tag.ctx(22)) },
                profileOwner: nodes.optional(Tag.ctx(23)).map { try OperatorId.decode($0, Tag.ctx(23)) },
                profilePolicyRules: nodes.optional(Tag.ctx(25)).map { try NamedBits.decode($0, Tag.ctx(25)) },
                serviceSpecificDataStoredInEuicc: try nodes.optional(Tag.ctx(34)).map {
                    try Decode.rawTLV($0, field: "serviceSpecificDataStoredInEuicc", firstTagByte: 0xBF)
                },
                serviceSpecificDataNotStoredInEuicc: try nodes.optional(Tag.ctx(35)).map {
                    try Decode.rawTLV($0, field: "serviceSpecificDataNotStoredInEuicc", firstTagByte: 0xBF)
                })
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try iccid.serializeRSP(into: &coder)
            try coder.utf8(serviceProviderName, Tag.ctx(17))
            try coder.utf8(profileName, Tag.ctx(18))
            if let iconType { try iconType.serialize(into: &coder, Tag.ctx(19)) }
            if let icon { try coder.octets(icon, Tag.ctx(20)) }
            if profileClass != .operational { try profileClass.serialize(into: &coder, Tag.ctx(21)) }
            if let notificationConfigurationInfo {
                try NotificationConfigurationInformation.serializeList(notificationConfigurationInfo, into: &coder, Tag.ctx(22))
            }
            if let profileOwner { try profileOwner.serialize(into: &coder, Tag.ctx(23)) }
            if let profilePolicyRules { try profilePolicyRules.serialize(into: &coder, Tag.ctx(25)) }
            if let serviceSpecificDataStoredInEuicc { coder.serializeRawBytes(serviceSpecificDataStoredInEuicc) }
            if let serviceSpecificDataNotStoredInEuicc { coder.serializeRawBytes(serviceSpecificDataNotStoredInEuicc) }
        }
    }
}
