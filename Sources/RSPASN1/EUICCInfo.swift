import SwiftASN1

/// A message whose body is an empty SEQUENCE, e.g. `GetEuiccInfo1Request ::= [32] SEQUENCE {}`.
public protocol EmptySequenceMessage: RSPMessage, DERImplicitlyTaggable {
    init()
}

extension EmptySequenceMessage {
    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        try DER.sequence(node, identifier: identifier) { _ in }
        self.init()
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        coder.appendConstructedNode(identifier: identifier) { _ in }
    }
}

/// `GetEuiccInfo1Request ::= [32] SEQUENCE {}` — `BF20 00`.
public struct GetEuiccInfo1Request: EmptySequenceMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(32) }
    public init() {}
}

/// `GetEuiccInfo2Request ::= [34] SEQUENCE {}` — `BF22 00`.
public struct GetEuiccInfo2Request: EmptySequenceMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(34) }
    public init() {}
}

/// ```
/// EUICCInfo1 ::= [32] SEQUENCE { -- Tag 'BF20'
///    svn [2] VersionType,
///    euiccCiPKIdListForVerification [9] SEQUENCE OF SubjectKeyIdentifier,
///    euiccCiPKIdListForSigning [10] SEQUENCE OF SubjectKeyIdentifier }
/// ```
/// Fields after these (extensions) are kept as raw TLVs and re-emitted.
public struct EUICCInfo1: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(32) }
    public var svn: VersionType
    public var euiccCiPKIdListForVerification: [[UInt8]]
    public var euiccCiPKIdListForSigning: [[UInt8]]
    /// Unknown trailing fields, raw TLVs.
    public var extensions: [[UInt8]]

    public init(svn: VersionType, euiccCiPKIdListForVerification: [[UInt8]], euiccCiPKIdListForSigning: [[UInt8]], extensions: [[UInt8]] = []) {
        self.svn = svn
        self.euiccCiPKIdListForVerification = euiccCiPKIdListForVerification
        self.euiccCiPKIdListForSigning = euiccCiPKIdListForSigning
        self.extensions = extensions
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            EUICCInfo1(
                svn: try VersionType.decode(nodes.required(Tag.ctx(2), "svn"), Tag.ctx(2), field: "svn"),
                euiccCiPKIdListForVerification: try Decode.octetsList(nodes.required(Tag.ctx(9), "euiccCiPKIdListForVerification"), Tag.ctx(9)),
                euiccCiPKIdListForSigning: try Decode.octetsList(nodes.required(Tag.ctx(10), "euiccCiPKIdListForSigning"), Tag.ctx(10)),
                extensions: nodes.remainingRaw())
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.octets(svn.bytes, Tag.ctx(2))
            try coder.octetsList(euiccCiPKIdListForVerification, Tag.ctx(9))
            try coder.octetsList(euiccCiPKIdListForSigning, Tag.ctx(10))
            for raw in extensions { coder.serializeRawBytes(raw) }
        }
    }
}

/// `EUICCInfo2 euiccCategory [11] INTEGER {other(0), basicEuicc(1), mediumEuicc(2), contactlessEuicc(3)}`
public struct EuiccCategory: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let other = Self(rawValue: 0)
    public static let basicEuicc = Self(rawValue: 1)
    public static let mediumEuicc = Self(rawValue: 2)
    public static let contactlessEuicc = Self(rawValue: 3)
    public static let names = [0: "other", 1: "basicEuicc", 2: "mediumEuicc", 3: "contactlessEuicc"]
}

/// `CertificationDataObject ::= SEQUENCE { platformLabel UTF8String, discoveryBaseURL UTF8String }`
/// (automatic tags: `80`, `81`).
public struct CertificationDataObject: Hashable, Sendable {
    public var platformLabel: String
    public var discoveryBaseURL: String

    public init(platformLabel: String, discoveryBaseURL: String) {
        self.platformLabel = platformLabel
        self.discoveryBaseURL = discoveryBaseURL
    }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> CertificationDataObject {
        try DER.sequence(node, identifier: identifier) { nodes in
            CertificationDataObject(
                platformLabel: try Decode.utf8(nodes.required(Tag.ctx(0), "platformLabel"), Tag.ctx(0)),
                discoveryBaseURL: try Decode.utf8(nodes.required(Tag.ctx(1), "discoveryBaseURL"), Tag.ctx(1)))
        }
    }

    func serialize(into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.utf8(platformLabel, Tag.ctx(0))
            try coder.utf8(discoveryBaseURL, Tag.ctx(1))
        }
    }
}

/// ```
/// EUICCInfo2 ::= [34] SEQUENCE { -- Tag 'BF22'
///    profileVersion [1] VersionType, svn [2] VersionType, euiccFirmwareVer [3] VersionType,
///    extCardResource [4] OCTET STRING, uiccCapability [5] UICCCapability,
///    ts102241Version [6] VersionType OPTIONAL, globalplatformVersion [7] VersionType OPTIONAL,
///    rspCapability [8] RspCapability,
///    euiccCiPKIdListForVerification [9] SEQUENCE OF SubjectKeyIdentifier,
///    euiccCiPKIdListForSigning [10] SEQUENCE OF SubjectKeyIdentifier,
///    euiccCategory [11] INTEGER {...} OPTIONAL, forbiddenProfilePolicyRules [25] PprIds OPTIONAL,
///    ppVersion VersionType, sasAcreditationNumber UTF8String (SIZE(0..64)),
///    certificationDataObject [12] CertificationDataObject OPTIONAL,
///    treProperties [13] BIT STRING {...} OPTIONAL, treProductReference [14] UTF8String OPTIONAL,
///    additionalEuiccProfilePackageVersions [15] SEQUENCE OF VersionType OPTIONAL }
/// ```
/// `ppVersion` and `sasAcreditationNumber` carry universal tags (`04`, `0C`). Unknown trailing
/// fields (later SGP.22 versions) are kept as raw TLVs and re-emitted.
public struct EUICCInfo2: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(34) }
    public var profileVersion: VersionType
    public var svn: VersionType
    public var euiccFirmwareVer: VersionType
    public var extCardResource: [UInt8]
    public var uiccCapability: NamedBits
    public var ts102241Version: VersionType?
    public var globalplatformVersion: VersionType?
    /// Bits: additionalProfile(0), crlSupport(1), rpmSupport(2), testProfileSupport(3),
    /// deviceInfoExtensibilitySupport(4), serviceSpecificDataSupport(5).
    public var rspCapability: NamedBits
    public var euiccCiPKIdListForVerification: [[UInt8]]
    public var euiccCiPKIdListForSigning: [[UInt8]]
    public var euiccCategory: EuiccCategory?
    public var forbiddenProfilePolicyRules: NamedBits?
    public var ppVersion: VersionType
    public var sasAcreditationNumber: String
    public var certificationDataObject: CertificationDataObject?
    public var treProperties: NamedBits?
    public var treProductReference: String?
    public var additionalEuiccProfilePackageVersions: [VersionType]?
    public var extensions: [[UInt8]]

    public init(
        profileVersion: VersionType, svn: VersionType, euiccFirmwareVer: VersionType, extCardResource: [UInt8],
        uiccCapability: NamedBits, ts102241Version: VersionType? = nil, globalplatformVersion: VersionType? = nil,
        rspCapability: NamedBits, euiccCiPKIdListForVerification: [[UInt8]], euiccCiPKIdListForSigning: [[UInt8]],
        euiccCategory: EuiccCategory? = nil, forbiddenProfilePolicyRules: NamedBits? = nil, ppVersion: VersionType,
        sasAcreditationNumber: String, certificationDataObject: CertificationDataObject? = nil,
        treProperties: NamedBits? = nil, treProductReference: String? = nil,
        additionalEuiccProfilePackageVersions: [VersionType]? = nil, extensions: [[UInt8]] = []
    ) {
        self.profileVersion = profileVersion
        self.svn = svn
        self.euiccFirmwareVer = euiccFirmwareVer
        self.extCardResource = extCardResource
        self.uiccCapability = uiccCapability
        self.ts102241Version = ts102241Version
        self.globalplatformVersion = globalplatformVersion
        self.rspCapability = rspCapability
        self.euiccCiPKIdListForVerification = euiccCiPKIdListForVerification
        self.euiccCiPKIdListForSigning = euiccCiPKIdListForSigning
        self.euiccCategory = euiccCategory
        self.forbiddenProfilePolicyRules = forbiddenProfilePolicyRules
        self.ppVersion = ppVersion
        self.sasAcreditationNumber = sasAcreditationNumber
        self.certificationDataObject = certificationDataObject
        self.treProperties = treProperties
        self.treProductReference = treProductReference
        self.additionalEuiccProfilePackageVersions = additionalEuiccProfilePackageVersions
        self.extensions = extensions
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            func version(_ n: UInt, _ name: String) throws -> VersionType {
                try VersionType.decode(nodes.required(Tag.ctx(n), name), Tag.ctx(n), field: name)
            }
            func optionalVersion(_ n: UInt, _ name: String) throws -> VersionType? {
                try nodes.optional(Tag.ctx(n)).map { try VersionType.decode($0, Tag.ctx(n), field: name) }
            }
            let profileVersion = try version(1, "profileVersion")
            let svn = try version(2, "svn")
            let firmware = try version(3, "euiccFirmwareVer")
            let extCard = try Decode.octets(nodes.required(Tag.ctx(4), "extCardResource"), Tag.ctx(4))
            let uicc = try NamedBits.decode(nodes.required(Tag.ctx(5), "uiccCapability"), Tag.ctx(5))
            let ts102241 = try optionalVersion(6, "ts102241Version")
            let gp = try optionalVersion(7, "globalplatformVersion")
            let rsp = try NamedBits.decode(nodes.required(Tag.ctx(8), "rspCapability"), Tag.ctx(8))
            let verification = try Decode.octetsList(nodes.required(Tag.ctx(9), "euiccCiPKIdListForVerification"), Tag.ctx(9))
            let signing = try Decode.octetsList(nodes.required(Tag.ctx(10), "euiccCiPKIdListForSigning"), Tag.ctx(10))
            let category = try nodes.optional(Tag.ctx(11)).map { try EuiccCategory.decode($0, Tag.ctx(11)) }
            let forbidden = try nodes.optional(Tag.ctx(25)).map { try NamedBits.decode($0, Tag.ctx(25)) }
            let pp = try VersionType.decode(nodes.required(.octetString, "ppVersion"), .octetString, field: "ppVersion")
            let sas = try Decode.utf8(nodes.required(.utf8String, "sasAcreditationNumber"), .utf8String)
            try Validate.utf8Length(sas, field: "sasAcreditationNumber", max: 64)
            let cert = try nodes.optional(Tag.ctx(12)).map { try CertificationDataObject.decode($0, Tag.ctx(12)) }
            let tre = try nodes.optional(Tag.ctx(13)).map { try NamedBits.decode($0, Tag.ctx(13)) }
            let treRef = try nodes.optional(Tag.ctx(14)).map { try Decode.utf8($0, Tag.ctx(14)) }
            let additional = try nodes.optional(Tag.ctx(15)).map { node in
                try Decode.octetsList(node, Tag.ctx(15)).map { bytes throws(RSPASN1Error) in
                    try Validate.size(bytes, field: "additionalEuiccProfilePackageVersions", 3...3)
                    return VersionType(bytes[0], bytes[1], bytes[2])
                }
            }
            return EUICCInfo2(
                profileVersion: profileVersion, svn: svn, euiccFirmwareVer: firmware, extCardResource: extCard,
                uiccCapability: uicc, ts102241Version: ts102241, globalplatformVersion: gp, rspCapability: rsp,
                euiccCiPKIdListForVerification: verification, euiccCiPKIdListForSigning: signing,
                euiccCategory: category, forbiddenProfilePolicyRules: forbidden, ppVersion: pp,
                sasAcreditationNumber: sas, certificationDataObject: cert, treProperties: tre,
                treProductReference: treRef, additionalEuiccProfilePackageVersions: additional,
                extensions: nodes.remainingRaw())
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.octets(profileVersion.bytes, Tag.ctx(1))
            try coder.octets(svn.bytes, Tag.ctx(2))
            try coder.octets(euiccFirmwareVer.bytes, Tag.ctx(3))
            try coder.octets(extCardResource, Tag.ctx(4))
            try uiccCapability.serialize(into: &coder, Tag.ctx(5))
            if let ts102241Version { try coder.octets(ts102241Version.bytes, Tag.ctx(6)) }
            if let globalplatformVersion { try coder.octets(globalplatformVersion.bytes, Tag.ctx(7)) }
            try rspCapability.serialize(into: &coder, Tag.ctx(8))
            try coder.octetsList(euiccCiPKIdListForVerification, Tag.ctx(9))
            try coder.octetsList(euiccCiPKIdListForSigning, Tag.ctx(10))
            if let euiccCategory { try euiccCategory.serialize(into: &coder, Tag.ctx(11)) }
            if let forbiddenProfilePolicyRules { try forbiddenProfilePolicyRules.serialize(into: &coder, Tag.ctx(25)) }
            try coder.octets(ppVersion.bytes, .octetString)
            try coder.utf8(sasAcreditationNumber, .utf8String)
            if let certificationDataObject { try certificationDataObject.serialize(into: &coder, Tag.ctx(12)) }
            if let treProperties { try treProperties.serialize(into: &coder, Tag.ctx(13)) }
            if let treProductReference { try coder.utf8(treProductReference, Tag.ctx(14)) }
            if let additionalEuiccProfilePackageVersions {
                try coder.octetsList(additionalEuiccProfilePackageVersions.map(\.bytes), Tag.ctx(15))
            }
            for raw in extensions { coder.serializeRawBytes(raw) }
        }
    }
}

/// ```
/// DeviceCapabilities ::= SEQUENCE {
///    gsmSupportedRelease VersionType OPTIONAL, … eutran5gcSupportedRelease VersionType OPTIONAL,
///    lpaSvn VersionType OPTIONAL, catSupportedClasses CatSupportedClasses OPTIONAL,
///    euiccFormFactorType EuiccFormFactorType OPTIONAL,
///    deviceAdditionalFeatureSupport DeviceAdditionalFeatureSupport OPTIONAL }
/// ```
/// Automatic tags `80`…`8B` for the VersionType fields. Other fields (`8C`, `8D`, `AE`, later
/// extensions) are kept as raw TLVs in their received order after the release fields.
public struct DeviceCapabilities: Hashable, Sendable {
    /// The VersionType fields, by automatic tag number.
    public enum Release: UInt, CaseIterable, Hashable, Sendable {
        case gsm = 0, utran, cdma2000onex, cdma2000hrpd, cdma2000ehrpd, eutranEpc, contactless,
             rspCrl, nrEpc, nr5gc, eutran5gc, lpaSvn
    }

    public var releases: [Release: VersionType]
    public var otherFields: [[UInt8]]

    public init(releases: [Release: VersionType] = [:], otherFields: [[UInt8]] = []) {
        self.releases = releases
        self.otherFields = otherFields
    }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> DeviceCapabilities {
        try DER.sequence(node, identifier: identifier) { nodes in
            var result = DeviceCapabilities()
            var lastRelease: UInt?
            while let child = nodes.next() {
                if child.identifier.tagClass == .contextSpecific, let release = Release(rawValue: child.identifier.tagNumber),
                   case .primitive(let value) = child.content, value.count == 3, result.otherFields.isEmpty,
                   lastRelease.map({ $0 < release.rawValue }) ?? true {
                    result.releases[release] = VersionType(value[value.startIndex], value[value.startIndex + 1], value[value.startIndex + 2])
                    lastRelease = release.rawValue
                } else {
                    result.otherFields.append(Array(child.encodedBytes))
                }
            }
            return result
        }
    }

    func serialize(into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            for release in Release.allCases {
                if let version = releases[release] { try coder.octets(version.bytes, Tag.ctx(release.rawValue)) }
            }
            for raw in otherFields { coder.serializeRawBytes(raw) }
        }
    }
}

/// ```
/// DeviceInfo ::= SEQUENCE { tac Octet4, deviceCapabilities DeviceCapabilities, imei Octet8 OPTIONAL }
/// ```
/// Automatic tags `80`, `A1`, `82`. Extension fields are kept raw.
public struct DeviceInfo: Hashable, Sendable {
    public let tac: [UInt8]
    public var deviceCapabilities: DeviceCapabilities
    public let imei: [UInt8]?
    public var extensions: [[UInt8]]

    public init(tac: [UInt8], deviceCapabilities: DeviceCapabilities, imei: [UInt8]? = nil, extensions: [[UInt8]] = []) throws(RSPASN1Error) {
        try Validate.size(tac, field: "tac", 4...4)
        if let imei { try Validate.size(imei, field: "imei", 8...8) }
        self.tac = tac
        self.deviceCapabilities = deviceCapabilities
        self.imei = imei
        self.extensions = extensions
    }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> DeviceInfo {
        try DER.sequence(node, identifier: identifier) { nodes in
            try DeviceInfo(
                tac: Decode.octets(nodes.required(Tag.ctx(0), "tac"), Tag.ctx(0)),
                deviceCapabilities: DeviceCapabilities.decode(nodes.required(Tag.ctx(1), "deviceCapabilities"), Tag.ctx(1)),
                imei: nodes.optional(Tag.ctx(2)).map { try Decode.octets($0, Tag.ctx(2)) },
                extensions: nodes.remainingRaw())
        }
    }

    func serialize(into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.octets(tac, Tag.ctx(0))
            try deviceCapabilities.serialize(into: &coder, Tag.ctx(1))
            if let imei { try coder.octets(imei, Tag.ctx(2)) }
            for raw in extensions { coder.serializeRawBytes(raw) }
        }
    }
}

/// ```
/// CtxParamsForCommonAuthentication ::= SEQUENCE {
///    matchingId UTF8String OPTIONAL, deviceInfo DeviceInfo }
/// ```
/// Automatic tags `80`, `A1`.
public struct CtxParamsForCommonAuthentication: Hashable, Sendable {
    public var matchingId: String?
    public var deviceInfo: DeviceInfo

    public init(matchingId: String?, deviceInfo: DeviceInfo) {
        self.matchingId = matchingId
        self.deviceInfo = deviceInfo
    }
}

/// ```
/// CtxParams1 ::= CHOICE {
///    ctxParamsForCommonAuthentication CtxParamsForCommonAuthentication }
/// ```
/// The only alternative has automatic tag `[0]` (`A0`).
public enum CtxParams1: RSPMessage {
    case commonAuthentication(CtxParamsForCommonAuthentication)

    public init(derEncoded node: ASN1Node) throws {
        self = try DER.sequence(node, identifier: Tag.ctx(0)) { nodes in
            let matchingId = try nodes.optional(Tag.ctx(0)).map { try Decode.utf8($0, Tag.ctx(0)) }
            let deviceInfo = try DeviceInfo.decode(nodes.required(Tag.ctx(1), "deviceInfo"), Tag.ctx(1))
            return .commonAuthentication(CtxParamsForCommonAuthentication(matchingId: matchingId, deviceInfo: deviceInfo))
        }
    }

    public func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .commonAuthentication(let params):
            try coder.appendConstructedNode(identifier: Tag.ctx(0)) { coder in
                if let matchingId = params.matchingId { try coder.utf8(matchingId, Tag.ctx(0)) }
                try params.deviceInfo.serialize(into: &coder, Tag.ctx(1))
            }
        }
    }
}
