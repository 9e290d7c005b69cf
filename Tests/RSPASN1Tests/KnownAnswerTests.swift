import SwiftASN1
import Testing
@testable import RSPASN1

/// Known-answer encodings. Sources: docs/SGP22-NOTES.md samples (real Comprion ctxParams1,
/// GetEID, MemoryReset, NotificationEvent bits, simaResponse, StoreMetadata, ConfigureISDP)
/// and TLVs built independently with a 30-line Python TLV writer from the SGP.22 v2.5 ASN.1
/// (osmo-ttcn3-hacks RSPDefinitions.asn) tags.
@Suite struct KnownAnswerTests {
    /// Decodes `bytes`, checks the value, and re-encodes to the identical bytes.
    func roundTrip<T: RSPMessage>(_ type: T.Type, _ bytes: [UInt8], check: (T) throws -> Void = { _ in }) throws {
        let value = try T(der: bytes)
        try check(value)
        #expect(try value.derEncoded() == bytes)
    }

    @Test func ctxParams1FromRealDevice() throws {
        let bytes = h("A00E8002 3233 A108 8004 35550607 A100")
        try roundTrip(CtxParams1.self, bytes) { value in
            guard case .commonAuthentication(let params) = value else { Issue.record("wrong alternative"); return }
            #expect(params.matchingId == "23")
            #expect(params.deviceInfo.tac == h("35550607"))
            #expect(params.deviceInfo.imei == nil)
            #expect(params.deviceInfo.deviceCapabilities == DeviceCapabilities())
        }
        #expect(try Fixtures.ctxParams().derEncoded() == bytes)
    }

    @Test func getEIDRequestAndResponse() throws {
        try roundTrip(GetEuiccDataRequest.self, h("BF3E035C015A")) { #expect($0.tagList == 0x5A) }
        let eid = try EID(digits: "89049032123451234512345678901235")
        let response = h("BF3E125A10") + eid.bytes
        try roundTrip(GetEuiccDataResponse.self, response) { #expect($0.eid == eid) }
    }

    @Test func memoryResetDeleteOperationalProfiles() throws {
        let bytes = h("BF3404 82020780")
        try roundTrip(EuiccMemoryResetRequest.self, bytes) { value in
            #expect(value.resetOptions.setBits == [EuiccMemoryResetRequest.deleteOperationalProfiles])
        }
        #expect(try EuiccMemoryResetRequest(resetOptions: NamedBits(setBits: [0])).derEncoded() == bytes)
        try roundTrip(EuiccMemoryResetResponse.self, h("BF3403800101")) { #expect($0.result == .nothingToDelete) }
    }

    @Test(arguments: [
        (NotificationEvent.install, "0780"), (.enable, "0640"), (.disable, "0520"), (.delete, "0410"),
    ])
    func notificationEventBits(event: NotificationEvent, hexValue: String) throws {
        let request = ListNotificationRequest(profileManagementOperation: event)
        let bytes = h("BF2804 8102") + h(hexValue)
        #expect(try request.derEncoded() == bytes)
        #expect(try ListNotificationRequest(der: bytes) == request)
    }

    @Test func profileInstallationResultSuccess() throws {
        let bytes = h("bf3781abbf276580100102030405060708090a0b0c0d0e0f10bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a9800103254769810321406082b06010401823701a21fa01d4f10a0000005591010ffffffff890000100004093007a00530038001005f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")
        try roundTrip(ProfileInstallationResult.self, bytes) { pir in
            let data = pir.profileInstallationResultData
            #expect(data.transactionId == Fixtures.transactionId)
            #expect(data.smdpOid == Fixtures.smdpOid)
            #expect(data.notificationMetadata.profileManagementOperation == .install)
            #expect(data.notificationMetadata.iccid == Fixtures.iccid)
            #expect(data.finalResult == .success(aid: Fixtures.isdpAid, simaResponse: h("3007A00530038001 00")))
            // euiccSignPIR covers the BF27 TLV exactly as received.
            #expect(data.rawDER == Array(bytes[4..<(4 + 3 + 0x65)]))
        }
        let built = ProfileInstallationResult(
            profileInstallationResultData: try ProfileInstallationResultData(
                transactionId: Fixtures.transactionId, notificationMetadata: Fixtures.notificationMetadata(),
                smdpOid: Fixtures.smdpOid, finalResult: .success(aid: Fixtures.isdpAid, simaResponse: h("3007A0053003800100"))),
            euiccSignPIR: Fixtures.signature)
        #expect(try built.derEncoded() == bytes)
    }

    @Test func profileInstallationResultError() throws {
        let bytes = h("bf3781a4bf275e80100102030405060708090a0b0c0d0e0f10bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a9800103254769810321406082b06010401823701a218a11680010581010c820e300ca008300680010181010181005f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")
        try roundTrip(ProfileInstallationResult.self, bytes) { pir in
            #expect(pir.profileInstallationResultData.finalResult == .error(
                bppCommandId: .loadProfileElements, errorReason: .installFailedDueToPEProcessingError,
                simaResponse: h("300CA008300680010181010181 00")))
        }
    }

    @Test func storeMetadataFromWorkedExample() throws {
        try roundTrip(StoreMetadataRequest.self, h("bf25115a0a98001032547698103214910092014f")) { metadata in
            #expect(metadata.iccid.digits == "89000123456789012341")
            #expect(metadata.serviceProviderName == "")
            #expect(metadata.profileName == "O")
            #expect(metadata.profileClass == .operational)
        }
    }

    @Test func configureISDP() throws {
        try roundTrip(ConfigureISDPRequest.self, h("BF2400")) { #expect($0.dpOid == nil) }
        try roundTrip(ConfigureISDPRequest.self, h("bf240cb80a80082b06010401823701")) { #expect($0.dpOid == Fixtures.smdpOid) }
    }

    @Test func boundProfilePackage() throws {
        let bytes = h("bf368201e6bf2381ae82010180100102030405060708090a0b0c0d0e0f10a61080018881011084086d61686c7a6569745f4941040102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f405f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3fa01a87186c5ec9e878991afa621e580c84bf9743f988347332b0963ba11e881cbf25115a0a98001032547698103214910092014fa3166f3b07838065a381f58628000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223242526278681c8000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7")
        let crt = try ControlRefTemplate(hostId: Array("mahlzeit".utf8))
        try roundTrip(BoundProfilePackage.self, bytes) { bpp in
            let isc = bpp.initialiseSecureChannelRequest
            #expect(isc.remoteOpId == 1)
            #expect(isc.controlRefTemplate == crt)
            #expect(isc.smdpOtpk == Fixtures.otpk)
            #expect(bpp.firstSequenceOf87 == [h("87186c5ec9e878991afa621e580c84bf9743f988347332b0963b")])
            #expect(bpp.sequenceOf88.count == 1)
            #expect(bpp.secondSequenceOf87 == nil)
            #expect(bpp.sequenceOf86.map(\.count) == [42, 203])
            // ES8+ segmentation (notes §4): BF36 header + BF23, A0 whole, A1 header, 88, A3 header, 86, 86.
            let segments = try bpp.loadSegments()
            #expect(segments.count == 7)
            #expect(segments[0] == Array(bytes[0..<(5 + 4 + 0xAE)]))
            #expect(segments[1] == h("a01a87186c5ec9e878991afa621e580c84bf9743f988347332b0963b"))
            #expect(segments[2] == h("a11e"))
            #expect(segments[4] == h("a381f5"))
            #expect(segments.flatMap { $0 } == bytes)
            #expect(try isc.signedData(euiccOtpk: [0x04] + Array(101...164)) == h("82010180100102030405060708090a0b0c0d0e0f10a61080018881011084086d61686c7a6569745f4941040102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f405f49410465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4"))
        }
    }

    @Test func prepareDownloadResponses() throws {
        try roundTrip(PrepareDownloadResponse.self, h("bf2181c0a081bd307880100102030405060708090a0b0c0d0e0f105f4941040102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f400420000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f5f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")) { response in
            guard case let .ok(signed, signature) = response else { Issue.record("expected ok"); return }
            #expect(signed.euiccOtpk == Fixtures.otpk)
            #expect(signed.hashCc == Fixtures.hashCc)
            #expect(signature == Fixtures.signature)
        }
        try roundTrip(PrepareDownloadResponse.self, h("bf2117a11580100102030405060708090a0b0c0d0e0f10020105")) {
            #expect($0 == .error(transactionId: Fixtures.transactionId, code: .invalidTransactionId))
        }
    }

    @Test func cancelSession() throws {
        try roundTrip(CancelSessionRequest.self, h("bf411580100102030405060708090a0b0c0d0e0f10810105")) {
            #expect($0.reason == .loadBppExecutionError)
        }
        try roundTrip(CancelSessionResponse.self, h("bf4166a064301f80100102030405060708090a0b0c0d0e0f1081082b060104018237018201045f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")) { response in
            guard case let .ok(signed, _) = response else { Issue.record("expected ok"); return }
            #expect(signed.smdpOid == Fixtures.smdpOid)
            #expect(signed.reason == .metadataMismatch)
            #expect(signed.rawDER == h("301f80100102030405060708090a0b0c0d0e0f1081082b06010401823701820104"))
        }
        try roundTrip(CancelSessionResponse.self, h("BF4103810105")) { #expect($0 == .error(.invalidTransactionId)) }
    }

    @Test func authenticationPieces() throws {
        try roundTrip(ServerSigned1.self, h("304880100102030405060708090a0b0c0d0e0f108110000102030405060708090a0b0c0d0e0f8310736d64702e6578616d706c652e636f6d8410101112131415161718191a1b1c1d1e1f")) {
            #expect($0.serverAddress == "smdp.example.com")
            #expect($0.euiccChallenge == Array(0..<16))
        }
        try roundTrip(EUICCInfo1.self, h("bf20358203020202a9160414f54172bdf98a95d65cbeb88a38a1c11d800a85c3aa160414f54172bdf98a95d65cbeb88a38a1c11d800a85c3")) {
            #expect($0.svn == VersionType(2, 2, 2))
            #expect($0.euiccCiPKIdListForVerification == [Fixtures.ciSKI])
        }
        try roundTrip(GetEuiccChallengeResponse.self, h("BF2E128010") + Array(0..<16))
        try roundTrip(GetEuiccChallengeRequest.self, h("BF2E00"))
        try roundTrip(GetEuiccInfo1Request.self, h("BF2000"))
        try roundTrip(GetEuiccInfo2Request.self, h("BF2200"))
        try roundTrip(AuthenticateServerResponse.self, h("BF3817A11580100102030405060708090A0B0C0D0E0F10020106")) {
            #expect($0 == .error(transactionId: Fixtures.transactionId, code: .euiccChallengeMismatch))
        }
    }

    @Test func notificationsAndProfileManagement() throws {
        let metadata = try Fixtures.notificationMetadata()
        try roundTrip(ListNotificationResponse.self, h("bf282aa028bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a98001032547698103214")) {
            #expect($0 == .notificationMetadataList([metadata]))
        }
        try roundTrip(NotificationSentRequest.self, h("BF3003800105")) { #expect($0.seqNumber == 5) }
        try roundTrip(NotificationSentResponse.self, h("BF3003800100")) { #expect($0.result == .ok) }
        try roundTrip(ProfileInfoListResponse.self, h("bf2d3ea03ce33a5a0a980010325476981032144f10a0000005591010ffffffff89000010009f70010190046e69636b91074f70656e525350920454657374950102")) {
            #expect($0 == .ok([ProfileInfo(iccid: Fixtures.iccid, isdpAid: Fixtures.isdpAid, profileState: .enabled, profileNickname: "nick",
                                           serviceProviderName: "OpenRSP", profileName: "Test", profileClass: .operational)]))
        }
        try roundTrip(ProfileInfoListRequest.self, h("bf2d13a00c5a0a980010325476981032145c035a9f70")) {
            #expect($0 == ProfileInfoListRequest(searchCriteria: .iccid(Fixtures.iccid), tagList: h("5A9F70")))
        }
        try roundTrip(EnableProfileRequest.self, h("bf3111a00c5a0a980010325476981032148101ff")) {
            #expect($0 == EnableProfileRequest(profileIdentifier: .iccid(Fixtures.iccid), refreshFlag: true))
        }
        try roundTrip(DisableProfileRequest.self, h("bf3217a0124f10a0000005591010ffffffff8900001000810100")) {
            #expect($0 == DisableProfileRequest(profileIdentifier: .isdpAid(Fixtures.isdpAid), refreshFlag: false))
        }
        try roundTrip(DeleteProfileRequest.self, h("bf330c5a0a98001032547698103214")) { #expect($0.profileIdentifier == .iccid(Fixtures.iccid)) }
        try roundTrip(EnableProfileResponse.self, h("BF3103800102")) { #expect($0.result == .profileNotInDisabledState) }
        try roundTrip(DisableProfileResponse.self, h("BF3203800100")) { #expect($0.result == .ok) }
        try roundTrip(DeleteProfileResponse.self, h("BF3303800103")) { #expect($0.result == .disallowedByPolicy) }
        try roundTrip(SetNicknameRequest.self, h("bf29125a0a980010325476981032149004576f726b")) { #expect($0.profileNickname == "Work") }
        try roundTrip(SetNicknameResponse.self, h("BF2903800101")) { #expect($0.result == .iccidNotFound) }
        try roundTrip(EuiccConfiguredAddressesRequest.self, h("BF3C00"))
        try roundTrip(EuiccConfiguredAddressesResponse.self, h("bf3c238010736d64702e6578616d706c652e636f6d810f6c70612e64732e67736d612e636f6d")) {
            #expect($0 == EuiccConfiguredAddressesResponse(defaultDpAddress: "smdp.example.com", rootDsAddress: "lpa.ds.gsma.com"))
        }
        try roundTrip(SetDefaultDpAddressRequest.self, h("bf3f128010736d64702e6578616d706c652e636f6d"))
        try roundTrip(SetDefaultDpAddressResponse.self, h("BF3F03800100"))
        try roundTrip(ReplaceSessionKeysRequest.self, h("bf2636801000000000000000000000000000000000811001010101010101010101010101010101821002020202020202020202020202020202"))
        try roundTrip(RetrieveNotificationsListRequest.self, h("BF2B05A003800105")) { #expect($0.searchCriteria == .seqNumber(5)) }
        try roundTrip(RetrieveNotificationsListRequest.self, h("BF2B00")) { #expect($0.searchCriteria == nil) }
        try roundTrip(RetrieveNotificationsListResponse.self, h("BF2B03 81017F")) { #expect($0 == .error(.undefinedError)) }
    }

    @Test func transactionIdHexForJSON() throws {
        #expect(Fixtures.transactionId.hex == "0102030405060708090A0B0C0D0E0F10")
        #expect(try TransactionID(hex: "0102030405060708090a0b0c0d0e0f10") == Fixtures.transactionId)
        #expect(throws: RSPASN1Error.wrongSize(field: "transactionId", expected: "1...16", actual: 17)) { try TransactionID(Array(repeating: 1, count: 17)) }
        #expect(throws: RSPASN1Error.self) { try TransactionID([]) }
        #expect(throws: RSPASN1Error.self) { try TransactionID(hex: "0G") }
    }

    @Test func signatureMustBe64Bytes() throws {
        #expect(throws: RSPASN1Error.wrongSize(field: "signature", expected: "64", actual: 63)) { try ECDSASignature(Array(repeating: 0, count: 63)) }
        // A 5F37 of 65 bytes inside a message is rejected on decode.
        let bad = h("bf3781ac") + h("bf276580100102030405060708090a0b0c0d0e0f10bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a9800103254769810321406082b06010401823701a21fa01d4f10a0000005591010ffffffff890000100004093007a0053003800100") + h("5f3741") + Array(0..<65)
        #expect(throws: RSPASN1Error.wrongSize(field: "signature", expected: "64", actual: 65)) { try ProfileInstallationResult(der: bad) }
    }
}
