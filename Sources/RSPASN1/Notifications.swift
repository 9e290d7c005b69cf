import SwiftASN1

/// ```
/// NotificationMetadata ::= [47] SEQUENCE { -- Tag 'BF2F'
///    seqNumber [0] INTEGER, profileManagementOperation [1] NotificationEvent,
///    notificationAddress UTF8String, iccid Iccid OPTIONAL }
/// ```
/// `notificationAddress` is universal `0C`. Signed as `tbsOtherNotification` (covers `rawDER`).
public struct NotificationMetadata: SignedStructure {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(47) }
    public let seqNumber: Int
    public let profileManagementOperation: NotificationEvent
    public let notificationAddress: String
    public let iccid: ICCID?
    public private(set) var rawDER: [UInt8] = []

    public init(seqNumber: Int, profileManagementOperation: NotificationEvent, notificationAddress: String, iccid: ICCID?) throws(RSPASN1Error) {
        self.seqNumber = seqNumber
        self.profileManagementOperation = profileManagementOperation
        self.notificationAddress = notificationAddress
        self.iccid = iccid
        self.rawDER = try encodeContent()
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try NotificationMetadata(
                seqNumber: Decode.int(nodes.required(Tag.ctx(0), "seqNumber"), Tag.ctx(0)),
                profileManagementOperation: NotificationEvent.decode(nodes.required(Tag.ctx(1), "profileManagementOperation"), Tag.ctx(1)),
                notificationAddress: Decode.utf8(nodes.required(.utf8String, "notificationAddress"), .utf8String),
                iccid: nodes.optional(Tag.iccid).map { try ICCID.decodeRSP($0) })
        }
        if identifier == Self.defaultIdentifier { rawDER = Array(node.encodedBytes) }
    }

    public func serializeContent(into coder: inout DER.Serializer) throws {
        try coder.int(seqNumber, Tag.ctx(0))
        try profileManagementOperation.serialize(into: &coder, Tag.ctx(1))
        try coder.utf8(notificationAddress, .utf8String)
        if let iccid { try iccid.serializeRSP(into: &coder) }
    }
}

/// ```
/// OtherSignedNotification ::= SEQUENCE {
///    tbsOtherNotification NotificationMetadata,
///    euiccNotificationSignature [APPLICATION 55] OCTET STRING,
///    euiccCertificate Certificate, eumCertificate Certificate }
/// ```
/// Certificates are raw DER.
public struct OtherSignedNotification: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { .sequence }
    public let tbsOtherNotification: NotificationMetadata
    public let euiccNotificationSignature: ECDSASignature
    public let euiccCertificate: [UInt8]
    public let eumCertificate: [UInt8]

    public init(tbsOtherNotification: NotificationMetadata, euiccNotificationSignature: ECDSASignature,
                euiccCertificate: [UInt8], eumCertificate: [UInt8]) throws(RSPASN1Error) {
        try checkCertificate(euiccCertificate, "euiccCertificate")
        try checkCertificate(eumCertificate, "eumCertificate")
        self.tbsOtherNotification = tbsOtherNotification
        self.euiccNotificationSignature = euiccNotificationSignature
        self.euiccCertificate = euiccCertificate
        self.eumCertificate = eumCertificate
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            try OtherSignedNotification(
                tbsOtherNotification: NotificationMetadata(derEncoded: nodes.required(Tag.ctx(47), "tbsOtherNotification")),
                euiccNotificationSignature: ECDSASignature(derEncoded: nodes.required(Tag.signature, "euiccNotificationSignature")),
                euiccCertificate: Decode.tlv(nodes.required(.sequence, "euiccCertificate"), .sequence, field: "euiccCertificate"),
                eumCertificate: Decode.tlv(nodes.required(.sequence, "eumCertificate"), .sequence, field: "eumCertificate"))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(tbsOtherNotification)
            try coder.serialize(euiccNotificationSignature)
            coder.serializeRawBytes(euiccCertificate)
            coder.serializeRawBytes(eumCertificate)
        }
    }
}

/// ```
/// PendingNotification ::= CHOICE {
///    profileInstallationResult [55] ProfileInstallationResult, -- tag 'BF37'
///    otherSignedNotification OtherSignedNotification }      -- tag '30'
/// ```
public enum PendingNotification: RSPMessage {
    case profileInstallationResult(ProfileInstallationResult)
    case otherSignedNotification(OtherSignedNotification)

    public init(derEncoded node: ASN1Node) throws {
        switch node.identifier {
        case ProfileInstallationResult.defaultIdentifier:
            self = .profileInstallationResult(try ProfileInstallationResult(derEncoded: node))
        case OtherSignedNotification.defaultIdentifier:
            self = .otherSignedNotification(try OtherSignedNotification(derEncoded: node))
        default:
            throw RSPASN1Error.unexpectedTag("PendingNotification alternative \(node.identifier)")
        }
    }

    public func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .profileInstallationResult(let result): try coder.serialize(result)
        case .otherSignedNotification(let notification): try coder.serialize(notification)
        }
    }

    /// The notification metadata of either alternative.
    public var notificationMetadata: NotificationMetadata {
        switch self {
        case .profileInstallationResult(let result): result.profileInstallationResultData.notificationMetadata
        case .otherSignedNotification(let notification): notification.tbsOtherNotification
        }
    }
}

/// `listNotificationsResultError INTEGER {undefinedError(127)}` (also used by RetrieveNotificationsList).
public struct NotificationListError: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [127: "undefinedError"]
}

/// ```
/// ListNotificationRequest ::= [40] SEQUENCE { -- Tag 'BF28'
///    profileManagementOperation [1] NotificationEvent OPTIONAL }
/// ```
public struct ListNotificationRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(40) }
    public var profileManagementOperation: NotificationEvent?

    public init(profileManagementOperation: NotificationEvent? = nil) {
        self.profileManagementOperation = profileManagementOperation
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            ListNotificationRequest(profileManagementOperation: try nodes.optional(Tag.ctx(1)).map { try NotificationEvent.decode($0, Tag.ctx(1)) })
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            if let profileManagementOperation { try profileManagementOperation.serialize(into: &coder, Tag.ctx(1)) }
        }
    }
}

/// ```
/// ListNotificationResponse ::= [40] CHOICE { -- Tag 'BF28'
///    notificationMetadataList SEQUENCE OF NotificationMetadata,       -- A0
///    listNotificationsResultError INTEGER {undefinedError(127)} }    -- 81
/// ```
public enum ListNotificationResponse: RSPMessage, DERImplicitlyTaggable {
    case notificationMetadataList([NotificationMetadata])
    case error(NotificationListError)

    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(40) }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let choice = nodes.next() else { throw RSPASN1Error.invalidEncoding("empty ListNotificationResponse") }
            switch choice.identifier {
            case Tag.ctx(0): return .notificationMetadataList(try DER.sequence(of: NotificationMetadata.self, identifier: Tag.ctx(0), rootNode: choice))
            case Tag.ctx(1): return .error(try NotificationListError.decode(choice, Tag.ctx(1)))
            default: throw RSPASN1Error.unexpectedTag("ListNotificationResponse alternative \(choice.identifier)")
            }
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            switch self {
            case .notificationMetadataList(let list): try coder.serializeSequenceOf(list, identifier: Tag.ctx(0))
            case .error(let code): try code.serialize(into: &coder, Tag.ctx(1))
            }
        }
    }
}

/// ```
/// RetrieveNotificationsListRequest ::= [43] SEQUENCE { -- Tag 'BF2B'
///    searchCriteria CHOICE {
///       seqNumber [0] INTEGER, profileManagementOperation [1] NotificationEvent } OPTIONAL }
/// ```
/// `searchCriteria` has automatic tag `[0]`, explicit around the CHOICE: `BF2B {A0 {80 seq}}`.
public struct RetrieveNotificationsListRequest: RSPMessage, DERImplicitlyTaggable {
    public enum SearchCriteria: Hashable, Sendable {
        case seqNumber(Int)
        case profileManagementOperation(NotificationEvent)
    }

    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(43) }
    public var searchCriteria: SearchCriteria?

    public init(searchCriteria: SearchCriteria? = nil) {
        self.searchCriteria = searchCriteria
    }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let wrapper = nodes.optional(Tag.ctx(0)) else { return RetrieveNotificationsListRequest() }
            let criteria: SearchCriteria = try DER.sequence(wrapper, identifier: Tag.ctx(0)) { inner in
                guard let choice = inner.next() else { throw RSPASN1Error.invalidEncoding("empty searchCriteria") }
                switch choice.identifier {
                case Tag.ctx(0): return .seqNumber(try Decode.int(choice, Tag.ctx(0)))
                case Tag.ctx(1): return .profileManagementOperation(try NotificationEvent.decode(choice, Tag.ctx(1)))
                default: throw RSPASN1Error.unexpectedTag("searchCriteria alternative \(choice.identifier)")
                }
            }
            return RetrieveNotificationsListRequest(searchCriteria: criteria)
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            guard let searchCriteria else { return }
            try coder.appendConstructedNode(identifier: Tag.ctx(0)) { coder in
                switch searchCriteria {
                case .seqNumber(let number): try coder.int(number, Tag.ctx(0))
                case .profileManagementOperation(let event): try event.serialize(into: &coder, Tag.ctx(1))
                }
            }
        }
    }
}

/// ```
/// RetrieveNotificationsListResponse ::= [43] CHOICE { -- Tag 'BF2B'
///    notificationList SEQUENCE OF PendingNotification,                 -- A0
///    notificationsListResultError INTEGER { undefinedError(127)} }    -- 81
/// ```
public enum RetrieveNotificationsListResponse: RSPMessage, DERImplicitlyTaggable {
    case notificationList([PendingNotification])
    case error(NotificationListError)

    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(43) }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            guard let choice = nodes.next() else { throw RSPASN1Error.invalidEncoding("empty RetrieveNotificationsListResponse") }
            switch choice.identifier {
            case Tag.ctx(0): return .notificationList(try DER.sequence(of: PendingNotification.self, identifier: Tag.ctx(0), rootNode: choice))
            case Tag.ctx(1): return .error(try NotificationListError.decode(choice, Tag.ctx(1)))
            default: throw RSPASN1Error.unexpectedTag("RetrieveNotificationsListResponse alternative \(choice.identifier)")
            }
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            switch self {
            case .notificationList(let list): try coder.serializeSequenceOf(list, identifier: Tag.ctx(0))
            case .error(let code): try code.serialize(into: &coder, Tag.ctx(1))
            }
        }
    }
}

/// ```
/// NotificationSentRequest ::= [48] SEQUENCE { -- Tag 'BF30'
///    seqNumber [0] INTEGER }
/// ```
public struct NotificationSentRequest: RSPMessage, DERImplicitlyTaggable {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(48) }
    public var seqNumber: Int

    public init(seqNumber: Int) { self.seqNumber = seqNumber }

    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            NotificationSentRequest(seqNumber: try Decode.int(nodes.required(Tag.ctx(0), "seqNumber"), Tag.ctx(0)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try $0.int(seqNumber, Tag.ctx(0)) }
    }
}

/// `deleteNotificationStatus INTEGER {ok(0), nothingToDelete(1), undefinedError(127)}`
public struct DeleteNotificationStatus: IntegerCode {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let ok = Self(rawValue: 0)
    public static let nothingToDelete = Self(rawValue: 1)
    public static let undefinedError = Self(rawValue: 127)
    public static let names = [0: "ok", 1: "nothingToDelete", 127: "undefinedError"]
}

/// ```
/// NotificationSentResponse ::= [48] SEQUENCE { -- Tag 'BF30'
///    deleteNotificationStatus INTEGER {ok(0), nothingToDelete(1), undefinedError(127)} }
/// ```
public struct NotificationSentResponse: ResultCodeMessage {
    public static var defaultIdentifier: ASN1Identifier { Tag.ctx(48) }
    public var result: DeleteNotificationStatus
    public init(result: DeleteNotificationStatus) { self.result = result }
}

/// A response `[n] SEQUENCE { result INTEGER {...} }` with the single automatic tag `80`.
public protocol ResultCodeMessage: RSPMessage, DERImplicitlyTaggable {
    associatedtype Code: IntegerCode
    var result: Code { get }
    init(result: Code)
}

extension ResultCodeMessage {
    public init(derEncoded node: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(node, identifier: identifier) { nodes in
            Self(result: try Code.decode(nodes.required(Tag.ctx(0), "result"), Tag.ctx(0)))
        }
    }

    public func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { try result.serialize(into: &$0, Tag.ctx(0)) }
    }
}
