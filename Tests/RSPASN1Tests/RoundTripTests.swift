import SwiftASN1
import Testing
@testable import RSPASN1

/// Values built with the public initialisers: encode → decode gives an equal value, and the
/// re-encoding is byte-identical. Messages carrying certificates use the real SGP.26 test
/// certificates as the (opaque) certificate bytes.
@Suite struct RoundTripTests {
    func roundTrip<T: RSPMessage>(_ value: T) throws {
        let bytes = try value.derEncoded()
        let decoded = try T(der: bytes)
        #expect(decoded == value)
        #expect(try decoded.derEncoded() == bytes)
    }

    @Test func euiccInfo2WithAllFieldsAndExtension() throws {
        var info = Fixtures.euiccInfo2()
        try roundTrip(info)
        // An unknown trailing field (a later SGP.22 version) survives decode and re-encode.
        info.extensions = [h("9F7F03010203")]
        try roundTrip(info)
        let minimal = EUICCInfo2(
            profileVersion: VersionType(2, 1, 0), svn: VersionType(2, 2, 0), euiccFirmwareVer: VersionType(1, 2, 3), extCardResource: [],
            uiccCapability: NamedBits(setBits: []), rspCapability: NamedBits(setBits: [0]), euiccCiPKIdListForVerification: [],
            euiccCiPKIdListForSigning: [], ppVersion: VersionType(0, 0, 1), sasAcreditationNumber: "")
        try roundTrip(minimal)
        #expect(try EUICCInfo2(der: minimal.derEncoded()).ts102241Version == nil)
        try roundTrip(EUICCInfo1(svn: VersionType(2, 5, 0), euiccCiPKIdListForVerification: [Fixtures.ciSKI], euiccCiPKIdListForSigning: [], extensions: [h("8B0101")]))
    }

    @Test func deviceInfoWithCapabilitiesAndImei() throws {
        let capabilities = DeviceCapabilities(
            releases: [.gsm: VersionType(8, 0, 0), .eutranEpc: VersionType(15, 0, 0), .nr5gc: VersionType(16, 0, 0), .lpaSvn: VersionType(2, 5, 0)],
            otherFields: [h("8D0101"), h("AE03800102")])
        let info = try DeviceInfo(tac: h("35550607"), deviceCapabilities: capabilities, imei: h("3555060712345678"))
        let params = CtxParams1.commonAuthentication(CtxParamsForCommonAuthentication(matchingId: nil, deviceInfo: info))
        try roundTrip(params)
        #expect(throws: RSPASN1Error.wrongSize(field: "tac", expected: "4", actual: 8)) {
            try DeviceInfo(tac: h("3555060700000000"), deviceCapabilities: capabilities)
        }
    }

    @Test(.enabled(if: Fixtures.testdataAvailable, "SGP.26 certificates not found"))
    func authenticateServerRequestAndResponse() throws {
        let serverSigned1 = try ServerSigned1(transactionId: Fixtures.transactionId, euiccChallenge: Array(0..<16),
                                              serverAddress: "smdp.example.com", serverChallenge: Array(16..<32))
        let request = try AuthenticateServerRequest(
            serverSigned1: serverSigned1, serverSignature1: Fixtures.signature, euiccCiPKIdToBeUsed: Fixtures.ciSKI,
            serverCertificate: Fixtures.dpAuthCertificate(), ctxParams1: Fixtures.ctxParams())
        try roundTrip(request)
        let decoded = try AuthenticateServerRequest(der: request.derEncoded())
        #expect(decoded.serverCertificate == (try Fixtures.dpAuthCertificate()))
        #expect(decoded.serverSigned1.rawDER == serverSigned1.rawDER)

        let euiccSigned1 = try EuiccSigned1(transactionId: Fixtures.transactionId, serverAddress: "smdp.example.com",
                                            serverChallenge: Array(16..<32), euiccInfo2: Fixtures.euiccInfo2(), ctxParams1: Fixtures.ctxParams())
        let response = try AuthenticateServerResponse.makeOk(
            euiccSigned1: euiccSigned1, euiccSignature1: Fixtures.signature,
            euiccCertificate: Fixtures.dpPbCertificate(), eumCertificate: Fixtures.ciCertificate())
        try roundTrip(response)
        #expect(throws: RSPASN1Error.self) {
            try AuthenticateServerResponse.makeOk(euiccSigned1: euiccSigned1, euiccSignature1: Fixtures.signature,
                                                  euiccCertificate: h("0403010203"), eumCertificate: Fixtures.ciCertificate())
        }
    }

    @Test(.enabled(if: Fixtures.testdataAvailable, "SGP.26 certificates not found"))
    func prepareDownloadRequestWithAndWithoutHashCc() throws {
        let signed = try SmdpSigned2(transactionId: Fixtures.transactionId, ccRequiredFlag: true)
        try roundTrip(try PrepareDownloadRequest(smdpSigned2: signed, smdpSignature2: Fixtures.signature, hashCc: Fixtures.hashCc,
                                                 smdpCertificate: Fixtures.dpPbCertificate()))
        let rebinding = try SmdpSigned2(transactionId: Fixtures.transactionId, ccRequiredFlag: false, bppEuiccOtpk: Fixtures.otpk)
        try roundTrip(try PrepareDownloadRequest(smdpSigned2: rebinding, smdpSignature2: Fixtures.signature, smdpCertificate: Fixtures.dpPbCertificate()))
        #expect(throws: RSPASN1Error.wrongSize(field: "hashCc", expected: "32", actual: 31)) {
            try PrepareDownloadRequest(smdpSigned2: signed, smdpSignature2: Fixtures.signature, hashCc: Array(0..<31),
                                       smdpCertificate: Fixtures.dpPbCertificate())
        }
        // The signed part's bytes: `30 L {80 tid, 01 01 FF}` with universal BOOLEAN.
        #expect(signed.rawDER == h("301580100102030405060708090a0b0c0d0e0f100101ff"))
    }

    @Test(.enabled(if: Fixtures.testdataAvailable, "SGP.26 certificates not found"))
    func otherSignedNotificationAndPendingList() throws {
        let other = try OtherSignedNotification(
            tbsOtherNotification: Fixtures.notificationMetadata(.delete, seq: 9), euiccNotificationSignature: Fixtures.signature,
            euiccCertificate: Fixtures.dpPbCertificate(), eumCertificate: Fixtures.ciCertificate())
        try roundTrip(other)
        let pir = ProfileInstallationResult(
            profileInstallationResultData: try ProfileInstallationResultData(
                transactionId: Fixtures.transactionId, notificationMetadata: Fixtures.notificationMetadata(), smdpOid: Fixtures.smdpOid,
                finalResult: .error(bppCommandId: .initialiseSecureChannel, errorReason: .invalidSignature, simaResponse: nil)),
            euiccSignPIR: Fixtures.signature)
        let list = RetrieveNotificationsListResponse.notificationList([.otherSignedNotification(other), .profileInstallationResult(pir)])
        try roundTrip(list)
        try roundTrip(PendingNotification.otherSignedNotification(other))
        #expect(PendingNotification.profileInstallationResult(pir).notificationMetadata.seqNumber == 5)
    }

    @Test func storeMetadataWithEveryField() throws {
        let metadata = try StoreMetadataRequest(
            iccid: Fixtures.iccid, serviceProviderName: "OpenRSP", profileName: "Test profile", iconType: .png, icon: Array(0..<200),
            profileClass: .test,
            notificationConfigurationInfo: [NotificationConfigurationInformation(profileManagementOperation: [.install, .delete], notificationAddress: "smdp.example.com")],
            profileOwner: try OperatorId(mccMnc: h("00F110"), gid1: h("01"), gid2: nil), profilePolicyRules: NamedBits(setBits: [1, 2]),
            serviceSpecificDataStoredInEuicc: h("BF2200"), serviceSpecificDataNotStoredInEuicc: h("BF2300"))
        try roundTrip(metadata)
        // profileClass DEFAULT operational is omitted.
        let plain = try StoreMetadataRequest(iccid: Fixtures.iccid, serviceProviderName: "", profileName: "O")
        #expect(try plain.derEncoded() == h("bf25115a0a98001032547698103214910092014f"))
        #expect(throws: RSPASN1Error.self) { try StoreMetadataRequest(iccid: Fixtures.iccid, serviceProviderName: String(repeating: "x", count: 33), profileName: "") }
    }

    @Test func profileInfoEveryField() throws {
        let info = ProfileInfo(
            iccid: Fixtures.iccid, isdpAid: Fixtures.isdpAid, profileState: .disabled, profileNickname: "n", serviceProviderName: "s",
            profileName: "p", iconType: .jpg, icon: [1, 2, 3], profileClass: .provisioning,
            notificationConfigurationInfo: [NotificationConfigurationInformation(profileManagementOperation: .enable, notificationAddress: "a")],
            profileOwner: try OperatorId(mccMnc: h("00F110")), dpProprietaryData: h("B80480022A03"), profilePolicyRules: NamedBits(setBits: [0]),
            serviceSpecificDataStoredInEuicc: h("BF2200"), extensions: [h("9F7F0101")])
        try roundTrip(ProfileInfoListResponse.ok([info, ProfileInfo(iccid: Fixtures.iccid)]))
        try roundTrip(ProfileInfoListResponse.error(.incorrectInputValues))
        try roundTrip(ProfileInfoListRequest(searchCriteria: .profileClass(.test)))
        try roundTrip(ProfileInfoListRequest(searchCriteria: .isdpAid(Fixtures.isdpAid)))
        try roundTrip(ProfileInfoListRequest())
    }

    @Test func bppWithSecondSequenceOf87() throws {
        let isc = InitialiseSecureChannelRequest(
            transactionId: Fixtures.transactionId, controlRefTemplate: try ControlRefTemplate(hostId: [1, 2, 3, 4, 5, 6, 7, 8]),
            smdpOtpk: Fixtures.otpk, smdpSign: Fixtures.signature)
        let bpp = try BoundProfilePackage(
            initialiseSecureChannelRequest: isc, firstSequenceOf87: [h("870400000000")], sequenceOf88: [h("880100"), h("880101")],
            secondSequenceOf87: [h("8703010203")], sequenceOf86: [h("86820100") + Array(repeating: 0xAB, count: 256)])
        try roundTrip(bpp)
        let segments = try bpp.loadSegments()
        #expect(segments.count == 8)
        #expect(segments[5] == h("A2058703010203"))
        #expect(segments[6] == h("A3820104"))
        #expect(segments.flatMap { $0 } == (try bpp.derEncoded()))
        #expect(throws: RSPASN1Error.self) {
            try BoundProfilePackage(initialiseSecureChannelRequest: isc, firstSequenceOf87: [h("880100")], sequenceOf88: [], sequenceOf86: [])
        }
        try roundTrip(try ReplaceSessionKeysRequest(initialMacChainingValue: Array(0..<16), ppkEnc: Array(16..<32), ppkCmac: Array(32..<48)))
        try roundTrip(ConfigureISDPRequest(dpOid: Fixtures.smdpOid, additionalDpProprietaryData: [h("810101")]))
    }

    @Test func signedStructuresKeepReceivedBytes() throws {
        // A BIT STRING that is valid DER but not a trimmed named-bit list (`02 80` = install with two
        // extra zero bits) decodes to the same event; the signed bytes stay as received.
        let received = h("BF2F25 800105 81020280 0C10736d64702e6578616d706c652e636f6d 5A0A98001032547698103214")
        let metadata = try NotificationMetadata(der: received)
        #expect(metadata.profileManagementOperation == .install)
        #expect(metadata.rawDER == received)
        #expect(try metadata.derEncoded() == received)
        // A freshly built value encodes the DER-trimmed form.
        #expect(try Fixtures.notificationMetadata().rawDER == h("bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a98001032547698103214"))
        // Nested inside a list, the received bytes are re-emitted unchanged.
        let list = ListNotificationResponse.notificationMetadataList([metadata])
        #expect(try list.derEncoded() == h("BF282AA028") + received)
    }
}
