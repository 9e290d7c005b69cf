import SwiftASN1

/// A structure covered by a signature. `rawDER` is the complete TLV exactly as received (when
/// decoded) or as built (when constructed); signatures are computed and verified over it, and
/// enclosing messages emit it unchanged.
public protocol SignedStructure: RSPMessage, DERImplicitlyTaggable {
    var rawDER: [UInt8] { get }
    /// Writes the fields (the content inside the outer tag).
    func serializeContent(into coder: inout DER.Serializer) throws
}

extension SignedStructure {
    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        if identifier == Self.defaultIdentifier {
            coder.serializeRawBytes(rawDER)
        } else {
            try coder.appendConstructedNode(identifier: identifier) { try serializeContent(into: &$0) }
        }
    }

    /// The encoding of the fields under the default tag (used to fill `rawDER` at construction).
    func encodeContent() throws(RSPASN1Error) -> [UInt8] {
        try encodeDER { coder in
            try coder.appendConstructedNode(identifier: Self.defaultIdentifier) { try serializeContent(into: &$0) }
        }
    }
}

/// Validates that certificate bytes are one DER SEQUENCE TLV.
func checkCertificate(_ bytes: [UInt8], _ field: String) throws(RSPASN1Error) {
    try Validate.singleTLV(bytes, field: field, firstTagByte: 0x30)
}

/// `GetEuiccChallengeRequest ::= [46] SEQUENCE {}` — `BF2E 00`.
public struct GetEuiccChallengeRequest: EmptySequenceMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(46) }
    public init() {}
}

/// ```
/// GetEuiccChallengeResponse ::= [46] SEQUENCE { -- Tag 'BF2E'
///    euiccChallenge Octet16 }
/// ```
/// Automatic tag `80`.
public struct GetEuiccChallengeResponse: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(46) }
    public let euiccChallenge: [UInt8]

    public init(euiccChallenge: [UInt8]) throws(RSPASN1Error) {
        try Validate.size(euiccChallenge, field: "euiccChallenge", 16...16)
        self.euiccChallenge = euiccChallenge
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try GetEuiccChallengeResponse(euiccChallenge: Decode.octets(nodes.required(Tag.ctx(0), "euiccChallenge"), Tag.ctx(0)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try $0.octets(euiccChallenge, Tag.ctx(0)) }
    }
}

/// ```
/// ServerSigned1 ::= SEQUENCE {
///    transactionId [0] TransactionId, euiccChallenge [1] Octet16,
///    serverAddress [3] UTF8String, serverChallenge [4] Octet16 }
/// ```
/// Signed by SK.DPauth (serverSignature1 covers `rawDER`).
public struct ServerSigned1: SignedStructure {
    public static var defaultIdentifier: ASN1Identifier { .sequence }
    public let transactionId: TransactionID
    public let euiccChallenge: [UInt8]
    public let serverAddress: String
    public let serverChallenge: [UInt8]
    public private(set) var rawDER: [UInt8] = []

    public init(transactionId: TransactionID, euiccChallenge: [UInt8], serverAddress: String, serverChallenge: [UInt8]) throws(RSPASN1Error) {
        try Validate.size(euiccChallenge, field: "euiccChallenge", 16...16)
        try Validate.size(serverChallenge, field: "serverChallenge", 16...16)
        self.transactionId = transactionId
        self.euiccChallenge = euiccChallenge
        self.serverAddress = serverAddress
        self.serverChallenge = serverChallenge
        self.rawDER = try encodeContent()
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try ServerSigned1(
                transactionId: TransactionID.decode(nodes.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                euiccChallenge: Decode.octets(nodes.required(Tag.ctx(1), "euiccChallenge"), Tag.ctx(1)),
                serverAddress: Decode.utf8(nodes.required(Tag.ctx(3), "serverAddress"), Tag.ctx(3)),
                serverChallenge: Decode.octets(nodes.required(Tag.ctx(4), "serverChallenge"), Tag.ctx(4)))
        }
        if identifier == Self.defaultIdentifier { rawDER = Array(node.encodedBytes) }
    }

    public func serializeContent(into coder: inout DER.Serializer) throws {
        try coder.octets(transactionId.bytes, Tag.ctx(0))
        try coder.octets(euiccChallenge, Tag.ctx(1))
        try coder.utf8(serverAddress, Tag.ctx(3))
        try coder.octets(serverChallenge, Tag.ctx(4))
    }
}

/// ```
/// AuthenticateServerRequest ::= [56] SEQUENCE { -- Tag 'BF38'
///    serverSigned1 ServerSigned1, serverSignature1 [APPLICATION 55] OCTET STRING,
///    euiccCiPKIdToBeUsed SubjectKeyIdentifier, serverCertificate Certificate, ctxParams1 CtxParams1 }
/// ```
/// Tags: `30`, `5F37`, `04`, `30`, `A0`. `serverCertificate` is raw DER (CERT.DPauth).
public struct AuthenticateServerRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(56) }
    public let serverSigned1: ServerSigned1
    public let serverSignature1: ECDSASignature
    public let euiccCiPKIdToBeUsed: [UInt8]
    public let serverCertificate: [UInt8]
    public let ctxParams1: CtxParams1

    public init(serverSigned1: ServerSigned1, serverSignature1: ECDSASignature, euiccCiPKIdToBeUsed: [UInt8],
                serverCertificate: [UInt8], ctxParams1: CtxParams1) throws(RSPASN1Error) {
        try checkCertificate(serverCertificate, "serverCertificate")
        self.serverSigned1 = serverSigned1
        self.serverSignature1 = serverSignature1
        self.euiccCiPKIdToBeUsed = euiccCiPKIdToBeUsed
        self.serverCertificate = serverCertificate
        self.ctxParams1 = ctxParams1
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try AuthenticateServerRequest(
                serverSigned1: ServerSigned1(derEncoded: nodes.required(.sequence, "serverSigned1")),
                serverSignature1: ECDSASignature(derEncoded: nodes.required(Tag.signature, "serverSignature1")),
                euiccCiPKIdToBeUsed: Decode.octets(nodes.required(.octetString, "euiccCiPKIdToBeUsed"), .octetString),
                serverCertificate: Decode.tlv(nodes.required(.sequence, "serverCertificate"), .sequence, field: "serverCertificate"),
                ctxParams1: CtxParams1(derEncoded: nodes.required(Tag.ctx(0), "ctxParams1")))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(serverSigned1)
            try coder.serialize(serverSignature1)
            try coder.octets(euiccCiPKIdToBeUsed, .octetString)
            coder.serializeRawBytes(serverCertificate)
            try coder.serialize(ctxParams1)
        }
    }
}

/// ```
/// EuiccSigned1 ::= SEQUENCE {
///    transactionId [0] TransactionId, serverAddress [3] UTF8String, serverChallenge [4] Octet16,
///    euiccInfo2 [34] EUICCInfo2, ctxParams1 CtxParams1 }
/// ```
/// Signed by SK.EUICC (euiccSignature1 covers `rawDER`).
public struct EuiccSigned1: SignedStructure {
    public static var defaultIdentifier: ASN1Identifier { .sequence }
    public let transactionId: TransactionID
    public let serverAddress: String
    public let serverChallenge: [UInt8]
    public let euiccInfo2: EUICCInfo2
    public let ctxParams1: CtxParams1
    public private(set) var rawDER: [UInt8] = []

    public init(transactionId: TransactionID, serverAddress: String, serverChallenge: [UInt8], euiccInfo2: EUICCInfo2, ctxParams1: CtxParams1) throws(RSPASN1Error) {
        try Validate.size(serverChallenge, field: "serverChallenge", 16...16)
        self.transactionId = transactionId
        self.serverAddress = serverAddress
        self.serverChallenge = serverChallenge
        self.euiccInfo2 = euiccInfo2
        self.ctxParams1 = ctxParams1
        self.rawDER = try encodeContent()
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try EuiccSigned1(
                transactionId: TransactionID.decode(nodes.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                serverAddress: Decode.utf8(nodes.required(Tag.ctx(3), "serverAddress"), Tag.ctx(3)),
                serverChallenge: Decode.octets(nodes.required(Tag.ctx(4), "serverChallenge"), Tag.ctx(4)),
                euiccInfo2: EUICCInfo2(derEncoded: nodes.required(Tag.ctx(34), "euiccInfo2")),
                ctxParams1: CtxParams1(derEncoded: nodes.required(Tag.ctx(0), "ctxParams1")))
        }
        if identifier == Self.defaultIdentifier { rawDER = Array(node.encodedBytes) }
    }

    public func serializeContent(into coder: inout DER.Serializer) throws {
        try coder.octets(transactionId.bytes, Tag.ctx(0))
        try coder.utf8(serverAddress, Tag.ctx(3))
        try coder.octets(serverChallenge, Tag.ctx(4))
        try coder.serialize(euiccInfo2)
        try coder.serialize(ctxParams1)
    }
}

/// `AuthenticateErrorCode ::= INTEGER {invalidCertificate(1), invalidSignature(2), unsupportedCurve(3),
/// noSessionContext(4), invalidOid(5), euiccChallengeMismatch(6), ciPKUnknown(7), undefinedError(127)}`
public struct AuthenticateErrorCode: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let invalidCertificate = Self(rawValue: 1)
    public static let invalidSignature = Self(rawValue: 2)
    public static let unsupportedCurve = Self(rawValue: 3)
    public static let noSessionContext = Self(rawValue: 4)
    public static let invalidOid = Self(rawValue: 5)
    public static let euiccChallengeMismatch = Self(rawValue: 6)
    public static let ciPKUnknown = Self(rawValue: 7)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [1: "invalidCertificate", 2: "invalidSignature", 3: "unsupportedCurve", 4: "noSessionContext",
                               5: "invalidOid", 6: "euiccChallengeMismatch", 7: "ciPKUnknown", 127: "undefinedError"]
}

/// ```
/// AuthenticateServerResponse ::= [56] CHOICE { -- Tag 'BF38'
///    authenticateResponseOk AuthenticateResponseOk,        -- A0
///    authenticateResponseError AuthenticateResponseError } -- A1
/// AuthenticateResponseOk ::= SEQUENCE {
///    euiccSigned1 EuiccSigned1, euiccSignature1 [APPLICATION 55] OCTET STRING,
///    euiccCertificate Certificate, eumCertificate Certificate }
/// AuthenticateResponseError ::= SEQUENCE {
///    transactionId [0] TransactionId, authenticateErrorCode AuthenticateErrorCode }
/// ```
/// Certificates are raw DER.
public enum AuthenticateServerResponse: RSPMessage, DERImplicitlyTaggable {
    case ok(euiccSigned1: EuiccSigned1, euiccSignature1: ECDSASignature, euiccCertificate: [UInt8], eumCertificate: [UInt8])
    case error(transactionId: TransactionID, code: AuthenticateErrorCode)

    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(56) }

    /// Builds the ok alternative, checking that both certificates are single DER SEQUENCEs.
    public static func makeOk(euiccSigned1: EuiccSigned1, euiccSignature1: ECDSASignature, euiccCertificate: [UInt8], eumCertificate: [UInt8]) throws(RSPASN1Error) -> Self {
        try checkCertificate(euiccCertificate, "euiccCertificate")
        try checkCertificate(eumCertificate, "eumCertificate")
        return .ok(euiccSigned1: euiccSigned1, euiccSignature1: euiccSignature1, euiccCertificate: euiccCertificate, eumCertificate: eumCertificate)
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let choice = nodes.next() else { throw RSPASN1Error.invalidEncoding("empty AuthenticateServerResponse") }
            switch choice.identifier {
            case Tag.ctx(0):
                return try DER.sequence(choice, identifier: Tag.ctx(0)) { inner in
                    .ok(euiccSigned1: try EuiccSigned1(derEncoded: inner.required(.sequence, "euiccSigned1")),
                        euiccSignature1: try ECDSASignature(derEncoded: inner.required(Tag.signature, "euiccSignature1")),
                        euiccCertificate: try Decode.tlv(inner.required(.sequence, "euiccCertificate"), .sequence, field: "euiccCertificate"),
                        eumCertificate: try Decode.tlv(inner.required(.sequence, "eumCertificate"), .sequence, field: "eumCertificate"))
                }
            case Tag.ctx(1):
                return try DER.sequence(choice, identifier: Tag.ctx(1)) { inner in
                    .error(transactionId: try TransactionID.decode(inner.required(Tag.ctx(0), "transactionId"), Tag.ctx(0)),
                           code: try AuthenticateErrorCode.decode(inner.required(.integer, "authenticateErrorCode"), .integer))
                }
            default:
                throw RSPASN1Error.unexpectedTag("AuthenticateServerResponse alternative \(choice.identifier)")
            }
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            switch self {
            case let .ok(signed, signature, euiccCertificate, eumCertificate):
                try checkCertificate(euiccCertificate, "euiccCertificate")
                try checkCertificate(eumCertificate, "eumCertificate")
                try coder.appendConstructedNode(identifier: Tag.ctx(0)) { coder in
                    try coder.serialize(signed)
                    try coder.serialize(signature)
                    coder.serializeRawBytes(euiccCertificate)
                    coder.serializeRawBytes(eumCertificate)
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
