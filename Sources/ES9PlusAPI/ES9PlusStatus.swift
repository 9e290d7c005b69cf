/// `header.functionExecutionStatus.status` (SGP.22 §6.5.1.4).
public enum ES9PlusExecutionStatus: String, Codable, Sendable, CaseIterable {
    case executedSuccess = "Executed-Success"
    case executedWithWarning = "Executed-WithWarning"
    case failed = "Failed"
    case expired = "Expired"

    /// Whether the function was executed (the response carries its output data).
    public var isExecuted: Bool { self == .executedSuccess || self == .executedWithWarning }
}

/// `statusCodeData` of a failed ES9+ function (SGP.22 §6.5.1.4).
public struct ES9PlusStatusCodeData: Codable, Hashable, Sendable {
    public var subjectCode: String
    public var reasonCode: String
    public var subjectIdentifier: String?
    public var message: String?

    public init(subjectCode: String, reasonCode: String, subjectIdentifier: String? = nil, message: String? = nil) {
        self.subjectCode = subjectCode
        self.reasonCode = reasonCode
        self.subjectIdentifier = subjectIdentifier
        self.message = message
    }

    /// The code pair, without the free-text fields.
    public var status: ES9PlusStatus { ES9PlusStatus(subjectCode: subjectCode, reasonCode: reasonCode) }
}

/// `functionExecutionStatus`.
public struct ES9PlusFunctionExecutionStatus: Codable, Hashable, Sendable {
    public var status: ES9PlusExecutionStatus
    public var statusCodeData: ES9PlusStatusCodeData?

    public init(status: ES9PlusExecutionStatus, statusCodeData: ES9PlusStatusCodeData? = nil) {
        self.status = status
        self.statusCodeData = statusCodeData
    }
}

/// The response `header` object: `{"functionExecutionStatus": {...}}`. ES9+ requests carry no header.
public struct ES9PlusResponseHeader: Codable, Hashable, Sendable {
    public var functionExecutionStatus: ES9PlusFunctionExecutionStatus

    public init(functionExecutionStatus: ES9PlusFunctionExecutionStatus) {
        self.functionExecutionStatus = functionExecutionStatus
    }

    public static let success = ES9PlusResponseHeader(functionExecutionStatus: .init(status: .executedSuccess))

    /// A `Failed` header with the given code pair.
    public static func failed(_ status: ES9PlusStatus, subjectIdentifier: String? = nil, message: String? = nil) -> ES9PlusResponseHeader {
        ES9PlusResponseHeader(functionExecutionStatus: .init(
            status: .failed,
            statusCodeData: ES9PlusStatusCodeData(subjectCode: status.subjectCode, reasonCode: status.reasonCode,
                                                  subjectIdentifier: subjectIdentifier, message: message ?? status.meaning)))
    }
}

/// An ES9+ subject code / reason code pair, with the catalogue of SGP.22 codes an SM-DP+ returns
/// (SGP22-NOTES §7; meanings from lpac's table, functions where osmo-smdpp raises them).
public struct ES9PlusStatus: Hashable, Sendable, CustomStringConvertible {
    public let subjectCode: String
    public let reasonCode: String

    public init(subjectCode: String, reasonCode: String) {
        self.subjectCode = subjectCode
        self.reasonCode = reasonCode
    }

    public var description: String { "\(subjectCode)/\(reasonCode)" + (meaning.map { " (\($0))" } ?? "") }

    /// The human meaning of a catalogued code.
    public var meaning: String? { Self.meanings[self] }

    // MARK: initiateAuthentication
    /// 8.8.1 / 3.8 Invalid SM-DP+ Address.
    public static let invalidSMDPAddress = Self(subjectCode: "8.8.1", reasonCode: "3.8")
    /// 8.8.2 / 3.1 None of the proposed Public Key Identifiers is supported.
    public static let ciPKIdNotSupported = Self(subjectCode: "8.8.2", reasonCode: "3.1")
    /// 8.8.3 / 3.1 The Specification Version Number indicated by the eUICC is not supported.
    public static let svnNotSupported = Self(subjectCode: "8.8.3", reasonCode: "3.1")
    /// 8.8.4 / 3.7 The SM-DP+ has no CERT.DPauth chaining to a CI the eUICC supports.
    public static let noDPauthForSupportedCI = Self(subjectCode: "8.8.4", reasonCode: "3.7")

    // MARK: authenticateClient / getBoundProfilePackage / cancelSession
    /// 8.10.1 / 3.9 TransactionId is unknown.
    public static let transactionIdUnknown = Self(subjectCode: "8.10.1", reasonCode: "3.9")
    /// 8.11.1 / 3.9 Unknown CI public key (the EUM certificate is not under a trusted CI).
    public static let ciPublicKeyUnknown = Self(subjectCode: "8.11.1", reasonCode: "3.9")
    /// 8.1.2 / 6.1 EUM certificate invalid.
    public static let eumCertificateInvalid = Self(subjectCode: "8.1.2", reasonCode: "6.1")
    /// 8.1.2 / 6.3 EUM certificate expired.
    public static let eumCertificateExpired = Self(subjectCode: "8.1.2", reasonCode: "6.3")
    /// 8.1.3 / 6.1 eUICC certificate invalid.
    public static let euiccCertificateInvalid = Self(subjectCode: "8.1.3", reasonCode: "6.1")
    /// 8.1.3 / 6.3 eUICC certificate expired.
    public static let euiccCertificateExpired = Self(subjectCode: "8.1.3", reasonCode: "6.3")
    /// 8.1.4 / 6.1 EID outside the range the EUM certificate permits (osmo-smdpp code, not in lpac's table).
    public static let eidOutsideEUMRange = Self(subjectCode: "8.1.4", reasonCode: "6.1")
    /// 8.1 / 6.1 eUICC signature invalid, or serverChallenge mismatch.
    public static let euiccSignatureInvalid = Self(subjectCode: "8.1", reasonCode: "6.1")
    /// 8.1 / 4.8 Insufficient eUICC memory.
    public static let insufficientMemory = Self(subjectCode: "8.1", reasonCode: "4.8")
    /// 8.1.1 / 3.8 EID does not match the expected value.
    public static let eidMismatch = Self(subjectCode: "8.1.1", reasonCode: "3.8")
    /// 8.1.1 / 2.2 EID is missing for this order.
    public static let eidMissing = Self(subjectCode: "8.1.1", reasonCode: "2.2")
    /// 8.2.6 / 3.8 MatchingID refused.
    public static let matchingIdRefused = Self(subjectCode: "8.2.6", reasonCode: "3.8")
    /// 8.2.5 / 4.3 No eligible profile for this eUICC / device.
    public static let noEligibleProfile = Self(subjectCode: "8.2.5", reasonCode: "4.3")
    /// 8.2 / 1.2 Profile not yet released.
    public static let profileNotReleased = Self(subjectCode: "8.2", reasonCode: "1.2")
    /// 8.8.5 / 4.1 Download order expired.
    public static let downloadOrderExpired = Self(subjectCode: "8.8.5", reasonCode: "4.1")
    /// 8.8.5 / 6.4 Maximum number of retries exceeded.
    public static let maxRetriesExceeded = Self(subjectCode: "8.8.5", reasonCode: "6.4")
    /// 8.2.7 / 2.2 Confirmation code missing.
    public static let confirmationCodeMissing = Self(subjectCode: "8.2.7", reasonCode: "2.2")
    /// 8.2.7 / 3.8 Confirmation code refused.
    public static let confirmationCodeRefused = Self(subjectCode: "8.2.7", reasonCode: "3.8")
    /// 8.2.7 / 6.4 Confirmation code: maximum number of retries exceeded.
    public static let confirmationCodeRetriesExceeded = Self(subjectCode: "8.2.7", reasonCode: "6.4")
    /// 8.2 / 3.7 BPP not available for a new binding.
    public static let bppNotAvailable = Self(subjectCode: "8.2", reasonCode: "3.7")
    /// 8.8 / 3.10 The SM-DP+ OID in the cancel-session response is not ours (osmo-smdpp sends 3.10;
    /// lpac's table lists 8.8 / 3.1 — which one SGP.22 specifies is unconfirmed).
    public static let invalidSMDPOid = Self(subjectCode: "8.8", reasonCode: "3.10")

    // MARK: Request format (osmo-smdpp codes; not in lpac's table, unconfirmed against SGP.22)
    /// 1.2.1 / 2.1 Invalid request format (bad JSON, Base64, hex or DER).
    public static let invalidRequestFormat = Self(subjectCode: "1.2.1", reasonCode: "2.1")
    /// 1.3.1 / 2.2 A mandatory request field is missing.
    public static let mandatoryFieldMissing = Self(subjectCode: "1.3.1", reasonCode: "2.2")

    // MARK: OpenRSP entitlement gate (docs/CHAIN-TRUST.md)
    /// 8.8 / 3.7 (SM-DP+ / Unavailable): the SM-DP+ could not check the order's on-chain entitlement
    /// (chain unreachable or slower than its timeout). OpenRSP's choice, not an SGP.22 table entry;
    /// **retryable**: nothing of the order was consumed.
    public static let entitlementCheckUnavailable = Self(subjectCode: "8.8", reasonCode: "3.7")

    /// The SM-DP+'s own database did not answer. Not a function status: the HTTP binding answers it as
    /// HTTP 503 with `Retry-After` (never as "no eligible profile"), so a client retries and keeps its
    /// notification. Only an in-process caller of the service sees the pair.
    public static let storeUnavailable = Self(subjectCode: "8.0", reasonCode: "503")

    /// Whether retrying the same order later can succeed without any change by the operator.
    public var isRetryable: Bool { self == .entitlementCheckUnavailable || self == .storeUnavailable }

    static let meanings: [ES9PlusStatus: String] = [
        invalidSMDPAddress: "Invalid SM-DP+ Address",
        ciPKIdNotSupported: "None of the proposed CI Public Key Identifiers is supported",
        svnNotSupported: "Specification Version Number not supported",
        noDPauthForSupportedCI: "No CERT.DPauth chaining to a CI the eUICC supports",
        transactionIdUnknown: "TransactionId unknown",
        ciPublicKeyUnknown: "Unknown CI public key",
        eumCertificateInvalid: "EUM certificate invalid",
        eumCertificateExpired: "EUM certificate expired",
        euiccCertificateInvalid: "eUICC certificate invalid",
        euiccCertificateExpired: "eUICC certificate expired",
        eidOutsideEUMRange: "EID outside the EUM's permitted range",
        euiccSignatureInvalid: "eUICC signature invalid or serverChallenge mismatch",
        insufficientMemory: "Insufficient eUICC memory",
        eidMismatch: "EID does not match the expected value",
        eidMissing: "EID missing for this order",
        matchingIdRefused: "MatchingID refused",
        noEligibleProfile: "No eligible profile",
        profileNotReleased: "Profile not yet released",
        downloadOrderExpired: "Download order expired",
        maxRetriesExceeded: "Maximum number of retries exceeded",
        confirmationCodeMissing: "Confirmation code missing",
        confirmationCodeRefused: "Confirmation code refused",
        confirmationCodeRetriesExceeded: "Confirmation code: maximum number of retries exceeded",
        bppNotAvailable: "BPP not available for a new binding",
        invalidSMDPOid: "Invalid SM-DP+ OID",
        invalidRequestFormat: "Invalid request format",
        mandatoryFieldMissing: "Mandatory field missing",
        entitlementCheckUnavailable: "Entitlement check unavailable (retryable)",
        storeUnavailable: "SM-DP+ temporarily unavailable (retryable)",
    ]
}
