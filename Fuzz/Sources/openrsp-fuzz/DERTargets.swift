import RSPASN1
import SwiftASN1

/// SGP.22 DER messages (RSPASN1): the input is one TLV; every message type whose tag matches it
/// decodes it. Invariant: an accepted value re-encodes, that encoding decodes to an equal value and
/// re-encodes to the same bytes. Not byte-for-byte equal to the input: the decoders accept some
/// non-minimal forms deployed cards send (named-bit lists with trailing zero bits) and write DER.
/// SAIP: a UPP walk (ProfileElementSequence) re-encodes to the input; its header round-trips as above.
let derTargets: [FuzzTarget] = [
    FuzzTarget(name: "der", summary: "every ES9+/ES10 DER message type (RSPASN1), tag-dispatched; DER round trip") { bytes in
        guard let identifier = try? DER.parse(bytes).identifier else { return }
        for message in derMessages where message.identifier == nil || message.identifier == identifier {
            message.roundTrip(bytes)
        }
    },
    FuzzTarget(name: "saip", summary: "SAIP UPP walk (ProfileElementSequence, ProfileHeader); re-encodes to the input") { bytes in
        guard let sequence = try? ProfileElementSequence(der: bytes) else { return }
        invariant(sequence.derEncoded == bytes, "ProfileElementSequence re-encoding differs")
        derRoundTrip(ProfileHeader.self, sequence.elements[0].rawDER)
    },
]

/// One decodable message type: its tag (nil for an untagged CHOICE, tried on every input) and its round trip.
struct DERMessage: Sendable {
    let identifier: ASN1Identifier?
    let roundTrip: @Sendable ([UInt8]) -> Void

    static func tagged<T: RSPMessage & DERImplicitlyTaggable>(_ type: T.Type) -> DERMessage {
        DERMessage(identifier: T.defaultIdentifier, roundTrip: { derRoundTrip(T.self, $0) })
    }

    static func choice<T: RSPMessage>(_ type: T.Type) -> DERMessage {
        DERMessage(identifier: nil, roundTrip: { derRoundTrip(T.self, $0) })
    }
}

/// decode(encode(decode(x))) == decode(x), and encoding that again gives the same bytes.
func derRoundTrip<T: RSPMessage>(_ type: T.Type, _ bytes: [UInt8]) {
    guard let value = try? T(der: bytes) else { return }
    let encoded = mustSucceed("\(T.self) re-encode") { try value.derEncoded() }
    let again = mustSucceed("\(T.self) decode of its own encoding") { try T(der: encoded) }
    invariant(again == value, "\(T.self): decode(encode(x)) != x")
    let reencoded = mustSucceed("\(T.self) encode again") { try again.derEncoded() }
    invariant(reencoded == encoded, "\(T.self): encode(decode(encode(x))) != encode(x)")
}

let derMessages: [DERMessage] = [
    // ES10b/ES9+ download
    .tagged(GetEuiccChallengeRequest.self), .tagged(GetEuiccChallengeResponse.self),
    .tagged(GetEuiccInfo1Request.self), .tagged(GetEuiccInfo2Request.self),
    .tagged(EUICCInfo1.self), .tagged(EUICCInfo2.self), .choice(CtxParams1.self),
    .tagged(AuthenticateServerRequest.self), .tagged(AuthenticateServerResponse.self),
    .tagged(PrepareDownloadRequest.self), .tagged(PrepareDownloadResponse.self),
    .tagged(BoundProfilePackage.self), .tagged(InitialiseSecureChannelRequest.self),
    .tagged(ConfigureISDPRequest.self), .tagged(ReplaceSessionKeysRequest.self), .tagged(StoreMetadataRequest.self),
    .tagged(ProfileInstallationResult.self), .tagged(CancelSessionRequest.self), .tagged(CancelSessionResponse.self),
    // notifications
    .choice(PendingNotification.self), .tagged(OtherSignedNotification.self),
    .tagged(ListNotificationRequest.self), .tagged(ListNotificationResponse.self),
    .tagged(RetrieveNotificationsListRequest.self), .tagged(RetrieveNotificationsListResponse.self),
    .tagged(NotificationSentRequest.self), .tagged(NotificationSentResponse.self),
    // ES10c profile management and eUICC management
    .tagged(ProfileInfo.self), .tagged(ProfileInfoListRequest.self), .tagged(ProfileInfoListResponse.self),
    .tagged(EnableProfileRequest.self), .tagged(EnableProfileResponse.self),
    .tagged(DisableProfileRequest.self), .tagged(DisableProfileResponse.self),
    .tagged(DeleteProfileRequest.self), .tagged(DeleteProfileResponse.self),
    .tagged(SetNicknameRequest.self), .tagged(SetNicknameResponse.self),
    .tagged(GetEuiccDataRequest.self), .tagged(GetEuiccDataResponse.self),
    .tagged(EuiccMemoryResetRequest.self), .tagged(EuiccMemoryResetResponse.self),
    .tagged(EuiccConfiguredAddressesRequest.self), .tagged(EuiccConfiguredAddressesResponse.self),
    .tagged(SetDefaultDpAddressRequest.self), .tagged(SetDefaultDpAddressResponse.self),
    // SAIP
    .tagged(ProfileHeader.self),
]
