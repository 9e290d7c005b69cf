import SwiftASN1

/// `profileIdentifier CHOICE { isdpAid [APPLICATION 15] OctetTo16, iccid Iccid }` (tags `4F` / `5A`).
public enum ProfileIdentifier: Hashable, Sendable {
    case isdpAid([UInt8])
    case iccid(ICCID)

    static func decode(_ node: ASN1Node) throws -> ProfileIdentifier {
        switch node.identifier {
        case Tag.aid: return .isdpAid(try Decode.octets(node, Tag.aid, field: "isdpAid", size: 1...16))
        case Tag.iccid: return .iccid(try ICCID.decodeRSP(node))
        default: throw RSPASN1Error.unexpectedTag("profile identifier \(node.identifier)")
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .isdpAid(let aid):
            try Validate.size(aid, field: "isdpAid", 1...16)
            try coder.octets(aid, Tag.aid)
        case .iccid(let iccid):
            try iccid.serializeRSP(into: &coder)
        }
    }
}

/// ```
/// ProfileInfo ::= [PRIVATE 3] SEQUENCE { -- Tag 'E3'
///    iccid Iccid OPTIONAL, isdpAid [APPLICATION 15] OctetTo16 OPTIONAL,
///    profileState [112] ProfileState OPTIONAL, profileNickname [16] UTF8String OPTIONAL,
///    serviceProviderName [17] UTF8String OPTIONAL, profileName [18] UTF8String OPTIONAL,
///    iconType [19] IconType OPTIONAL, icon [20] OCTET STRING OPTIONAL,
///    profileClass [21] ProfileClass OPTIONAL,
///    notificationConfigurationInfo [22] SEQUENCE OF NotificationConfigurationInformation OPTIONAL,
///    profileOwner [23] OperatorId OPTIONAL, dpProprietaryData [24] DpProprietaryData OPTIONAL,
///    profilePolicyRules [25] PprIds OPTIONAL,
///    serviceSpecificDataStoredInEuicc [34] VendorSpecificExtension OPTIONAL }
/// ```
/// Tags `5A 4F 9F70 90 91 92 93 94 95 B6 B7 B8 99 BF22`. `dpProprietaryData`,
/// `serviceSpecificDataStoredInEuicc` and unknown trailing fields are kept as raw TLVs.
public struct ProfileInfo: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.priv(3) }
    public var iccid: ICCID?
    public var isdpAid: [UInt8]?
    public var profileState: ProfileState?
    public var profileNickname: String?
    public var serviceProviderName: String?
    public var profileName: String?
    public var iconType: IconType?
    public var icon: [UInt8]?
    public var profileClass: ProfileClass?
    public var notificationConfigurationInfo: [NotificationConfigurationInformation]?
    public var profileOwner: OperatorId?
    public var dpProprietaryData: [UInt8]?
    public var profilePolicyRules: NamedBits?
    public var serviceSpecificDataStoredInEuicc: [UInt8]?
    public var extensions: [[UInt8]]

    public init(iccid: ICCID? = nil, isdpAid: [UInt8]? = nil, profileState: ProfileState? = nil, profileNickname: String? = nil,
                serviceProviderName: String? = nil, profileName: String? = nil, iconType: IconType? = nil, icon: [UInt8]? = nil,
                profileClass: ProfileClass? = nil, notificationConfigurationInfo: [NotificationConfigurationInformation]? = nil,
                profileOwner: OperatorId? = nil, dpProprietaryData: [UInt8]? = nil, profilePolicyRules: NamedBits? = nil,
                serviceSpecificDataStoredInEuicc: [UInt8]? = nil, extensions: [[UInt8]] = []) {
        self.iccid = iccid
        self.isdpAid = isdpAid
        self.profileState = profileState
        self.profileNickname = profileNickname
        self.serviceProviderName = serviceProviderName
        self.profileName = profileName
        self.iconType = iconType
        self.icon = icon
        self.profileClass = profileClass
        self.notificationConfigurationInfo = notificationConfigurationInfo
        self.profileOwner = profileOwner
        self.dpProprietaryData = dpProprietaryData
        self.profilePolicyRules = profilePolicyRules
        self.serviceSpecificDataStoredInEuicc = serviceSpecificDataStoredInEuicc
        self.extensions = extensions
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            var info = ProfileInfo()
            info.iccid = try nodes.optional(Tag.iccid).map { try ICCID.decodeRSP($0) }
            info.isdpAid = try nodes.optional(Tag.aid).map { try Decode.octets($0, Tag.aid, field: "isdpAid", size: 1...16) }
            info.profileState = try nodes.optional(Tag.ctx(112)).map { try ProfileState.decode($0, Tag.ctx(112)) }
            info.profileNickname = try nodes.optional(Tag.ctx(16)).map { try Decode.utf8($0, Tag.ctx(16)) }
            info.serviceProviderName = try nodes.optional(Tag.ctx(17)).map { try Decode.utf8($0, Tag.ctx(17)) }
            info.profileName = try nodes.optional(Tag.ctx(18)).map { try Decode.utf8($0, Tag.ctx(18)) }
            info.iconType = try nodes.optional(Tag.ctx(19)).map { try IconType.decode($0, Tag.ctx(19)) }
            info.icon = try nodes.optional(Tag.ctx(20)).map { try Decode.octets($0, Tag.ctx(20)) }
            info.profileClass = try nodes.optional(Tag.ctx(21)).map { try ProfileClass.decode($0, Tag.ctx(21)) }
            info.notificationConfigurationInfo = try nodes.optional(Tag.ctx(22)).map { try NotificationConfigurationInformation.decodeList($0, Tag.ctx(22)) }
            info.profileOwner = try nodes.optional(Tag.ctx(23)).map { try OperatorId.decode($0, Tag.ctx(23)) }
            info.dpProprietaryData = try nodes.optional(Tag.ctx(24)).map { try Decode.rawTLV($0, field: "dpProprietaryData", firstTagByte: 0xB8) }
            info.profilePolicyRules = try nodes.optional(Tag.ctx(25)).map { try NamedBits.decode($0, Tag.ctx(25)) }
            info.serviceSpecificDataStoredInEuicc = try nodes.optional(Tag.ctx(34)).map {
                try Decode.rawTLV($0, field: "serviceSpecificDataStoredInEuicc", firstTagByte: 0xBF)
            }
            info.extensions = nodes.remainingRaw()
            return info
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        if let isdpAid { try Validate.size(isdpAid, field: "isdpAid", 1...16) }
        if let raw = dpProprietaryData { try Validate.singleTLV(raw, field: "dpProprietaryData", firstTagByte: 0xB8) }
        if let raw = serviceSpecificDataStoredInEuicc { try Validate.singleTLV(raw, field: "serviceSpecificDataStoredInEuicc", firstTagByte: 0xBF) }
        try coder.appendConstructedNode(identifier: identifier) { coder in
            if let iccid { try iccid.serializeRSP(into: &coder) }
            if let isdpAid { try coder.octets(isdpAid, Tag.aid) }
            if let profileState { try profileState.serialize(into: &coder, Tag.ctx(112)) }
            if let profileNickname { try coder.utf8(profileNickname, Tag.ctx(16)) }
            if let serviceProviderName { try coder.utf8(serviceProviderName, Tag.ctx(17)) }
            if let profileName { try coder.utf8(profileName, Tag.ctx(18)) }
            if let iconType { try iconType.serialize(into: &coder, Tag.ctx(19)) }
            if let icon { try coder.octets(icon, Tag.ctx(20)) }
            if let profileClass { try profileClass.serialize(into: &coder, Tag.ctx(21)) }
            if let notificationConfigurationInfo {
                try NotificationConfigurationInformation.serializeList(notificationConfigurationInfo, into: &coder, Tag.ctx(22))
            }
            if let profileOwner { try profileOwner.serialize(into: &coder, Tag.ctx(23)) }
            if let dpProprietaryData { coder.serializeRawBytes(dpProprietaryData) }
            if let profilePolicyRules { try profilePolicyRules.serialize(into: &coder, Tag.ctx(25)) }
            if let serviceSpecificDataStoredInEuicc { coder.serializeRawBytes(serviceSpecificDataStoredInEuicc) }
            for raw in extensions { coder.serializeRawBytes(raw) }
        }
    }
}

/// ```
/// ProfileInfoListRequest ::= [45] SEQUENCE { -- Tag 'BF2D'
///    searchCriteria [0] CHOICE {
///       isdpAid [APPLICATION 15] OctetTo16, iccid Iccid, profileClass [21] ProfileClass } OPTIONAL,
///    tagList [APPLICATION 28] OCTET STRING OPTIONAL }
/// ```
public struct ProfileInfoListRequest: RSPMessage, DERImplicitlyTaggable {
    public enum SearchCriteria: Hashable, Sendable {
        case isdpAid([UInt8])
        case iccid(ICCID)
        case profileClass(ProfileClass)
    }

    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(45) }
    public var searchCriteria: SearchCriteria?
    /// Tags of the ProfileInfo fields to return (e.g. `[0x5A, 0x90, 0x9F, 0x70]`).
    public var tagList: [UInt8]?

    public init(searchCriteria: SearchCriteria? = nil, tagList: [UInt8]? = nil) {
        self.searchCriteria = searchCriteria
        self.tagList = tagList
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let criteria: SearchCriteria? = try nodes.optional(Tag.ctx(0)).map { wrapper in
                try DER.sequence(wrapper, identifier: Tag.ctx(0)) { inner in
                    guard let choice = inner.next() else { throw RSPASN1Error.invalidEncoding("empty searchCriteria") }
                    if choice.identifier == Tag.ctx(21) { return .profileClass(try ProfileClass.decode(choice, Tag.ctx(21))) }
                    switch try ProfileIdentifier.decode(choice) {
                    case .isdpAid(let aid): return .isdpAid(aid)
                    case .iccid(let iccid): return .iccid(iccid)
                    }
                }
            }
            let tagList = try nodes.optional(Tag.tagList).map { try Decode.octets($0, Tag.tagList) }
            return ProfileInfoListRequest(searchCriteria: criteria, tagList: tagList)
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            if let searchCriteria {
                try coder.appendConstructedNode(identifier: Tag.ctx(0)) { coder in
                    switch searchCriteria {
                    case .isdpAid(let aid): try ProfileIdentifier.isdpAid(aid).serialize(into: &coder)
                    case .iccid(let iccid): try ProfileIdentifier.iccid(iccid).serialize(into: &coder)
                    case .profileClass(let profileClass): try profileClass.serialize(into: &coder, Tag.ctx(21))
                    }
                }
            }
            if let tagList { try coder.octets(tagList, Tag.tagList) }
        }
    }
}

/// `ProfileInfoListError ::= INTEGER {incorrectInputValues(1), undefinedError(127)}`
public struct ProfileInfoListError: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let incorrectInputValues = Self(rawValue: 1)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [1: "incorrectInputValues", 127: "undefinedError"]
}

/// ```
/// ProfileInfoListResponse ::= [45] CHOICE { -- Tag 'BF2D'
///    profileInfoListOk SEQUENCE OF ProfileInfo,         -- A0
///    profileInfoListError ProfileInfoListError }        -- 81
/// ```
public enum ProfileInfoListResponse: RSPMessage, DERImplicitlyTaggable {
    case ok([ProfileInfo])
    case error(ProfileInfoListError)

    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(45) }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let choice = nodes.next() else { throw RSPASN1Error.invalidEncoding("empty ProfileInfoListResponse") }
            switch choice.identifier {
            case Tag.ctx(0): return .ok(try DER.sequence(of: ProfileInfo.self, identifier: Tag.ctx(0), rootNode: choice))
            case Tag.ctx(1): return .error(try ProfileInfoListError.decode(choice, Tag.ctx(1)))
            default: throw RSPASN1Error.unexpectedTag("ProfileInfoListResponse alternative \(choice.identifier)")
            }
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            switch self {
            case .ok(let list): try coder.serializeSequenceOf(list, identifier: Tag.ctx(0))
            case .error(let code): try code.serialize(into: &coder, Tag.ctx(1))
            }
        }
    }
}

/// Shared shape of EnableProfileRequest / DisableProfileRequest:
/// `[n] SEQUENCE { profileIdentifier CHOICE {isdpAid, iccid}, refreshFlag BOOLEAN }`, automatic
/// tags `A0` (explicit around the CHOICE) and `81`.
public protocol ProfileSwitchRequest: RSPMessage, DERImplicitlyTaggable {
    var profileIdentifier: ProfileIdentifier { get }
    var refreshFlag: Bool { get }
    init(profileIdentifier: ProfileIdentifier, refreshFlag: Bool)
}

extension ProfileSwitchRequest {
    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            let id = try DER.sequence(nodes.required(Tag.ctx(0), "profileIdentifier"), identifier: Tag.ctx(0)) { inner in
                guard let choice = inner.next() else { throw RSPASN1Error.invalidEncoding("empty profileIdentifier") }
                return try ProfileIdentifier.decode(choice)
            }
            return Self(profileIdentifier: id, refreshFlag: try Decode.bool(nodes.required(Tag.ctx(1), "refreshFlag"), Tag.ctx(1)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.appendConstructedNode(identifier: Tag.ctx(0)) { try profileIdentifier.serialize(into: &$0) }
            try coder.bool(refreshFlag, Tag.ctx(1))
        }
    }
}

/// `EnableProfileRequest ::= [49] SEQUENCE { profileIdentifier CHOICE {…}, refreshFlag BOOLEAN }` — `BF31`.
public struct EnableProfileRequest: ProfileSwitchRequest {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(49) }
    public var profileIdentifier: ProfileIdentifier
    public var refreshFlag: Bool
    public init(profileIdentifier: ProfileIdentifier, refreshFlag: Bool) {
        self.profileIdentifier = profileIdentifier
        self.refreshFlag = refreshFlag
    }
}

/// `DisableProfileRequest ::= [50] SEQUENCE { profileIdentifier CHOICE {…}, refreshFlag BOOLEAN }` — `BF32`.
public struct DisableProfileRequest: ProfileSwitchRequest {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(50) }
    public var profileIdentifier: ProfileIdentifier
    public var refreshFlag: Bool
    public init(profileIdentifier: ProfileIdentifier, refreshFlag: Bool) {
        self.profileIdentifier = profileIdentifier
        self.refreshFlag = refreshFlag
    }
}

/// `DeleteProfileRequest ::= [51] CHOICE { isdpAid [APPLICATION 15] OctetTo16, iccid Iccid }` — `BF33 {4F|5A}`.
public struct DeleteProfileRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(51) }
    public var profileIdentifier: ProfileIdentifier
    public init(profileIdentifier: ProfileIdentifier) { self.profileIdentifier = profileIdentifier }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let choice = nodes.next() else { throw RSPASN1Error.invalidEncoding("empty DeleteProfileRequest") }
            return DeleteProfileRequest(profileIdentifier: try ProfileIdentifier.decode(choice))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try profileIdentifier.serialize(into: &$0) }
    }
}

/// `enableResult INTEGER {ok(0), iccidOrAidNotFound(1), profileNotInDisabledState(2), disallowedByPolicy(3),
/// wrongProfileReenabling(4), catBusy(5), undefinedError(127)}`
public struct EnableProfileResult: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0)
    public static let iccidOrAidNotFound = Self(rawValue: 1)
    public static let profileNotInDisabledState = Self(rawValue: 2)
    public static let disallowedByPolicy = Self(rawValue: 3)
    public static let wrongProfileReenabling = Self(rawValue: 4)
    public static let catBusy = Self(rawValue: 5)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [0: "ok", 1: "iccidOrAidNotFound", 2: "profileNotInDisabledState", 3: "disallowedByPolicy",
                               4: "wrongProfileReenabling", 5: "catBusy", 127: "undefinedError"]
}

/// `disableResult INTEGER {ok(0), iccidOrAidNotFound(1), profileNotInEnabledState(2), disallowedByPolicy(3),
/// catBusy(5), undefinedError(127)}`
public struct DisableProfileResult: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0)
    public static let iccidOrAidNotFound = Self(rawValue: 1)
    public static let profileNotInEnabledState = Self(rawValue: 2)
    public static let disallowedByPolicy = Self(rawValue: 3)
    public static let catBusy = Self(rawValue: 5)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [0: "ok", 1: "iccidOrAidNotFound", 2: "profileNotInEnabledState", 3: "disallowedByPolicy",
                               5: "catBusy", 127: "undefinedError"]
}

/// `deleteResult INTEGER {ok(0), iccidOrAidNotFound(1), profileNotInDisabledState(2), disallowedByPolicy(3), undefinedError(127)}`
public struct DeleteProfileResult: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0)
    public static let iccidOrAidNotFound = Self(rawValue: 1)
    public static let profileNotInDisabledState = Self(rawValue: 2)
    public static let disallowedByPolicy = Self(rawValue: 3)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [0: "ok", 1: "iccidOrAidNotFound", 2: "profileNotInDisabledState", 3: "disallowedByPolicy", 127: "undefinedError"]
}

/// `EnableProfileResponse ::= [49] SEQUENCE { enableResult INTEGER {…} }` — `BF31 {80 rc}`.
public struct EnableProfileResponse: ResultCodeMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(49) }
    public var result: EnableProfileResult
    public init(result: EnableProfileResult) { self.result = result }
}

/// `DisableProfileResponse ::= [50] SEQUENCE { disableResult INTEGER {…} }` — `BF32 {80 rc}`.
public struct DisableProfileResponse: ResultCodeMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(50) }
    public var result: DisableProfileResult
    public init(result: DisableProfileResult) { self.result = result }
}

/// `DeleteProfileResponse ::= [51] SEQUENCE { deleteResult INTEGER {…} }` — `BF33 {80 rc}`.
public struct DeleteProfileResponse: ResultCodeMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(51) }
    public var result: DeleteProfileResult
    public init(result: DeleteProfileResult) { self.result = result }
}
