import ES9PlusAPI
import Foundation
import RSPASN1

/// The ES2+ functions the SM-DP+ serves (SGP.22 §5.3), `POST /gsma/rsp2/es2plus/<function>`.
public enum ES2PlusFunction: String, CaseIterable, Sendable {
    case downloadOrder
    case confirmOrder
    case cancelOrder
    case releaseProfile

    public var path: String { "/gsma/rsp2/es2plus/\(rawValue)" }
}

/// ES2+ request `header` (SGP.22 §6.5.1.3): who calls, and a caller-chosen id of this call.
public struct ES2PlusRequestHeader: Codable, Hashable, Sendable {
    public var functionRequesterIdentifier: String
    public var functionCallIdentifier: String

    public init(functionRequesterIdentifier: String, functionCallIdentifier: String) {
        self.functionRequesterIdentifier = functionRequesterIdentifier
        self.functionCallIdentifier = functionCallIdentifier
    }
}

/// A response carrying only the header (CancelOrder, ReleaseProfile, and every `Failed` answer).
/// The header has the same shape as ES9+'s (`functionExecutionStatus`), so the ES9+ type is reused.
public struct ES2PlusHeaderOnlyResponse: Codable, Hashable, Sendable {
    public var header: ES9PlusResponseHeader

    public init(header: ES9PlusResponseHeader) { self.header = header }
}

/// DownloadOrder (SGP.22 §5.3.1): `eid`, `iccid`, `profileType` optional; one of iccid/profileType needed.
///
/// OpenRSP extension, an entitlement-gated order (docs/CHAIN-TRUST.md "Orders over ES2+"):
/// `entitlementId` (PlanEntitlements token id, decimal) with the commitment opening, `eid` and
/// `entitlementSalt` (32 bytes, 64 hex digits), and `profileType`; no `iccid`. The SM-DP+ checks the
/// entitlement on chain before it stores the order, reserves no profile, and answers `matchingId`,
/// `smdpAddress` and `activationCode` at once (no confirmOrder). `matchingId` may be proposed.
public struct ES2PlusDownloadOrderRequest: Codable, Hashable, Sendable {
    public var header: ES2PlusRequestHeader
    public var eid: String?
    public var iccid: String?
    public var profileType: String?
    public var entitlementId: String?
    public var entitlementSalt: String?
    public var matchingId: String?

    public init(header: ES2PlusRequestHeader, eid: String? = nil, iccid: String? = nil, profileType: String? = nil,
                entitlementId: String? = nil, entitlementSalt: String? = nil, matchingId: String? = nil) {
        self.header = header
        self.eid = eid
        self.iccid = iccid
        self.profileType = profileType
        self.entitlementId = entitlementId
        self.entitlementSalt = entitlementSalt
        self.matchingId = matchingId
    }
}

/// `iccid` for an ordinary order; for an entitlement order (OpenRSP extension) no `iccid` but
/// `entitlementId`, `matchingId`, `smdpAddress` and `activationCode`.
public struct ES2PlusDownloadOrderResponse: Codable, Hashable, Sendable {
    public var header: ES9PlusResponseHeader
    public var iccid: String?
    public var entitlementId: String?
    public var matchingId: String?
    public var smdpAddress: String?
    public var activationCode: String?

    public init(header: ES9PlusResponseHeader, iccid: String? = nil, entitlementId: String? = nil, matchingId: String? = nil,
                smdpAddress: String? = nil, activationCode: String? = nil) {
        self.header = header
        self.iccid = iccid
        self.entitlementId = entitlementId
        self.matchingId = matchingId
        self.smdpAddress = smdpAddress
        self.activationCode = activationCode
    }
}

/// ConfirmOrder (SGP.22 §5.3.2): `iccid` and `releaseFlag` mandatory.
public struct ES2PlusConfirmOrderRequest: Codable, Hashable, Sendable {
    public var header: ES2PlusRequestHeader
    public var iccid: String
    public var eid: String?
    public var matchingId: String?
    public var confirmationCode: String?
    public var smdsAddress: String?
    public var releaseFlag: Bool

    public init(header: ES2PlusRequestHeader, iccid: String, eid: String? = nil, matchingId: String? = nil,
                confirmationCode: String? = nil, smdsAddress: String? = nil, releaseFlag: Bool) {
        self.header = header
        self.iccid = iccid
        self.eid = eid
        self.matchingId = matchingId
        self.confirmationCode = confirmationCode
        self.smdsAddress = smdsAddress
        self.releaseFlag = releaseFlag
    }
}

public struct ES2PlusConfirmOrderResponse: Codable, Hashable, Sendable {
    public var header: ES9PlusResponseHeader
    public var eid: String?
    public var matchingId: String?
    public var smdpAddress: String?

    public init(header: ES9PlusResponseHeader, eid: String? = nil, matchingId: String? = nil, smdpAddress: String? = nil) {
        self.header = header
        self.eid = eid
        self.matchingId = matchingId
        self.smdpAddress = smdpAddress
    }
}

/// CancelOrder (SGP.22 §5.3.3): `iccid` and `finalProfileStatusIndicator` (`Available` | `Unavailable`) mandatory.
public struct ES2PlusCancelOrderRequest: Codable, Hashable, Sendable {
    public var header: ES2PlusRequestHeader
    public var iccid: String
    public var eid: String?
    public var matchingId: String?
    public var finalProfileStatusIndicator: String

    public init(header: ES2PlusRequestHeader, iccid: String, eid: String? = nil, matchingId: String? = nil,
                finalProfileStatusIndicator: String) {
        self.header = header
        self.iccid = iccid
        self.eid = eid
        self.matchingId = matchingId
        self.finalProfileStatusIndicator = finalProfileStatusIndicator
    }
}

/// ReleaseProfile (SGP.22 §5.3.4).
public struct ES2PlusReleaseProfileRequest: Codable, Hashable, Sendable {
    public var header: ES2PlusRequestHeader
    public var iccid: String

    public init(header: ES2PlusRequestHeader, iccid: String) {
        self.header = header
        self.iccid = iccid
    }
}

/// HandleDownloadProgressInfo (SGP.22 §5.3.5), sent by the SM-DP+ to the operator; the operator answers
/// HTTP 204. `profileState` is an OpenRSP extension (the profile's state after the change); receivers that
/// follow the spec ignore it.
public struct ES2PlusHandleDownloadProgressInfoRequest: Codable, Hashable, Sendable {
    public var header: ES2PlusRequestHeader
    public var eid: String?
    public var iccid: String
    public var profileType: String
    /// W3C date-time `YYYY-MM-DDThh:mm:ssZ`.
    public var timestamp: String
    public var notificationPointId: Int
    public var notificationPointStatus: ES9PlusFunctionExecutionStatus
    public var resultData: String?
    public var profileState: String?

    public init(header: ES2PlusRequestHeader, eid: String?, iccid: String, profileType: String, timestamp: String,
                notificationPointId: Int, notificationPointStatus: ES9PlusFunctionExecutionStatus, resultData: String? = nil,
                profileState: String? = nil) {
        self.header = header
        self.eid = eid
        self.iccid = iccid
        self.profileType = profileType
        self.timestamp = timestamp
        self.notificationPointId = notificationPointId
        self.notificationPointStatus = notificationPointStatus
        self.resultData = resultData
        self.profileState = profileState
    }
}

/// ES2+ subject/reason code pairs the SM-DP+ answers with (SGP.22 §5.3.1–5.3.4 function tables as
/// recalled; reason codes: 1.2 Not allowed (authorisation), 2.1 Invalid format, 2.2 Mandatory element
/// missing, 3.3 Already in use, 3.5 Invalid transition, 3.7 Unavailable, 3.8 Refused, 3.9 Unknown,
/// 3.10 Invalid association, 4.2 Execution error). Not checked against the spec text here: unconfirmed.
public enum ES2PlusStatus {
    /// 8.1.1 / 2.1 EID malformed.
    public static let eidInvalid = ES9PlusStatus(subjectCode: "8.1.1", reasonCode: "2.1")
    /// 8.1.1 / 3.10 EID differs from the one associated with the order.
    public static let eidInvalidAssociation = ES9PlusStatus(subjectCode: "8.1.1", reasonCode: "3.10")
    /// 8.2.1 / 2.1 ICCID malformed.
    public static let iccidInvalid = ES9PlusStatus(subjectCode: "8.2.1", reasonCode: "2.1")
    /// 8.2.1 / 3.9 Profile ICCID unknown.
    public static let iccidUnknown = ES9PlusStatus(subjectCode: "8.2.1", reasonCode: "3.9")
    /// 8.2.1 / 3.3 Profile ICCID already in use (DownloadOrder of a profile that is not Available).
    public static let iccidAlreadyInUse = ES9PlusStatus(subjectCode: "8.2.1", reasonCode: "3.3")
    /// 8.2.1 / 3.5 The profile is not in a state this function applies to.
    public static let invalidTransition = ES9PlusStatus(subjectCode: "8.2.1", reasonCode: "3.5")
    /// 8.2.1 / 1.2 The order belongs to another operator.
    public static let iccidNotAllowed = ES9PlusStatus(subjectCode: "8.2.1", reasonCode: "1.2")
    /// 8.2.5 / 3.7 No Available profile of the requested type.
    public static let profileTypeUnavailable = ES9PlusStatus(subjectCode: "8.2.5", reasonCode: "3.7")
    /// 8.2.6 / 3.3 matchingId already used by another order.
    public static let matchingIdAlreadyInUse = ES9PlusStatus(subjectCode: "8.2.6", reasonCode: "3.3")
    /// 8.2.6 / 3.8 matchingId refused (characters or length).
    public static let matchingIdRefused = ES9PlusStatus(subjectCode: "8.2.6", reasonCode: "3.8")
    /// 8.2.6 / 3.10 matchingId does not belong to the order (CancelOrder).
    public static let matchingIdInvalidAssociation = ES9PlusStatus(subjectCode: "8.2.6", reasonCode: "3.10")
    /// 8.2.7 / 3.8 Confirmation code refused (length or characters).
    public static let confirmationCodeRefused = ES9PlusStatus(subjectCode: "8.2.7", reasonCode: "3.8")
    /// 1.2.1 / 2.1 Invalid request format (JSON, unknown finalProfileStatusIndicator).
    public static let invalidRequestFormat = ES9PlusStatus.invalidRequestFormat
    /// 1.3.1 / 2.2 Mandatory element missing (also: DownloadOrder without iccid and profileType).
    public static let mandatoryFieldMissing = ES9PlusStatus.mandatoryFieldMissing
    /// 8.8 / 4.2 Execution error in the SM-DP+ (database failure).
    public static let executionError = ES9PlusStatus(subjectCode: "8.8", reasonCode: "4.2")
    /// 8.2 / 4.2 In a HandleDownloadProgressInfo: the download or installation did not complete.
    public static let profileDownloadFailed = ES9PlusStatus(subjectCode: "8.2", reasonCode: "4.2")
}
