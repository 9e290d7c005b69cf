import SwiftASN1

/// ```
/// ControlRefTemplate ::= SEQUENCE {
///    keyType [0] Octet1, keyLen [1] Octet1, hostId [4] OctetTo16 }
/// ```
/// Carried as `controlRefTemplate [6] IMPLICIT` (`A6`); for SGP.22 keyType is `88` (AES), keyLen `10`.
public struct ControlRefTemplate: Hashable, Sendable {
    public let keyType: UInt8
    public let keyLen: UInt8
    public let hostId: [UInt8]

    public init(keyType: UInt8 = 0x88, keyLen: UInt8 = 0x10, hostId: [UInt8]) throws(RSPASN1Error) {
        try Validate.size(hostId, field: "hostId", 1...16)
        self.keyType = keyType
        self.keyLen = keyLen
        self.hostId = hostId
    }

    static func decode(_ node: ASN1Node, _ identifier: ASN1Identifier) throws -> ControlRefTemplate {
        try DER.sequence(node, identifier: identifier) { nodes in
            let keyType = try Decode.octets(nodes.required(Tag.ctx(0), "keyType"), Tag.ctx(0), field: "keyType", size: 1...1)
            let keyLen = try Decode.octets(nodes.required(Tag.ctx(1), "keyLen"), Tag.ctx(1), field: "keyLen", size: 1...1)
            let hostId = try Decode.octets(nodes.required(Tag.ctx(4), "hostId"), Tag.ctx(4))
            return try ControlRefTemplate(keyType: keyType[0], keyLen: keyLen[0], hostId: hostId)
        }
    }

    func serialize(into coder: inout DER.Serializer, _ identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.octets([keyType], Tag.ctx(0))
            try coder.octets([keyLen], Tag.ctx(1))
            try coder.octets(hostId, Tag.ctx(4))
        }
    }
}

/// ```
/// InitialiseSecureChannelRequest ::= [35] SEQUENCE { -- Tag 'BF23'
///    remoteOpId RemoteOpId,                      -- [2] INTEGER {installBoundProfilePackage(1)}
///    transactionId [0] TransactionId,
///    controlRefTemplate [6] IMPLICIT ControlRefTemplate,
///    smdpOtpk [APPLICATION 73] OCTET STRING,     -- otPK.DP.ECKA, '5F49'
///    smdpSign [APPLICATION 55] OCTET STRING }    -- '5F37'
/// ```
public struct InitialiseSecureChannelRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(35) }
    /// `installBoundProfilePackage(1)` is the only defined value.
    public let remoteOpId: Int
    public let transactionId: TransactionID
    public let controlRefTemplate: ControlRefTemplate
    public let smdpOtpk: [UInt8]
    public let smdpSign: ECDSASignature

    public init(remoteOpId: Int = 1, transactionId: TransactionID, controlRefTemplate: ControlRefTemplate, smdpOtpk: [UInt8], smdpSign: ECDSASignature) {
        self.remoteOpId = remoteOpId
        self.transactionId = transactionId
        self.controlRefTemplate = controlRefTemplate
        self.smdpOtpk = smdpOtpk
        self.smdpSign = smdpSign
    }

    /// The bytes smdpSign covers (SGP.22 §5.5.1, notes §2): `82 01 01 ‖ 80 L tid ‖ A6 {…} ‖
    /// 5F49 L smdpOtpk ‖ 5F49 L euiccOtpk`, where euiccOtpk comes from EUICCSigned2.
    public static func signedData(remoteOpId: Int = 1, transactionId: TransactionID, controlRefTemplate: ControlRefTemplate,
                                  smdpOtpk: [UInt8], euiccOtpk: [UInt8]) throws(RSPASN1Error) -> [UInt8] {
        try encodeDER { coder in
            try coder.int(remoteOpId, Tag.ctx(2))
            try coder.octets(transactionId.bytes, Tag.ctx(0))
            try controlRefTemplate.serialize(into: &coder, Tag.ctx(6))
            try coder.octets(smdpOtpk, Tag.otpk)
            try coder.octets(euiccOtpk, Tag.otpk)
        }
    }

    /// `signedData` for this request's fields.
    public func signedData(euiccOtpk: [UInt8]) throws(RSPASN1Error) -> [UInt8] {
        try Self.signedData(remoteOpId: remoteOpId, transactionId: transactionId, controlRefTemplate: controlRefTemplate,
                            smdpOtpk: smdpOtpk, euiccOtpk: euiccOtpk)
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            InitialiseSecureChannelRequest(
                remoteOpId: try Decode.int(nodes.required(Tag.ctx(2), "remoteOpId"), Tag.ctx(2)),
                transactionId: try TransactionID.decode(nodes.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                controlRefTemplate: try ControlRefTemplate.decode(nodes.required(Tag.ctx(6), "controlRefTemplate"), Tag.ctx(6)),
                smdpOtpk: try Decode.octets(nodes.required(Tag.otpk, "smdpOtpk"), Tag.otpk),
                smdpSign: try ECDSASignature(derEncoded: nodes.required(Tag.signature, "smdpSign")))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.int(remoteOpId, Tag.ctx(2))
            try coder.octets(transactionId.bytes, Tag.ctx(0))
            try controlRefTemplate.serialize(into: &coder, Tag.ctx(6))
            try coder.octets(smdpOtpk, Tag.otpk)
            try coder.serialize(smdpSign)
        }
    }
}

/// ```
/// ConfigureISDPRequest ::= [36] SEQUENCE { -- Tag 'BF24'
///    dpProprietaryData [24] DpProprietaryData OPTIONAL }  -- Tag 'B8'
/// DpProprietaryData ::= SEQUENCE { dpOid OBJECT IDENTIFIER -- additional data objects MAY follow }
/// ```
/// `dpOid` gets automatic tag `80`; further data objects are kept raw.
public struct ConfigureISDPRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(36) }
    public var dpOid: ASN1ObjectIdentifier?
    public var additionalDpProprietaryData: [[UInt8]]

    public init(dpOid: ASN1ObjectIdentifier? = nil, additionalDpProprietaryData: [[UInt8]] = []) {
        self.dpOid = dpOid
        self.additionalDpProprietaryData = additionalDpProprietaryData
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let data = nodes.optional(Tag.ctx(24)) else { return ConfigureISDPRequest() }
            return try DER.sequence(data, identifier: Tag.ctx(24)) { inner in
                ConfigureISDPRequest(dpOid: try Decode.oid(inner.required(Tag.ctx(0), "dpOid"), Tag.ctx(0)),
                                     additionalDpProprietaryData: inner.remainingRaw())
            }
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            guard let dpOid else { return }
            try coder.appendConstructedNode(identifier: Tag.ctx(24)) { coder in
                try dpOid.serialize(into: &coder, withIdentifier: Tag.ctx(0))
                for raw in additionalDpProprietaryData { coder.serializeRawBytes(raw) }
            }
        }
    }
}

/// ```
/// ReplaceSessionKeysRequest ::= [38] SEQUENCE { -- tag 'BF26'
///    initialMacChainingValue OCTET STRING, ppkEnc OCTET STRING, ppkCmac OCTET STRING }
/// ```
/// Automatic tags `80`, `81`, `82`; each value is 16 bytes (AES-128).
public struct ReplaceSessionKeysRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(38) }
    public let initialMacChainingValue: [UInt8]
    public let ppkEnc: [UInt8]
    public let ppkCmac: [UInt8]

    public init(initialMacChainingValue: [UInt8], ppkEnc: [UInt8], ppkCmac: [UInt8]) throws(RSPASN1Error) {
        try Validate.size(initialMacChainingValue, field: "initialMacChainingValue", 16...16)
        try Validate.size(ppkEnc, field: "ppkEnc", 16...16)
        try Validate.size(ppkCmac, field: "ppkCmac", 16...16)
        self.initialMacChainingValue = initialMacChainingValue
        self.ppkEnc = ppkEnc
        self.ppkCmac = ppkCmac
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try ReplaceSessionKeysRequest(
                initialMacChainingValue: Decode.octets(nodes.required(Tag.ctx(0), "initialMacChainingValue"), Tag.ctx(0)),
                ppkEnc: Decode.octets(nodes.required(Tag.ctx(1), "ppkEnc"), Tag.ctx(1)),
                ppkCmac: Decode.octets(nodes.required(Tag.ctx(2), "ppkCmac"), Tag.ctx(2)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.octets(initialMacChainingValue, Tag.ctx(0))
            try coder.octets(ppkEnc, Tag.ctx(1))
            try coder.octets(ppkCmac, Tag.ctx(2))
        }
    }
}

/// ```
/// BoundProfilePackage ::= [54] SEQUENCE { -- Tag 'BF36'
///    initialiseSecureChannelRequest [35] InitialiseSecureChannelRequest, -- Tag 'BF23'
///    firstSequenceOf87 [0] SEQUENCE OF [7] OCTET STRING,
///    sequenceOf88 [1] SEQUENCE OF [8] OCTET STRING,
///    secondSequenceOf87 [2] SEQUENCE OF [7] OCTET STRING OPTIONAL,
///    sequenceOf86 [3] SEQUENCE OF [6] OCTET STRING }
/// ```
/// Each segment is kept as its complete protected TLV (`87 L C‖MAC` etc.); protection is
/// RSPCrypto's job.
public struct BoundProfilePackage: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(54) }
    public let initialiseSecureChannelRequest: InitialiseSecureChannelRequest
    public let firstSequenceOf87: [[UInt8]]
    public let sequenceOf88: [[UInt8]]
    public let secondSequenceOf87: [[UInt8]]?
    public let sequenceOf86: [[UInt8]]

    public init(initialiseSecureChannelRequest: InitialiseSecureChannelRequest, firstSequenceOf87: [[UInt8]], sequenceOf88: [[UInt8]],
                secondSequenceOf87: [[UInt8]]? = nil, sequenceOf86: [[UInt8]]) throws(RSPASN1Error) {
        for segment in firstSequenceOf87 { try Validate.singleTLV(segment, field: "firstSequenceOf87", firstTagByte: 0x87) }
        for segment in sequenceOf88 { try Validate.singleTLV(segment, field: "sequenceOf88", firstTagByte: 0x88) }
        for segment in secondSequenceOf87 ?? [] { try Validate.singleTLV(segment, field: "secondSequenceOf87", firstTagByte: 0x87) }
        for segment in sequenceOf86 { try Validate.singleTLV(segment, field: "sequenceOf86", firstTagByte: 0x86) }
        self.initialiseSecureChannelRequest = initialiseSecureChannelRequest
        self.firstSequenceOf87 = firstSequenceOf87
        self.sequenceOf88 = sequenceOf88
        self.secondSequenceOf87 = secondSequenceOf87
        self.sequenceOf86 = sequenceOf86
    }

    private static func segments(_ node: ASN1Node, _ identifier: ASN1Identifier, element: ASN1Identifier) throws -> [[UInt8]] {
        try DER.sequence(node, identifier: identifier) { nodes in
            var out: [[UInt8]] = []
            while let child = nodes.next() {
                guard child.identifier == element, case .primitive = child.content else {
                    throw RSPASN1Error.unexpectedTag("BPP segment: expected primitive \(element), found \(child.identifier)")
                }
                out.append(Array(child.encodedBytes))
            }
            return out
        }
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try BoundProfilePackage(
                initialiseSecureChannelRequest: InitialiseSecureChannelRequest(derEncoded: nodes.required(Tag.ctx(35), "initialiseSecureChannelRequest")),
                firstSequenceOf87: Self.segments(nodes.required(Tag.ctx(0), "firstSequenceOf87"), Tag.ctx(0), element: Tag.ctx(7)),
                sequenceOf88: Self.segments(nodes.required(Tag.ctx(1), "sequenceOf88"), Tag.ctx(1), element: Tag.ctx(8)),
                secondSequenceOf87: nodes.optional(Tag.ctx(2)).map { try Self.segments($0, Tag.ctx(2), element: Tag.ctx(7)) },
                sequenceOf86: Self.segments(nodes.required(Tag.ctx(3), "sequenceOf86"), Tag.ctx(3), element: Tag.ctx(6)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(initialiseSecureChannelRequest)
            coder.appendConstructedNode(identifier: Tag.ctx(0)) { coder in firstSequenceOf87.forEach { coder.serializeRawBytes($0) } }
            coder.appendConstructedNode(identifier: Tag.ctx(1)) { coder in sequenceOf88.forEach { coder.serializeRawBytes($0) } }
            if let secondSequenceOf87 {
                coder.appendConstructedNode(identifier: Tag.ctx(2)) { coder in secondSequenceOf87.forEach { coder.serializeRawBytes($0) } }
            }
            coder.appendConstructedNode(identifier: Tag.ctx(3)) { coder in sequenceOf86.forEach { coder.serializeRawBytes($0) } }
        }
    }

    /// The ES8+ segments an LPA sends in separate ES10b LoadBoundProfilePackage STORE DATA
    /// sequences (SGP.22 §2.5.5, notes §4): `BF36 L ‖ BF23…`, the whole `A0`, the `A1 L` header,
    /// each `88`, the whole `A2` (if present), the `A3 L` header, each `86`.
    public func loadSegments() throws(RSPASN1Error) -> [[UInt8]] {
        let full = try derEncoded()
        let outer = try TLVHeader.read(full[...])
        let isc = try initialiseSecureChannelRequest.derEncoded()
        func header(_ tag: UInt8, _ contents: [[UInt8]]) throws(RSPASN1Error) -> (header: [UInt8], whole: [UInt8]) {
            let body = contents.flatMap { $0 }
            let whole = try encodeDER { coder in
                coder.appendConstructedNode(identifier: Tag.ctx(UInt(tag & 0x1F))) { $0.serializeRawBytes(body) }
            }
            return (Array(whole.prefix(whole.count - body.count)), whole)
        }
        var segments: [[UInt8]] = [Array(full.prefix(outer.headerLength)) + isc]
        segments.append(try header(0xA0, firstSequenceOf87).whole)
        segments.append(try header(0xA1, sequenceOf88).header)
        segments.append(contentsOf: sequenceOf88)
        if let secondSequenceOf87 { segments.append(try header(0xA2, secondSequenceOf87).whole) }
        segments.append(try header(0xA3, sequenceOf86).header)
        segments.append(contentsOf: sequenceOf86)
        return segments
    }
}

/// `BppCommandId ::= INTEGER {initialiseSecureChannel(0), configureISDP(1), storeMetadata(2),
/// storeMetadata2(3), replaceSessionKeys(4), loadProfileElements(5)}`
public struct BppCommandId: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let initialiseSecureChannel = Self(rawValue: 0)
    public static let configureISDP = Self(rawValue: 1)
    public static let storeMetadata = Self(rawValue: 2)
    public static let storeMetadata2 = Self(rawValue: 3)
    public static let replaceSessionKeys = Self(rawValue: 4)
    public static let loadProfileElements = Self(rawValue: 5)
    public static let names = [0: "initialiseSecureChannel", 1: "configureISDP", 2: "storeMetadata",
                               3: "storeMetadata2", 4: "replaceSessionKeys", 5: "loadProfileElements"]
}

/// `ErrorReason ::= INTEGER {incorrectInputValues(1) … pprNotAllowed(15), installFailedDueToUnknownError(127)}`
public struct ErrorReason: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let incorrectInputValues = Self(rawValue: 1)
    public static let invalidSignature = Self(rawValue: 2)
    public static let invalidTransactionId = Self(rawValue: 3)
    public static let unsupportedCrtValues = Self(rawValue: 4)
    public static let unsupportedRemoteOperationType = Self(rawValue: 5)
    public static let unsupportedProfileClass = Self(rawValue: 6)
    public static let scp03tStructureError = Self(rawValue: 7)
    public static let scp03tSecurityError = Self(rawValue: 8)
    public static let installFailedDueToIccidAlreadyExistsOnEuicc = Self(rawValue: 9)
    public static let installFailedDueToInsufficientMemoryForProfile = Self(rawValue: 10)
    public static let installFailedDueToInterruption = Self(rawValue: 11)
    public static let installFailedDueToPEProcessingError = Self(rawValue: 12)
    public static let installFailedDueToDataMismatch = Self(rawValue: 13)
    public static let testProfileInstallFailedDueToInvalidNaaKey = Self(rawValue: 14)
    public static let pprNotAllowed = Self(rawValue: 15)
    public static let installFailedDueToUnknownError = Self(rawValue: 127)
    public static let names = [
        1: "incorrectInputValues", 2: "invalidSignature", 3: "invalidTransactionId", 4: "unsupportedCrtValues",
        5: "unsupportedRemoteOperationType", 6: "unsupportedProfileClass", 7: "scp03tStructureError",
        8: "scp03tSecurityError", 9: "installFailedDueToIccidAlreadyExistsOnEuicc",
        10: "installFailedDueToInsufficientMemoryForProfile", 11: "installFailedDueToInterruption",
        12: "installFailedDueToPEProcessingError", 13: "installFailedDueToDataMismatch",
        14: "testProfileInstallFailedDueToInvalidNaaKey", 15: "pprNotAllowed", 127: "installFailedDueToUnknownError",
    ]
}

/// ```
/// finalResult [2] CHOICE { successResult SuccessResult, errorResult ErrorResult }   -- A0 / A1
/// SuccessResult ::= SEQUENCE {
///    aid [APPLICATION 15] OCTET STRING (SIZE (5..16)), simaResponse OCTET STRING }
/// ErrorResult ::= SEQUENCE {
///    bppCommandId BppCommandId, errorReason ErrorReason, simaResponse OCTET STRING OPTIONAL }
/// ```
/// SuccessResult has a tagged component, so `simaResponse` is universal `04`; ErrorResult gets
/// automatic tags `80 81 82`.
public enum FinalResult: Hashable, Sendable {
    case success(aid: [UInt8], simaResponse: [UInt8])
    case error(bppCommandId: BppCommandId, errorReason: ErrorReason, simaResponse: [UInt8]?)

    static func decode(_ node: ASN1Node) throws -> FinalResult {
        try DER.sequence(node, identifier: Tag.ctx(2)) { nodes in
            guard let choice = nodes.next() else { throw RSPASN1Error.invalidEncoding("empty finalResult") }
            switch choice.identifier {
            case Tag.ctx(0):
                return try DER.sequence(choice, identifier: Tag.ctx(0)) { inner in
                    .success(aid: try Decode.octets(inner.required(Tag.aid, "aid"), Tag.aid, field: "aid", size: 5...16),
                             simaResponse: try Decode.octets(inner.required(.octetString, "simaResponse"), .octetString))
                }
            case Tag.ctx(1):
                return try DER.sequence(choice, identifier: Tag.ctx(1)) { inner in
                    .error(bppCommandId: try BppCommandId.decode(inner.required(Tag.ctx(0), "bppCommandId"), Tag.ctx(0)),
                           errorReason: try ErrorReason.decode(inner.required(Tag.ctx(1), "errorReason"), Tag.ctx(1)),
                           simaResponse: try inner.optional(Tag.ctx(2)).map { try Decode.octets($0, Tag.ctx(2)) })
                }
            default:
                throw RSPASN1Error.unexpectedTag("finalResult alternative \(choice.identifier)")
            }
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        if case let .success(aid, _) = self { try Validate.size(aid, field: "aid", 5...16) }
        try coder.appendConstructedNode(identifier: Tag.ctx(2)) { coder in
            switch self {
            case let .success(aid, simaResponse):
                try coder.appendConstructedNode(identifier: Tag.ctx(0)) { coder in
                    try coder.octets(aid, Tag.aid)
                    try coder.octets(simaResponse, .octetString)
                }
            case let .error(command, reason, simaResponse):
                try coder.appendConstructedNode(identifier: Tag.ctx(1)) { coder in
                    try command.serialize(into: &coder, Tag.ctx(0))
                    try reason.serialize(into: &coder, Tag.ctx(1))
                    if let simaResponse { try coder.octets(simaResponse, Tag.ctx(2)) }
                }
            }
        }
    }
}

/// ```
/// ProfileInstallationResultData ::= [39] SEQUENCE { -- Tag 'BF27'
///    transactionId [0] TransactionId, notificationMetadata [47] NotificationMetadata,
///    smdpOid OBJECT IDENTIFIER, finalResult [2] CHOICE {…} }
/// ```
/// `smdpOid` is mandatory in v2.5 but tolerated as absent on decode (older v2 modules make it
/// OPTIONAL). euiccSignPIR covers `rawDER`.
public struct ProfileInstallationResultData: SignedStructure {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(39) }
    public let transactionId: TransactionID
    public let notificationMetadata: NotificationMetadata
    public let smdpOid: ASN1ObjectIdentifier?
    public let finalResult: FinalResult
    public private(set) var rawDER: [UInt8] = []

    public init(transactionId: TransactionID, notificationMetadata: NotificationMetadata, smdpOid: ASN1ObjectIdentifier?, finalResult: FinalResult) throws(RSPASN1Error) {
        self.transactionId = transactionId
        self.notificationMetadata = notificationMetadata
        self.smdpOid = smdpOid
        self.finalResult = finalResult
        self.rawDER = try encodeContent()
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try ProfileInstallationResultData(
                transactionId: TransactionID.decode(nodes.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                notificationMetadata: NotificationMetadata(derEncoded: nodes.required(Tag.ctx(47), "notificationMetadata")),
                smdpOid: nodes.optional(.objectIdentifier).map { try Decode.oid($0) },
                finalResult: FinalResult.decode(nodes.required(Tag.ctx(2), "finalResult")))
        }
        if identifier == Self.defaultIdentifier { rawDER = Array(node.encodedBytes) }
    }

    public func serializeContent(into coder: inout DER.Serializer) throws {
        try coder.octets(transactionId.bytes, Tag.ctx(0))
        try coder.serialize(notificationMetadata)
        if let smdpOid { try coder.serialize(smdpOid) }
        try finalResult.serialize(into: &coder)
    }
}

/// ```
/// ProfileInstallationResult ::= [55] SEQUENCE { -- Tag 'BF37'
///    profileInstallationResultData [39] ProfileInstallationResultData,
///    euiccSignPIR EuiccSignPIR }   -- [APPLICATION 55] OCTET STRING, '5F37'
/// ```
public struct ProfileInstallationResult: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(55) }
    public let profileInstallationResultData: ProfileInstallationResultData
    public let euiccSignPIR: ECDSASignature

    public init(profileInstallationResultData: ProfileInstallationResultData, euiccSignPIR: ECDSASignature) {
        self.profileInstallationResultData = profileInstallationResultData
        self.euiccSignPIR = euiccSignPIR
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            ProfileInstallationResult(
                profileInstallationResultData: try ProfileInstallationResultData(derEncoded: nodes.required(Tag.ctx(39), "profileInstallationResultData")),
                euiccSignPIR: try ECDSASignature(derEncoded: nodes.required(Tag.signature, "euiccSignPIR")))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(profileInstallationResultData)
            try coder.serialize(euiccSignPIR)
        }
    }
}
