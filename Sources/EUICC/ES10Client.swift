import RSPASN1

/// The LPA side of ES10a/b/c (SGP.22 §5.7): every function encodes its request with RSPASN1,
/// sends it through an `ISDRSession` and decodes the typed response.
public struct ES10Client: Sendable {
    public let session: ISDRSession

    public init(session: ISDRSession) {
        self.session = session
    }

    /// A client on `transport` with the given STORE DATA block size.
    public init(transport: any APDUTransport, chunkSize: Int = 120) throws(ES10Error) {
        self.session = try ISDRSession(transport: transport, chunkSize: chunkSize)
    }

    public func open() async throws(ES10Error) { try await session.open() }
    public func close() async throws(ES10Error) { try await session.close() }

    // MARK: Generic request/response

    /// Sends `request` and decodes the response as `Response`.
    public func call<Request: RSPMessage, Response: RSPMessage>(_ request: Request, expecting: Response.Type, command: String) async throws(ES10Error) -> Response {
        let bytes: [UInt8]
        do {
            bytes = try request.derEncoded()
        } catch {
            throw .requestEncoding(error)
        }
        let response = try await session.storeData(bytes, command: command)
        do {
            return try Response(der: response)
        } catch {
            throw .malformedResponse(error, command: command)
        }
    }

    // MARK: ES10b — download

    /// ES10b.GetEUICCChallenge: `BF2E 00` → 16-byte challenge.
    public func getEUICCChallenge() async throws(ES10Error) -> [UInt8] {
        try await call(GetEuiccChallengeRequest(), expecting: GetEuiccChallengeResponse.self, command: "GetEUICCChallenge").euiccChallenge
    }

    /// ES10b.GetEUICCInfo (EUICCInfo1): `BF20 00`.
    public func getEUICCInfo1() async throws(ES10Error) -> EUICCInfo1 {
        try await call(GetEuiccInfo1Request(), expecting: EUICCInfo1.self, command: "GetEUICCInfo1")
    }

    /// ES10b.GetEUICCInfo (EUICCInfo2): `BF22 00`.
    public func getEUICCInfo2() async throws(ES10Error) -> EUICCInfo2 {
        try await call(GetEuiccInfo2Request(), expecting: EUICCInfo2.self, command: "GetEUICCInfo2")
    }

    /// ES10b.AuthenticateServer: `BF38` request → `BF38` ok or error (an error is a value, not a throw).
    public func authenticateServer(_ request: AuthenticateServerRequest) async throws(ES10Error) -> AuthenticateServerResponse {
        try await call(request, expecting: AuthenticateServerResponse.self, command: "AuthenticateServer")
    }

    /// ES10b.PrepareDownload: `BF21` request → `BF21` ok or error.
    public func prepareDownload(_ request: PrepareDownloadRequest) async throws(ES10Error) -> PrepareDownloadResponse {
        try await call(request, expecting: PrepareDownloadResponse.self, command: "PrepareDownload")
    }

    /// ES10b.LoadBoundProfilePackage: sends the BPP in the ES8+ segments of notes §4 (each its own
    /// STORE DATA sequence). Non-final segments must return no data; the first segment that returns
    /// data must carry a `BF37` ProfileInstallationResult, which ends the load and is returned.
    public func loadBoundProfilePackage(_ bpp: BoundProfilePackage) async throws(ES10Error) -> ProfileInstallationResult {
        let segments: [[UInt8]]
        do {
            segments = try bpp.loadSegments()
        } catch {
            throw .requestEncoding(error)
        }
        return try await loadBoundProfilePackage(segments: segments)
    }

    /// LoadBoundProfilePackage over segments already cut (see `BoundProfilePackage.loadSegments()`).
    public func loadBoundProfilePackage(segments: [[UInt8]]) async throws(ES10Error) -> ProfileInstallationResult {
        for (index, segment) in segments.enumerated() {
            let command = "LoadBoundProfilePackage segment \(index + 1)/\(segments.count)"
            let response = try await session.storeData(segment, command: command)
            if response.isEmpty {
                if index == segments.count - 1 {
                    throw .malformedResponse(.truncated("the final segment returned no ProfileInstallationResult"), command: command)
                }
                continue
            }
            do {
                return try ProfileInstallationResult(der: response)
            } catch {
                throw .malformedResponse(error, command: command)
            }
        }
        throw .requestEncoding(.truncated("BoundProfilePackage has no segments"))
    }

    /// ES10b.CancelSession: `BF41 {80 tid, 81 reason}`.
    public func cancelSession(transactionId: TransactionID, reason: CancelSessionReason) async throws(ES10Error) -> CancelSessionResponse {
        try await call(CancelSessionRequest(transactionId: transactionId, reason: reason), expecting: CancelSessionResponse.self, command: "CancelSession")
    }

    // MARK: ES10b — notifications

    /// ES10b.ListNotification: `BF28` → NotificationMetadata list or error.
    public func listNotification(_ operations: NotificationEvent? = nil) async throws(ES10Error) -> ListNotificationResponse {
        try await call(ListNotificationRequest(profileManagementOperation: operations), expecting: ListNotificationResponse.self, command: "ListNotification")
    }

    /// ES10b.RetrieveNotificationsList: `BF2B` → pending notifications (PIRs and signed others).
    public func retrieveNotificationsList(_ criteria: RetrieveNotificationsListRequest.SearchCriteria? = nil) async throws(ES10Error) -> RetrieveNotificationsListResponse {
        try await call(RetrieveNotificationsListRequest(searchCriteria: criteria), expecting: RetrieveNotificationsListResponse.self, command: "RetrieveNotificationsList")
    }

    /// ES10b.RemoveNotificationFromList (NotificationSent): `BF30 {80 seq}`.
    public func removeNotificationFromList(seqNumber: Int) async throws(ES10Error) -> DeleteNotificationStatus {
        try await call(NotificationSentRequest(seqNumber: seqNumber), expecting: NotificationSentResponse.self, command: "RemoveNotificationFromList").result
    }

    // MARK: ES10c — profile management

    /// ES10c.GetProfilesInfo: `BF2D`.
    public func getProfilesInfo(_ request: ProfileInfoListRequest = ProfileInfoListRequest()) async throws(ES10Error) -> ProfileInfoListResponse {
        try await call(request, expecting: ProfileInfoListResponse.self, command: "GetProfilesInfo")
    }

    /// ES10c.EnableProfile: `BF31`.
    public func enableProfile(_ id: ProfileIdentifier, refreshFlag: Bool = false) async throws(ES10Error) -> EnableProfileResult {
        try await call(EnableProfileRequest(profileIdentifier: id, refreshFlag: refreshFlag), expecting: EnableProfileResponse.self, command: "EnableProfile").result
    }

    /// ES10c.DisableProfile: `BF32`.
    public func disableProfile(_ id: ProfileIdentifier, refreshFlag: Bool = false) async throws(ES10Error) -> DisableProfileResult {
        try await call(DisableProfileRequest(profileIdentifier: id, refreshFlag: refreshFlag), expecting: DisableProfileResponse.self, command: "DisableProfile").result
    }

    /// ES10c.DeleteProfile: `BF33`.
    public func deleteProfile(_ id: ProfileIdentifier) async throws(ES10Error) -> DeleteProfileResult {
        try await call(DeleteProfileRequest(profileIdentifier: id), expecting: DeleteProfileResponse.self, command: "DeleteProfile").result
    }

    /// ES10c.SetNickname: `BF29 {5A iccid, 90 nickname}`.
    public func setNickname(iccid: ICCID, nickname: String) async throws(ES10Error) -> SetNicknameResult {
        let request: SetNicknameRequest
        do {
            request = try SetNicknameRequest(iccid: iccid, profileNickname: nickname)
        } catch {
            throw .requestEncoding(error)
        }
        return try await call(request, expecting: SetNicknameResponse.self, command: "SetNickname").result
    }

    /// ES10c.GetEID: `BF3E {5C 01 5A}` → EID.
    public func getEID() async throws(ES10Error) -> EID {
        try await call(GetEuiccDataRequest(), expecting: GetEuiccDataResponse.self, command: "GetEID").eid
    }

    /// ES10c.eUICCMemoryReset: `BF34 {82 resetOptions}`.
    public func euiccMemoryReset(options: NamedBits) async throws(ES10Error) -> EuiccMemoryResetResult {
        try await call(EuiccMemoryResetRequest(resetOptions: options), expecting: EuiccMemoryResetResponse.self, command: "eUICCMemoryReset").result
    }

    // MARK: ES10a

    /// ES10a.GetEuiccConfiguredAddresses: `BF3C 00`.
    public func getEuiccConfiguredAddresses() async throws(ES10Error) -> EuiccConfiguredAddressesResponse {
        try await call(EuiccConfiguredAddressesRequest(), expecting: EuiccConfiguredAddressesResponse.self, command: "GetEuiccConfiguredAddresses")
    }

    /// ES10a.SetDefaultDpAddress: `BF3F {80 address}`.
    public func setDefaultDpAddress(_ address: String) async throws(ES10Error) -> SetDefaultDpAddressResult {
        try await call(SetDefaultDpAddressRequest(defaultDpAddress: address), expecting: SetDefaultDpAddressResponse.self, command: "SetDefaultDpAddress").result
    }
}
