import SwiftASN1

/// ```
/// SetNicknameRequest ::= [41] SEQUENCE { -- Tag 'BF29'
///    iccid Iccid, profileNickname [16] UTF8String (SIZE(0..64)) }
/// ```
public struct SetNicknameRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(41) }
    public let iccid: ICCID
    public let profileNickname: String

    public init(iccid: ICCID, profileNickname: String) throws(RSPASN1Error) {
        try Validate.utf8Length(profileNickname, field: "profileNickname", max: 64)
        self.iccid = iccid
        self.profileNickname = profileNickname
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try SetNicknameRequest(iccid: ICCID.decodeRSP(nodes.required(Tag.iccid, "iccid")),
                                   profileNickname: Decode.utf8(nodes.required(Tag.ctx(16), "profileNickname"), Tag.ctx(16)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try iccid.serializeRSP(into: &coder)
            try coder.utf8(profileNickname, Tag.ctx(16))
        }
    }
}

/// `setNicknameResult INTEGER {ok(0), iccidNotFound(1), undefinedError(127)}`
public struct SetNicknameResult: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0)
    public static let iccidNotFound = Self(rawValue: 1)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [0: "ok", 1: "iccidNotFound", 127: "undefinedError"]
}

/// `SetNicknameResponse ::= [41] SEQUENCE { setNicknameResult INTEGER {…} }` — `BF29 {80 rc}`.
public struct SetNicknameResponse: ResultCodeMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(41) }
    public var result: SetNicknameResult
    public init(result: SetNicknameResult) { self.result = result }
}

/// ```
/// GetEuiccDataRequest ::= [62] SEQUENCE { -- Tag 'BF3E'
///    tagList [APPLICATION 28] Octet1 }  -- tag '5C', the value SHALL be set to '5A'
/// ```
/// `BF3E 03 5C 01 5A`.
public struct GetEuiccDataRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(62) }
    public let tagList: UInt8

    public init(tagList: UInt8 = 0x5A) { self.tagList = tagList }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            GetEuiccDataRequest(tagList: try Decode.octets(nodes.required(Tag.tagList, "tagList"), Tag.tagList, field: "tagList", size: 1...1)[0])
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try $0.octets([tagList], Tag.tagList) }
    }
}

/// ```
/// GetEuiccDataResponse ::= [62] SEQUENCE { -- Tag 'BF3E'
///    eidValue [APPLICATION 26] Octet16 }  -- tag '5A'
/// ```
public struct GetEuiccDataResponse: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(62) }
    public var eid: EID

    public init(eid: EID) { self.eid = eid }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            GetEuiccDataResponse(eid: try EID(bytes: Decode.octets(nodes.required(Tag.app(26), "eidValue"), Tag.app(26), field: "eidValue", size: 16...16)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try $0.octets(eid.bytes, Tag.app(26)) }
    }
}

/// ```
/// EuiccMemoryResetRequest ::= [52] SEQUENCE { -- Tag 'BF34'
///    resetOptions [2] BIT STRING {
///       deleteOperationalProfiles(0), deleteFieldLoadedTestProfiles(1), resetDefaultSmdpAddress(2)} }
/// ```
/// E.g. delete operational profiles: `BF34 04 82 02 07 80`.
public struct EuiccMemoryResetRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(52) }
    public static let deleteOperationalProfiles = 0
    public static let deleteFieldLoadedTestProfiles = 1
    public static let resetDefaultSmdpAddress = 2
    public var resetOptions: NamedBits

    public init(resetOptions: NamedBits) { self.resetOptions = resetOptions }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            EuiccMemoryResetRequest(resetOptions: try NamedBits.decode(nodes.required(Tag.ctx(2), "resetOptions"), Tag.ctx(2)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try resetOptions.serialize(into: &$0, Tag.ctx(2)) }
    }
}

/// `resetResult INTEGER {ok(0), nothingToDelete(1), catBusy(5), undefinedError(127)}`
public struct EuiccMemoryResetResult: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0)
    public static let nothingToDelete = Self(rawValue: 1)
    public static let catBusy = Self(rawValue: 5)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [0: "ok", 1: "nothingToDelete", 5: "catBusy", 127: "undefinedError"]
}

/// `EuiccMemoryResetResponse ::= [52] SEQUENCE { resetResult INTEGER {…} }` — `BF34 {80 rc}`.
public struct EuiccMemoryResetResponse: ResultCodeMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(52) }
    public var result: EuiccMemoryResetResult
    public init(result: EuiccMemoryResetResult) { self.result = result }
}

/// `EuiccConfiguredAddressesRequest ::= [60] SEQUENCE {}` — `BF3C 00` (ES10a).
public struct EuiccConfiguredAddressesRequest: EmptySequenceMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(60) }
    public init() {}
}

/// ```
/// EuiccConfiguredAddressesResponse ::= [60] SEQUENCE { -- Tag 'BF3C'
///    defaultDpAddress UTF8String OPTIONAL, rootDsAddress UTF8String }
/// ```
/// Automatic tags `80`, `81`.
public struct EuiccConfiguredAddressesResponse: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(60) }
    public var defaultDpAddress: String?
    public var rootDsAddress: String

    public init(defaultDpAddress: String?, rootDsAddress: String) {
        self.defaultDpAddress = defaultDpAddress
        self.rootDsAddress = rootDsAddress
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            EuiccConfiguredAddressesResponse(
                defaultDpAddress: try nodes.optional(Tag.ctx(0)).map { try Decode.utf8($0, Tag.ctx(0)) },
                rootDsAddress: try Decode.utf8(nodes.required(Tag.ctx(1), "rootDsAddress"), Tag.ctx(1)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            if let defaultDpAddress { try coder.utf8(defaultDpAddress, Tag.ctx(0)) }
            try coder.utf8(rootDsAddress, Tag.ctx(1))
        }
    }
}

/// ```
/// SetDefaultDpAddressRequest ::= [63] SEQUENCE { -- Tag 'BF3F'
///    defaultDpAddress UTF8String }
/// ```
/// Automatic tag `80`.
public struct SetDefaultDpAddressRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(63) }
    public var defaultDpAddress: String

    public init(defaultDpAddress: String) { self.defaultDpAddress = defaultDpAddress }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            SetDefaultDpAddressRequest(defaultDpAddress: try Decode.utf8(nodes.required(Tag.ctx(0), "defaultDpAddress"), Tag.ctx(0)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try $0.utf8(defaultDpAddress, Tag.ctx(0)) }
    }
}

/// `setDefaultDpAddressResult INTEGER { ok (0), undefinedError (127)}`
public struct SetDefaultDpAddressResult: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [0: "ok", 127: "undefinedError"]
}

/// `SetDefaultDpAddressResponse ::= [63] SEQUENCE { setDefaultDpAddressResult INTEGER {…} }` — `BF3F {80 rc}`.
public struct SetDefaultDpAddressResponse: ResultCodeMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(63) }
    public var result: SetDefaultDpAddressResult
    public init(result: SetDefaultDpAddressResult) { self.result = result }
}
