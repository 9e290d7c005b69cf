import Foundation
import RSPASN1

/// One profile in the inventory: the Unprotected Profile Package and its download state.
public struct ProfilePackageRecord: Hashable, Sendable {
    public let iccid: ICCID
    /// `profileType` from the SAIP ProfileHeader, when present.
    public let profileType: String?
    /// The UPP: concatenated SAIP ProfileElement TLVs, as imported.
    public let unprotectedProfilePackage: [UInt8]
    /// StoreMetadata `serviceProviderName` (≤ 32 characters).
    public let serviceProviderName: String
    /// StoreMetadata `profileName` (≤ 64 characters).
    public let profileName: String
    public let profileClass: ProfileClass
    public var state: ProfileDownloadState
    /// The eUICC this profile is linked to or was downloaded by.
    public var eid: EID?
    public var updatedAt: Date

    public init(iccid: ICCID, profileType: String?, unprotectedProfilePackage: [UInt8], serviceProviderName: String,
                profileName: String, profileClass: ProfileClass, state: ProfileDownloadState, eid: EID?, updatedAt: Date) {
        self.iccid = iccid
        self.profileType = profileType
        self.unprotectedProfilePackage = unprotectedProfilePackage
        self.serviceProviderName = serviceProviderName
        self.profileName = profileName
        self.profileClass = profileClass
        self.state = state
        self.eid = eid
        self.updatedAt = updatedAt
    }

    /// StoreMetadataRequest (`BF25`) for this profile: RSP ICCID, names, class, and the notifications
    /// the SM-DP+ asks for (`notificationConfigurationInfo`).
    public func storeMetadata(notificationConfiguration: [NotificationConfigurationInformation]? = nil) throws(RSPASN1Error) -> StoreMetadataRequest {
        try StoreMetadataRequest(iccid: iccid, serviceProviderName: serviceProviderName, profileName: profileName,
                                 profileClass: profileClass, notificationConfigurationInfo: notificationConfiguration)
    }
}

/// An ES2+ download order for one profile (keyed by the profile's ICCID).
public struct DownloadOrder: Hashable, Sendable {
    public let iccid: ICCID
    /// Set by ConfirmOrder; the eUICC presents it in ctxParams1.
    public var matchingId: String?
    /// The EID the order is bound to (from DownloadOrder, ConfirmOrder or the first authenticating eUICC).
    public var eid: EID?
    /// SHA-256 of the confirmation code's UTF-8 bytes; nil when no confirmation code is required.
    public var confirmationCodeHash: [UInt8]?
    /// Wrong confirmation codes received so far.
    public var confirmationCodeFailures: Int
    /// Set when the retry limit is reached; a locked order never downloads.
    public var isLocked: Bool
    public let createdAt: Date
    /// After this instant authenticateClient / getBoundProfilePackage answer 8.8.5 / 4.1.
    public var expiresAt: Date?

    public init(iccid: ICCID, matchingId: String? = nil, eid: EID? = nil, confirmationCodeHash: [UInt8]? = nil,
                confirmationCodeFailures: Int = 0, isLocked: Bool = false, createdAt: Date, expiresAt: Date? = nil) {
        self.iccid = iccid
        self.matchingId = matchingId
        self.eid = eid
        self.confirmationCodeHash = confirmationCodeHash
        self.confirmationCodeFailures = confirmationCodeFailures
        self.isLocked = isLocked
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    public var requiresConfirmationCode: Bool { confirmationCodeHash != nil }
}

/// Where an ES9+ download session stands.
public enum DownloadSessionPhase: String, Codable, Sendable {
    /// initiateAuthentication answered; waiting for authenticateClient.
    case authenticationInitiated
    /// authenticateClient answered; waiting for getBoundProfilePackage.
    case clientAuthenticated
    /// The BPP was delivered; waiting for the ProfileInstallationResult or cancelSession.
    case bppDelivered
}

/// The SM-DP+ side of one RSP session, keyed by transactionId.
public struct DownloadSession: Hashable, Sendable {
    public let transactionId: TransactionID
    public var phase: DownloadSessionPhase
    public let createdAt: Date
    public var expiresAt: Date
    public let euiccChallenge: [UInt8]
    public let serverChallenge: [UInt8]
    /// The CI SubjectKeyIdentifier chosen in initiateAuthentication.
    public let ciPKId: [UInt8]
    public var eid: EID?
    public var iccid: ICCID?
    public var matchingId: String?
    /// CERT.EUICC as received in authenticateClient (exact DER).
    public var euiccCertificate: [UInt8]?
    /// smdpSignature2 r‖s, covered by euiccSignature2.
    public var smdpSignature2: [UInt8]?
    public var ccRequired: Bool
    /// The profileMetadata (`BF25`) sent in authenticateClient; the BPP's A1 carries the same bytes.
    public var profileMetadata: [UInt8]?

    public init(transactionId: TransactionID, phase: DownloadSessionPhase, createdAt: Date, expiresAt: Date,
                euiccChallenge: [UInt8], serverChallenge: [UInt8], ciPKId: [UInt8], eid: EID? = nil, iccid: ICCID? = nil,
                matchingId: String? = nil, euiccCertificate: [UInt8]? = nil, smdpSignature2: [UInt8]? = nil,
                ccRequired: Bool = false, profileMetadata: [UInt8]? = nil) {
        self.transactionId = transactionId
        self.phase = phase
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.euiccChallenge = euiccChallenge
        self.serverChallenge = serverChallenge
        self.ciPKId = ciPKId
        self.eid = eid
        self.iccid = iccid
        self.matchingId = matchingId
        self.euiccCertificate = euiccCertificate
        self.smdpSignature2 = smdpSignature2
        self.ccRequired = ccRequired
        self.profileMetadata = profileMetadata
    }
}
