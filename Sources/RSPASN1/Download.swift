import SwiftASN1

/// ```
/// SmdpSigned2 ::= SEQUENCE {
///    transactionId [0] TransactionId, ccRequiredFlag BOOLEAN,
///    bppEuiccOtpk [APPLICATION 73] OCTET STRING OPTIONAL }
/// ```
/// Tags `80`, `01` (universal: the SEQUENCE has tagged components, so no automatic tags), `5F49`.
/// smdpSignature2 covers `rawDER ‖ 5F37 40 ‖ euiccSignature1`.
public struct SmdpSigned2: SignedStructure {
    public static var defaultIdentifier: ASN1Identifier { .sequence }
    public let transactionId: TransactionID
    public let ccRequiredFlag: Bool
    public let bppEuiccOtpk: [UInt8]?
    public private(set) var rawDER: [UInt8] = []

    public init(transactionId: TransactionID, ccRequiredFlag: Bool, bppEuiccOtpk: [UInt8]? = nil) throws(RSPASN1Error) {
        self.transactionId = transactionId
        self.ccRequiredFlag = ccRequiredFlag
        self.bppEuiccOtpk = bppEuiccOtpk
        self.rawDER = try encodeContent()
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try SmdpSigned2(
                transactionId: TransactionID.decode(nodes.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                ccRequiredFlag: Decode.bool(nodes.required(.boolean, "ccRequiredFlag"), .boolean),
                bppEuiccOtpk: nodes.optional(Tag.otpk).map { try Decode.octets($0, Tag.otpk) })
        }
        if identifier == Self.defaultIdentifier { rawDER = Array(node.encodedBytes) }
    }

    public func serializeContent(into coder: inout DER.Serializer) throws {
        try coder.octets(transactionId.bytes, Tag.ctx(0))
        try coder.bool(ccRequiredFlag, .boolean)
        if let bppEuiccOtpk { try coder.octets(bppEuiccOtpk, Tag.otpk) }
    }
}

/// ```
/// PrepareDownloadRequest ::= [33] SEQUENCE { -- Tag 'BF21'
///    smdpSigned2 SmdpSigned2, smdpSignature2 [APPLICATION 55] OCTET STRING,
///    hashCc Octet32 OPTIONAL, smdpCertificate Certificate }
/// ```
/// `hashCc` is universal `04 20`; `smdpCertificate` (CERT.DPpb) is raw DER.
public struct PrepareDownloadRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(33) }
    public let smdpSigned2: SmdpSigned2
    public let smdpSignature2: ECDSASignature
    public let hashCc: [UInt8]?
    public let smdpCertificate: [UInt8]

    public init(smdpSigned2: SmdpSigned2, smdpSignature2: ECDSASignature, hashCc: [UInt8]? = nil, smdpCertificate: [UInt8]) throws(RSPASN1Error) {
        if let hashCc { try Validate.size(hashCc, field: "hashCc", 32...32) }
        try checkCertificate(smdpCertificate, "smdpCertificate")
        self.smdpSigned2 = smdpSigned2
        self.smdpSignature2 = smdpSignature2
        self.hashCc = hashCc
        self.smdpCertificate = smdpCertificate
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try PrepareDownloadRequest(
                smdpSigned2: SmdpSigned2(derEncoded: nodes.required(.sequence, "smdpSigned2")),
                smdpSignature2: ECDSASignature(derEncoded: nodes.required(Tag.signature, "smdpSignature2")),
                hashCc: nodes.optional(.octetString).map { try Decode.octets($0, .octetString) },
                smdpCertificate: Decode.tlv(nodes.required(.sequence, "smdpCertificate"), .sequence, field: "smdpCertificate"))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(smdpSigned2)
            try coder.serialize(smdpSignature2)
            if let hashCc { try coder.octets(hashCc, .octetString) }
            coder.serializeRawBytes(smdpCertificate)
        }
    }
}

/// ```
/// EUICCSigned2 ::= SEQUENCE {
///    transactionId [0] TransactionId, euiccOtpk [APPLICATION 73] OCTET STRING,
///    hashCc Octet32 OPTIONAL }
/// ```
/// euiccSignature2 covers `rawDER ‖ 5F37 40 ‖ smdpSignature2`.
public struct EUICCSigned2: SignedStructure {
    public static var defaultIdentifier: ASN1Identifier { .sequence }
    public let transactionId: TransactionID
    /// otPK.EUICC.ECKA, uncompressed point `04‖X‖Y`.
    public let euiccOtpk: [UInt8]
    public let hashCc: [UInt8]?
    public private(set) var rawDER: [UInt8] = []

    public init(transactionId: TransactionID, euiccOtpk: [UInt8], hashCc: [UInt8]? = nil) throws(RSPASN1Error) {
        if let hashCc { try Validate.size(hashCc, field: "hashCc", 32...32) }
        self.transactionId = transactionId
        self.euiccOtpk = euiccOtpk
        self.hashCc = hashCc
        self.rawDER = try encodeContent()
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try EUICCSigned2(
                transactionId: TransactionID.decode(nodes.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                euiccOtpk: Decode.octets(nodes.required(Tag.otpk, "euiccOtpk"), Tag.otpk),
                hashCc: nodes.optional(.octetString).map { try Decode.octets($0, .octetString) })
        }
        if identifier == Self.defaultIdentifier { rawDER = Array(node.encodedBytes) }
    }

    public func serializeContent(into coder: inout DER.Serializer) throws {
        try coder.octets(transactionId.bytes, Tag.ctx(0))
        try coder.octets(euiccOtpk, Tag.otpk)
        if let hashCc { try coder.octets(hashCc, .octetString) }
    }
}

/// `DownloadErrorCode ::= INTEGER {invalidCertificate(1), invalidSignature(2), unsupportedCurve(3),
/// noSessionContext(4), invalidTransactionId(5), undefinedError(127)}`
public struct DownloadErrorCode: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let invalidCertificate = Self(rawValue: 1)
    public static let invalidSignature = Self(rawValue: 2)
    public static let unsupportedCurve = Self(rawValue: 3)
    public static let noSessionContext = Self(rawValue: 4)
    public static let invalidTransactionId = Self(rawValue: 5)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [1: "invalidCertificate", 2: "invalidSignature", 3: "unsupportedCurve",
                               4: "noSessionContext", 5: "invalidTransactionId", 127: "undefinedError"]
}

/// ```
/// PrepareDownloadResponse ::= [33] CHOICE { -- Tag 'BF21'
///    downloadResponseOk PrepareDownloadResponseOk,          -- A0
///    downloadResponseError PrepareDownloadResponseError }   -- A1
/// PrepareDownloadResponseOk ::= SEQUENCE {
///    euiccSigned2 EUICCSigned2, euiccSignature2 [APPLICATION 55] OCTET STRING }
/// PrepareDownloadResponseError ::= SEQUENCE {
///    transactionId [0] TransactionId, downloadErrorCode DownloadErrorCode }
/// ```
public enum PrepareDownloadResponse: RSPMessage, DERImplicitlyTaggable {
    case ok(euiccSigned2: EUICCSigned2, euiccSignature2: ECDSASignature)
    case error(transactionId: TransactionID, code: DownloadErrorCode)

    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(33) }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let choice = nodes.next() else { throw RSPASN1Error.invalidEncoding("empty PrepareDownloadResponse") }
            switch choice.identifier {
            case Tag.ctx(0):
                return try DER.sequence(choice, identifier: Tag.ctx(0)) { inner in
                    .ok(euiccSigned2: try EUICCSigned2(derEncoded: inner.required(.sequence, "euiccSigned2")),
                        euiccSignature2: try ECDSASignature(derEncoded: inner.required(Tag.signature, "euiccSignature2")))
                }
            case Tag.ctx(1):
                return try DER.sequence(choice, identifier: Tag.ctx(1)) { inner in
                    .error(transactionId: try TransactionID.decode(inner.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                           code: try DownloadErrorCode.decode(inner.required(.integer, "downloadErrorCode"), .integer))
                }
            default:
                throw RSPASN1Error.unexpectedTag("PrepareDownloadResponse alternative \(choice.identifier)")
            }
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            switch self {
            case let .ok(signed, signature):
                try coder.appendConstructedNode(identifier: Tag.ctx(0)) { coder in
                    try coder.serialize(signed)
                    try coder.serialize(signature)
                }
            case let .error(transactionId, code):
                try coder.appendConstructedNode(identifier: Tag.ctx(1)) { coder in
                    try coder.octets(transactionId.bytes, Tag.ctx(0))
                    try code.serialize(into: &coder, .integer)
                }
            }
        }
    }
}

/// `CancelSessionReason ::= INTEGER {endUserRejection(0), postponed(1), timeout(2), pprNotAllowed(3),
/// metadataMismatch(4), loadBppExecutionError(5), undefinedReason(127)}`
public struct CancelSessionReason: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let endUserRejection = Self(rawValue: 0)
    public static let postponed = Self(rawValue: 1)
    public static let timeout = Self(rawValue: 2)
    public static let pprNotAllowed = Self(rawValue: 3)
    public static let metadataMismatch = Self(rawValue: 4)
    public static let loadBppExecutionError = Self(rawValue: 5)
    public static let undefinedReason = Self(rawValue: 127)
    public static let names = [0: "endUserRejection", 1: "postponed", 2: "timeout", 3: "pprNotAllowed",
                               4: "metadataMismatch", 5: "loadBppExecutionError", 127: "undefinedReason"]
}

/// `cancelSessionResponseError INTEGER {invalidTransactionId(5), undefinedError(127)}`
public struct CancelSessionErrorCode: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let invalidTransactionId = Self(rawValue: 5)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [5: "invalidTransactionId", 127: "undefinedError"]
}

/// ```
/// CancelSessionRequest ::= [65] SEQUENCE { -- Tag 'BF41'
///    transactionId TransactionId, reason CancelSessionReason }
/// ```
/// Automatic tags `80`, `81`.
public struct CancelSessionRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(65) }
    public var transactionId: TransactionID
    public var reason: CancelSessionReason

    public init(transactionId: TransactionID, reason: CancelSessionReason) {
        self.transactionId = transactionId
        self.reason = reason
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            CancelSessionRequest(
                transactionId: try TransactionID.decode(nodes.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                reason: try CancelSessionReason.decode(nodes.required(Tag.ctx(1), "reason"), Tag.ctx(1)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.octets(transactionId.bytes, Tag.ctx(0))
            try reason.serialize(into: &coder, Tag.ctx(1))
        }
    }
}

/// ```
/// EuiccCancelSessionSigned ::= SEQUENCE {
///    transactionId TransactionId, smdpOid OBJECT IDENTIFIER, reason CancelSessionReason }
/// ```
/// Automatic tags `80`, `81`, `82`. euiccCancelSessionSignature covers `rawDER`.
public struct EuiccCancelSessionSigned: SignedStructure {
    public static var defaultIdentifier: ASN1Identifier { .sequence }
    public let transactionId: TransactionID
    public let smdpOid: ASN1ObjectIdentifier
    public let reason: CancelSessionReason
    public private(set) var rawDER: [UInt8] = []

    public init(transactionId: TransactionID, smdpOid: ASN1ObjectIdentifier, reason: CancelSessionReason) throws(RSPASN1Error) {
        self.transactionId = transactionId
        self.smdpOid = smdpOid
        self.reason = reason
        self.rawDER = try encodeContent()
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try EuiccCancelSessionSigned(
                transactionId: TransactionID.decode(nodes.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                smdpOid: Decode.oid(nodes.required(Tag.ctx(1), "smdpOid"), Tag.ctx(1)),
                reason: CancelSessionReason.decode(nodes.required(Tag.ctx(2), "reason"), Tag.ctx(2)))
        }
        if identifier == Self.defaultIdentifier { rawDER = Array(node.encodedBytes) }
    }

    public func serializeContent(into coder: inout DER.Serializer) throws {
        try coder.octets(transactionId.bytes, Tag.ctx(0))
        try smdpOid.serialize(into: &coder, withIdentifier: Tag.ctx(1))
        try reason.serialize(into: &coder, Tag.ctx(2))
    }
}

/// ```
/// CancelSessionResponse ::= [65] CHOICE { -- Tag 'BF41'
///    cancelSessionResponseOk CancelSessionResponseOk,                              -- A0
///    cancelSessionResponseError INTEGER {invalidTransactionId(5), undefinedError(127)} } -- 81
/// CancelSessionResponseOk ::= SEQUENCE {
///    euiccCancelSessionSigned EuiccCancelSessionSigned,
///    euiccCancelSessionSignature [APPLICATION 55] OCTET STRING }
/// ```
public enum CancelSessionResponse: RSPMessage, DERImplicitlyTaggable {
    case ok(signed: EuiccCancelSessionSigned, signature: ECDSASignature)
    case error(CancelSessionErrorCode)

    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(65) }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let choice = nodes.next() else { throw RSPASN1Error.invalidEncoding("empty CancelSessionResponse") }
            switch choice.identifier {
            case Tag.ctx(0):
                return try DER.sequence(choice, identifier: Tag.ctx(0)) { inner in
                    .ok(signed: try EuiccCancelSessionSigned(derEncoded: inner.required(.sequence, "euiccCancelSessionSigned")),
                        signature: try ECDSASignature(derEncoded: inner.required(Tag.signature, "euiccCancelSessionSignature")))
                }
            case Tag.ctx(1):
                return .error(try CancelSessionErrorCode.decode(choice, Tag.ctx(1)))
            default:
                throw RSPASN1Error.unexpectedTag("CancelSessionResponse alternative \(choice.identifier)")
            }
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            switch self {
            case let .ok(signed, signature):
                try coder.appendConstructedNode(identifier: Tag.ctx(0)) { coder in
                    try coder.serialize(signed)
                    try coder.serialize(signature)
                }
            case let .error(code):
                try code.serialize(into: &coder, Tag.ctx(1))
            }
        }
    }
}
