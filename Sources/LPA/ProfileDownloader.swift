import ES9PlusAPI
import EUICC
import RSPASN1

/// The steps of one profile download, in order (notes §1.2), reported to the progress callback
/// as each one starts.
public enum DownloadStep: String, Sendable, CaseIterable {
    case getEUICCChallenge, getEUICCInfo1, initiateAuthentication, checkSMDPTrust, authenticateServer, authenticateClient
    case prepareDownload, getBoundProfilePackage, loadBoundProfilePackage, sendInstallNotification
    case removeInstallNotification, cancelSession, cancelServerSession
}

/// Why a download failed.
public enum ProfileDownloadError: Error, CustomStringConvertible {
    /// An ES10 exchange with the eUICC failed.
    case euicc(ES10Error)
    /// The SM-DP+ answered with a `Failed`/`Expired` status (subject/reason codes, notes §7).
    case server(ES9PlusStatus)
    /// No answer was obtained from the SM-DP+: connection refused, name not resolved, deadline passed
    /// (the client's own error is kept).
    case serverUnreachable(any Error)
    /// The TLS handshake with the SM-DP+ failed or its TLS certificate was refused.
    case tlsRefused(any Error)
    /// The SM-DP+ answered an HTTP status ES9+ does not define (e.g. 500).
    case httpStatus(code: Int, any Error)
    /// The SM-DP+ answered, but not with a valid ES9+ message.
    case malformedServerResponse(any Error)
    /// The server reported success but the output data is absent.
    case missingServerOutput
    /// The eUICC rejected the SM-DP+ in AuthenticateServer.
    case authenticateServerRejected(AuthenticateErrorCode)
    /// The eUICC rejected PrepareDownload.
    case prepareDownloadRejected(DownloadErrorCode)
    /// The SM-DP+ requires a confirmation code and none was given.
    case confirmationCodeRequired
    /// A response carries a transactionId other than the session's.
    case transactionIdMismatch(expected: TransactionID, received: TransactionID)
    /// The eUICC's ProfileInstallationResult reports an error (after the result was sent to the SM-DP+).
    case installationFailed(BppCommandId, ErrorReason)
    /// A request could not be built.
    case invalidRequest(String)
    /// The LPA's trust policy refused the SM-DP+ (docs/CHAIN-TRUST.md); the eUICC never saw ServerSigned1.
    case smdpNotTrusted(SMDPTrustError)

    public var description: String {
        switch self {
        case let .euicc(error): "eUICC: \(error)"
        case let .server(status): "SM-DP+ refused: \(status)"
        case let .serverUnreachable(error): "SM-DP+ not reachable: \(error)"
        case let .tlsRefused(error): "TLS with the SM-DP+ refused: \(error)"
        case let .httpStatus(code, error): "SM-DP+ answered HTTP \(code): \(error)"
        case let .malformedServerResponse(error): "SM-DP+ answered something that is not ES9+: \(error)"
        case .missingServerOutput: "SM-DP+ reported success without output data"
        case let .authenticateServerRejected(code): "eUICC rejected the SM-DP+ (AuthenticateServer error \(code))"
        case let .prepareDownloadRejected(code): "eUICC rejected PrepareDownload (error \(code))"
        case .confirmationCodeRequired: "the SM-DP+ requires a confirmation code (-c)"
        case let .transactionIdMismatch(expected, received): "transactionId \(received) does not match the session's \(expected)"
        case let .installationFailed(command, reason): "profile installation failed at \(command): \(reason)"
        case let .invalidRequest(reason): "cannot build request: \(reason)"
        case let .smdpNotTrusted(error): "SM-DP+ not trusted: \(error)"
        }
    }
}

/// What the cancellation of a failed session did on both sides.
public struct SessionCancellation: Sendable {
    public let reason: CancelSessionReason
    /// The eUICC's CancelSession answer, or its failure.
    public let euiccResponse: Result<CancelSessionResponse, ES10Error>
    /// The SM-DP+'s cancelSession status (`nil` = executed successfully), or why it was not reached.
    public let serverOutcome: Result<ES9PlusStatus?, ProfileDownloadError>
}

/// A failed download: the step, the error and, when a session existed, its cancellation.
public struct ProfileDownloadFailure: Error, CustomStringConvertible {
    public let step: DownloadStep
    public let error: ProfileDownloadError
    public let cancellation: SessionCancellation?

    public var description: String {
        var text = "\(step.rawValue): \(error)"
        if let cancellation { text += " (session cancelled, reason \(cancellation.reason))" }
        return text
    }
}

/// A completed download.
public struct ProfileDownloadResult: Sendable {
    public let transactionId: TransactionID
    public let iccid: ICCID?
    /// The ISD-P AID from the ProfileInstallationResult.
    public let isdpAid: [UInt8]
    /// The install notification's sequence number on the eUICC.
    public let notificationSeqNumber: Int
    /// Whether the SM-DP+ acknowledged the install notification (and it was removed from the eUICC).
    public let notificationDelivered: Bool
    /// What the trust policy established about the SM-DP+ (nil without a policy).
    public let trustEvidence: SMDPTrustEvidence?
}

/// Downloads and installs one profile: ES10b on the eUICC, ES9+ to the SM-DP+ (SGP.22 §3.1.3,
/// notes §1.2). On failure after InitiateAuthentication the session is cancelled on the eUICC
/// (ES10b.CancelSession) and the eUICC's signed answer is passed to the SM-DP+ (ES9+.CancelSession).
public struct ProfileDownloader: Sendable {
    public let es10: ES10Client
    public let connect: ES9PlusConnector
    /// The device's ctxParams1 DeviceInfo (TAC, capabilities, IMEI).
    public let deviceInfo: DeviceInfo
    /// Checked after initiateAuthentication, before the eUICC sees ServerSigned1 (step `checkSMDPTrust`);
    /// nil leaves the SM-DP+ check to the eUICC alone.
    public let trust: SMDPTrustPolicy?
    public let progress: @Sendable (DownloadStep) -> Void

    public init(es10: ES10Client, connect: @escaping ES9PlusConnector, deviceInfo: DeviceInfo, trust: SMDPTrustPolicy? = nil,
                progress: @escaping @Sendable (DownloadStep) -> Void = { _ in }) {
        self.es10 = es10
        self.connect = connect
        self.deviceInfo = deviceInfo
        self.trust = trust
        self.progress = progress
    }

    /// Runs the download for `activationCode`, with `confirmationCode` when the SM-DP+ asks for one.
    public func download(_ activationCode: ActivationCode, confirmationCode: String? = nil) async throws(ProfileDownloadFailure) -> ProfileDownloadResult {
        let server: any ES9PlusClient
        do {
            server = try connect(activationCode.smdpAddress)
        } catch let error as ES9PlusClientError {
            throw ProfileDownloadFailure(step: .initiateAuthentication, error: Self.transportError(error), cancellation: nil)
        } catch {
            throw ProfileDownloadFailure(step: .initiateAuthentication, error: .serverUnreachable(error), cancellation: nil)
        }
        var step = DownloadStep.getEUICCChallenge
        var transactionId: TransactionID?
        do {
            step = .getEUICCChallenge
            progress(step)
            let challenge = try await euicc { try await es10.getEUICCChallenge() }
            step = .getEUICCInfo1
            progress(step)
            let info1 = try await euicc { try await es10.getEUICCInfo1() }

            step = .initiateAuthentication
            progress(step)
            let initiate = try await output {
                try await server.initiateAuthentication(try InitiateAuthenticationRequest(
                    smdpAddress: activationCode.smdpAddress, euiccChallenge: challenge, euiccInfo1: info1))
            }
            let tid = initiate.transactionId
            transactionId = tid
            try same(tid, initiate.serverSigned1.transactionId)

            var evidence: SMDPTrustEvidence?
            if let trust {
                step = .checkSMDPTrust
                progress(step)
                do {
                    evidence = try await trust.check(serverCertificateDER: initiate.serverCertificate, ciPKId: initiate.euiccCiPKIdToBeUsed)
                } catch {
                    throw ProfileDownloadError.smdpNotTrusted(error)
                }
            }

            step = .authenticateServer
            progress(step)
            let context = CtxParams1.commonAuthentication(CtxParamsForCommonAuthentication(
                matchingId: activationCode.matchingId.isEmpty ? nil : activationCode.matchingId, deviceInfo: deviceInfo))
            let authenticateRequest = try build {
                try AuthenticateServerRequest(
                    serverSigned1: initiate.serverSigned1, serverSignature1: initiate.serverSignature1,
                    euiccCiPKIdToBeUsed: initiate.euiccCiPKIdToBeUsed, serverCertificate: initiate.serverCertificate,
                    ctxParams1: context)
            }
            let authenticateServer = try await euicc { try await es10.authenticateServer(authenticateRequest) }
            if case let .error(_, code) = authenticateServer { throw ProfileDownloadError.authenticateServerRejected(code) }

            step = .authenticateClient
            progress(step)
            let client = try await output {
                try await server.authenticateClient(AuthenticateClientRequest(transactionId: tid, authenticateServerResponse: authenticateServer))
            }
            try same(tid, client.transactionId)
            try same(tid, client.smdpSigned2.transactionId)

            step = .prepareDownload
            progress(step)
            var hashCc: [UInt8]?
            if client.smdpSigned2.ccRequiredFlag {
                guard let confirmationCode else { throw ProfileDownloadError.confirmationCodeRequired }
                hashCc = ConfirmationCode.hash(confirmationCode, transactionId: tid)
            }
            let prepareRequest = try build {
                try PrepareDownloadRequest(smdpSigned2: client.smdpSigned2, smdpSignature2: client.smdpSignature2,
                                           hashCc: hashCc, smdpCertificate: client.smdpCertificate)
            }
            let prepare = try await euicc { try await es10.prepareDownload(prepareRequest) }
            if case let .error(_, code) = prepare { throw ProfileDownloadError.prepareDownloadRejected(code) }

            step = .getBoundProfilePackage
            progress(step)
            let bpp = try await output {
                try await server.getBoundProfilePackage(GetBoundProfilePackageRequest(transactionId: tid, prepareDownloadResponse: prepare))
            }
            try same(tid, bpp.transactionId)

            step = .loadBoundProfilePackage
            progress(step)
            let result = try await euicc { try await es10.loadBoundProfilePackage(bpp.boundProfilePackage) }
            // From here the eUICC has ended the session itself; its result goes to the SM-DP+ as a notification.
            transactionId = nil
            let data = result.profileInstallationResultData
            let delivered = await deliverInstallNotification(result)
            switch data.finalResult {
            case let .success(aid, _):
                return ProfileDownloadResult(transactionId: tid, iccid: data.notificationMetadata.iccid, isdpAid: aid,
                                             notificationSeqNumber: data.notificationMetadata.seqNumber,
                                             notificationDelivered: delivered, trustEvidence: evidence)
            case let .error(command, reason, _):
                throw ProfileDownloadError.installationFailed(command, reason)
            }
        } catch let error as ProfileDownloadError {
            throw await fail(step, error, transactionId: transactionId, server: server)
        } catch {
            throw await fail(step, .invalidRequest("\(error)"), transactionId: transactionId, server: server)
        }
    }

    /// Sends the ProfileInstallationResult to its notificationAddress; removes it from the eUICC
    /// only after the SM-DP+ acknowledged it. Returns whether both happened.
    private func deliverInstallNotification(_ result: ProfileInstallationResult) async -> Bool {
        let metadata = result.profileInstallationResultData.notificationMetadata
        progress(.sendInstallNotification)
        do {
            let target = try connect(metadata.notificationAddress)
            try await target.handleNotification(HandleNotificationRequest(pendingNotification: .profileInstallationResult(result)))
        } catch {
            return false
        }
        progress(.removeInstallNotification)
        do {
            return try await es10.removeNotificationFromList(seqNumber: metadata.seqNumber) == .ok
        } catch {
            return false
        }
    }

    /// Cancels the session on both sides (when one exists) and builds the failure.
    private func fail(_ step: DownloadStep, _ error: ProfileDownloadError, transactionId: TransactionID?,
                      server: any ES9PlusClient) async -> ProfileDownloadFailure {
        guard let transactionId else { return ProfileDownloadFailure(step: step, error: error, cancellation: nil) }
        progress(.cancelSession)
        let reason = Self.cancelReason(for: error, step: step)
        let euiccResponse: Result<CancelSessionResponse, ES10Error>
        do {
            euiccResponse = .success(try await es10.cancelSession(transactionId: transactionId, reason: reason))
        } catch {
            euiccResponse = .failure(error)
        }
        let serverOutcome: Result<ES9PlusStatus?, ProfileDownloadError>
        switch euiccResponse {
        case let .success(response):
            do {
                progress(.cancelServerSession)
                let answer = try await server.cancelSession(ES9CancelSessionRequest(transactionId: transactionId, cancelSessionResponse: response))
                serverOutcome = .success(answer.failure)
            } catch {
                serverOutcome = .failure(Self.transportError(error))
            }
        case let .failure(es10Error):
            serverOutcome = .failure(.euicc(es10Error))
        }
        return ProfileDownloadFailure(step: step, error: error,
                                      cancellation: SessionCancellation(reason: reason, euiccResponse: euiccResponse, serverOutcome: serverOutcome))
    }

    /// The CancelSession reason (SGP.22 §5.7.14) for a failure: a missing confirmation code is the
    /// end user not confirming; a failed BPP load is `loadBppExecutionError`; anything else
    /// (server refusal, transport, eUICC rejection) is `undefinedReason`.
    static func cancelReason(for error: ProfileDownloadError, step: DownloadStep) -> CancelSessionReason {
        switch error {
        case .confirmationCodeRequired: .endUserRejection
        case .euicc where step == .loadBoundProfilePackage: .loadBppExecutionError
        default: .undefinedReason
        }
    }

    // MARK: Helpers

    private func euicc<T>(_ body: () async throws -> T) async throws(ProfileDownloadError) -> T {
        do {
            return try await body()
        } catch let error as ES10Error {
            throw .euicc(error)
        } catch {
            throw .invalidRequest("\(error)")
        }
    }

    private func output<Output>(_ body: () async throws -> ES9PlusResponse<Output>) async throws(ProfileDownloadError) -> Output {
        let response: ES9PlusResponse<Output>
        do {
            response = try await body()
        } catch let error as ES10Error {
            throw .euicc(error)
        } catch let error as ES9PlusAPIError {
            throw .invalidRequest("\(error)")
        } catch let error as ES9PlusClientError {
            throw Self.transportError(error)
        } catch {
            throw .serverUnreachable(error)
        }
        if let failure = response.failure { throw .server(failure) }
        guard let output = response.output else { throw .missingServerOutput }
        return output
    }

    /// Maps an `ES9PlusClient` failure to the download error.
    static func transportError(_ error: ES9PlusClientError) -> ProfileDownloadError {
        switch error {
        case .smdpNotTrusted(let trust): return .smdpNotTrusted(trust)
        case let .transport(kind, cause):
            switch kind {
            case .unreachable: return .serverUnreachable(cause)
            case .tlsRefused: return .tlsRefused(cause)
            case let .httpStatus(code): return .httpStatus(code: code, cause)
            case .malformedResponse: return .malformedServerResponse(cause)
            case .invalidConfiguration: return .invalidRequest("\(cause)")
            }
        }
    }

    private func build<T>(_ body: () throws -> T) throws(ProfileDownloadError) -> T {
        do {
            return try body()
        } catch {
            throw .invalidRequest("\(error)")
        }
    }

    private func same(_ expected: TransactionID, _ received: TransactionID) throws(ProfileDownloadError) {
        guard expected == received else { throw .transactionIdMismatch(expected: expected, received: received) }
    }
}
