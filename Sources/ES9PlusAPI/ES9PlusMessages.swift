import Foundation
import RSPASN1

// SGP.22 §6.5.2 ES9+ function bindings. Binary fields are standard Base64 of the complete TLV
// (tag, length, value); `euiccChallenge` is Base64 of 16 raw bytes; `transactionId` is hex.

/// The output data of an executed ES9+ function, encoded beside `header` in the response object.
public protocol ES9PlusOutput: Codable, Sendable {}

/// An ES9+ response: `header` plus the function's output when the status is Executed-*.
/// A `Failed`/`Expired` response carries the header only.
public struct ES9PlusResponse<Output: ES9PlusOutput>: Codable, Sendable {
    public var header: ES9PlusResponseHeader
    public var output: Output?

    public init(header: ES9PlusResponseHeader, output: Output?) {
        self.header = header
        self.output = output
    }

    public static func success(_ output: Output) -> Self { Self(header: .success, output: output) }

    public static func failed(_ status: ES9PlusStatus, message: String? = nil) -> Self {
        Self(header: .failed(status, message: message), output: nil)
    }

    enum CodingKeys: String, CodingKey { case header }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        header = try container.decode(ES9PlusResponseHeader.self, forKey: .header)
        output = header.functionExecutionStatus.status.isExecuted ? try Output(from: decoder) : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(header, forKey: .header)
        try output?.encode(to: encoder)
    }

    /// The failure code pair, when the function failed.
    public var failure: ES9PlusStatus? {
        header.functionExecutionStatus.status.isExecuted ? nil : header.functionExecutionStatus.statusCodeData?.status
    }
}

/// cancelSession and handleNotification have no output data.
public struct ES9PlusNoOutput: ES9PlusOutput, Hashable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
    public func encode(to encoder: any Encoder) throws {}
}

// MARK: - initiateAuthentication

/// `{smdpAddress, euiccChallenge, euiccInfo1}` (SGP.22 §6.5.2.6).
public struct InitiateAuthenticationRequest: Codable, Sendable, Hashable {
    public var smdpAddress: String
    /// 16 raw bytes.
    public var euiccChallenge: [UInt8]
    public var euiccInfo1: EUICCInfo1

    public init(smdpAddress: String, euiccChallenge: [UInt8], euiccInfo1: EUICCInfo1) throws(ES9PlusAPIError) {
        guard euiccChallenge.count == 16 else { throw .invalidLength(field: "euiccChallenge", expected: 16, actual: euiccChallenge.count) }
        self.smdpAddress = smdpAddress
        self.euiccChallenge = euiccChallenge
        self.euiccInfo1 = euiccInfo1
    }

    enum CodingKeys: String, CodingKey { case smdpAddress, euiccChallenge, euiccInfo1 }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let challenge = try c.base64(.euiccChallenge)
        try self.init(smdpAddress: try c.decode(String.self, forKey: .smdpAddress), euiccChallenge: challenge,
                      euiccInfo1: try c.message(EUICCInfo1.self, .euiccInfo1))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(smdpAddress, forKey: .smdpAddress)
        try c.base64(euiccChallenge, .euiccChallenge)
        try c.message(euiccInfo1, .euiccInfo1)
    }
}

/// `{transactionId, serverSigned1, serverSignature1, euiccCiPKIdToBeUsed, serverCertificate}`.
public struct InitiateAuthenticationOutput: ES9PlusOutput, Hashable {
    public var transactionId: TransactionID
    public var serverSigned1: ServerSigned1
    public var serverSignature1: ECDSASignature
    /// The CI SubjectKeyIdentifier (the value of the `04 14` TLV carried in JSON).
    public var euiccCiPKIdToBeUsed: [UInt8]
    /// CERT.DPauth, exact DER.
    public var serverCertificate: [UInt8]

    public init(transactionId: TransactionID, serverSigned1: ServerSigned1, serverSignature1: ECDSASignature,
                euiccCiPKIdToBeUsed: [UInt8], serverCertificate: [UInt8]) {
        self.transactionId = transactionId
        self.serverSigned1 = serverSigned1
        self.serverSignature1 = serverSignature1
        self.euiccCiPKIdToBeUsed = euiccCiPKIdToBeUsed
        self.serverCertificate = serverCertificate
    }

    enum CodingKeys: String, CodingKey { case transactionId, serverSigned1, serverSignature1, euiccCiPKIdToBeUsed, serverCertificate }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try c.transactionId(.transactionId)
        serverSigned1 = try c.message(ServerSigned1.self, .serverSigned1)
        serverSignature1 = try c.signature(.serverSignature1)
        euiccCiPKIdToBeUsed = try c.octetStringValue(.euiccCiPKIdToBeUsed)
        serverCertificate = try c.certificate(.serverCertificate)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transactionId, forKey: .transactionId)
        try c.message(serverSigned1, .serverSigned1)
        try c.base64(serverSignature1.tlv, .serverSignature1)
        try c.base64(ES9PlusTLV.octetString(euiccCiPKIdToBeUsed), .euiccCiPKIdToBeUsed)
        try c.base64(serverCertificate, .serverCertificate)
    }
}

public typealias InitiateAuthenticationResponse = ES9PlusResponse<InitiateAuthenticationOutput>

// MARK: - authenticateClient

/// `{transactionId, authenticateServerResponse}` (SGP.22 §6.5.2.7).
public struct AuthenticateClientRequest: Codable, Sendable, Hashable {
    public var transactionId: TransactionID
    public var authenticateServerResponse: AuthenticateServerResponse

    public init(transactionId: TransactionID, authenticateServerResponse: AuthenticateServerResponse) {
        self.transactionId = transactionId
        self.authenticateServerResponse = authenticateServerResponse
    }

    enum CodingKeys: String, CodingKey { case transactionId, authenticateServerResponse }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try c.transactionId(.transactionId)
        authenticateServerResponse = try c.message(AuthenticateServerResponse.self, .authenticateServerResponse)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transactionId, forKey: .transactionId)
        try c.message(authenticateServerResponse, .authenticateServerResponse)
    }
}

/// `{transactionId, profileMetadata, smdpSigned2, smdpSignature2, smdpCertificate}`.
public struct AuthenticateClientOutput: ES9PlusOutput, Hashable {
    public var transactionId: TransactionID
    /// StoreMetadataRequest (`BF25`).
    public var profileMetadata: StoreMetadataRequest
    public var smdpSigned2: SmdpSigned2
    public var smdpSignature2: ECDSASignature
    /// CERT.DPpb, exact DER.
    public var smdpCertificate: [UInt8]

    public init(transactionId: TransactionID, profileMetadata: StoreMetadataRequest, smdpSigned2: SmdpSigned2,
                smdpSignature2: ECDSASignature, smdpCertificate: [UInt8]) {
        self.transactionId = transactionId
        self.profileMetadata = profileMetadata
        self.smdpSigned2 = smdpSigned2
        self.smdpSignature2 = smdpSignature2
        self.smdpCertificate = smdpCertificate
    }

    enum CodingKeys: String, CodingKey { case transactionId, profileMetadata, smdpSigned2, smdpSignature2, smdpCertificate }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try c.transactionId(.transactionId)
        profileMetadata = try c.message(StoreMetadataRequest.self, .profileMetadata)
        smdpSigned2 = try c.message(SmdpSigned2.self, .smdpSigned2)
        smdpSignature2 = try c.signature(.smdpSignature2)
        smdpCertificate = try c.certificate(.smdpCertificate)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transactionId, forKey: .transactionId)
        try c.message(profileMetadata, .profileMetadata)
        try c.message(smdpSigned2, .smdpSigned2)
        try c.base64(smdpSignature2.tlv, .smdpSignature2)
        try c.base64(smdpCertificate, .smdpCertificate)
    }
}

public typealias AuthenticateClientResponse = ES9PlusResponse<AuthenticateClientOutput>

// MARK: - getBoundProfilePackage

/// `{transactionId, prepareDownloadResponse}` (SGP.22 §6.5.2.8).
public struct GetBoundProfilePackageRequest: Codable, Sendable, Hashable {
    public var transactionId: TransactionID
    public var prepareDownloadResponse: PrepareDownloadResponse

    public init(transactionId: TransactionID, prepareDownloadResponse: PrepareDownloadResponse) {
        self.transactionId = transactionId
        self.prepareDownloadResponse = prepareDownloadResponse
    }

    enum CodingKeys: String, CodingKey { case transactionId, prepareDownloadResponse }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try c.transactionId(.transactionId)
        prepareDownloadResponse = try c.message(PrepareDownloadResponse.self, .prepareDownloadResponse)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transactionId, forKey: .transactionId)
        try c.message(prepareDownloadResponse, .prepareDownloadResponse)
    }
}

/// `{transactionId, boundProfilePackage}`.
public struct GetBoundProfilePackageOutput: ES9PlusOutput, Hashable {
    public var transactionId: TransactionID
    public var boundProfilePackage: BoundProfilePackage

    public init(transactionId: TransactionID, boundProfilePackage: BoundProfilePackage) {
        self.transactionId = transactionId
        self.boundProfilePackage = boundProfilePackage
    }

    enum CodingKeys: String, CodingKey { case transactionId, boundProfilePackage }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try c.transactionId(.transactionId)
        boundProfilePackage = try c.message(BoundProfilePackage.self, .boundProfilePackage)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transactionId, forKey: .transactionId)
        try c.message(boundProfilePackage, .boundProfilePackage)
    }
}

public typealias GetBoundProfilePackageResponse = ES9PlusResponse<GetBoundProfilePackageOutput>

// MARK: - handleNotification

/// `{pendingNotification}` (SGP.22 §6.5.2.9): a ProfileInstallationResult (`BF37`) or an
/// OtherSignedNotification (`30`). The SM-DP+ answers HTTP 204 without a body.
public struct HandleNotificationRequest: Codable, Sendable, Hashable {
    public var pendingNotification: PendingNotification

    public init(pendingNotification: PendingNotification) { self.pendingNotification = pendingNotification }

    enum CodingKeys: String, CodingKey { case pendingNotification }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pendingNotification = try c.message(PendingNotification.self, .pendingNotification)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.message(pendingNotification, .pendingNotification)
    }
}

// MARK: - cancelSession

/// `{transactionId, cancelSessionResponse}` (SGP.22 §6.5.2.10).
public struct ES9CancelSessionRequest: Codable, Sendable, Hashable {
    public var transactionId: TransactionID
    public var cancelSessionResponse: CancelSessionResponse

    public init(transactionId: TransactionID, cancelSessionResponse: CancelSessionResponse) {
        self.transactionId = transactionId
        self.cancelSessionResponse = cancelSessionResponse
    }

    enum CodingKeys: String, CodingKey { case transactionId, cancelSessionResponse }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try c.transactionId(.transactionId)
        cancelSessionResponse = try c.message(CancelSessionResponse.self, .cancelSessionResponse)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(transactionId, forKey: .transactionId)
        try c.message(cancelSessionResponse, .cancelSessionResponse)
    }
}

/// cancelSession answers with the header only.
public typealias ES9CancelSessionResponse = ES9PlusResponse<ES9PlusNoOutput>
