import Crypto
import EUICC
import Foundation
import RSPASN1
import RSPCrypto

/// ES10 request tags (SGP.22 §5.7, the outer tag of each request).
enum ES10Tag {
    static let getEuiccInfo1: [UInt8] = [0xBF, 0x20]
    static let prepareDownload: [UInt8] = [0xBF, 0x21]
    static let getEuiccInfo2: [UInt8] = [0xBF, 0x22]
    static let listNotification: [UInt8] = [0xBF, 0x28]
    static let setNickname: [UInt8] = [0xBF, 0x29]
    static let retrieveNotificationsList: [UInt8] = [0xBF, 0x2B]
    static let getProfilesInfo: [UInt8] = [0xBF, 0x2D]
    static let getEuiccChallenge: [UInt8] = [0xBF, 0x2E]
    static let notificationSent: [UInt8] = [0xBF, 0x30]
    static let enableProfile: [UInt8] = [0xBF, 0x31]
    static let disableProfile: [UInt8] = [0xBF, 0x32]
    static let deleteProfile: [UInt8] = [0xBF, 0x33]
    static let euiccMemoryReset: [UInt8] = [0xBF, 0x34]
    static let boundProfilePackage: [UInt8] = [0xBF, 0x36]
    static let authenticateServer: [UInt8] = [0xBF, 0x38]
    static let configuredAddresses: [UInt8] = [0xBF, 0x3C]
    static let getEuiccData: [UInt8] = [0xBF, 0x3E]
    static let setDefaultDpAddress: [UInt8] = [0xBF, 0x3F]
    static let cancelSession: [UInt8] = [0xBF, 0x41]
}

extension SoftEUICC {
    /// Dispatches one reassembled STORE DATA payload by its outer tag.
    func handleES10(_ request: [UInt8]) async -> ES10Outcome {
        if request.starts(with: ES10Tag.boundProfilePackage) {
            return await beginBPPLoad(request)
        }
        if bppLoad != nil, let first = request.first, [0xA0, 0xA1, 0xA2, 0xA3, 0x86, 0x87, 0x88].contains(first) {
            return await continueBPPLoad(request)
        }
        let header: TLVHeader
        do {
            header = try TLVHeader.read(request[...])
        } catch {
            return .status(.incorrectData)
        }
        guard header.totalLength == request.count else { return .status(.incorrectData) }
        switch header.tag {
        case ES10Tag.getEuiccChallenge: return respond(GetEuiccChallengeRequest.self, request) { _ in try getEuiccChallenge() }
        case ES10Tag.getEuiccInfo1: return respond(GetEuiccInfo1Request.self, request) { _ in euiccInfo1() }
        case ES10Tag.getEuiccInfo2: return respond(GetEuiccInfo2Request.self, request) { _ in euiccInfo2() }
        case ES10Tag.authenticateServer:
            guard let message = decode(AuthenticateServerRequest.self, request) else { return .status(.incorrectData) }
            return encode(await authenticateServer(message))
        case ES10Tag.prepareDownload:
            guard let message = decode(PrepareDownloadRequest.self, request) else { return .status(.incorrectData) }
            return encode(await prepareDownload(message))
        case ES10Tag.cancelSession: return respond(CancelSessionRequest.self, request) { try cancelSession($0) }
        case ES10Tag.listNotification: return respond(ListNotificationRequest.self, request) { listNotification($0) }
        case ES10Tag.retrieveNotificationsList: return respond(RetrieveNotificationsListRequest.self, request) { retrieveNotificationsList($0) }
        case ES10Tag.notificationSent: return respond(NotificationSentRequest.self, request) { notificationSent($0) }
        case ES10Tag.getProfilesInfo: return respond(ProfileInfoListRequest.self, request) { getProfilesInfo($0) }
        case ES10Tag.enableProfile: return respond(EnableProfileRequest.self, request) { try enableProfile($0) }
        case ES10Tag.disableProfile: return respond(DisableProfileRequest.self, request) { try disableProfile($0) }
        case ES10Tag.deleteProfile: return respond(DeleteProfileRequest.self, request) { try deleteProfile($0) }
        case ES10Tag.setNickname: return respond(SetNicknameRequest.self, request) { setNickname($0) }
        case ES10Tag.getEuiccData: return respond(GetEuiccDataRequest.self, request) { try getEuiccData($0) }
        case ES10Tag.euiccMemoryReset: return respond(EuiccMemoryResetRequest.self, request) { memoryReset($0) }
        case ES10Tag.configuredAddresses: return respond(EuiccConfiguredAddressesRequest.self, request) { _ in
            EuiccConfiguredAddressesResponse(defaultDpAddress: state.defaultDpAddress, rootDsAddress: state.rootDsAddress)
        }
        case ES10Tag.setDefaultDpAddress: return respond(SetDefaultDpAddressRequest.self, request) { setDefaultDpAddress($0) }
        default:
            return .status(.referencedDataNotFound)
        }
    }

    func decode<Request: RSPMessage>(_ type: Request.Type, _ bytes: [UInt8]) -> Request? {
        do {
            return try Request(der: bytes)
        } catch {
            return nil
        }
    }

    func encode<Response: RSPMessage>(_ response: Response) -> ES10Outcome {
        do {
            return .data(try response.derEncoded())
        } catch {
            return .status(.noPreciseDiagnosis)
        }
    }

    /// Decodes `Request` (malformed → `6A80`), runs `body` and encodes its response. A thrown error
    /// (an internal failure such as a state file that cannot be written) answers `6F00`.
    func respond<Request: RSPMessage, Response: RSPMessage>(_ type: Request.Type, _ bytes: [UInt8], _ body: (Request) throws -> Response) -> ES10Outcome {
        guard let request = decode(type, bytes) else { return .status(.incorrectData) }
        do {
            return encode(try body(request))
        } catch {
            return .status(.noPreciseDiagnosis)
        }
    }

    // MARK: Identity and configuration

    func getEuiccChallenge() throws -> GetEuiccChallengeResponse {
        let challenge = randomBytes(16)
        euiccChallenge = challenge
        return try GetEuiccChallengeResponse(euiccChallenge: challenge)
    }

    func euiccInfo1() -> EUICCInfo1 {
        EUICCInfo1(svn: configuration.svn, euiccCiPKIdListForVerification: identity.ciPKIds, euiccCiPKIdListForSigning: identity.signingCIPKIds)
    }

    func euiccInfo2() -> EUICCInfo2 {
        EUICCInfo2(
            profileVersion: configuration.profileVersion, svn: configuration.svn, euiccFirmwareVer: configuration.firmwareVersion,
            extCardResource: extCardResource(),
            uiccCapability: configuration.uiccCapability,
            ts102241Version: VersionType(9, 2, 0), globalplatformVersion: VersionType(2, 3, 0),
            rspCapability: configuration.rspCapability,
            euiccCiPKIdListForVerification: identity.ciPKIds, euiccCiPKIdListForSigning: identity.signingCIPKIds,
            euiccCategory: .other, ppVersion: configuration.ppVersion, sasAcreditationNumber: configuration.sasAccreditationNumber
        )
    }

    /// ExtCardResource (SGP.22 §4.3, TS 102 226 §8.2.1.3.2): `81 01 n` installed applications,
    /// `82 04` free non-volatile memory, `83 04` free volatile memory.
    func extCardResource() -> [UInt8] {
        let free = UInt32(max(0, configuration.maxProfiles - state.profiles.count) * 100_000)
        let bytes: (UInt32) -> [UInt8] = { [UInt8($0 >> 24), UInt8(($0 >> 16) & 0xFF), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)] }
        return [0x81, 0x01, UInt8(min(state.profiles.count, 255))] + [0x82, 0x04] + bytes(free) + [0x83, 0x04] + bytes(65_536)
    }

    func getEuiccData(_ request: GetEuiccDataRequest) throws -> GetEuiccDataResponse {
        guard request.tagList == 0x5A else { throw SimulatorFailure.unsupportedTagList }
        return GetEuiccDataResponse(eid: identity.eid)
    }

    func setDefaultDpAddress(_ request: SetDefaultDpAddressRequest) -> SetDefaultDpAddressResponse {
        var next = state
        next.defaultDpAddress = request.defaultDpAddress.isEmpty ? nil : request.defaultDpAddress
        return SetDefaultDpAddressResponse(result: commit(next) ? .ok : .undefinedError)
    }

    /// Replaces the committed state with `next` if it can be saved; on failure nothing changes.
    func commit(_ next: EUICCPersistentState) -> Bool {
        do {
            try store.save(next)
        } catch {
            return false
        }
        state = next
        return true
    }

    func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

/// Internal failures the ISD-R answers with a status word.
enum SimulatorFailure: Error {
    case unsupportedTagList
    case stateNotWritable
}
