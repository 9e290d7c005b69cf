import Testing
@testable import RSPASN1

/// One top-level decoder and a valid encoding for it.
struct DecoderCase: Sendable, CustomStringConvertible {
    let name: String
    let sample: [UInt8]
    let decode: @Sendable ([UInt8]) throws(RSPASN1Error) -> Void
    var description: String { name }

    init<T: RSPMessage>(_ type: T.Type, _ hexSample: String) {
        self.init(type, bytes: h(hexSample))
    }

    init<T: RSPMessage>(_ type: T.Type, bytes: [UInt8]) {
        name = "\(T.self)"
        sample = bytes
        decode = { bytes throws(RSPASN1Error) in _ = try T(der: bytes) }
    }

    init<T: RSPMessage>(_ value: T) {
        // Test set-up only: the fixture values are valid by construction.
        self.init(T.self, bytes: try! value.derEncoded())
    }
}

/// Decoders whose samples are built from fixture values, and (when the shared SGP.26 test
/// certificates are present) the messages that carry certificates.
let builtDecoderCases: [DecoderCase] = {
    var cases = [
        DecoderCase(GetEuiccChallengeRequest()), DecoderCase(GetEuiccInfo1Request()), DecoderCase(GetEuiccInfo2Request()),
        DecoderCase(EuiccConfiguredAddressesRequest()), DecoderCase(Fixtures.euiccInfo2()),
        DecoderCase(try! EuiccSigned1(transactionId: Fixtures.transactionId, serverAddress: "smdp.example.com",
                                      serverChallenge: Array(0..<16), euiccInfo2: Fixtures.euiccInfo2(), ctxParams1: Fixtures.ctxParams())),
        DecoderCase(try! EUICCSigned2(transactionId: Fixtures.transactionId, euiccOtpk: Fixtures.otpk, hashCc: Fixtures.hashCc)),
        DecoderCase(PendingNotification.self, bytes: decoderCases.first { $0.name == "ProfileInstallationResult" }!.sample),
        DecoderCase(InitialiseSecureChannelRequest(transactionId: Fixtures.transactionId, controlRefTemplate: try! ControlRefTemplate(hostId: [1, 2]),
                                                   smdpOtpk: Fixtures.otpk, smdpSign: Fixtures.signature)),
        DecoderCase(ProfileInfo(iccid: Fixtures.iccid, profileState: .enabled, profileName: "p")),
        DecoderCase(DisableProfileResponse(result: .catBusy)), DecoderCase(DeleteProfileResponse(result: .ok)),
        DecoderCase(ProfileHeader(majorVersion: 2, minorVersion: 3, profileType: "t", iccid: Fixtures.iccid,
                                  mandatoryServices: [1, 17], mandatoryGFSTEList: [[2, 23, 143, 1, 2, 1]])),
    ]
    if Fixtures.testdataAvailable, let dpAuth = try? Fixtures.dpAuthCertificate(), let dpPb = try? Fixtures.dpPbCertificate(),
       let ci = try? Fixtures.ciCertificate() {
        let signed1 = try! ServerSigned1(transactionId: Fixtures.transactionId, euiccChallenge: Array(0..<16),
                                         serverAddress: "smdp.example.com", serverChallenge: Array(16..<32))
        cases.append(DecoderCase(try! AuthenticateServerRequest(serverSigned1: signed1, serverSignature1: Fixtures.signature,
                                                                euiccCiPKIdToBeUsed: Fixtures.ciSKI, serverCertificate: dpAuth,
                                                                ctxParams1: Fixtures.ctxParams())))
        let euiccSigned1 = try! EuiccSigned1(transactionId: Fixtures.transactionId, serverAddress: "smdp.example.com",
                                             serverChallenge: Array(0..<16), euiccInfo2: Fixtures.euiccInfo2(), ctxParams1: Fixtures.ctxParams())
        cases.append(DecoderCase(try! AuthenticateServerResponse.makeOk(euiccSigned1: euiccSigned1, euiccSignature1: Fixtures.signature,
                                                                        euiccCertificate: dpPb, eumCertificate: ci)))
        cases.append(DecoderCase(try! PrepareDownloadRequest(smdpSigned2: SmdpSigned2(transactionId: Fixtures.transactionId, ccRequiredFlag: true),
                                                             smdpSignature2: Fixtures.signature, hashCc: Fixtures.hashCc, smdpCertificate: dpPb)))
        cases.append(DecoderCase(try! OtherSignedNotification(tbsOtherNotification: Fixtures.notificationMetadata(.enable),
                                                              euiccNotificationSignature: Fixtures.signature, euiccCertificate: dpPb, eumCertificate: ci)))
    }
    return cases
}()

let allDecoderCases = decoderCases + builtDecoderCases

/// Valid samples (see KnownAnswerTests) for every top-level decoder without certificates.
let decoderCases: [DecoderCase] = [
    DecoderCase(CtxParams1.self, "A00E80023233A108800435550607A100"),
    DecoderCase(GetEuiccDataRequest.self, "BF3E035C015A"),
    DecoderCase(GetEuiccDataResponse.self, "BF3E125A1089049032123451234512345678901235"),
    DecoderCase(EuiccMemoryResetRequest.self, "BF340482020780"),
    DecoderCase(EuiccMemoryResetResponse.self, "BF3403800101"),
    DecoderCase(ListNotificationRequest.self, "BF2804 81020780"),
    DecoderCase(ListNotificationResponse.self, "bf282aa028bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a98001032547698103214"),
    DecoderCase(NotificationMetadata.self, "bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a98001032547698103214"),
    DecoderCase(ProfileInstallationResult.self, "bf3781abbf276580100102030405060708090a0b0c0d0e0f10bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a9800103254769810321406082b06010401823701a21fa01d4f10a0000005591010ffffffff890000100004093007a00530038001005f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"),
    DecoderCase(RetrieveNotificationsListRequest.self, "BF2B05A003800105"),
    DecoderCase(RetrieveNotificationsListResponse.self, "bf2b81b2a081afbf3781abbf276580100102030405060708090a0b0c0d0e0f10bf2f25800105810207800c10736d64702e6578616d706c652e636f6d5a0a9800103254769810321406082b06010401823701a21fa01d4f10a0000005591010ffffffff890000100004093007a00530038001005f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"),
    DecoderCase(NotificationSentRequest.self, "BF3003800105"),
    DecoderCase(NotificationSentResponse.self, "BF3003800100"),
    DecoderCase(StoreMetadataRequest.self, "bf25115a0a98001032547698103214910092014f"),
    DecoderCase(ConfigureISDPRequest.self, "bf240cb80a80082b06010401823701"),
    DecoderCase(ReplaceSessionKeysRequest.self, "bf2636801000000000000000000000000000000000811001010101010101010101010101010101821002020202020202020202020202020202"),
    DecoderCase(BoundProfilePackage.self, "bf3681f2bf2381ae82010180100102030405060708090a0b0c0d0e0f10a61080018881011084086d61686c7a6569745f4941040102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f405f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3fa01a87186c5ec9e878991afa621e580c84bf9743f988347332b0963ba11e881cbf25115a0a98001032547698103214910092014fa3166f3b07838065a3028600"),
    DecoderCase(PrepareDownloadResponse.self, "bf2117a11580100102030405060708090a0b0c0d0e0f10020105"),
    DecoderCase(CancelSessionRequest.self, "bf411580100102030405060708090a0b0c0d0e0f10810105"),
    DecoderCase(CancelSessionResponse.self, "bf4166a064301f80100102030405060708090a0b0c0d0e0f1081082b060104018237018201045f3740000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"),
    DecoderCase(EuiccCancelSessionSigned.self, "301f80100102030405060708090a0b0c0d0e0f1081082b06010401823701820104"),
    DecoderCase(ServerSigned1.self, "304880100102030405060708090a0b0c0d0e0f108110000102030405060708090a0b0c0d0e0f8310736d64702e6578616d706c652e636f6d8410101112131415161718191a1b1c1d1e1f"),
    DecoderCase(SmdpSigned2.self, "301580100102030405060708090a0b0c0d0e0f100101ff"),
    DecoderCase(EUICCInfo1.self, "bf20358203020202a9160414f54172bdf98a95d65cbeb88a38a1c11d800a85c3aa160414f54172bdf98a95d65cbeb88a38a1c11d800a85c3"),
    DecoderCase(GetEuiccChallengeResponse.self, "BF2E128010000102030405060708090A0B0C0D0E0F"),
    DecoderCase(AuthenticateServerResponse.self, "BF3817A11580100102030405060708090A0B0C0D0E0F10020106"),
    DecoderCase(ProfileInfoListRequest.self, "bf2d13a00c5a0a980010325476981032145c035a9f70"),
    DecoderCase(ProfileInfoListResponse.self, "bf2d3ea03ce33a5a0a980010325476981032144f10a0000005591010ffffffff89000010009f70010190046e69636b91074f70656e525350920454657374950102"),
    DecoderCase(EnableProfileRequest.self, "bf3111a00c5a0a980010325476981032148101ff"),
    DecoderCase(DisableProfileRequest.self, "bf3217a0124f10a0000005591010ffffffff8900001000810100"),
    DecoderCase(DeleteProfileRequest.self, "bf330c5a0a98001032547698103214"),
    DecoderCase(EnableProfileResponse.self, "BF3103800102"),
    DecoderCase(SetNicknameRequest.self, "bf29125a0a980010325476981032149004576f726b"),
    DecoderCase(SetNicknameResponse.self, "BF2903800101"),
    DecoderCase(EuiccConfiguredAddressesResponse.self, "bf3c238010736d64702e6578616d706c652e636f6d810f6c70612e64732e67736d612e636f6d"),
    DecoderCase(SetDefaultDpAddressRequest.self, "bf3f128010736d64702e6578616d706c652e636f6d"),
    DecoderCase(SetDefaultDpAddressResponse.self, "BF3F03800100"),
]

/// Re-encodes the outer TLV header of `bytes` with a different value length; `value` replaces the
/// value bytes when given.
func withDeclaredLength(_ bytes: [UInt8], _ length: Int, value: [UInt8]? = nil) throws -> [UInt8] {
    let header = try TLVHeader.read(bytes[...])
    var lengthBytes: [UInt8]
    if length < 0x80 {
        lengthBytes = [UInt8(length)]
    } else {
        var value = length
        lengthBytes = []
        while value > 0 { lengthBytes.insert(UInt8(value & 0xFF), at: 0); value >>= 8 }
        lengthBytes.insert(0x80 | UInt8(lengthBytes.count), at: 0)
    }
    return header.tag + lengthBytes + (value ?? Array(bytes[header.headerLength...]))
}

@Suite struct MalformedInputTests {
    @Test(arguments: allDecoderCases)
    func sampleDecodes(_ testCase: DecoderCase) throws {
        try testCase.decode(testCase.sample)
    }

    @Test(arguments: allDecoderCases)
    func truncatedInputIsRejected(_ testCase: DecoderCase) throws {
        for cut in [1, 2, testCase.sample.count / 2, testCase.sample.count - 1] where cut <= testCase.sample.count {
            let truncated = Array(testCase.sample.dropLast(cut))
            #expect(throws: RSPASN1Error.self) { try testCase.decode(truncated) }
            do {
                try testCase.decode(truncated)
            } catch {
                guard case .truncated = error else { Issue.record("\(testCase): cut \(cut) gave \(error)"); continue }
            }
        }
        #expect(throws: RSPASN1Error.truncated("empty input where a TLV was expected")) { try testCase.decode([]) }
    }

    @Test(arguments: allDecoderCases)
    func overLongLengthIsRejected(_ testCase: DecoderCase) throws {
        let header = try TLVHeader.read(testCase.sample[...])
        // The outer length claims one byte more than is present.
        let overLong = try withDeclaredLength(testCase.sample, header.valueLength + 1)
        do {
            try testCase.decode(overLong)
            Issue.record("\(testCase): over-long length accepted")
        } catch {
            guard case .truncated = error else { Issue.record("\(testCase): \(error)"); return }
        }
        // A 5-byte length field and a non-minimal long-form length.
        let huge = header.tag + [0x85, 0x01, 0x00, 0x00, 0x00, 0x00] + testCase.sample[header.headerLength...]
        #expect(throws: RSPASN1Error.invalidLength("5-byte length field")) { try testCase.decode(huge) }
        if header.valueLength < 0x80 {
            let nonMinimal = header.tag + [0x81, UInt8(header.valueLength)] + testCase.sample[header.headerLength...]
            do {
                try testCase.decode(nonMinimal)
                Issue.record("\(testCase): non-minimal length accepted")
            } catch {
                guard case .invalidLength = error else { Issue.record("\(testCase): \(error)"); return }
            }
        }
        // Indefinite length is not DER.
        let indefinite = header.tag + [0x80] + testCase.sample[header.headerLength...] + [0, 0]
        #expect(throws: RSPASN1Error.invalidLength("indefinite length is not DER")) { try testCase.decode(indefinite) }
    }

    @Test(arguments: allDecoderCases)
    func wrongTagIsRejected(_ testCase: DecoderCase) throws {
        var wrong = testCase.sample
        if wrong[0] == 0xBF { wrong[1] = 0x7E } else { wrong[0] ^= 0x02 }
        do {
            try testCase.decode(wrong)
            Issue.record("\(testCase): wrong tag accepted")
        } catch {
            guard case .unexpectedTag = error else { Issue.record("\(testCase): \(error)"); return }
        }
    }

    @Test(arguments: allDecoderCases)
    func trailingGarbageIsRejected(_ testCase: DecoderCase) throws {
        #expect(throws: RSPASN1Error.trailingData(byteCount: 1)) { try testCase.decode(testCase.sample + [0x00]) }
        #expect(throws: RSPASN1Error.trailingData(byteCount: 3)) { try testCase.decode(testCase.sample + [0x90, 0x00, 0x01]) }
    }

    @Test(arguments: allDecoderCases)
    func innerTruncationIsRejected(_ testCase: DecoderCase) throws {
        let header = try TLVHeader.read(testCase.sample[...])
        guard header.valueLength > 0 else { return }
        // Drop the last value byte and fix the outer length: the last inner TLV is now short.
        let inner = try withDeclaredLength(testCase.sample, header.valueLength - 1,
                                           value: Array(testCase.sample[header.headerLength...].dropLast()))
        #expect(throws: RSPASN1Error.self) { try testCase.decode(inner) }
    }

    @Test func extraFieldInStrictSequenceIsRejected() throws {
        // NotificationSentRequest with an unexpected second field.
        #expect(throws: RSPASN1Error.self) { try NotificationSentRequest(der: h("BF3006 800105 810100")) }
        // A PIR whose transactionId is 17 bytes.
        #expect(throws: RSPASN1Error.wrongSize(field: "transactionId", expected: "1...16", actual: 17)) {
            try CancelSessionRequest(der: h("BF4116 8011") + Array(repeating: 1, count: 17) + h("810105"))
        }
        // A NotificationEvent with a bit beyond the named range.
        #expect(throws: RSPASN1Error.valueOutOfRange(field: "NotificationEvent", value: "bit 9")) {
            try ListNotificationRequest(der: h("BF2805 8103 064040"))
        }
        // Invalid UTF-8 in a UTF8String.
        #expect(throws: RSPASN1Error.self) { try SetDefaultDpAddressRequest(der: h("BF3F04 8002C328")) }
        // EID with wrong check digits.
        #expect(throws: RSPASN1Error.self) { try GetEuiccDataResponse(der: h("BF3E125A1089049032123451234512345678901234")) }
    }

    /// Found by the `der` fuzz target: fields kept as raw TLVs (dpProprietaryData [24], serviceSpecificData [34]/[35])
    /// were accepted in primitive form (`98`, `9F22`), which the encoder then refused to write.
    @Test func rawSequenceFieldsInPrimitiveFormAreRejected() throws {
        let profileInfoList = h("bf2d3ea03ce33a5a0a980010325476981032144f10a0000005591010ffffffff89000010009f700101"
                                + "98046e69636b9107ffffffffffffff080454657374950102")
        #expect(throws: RSPASN1Error.self) { try ProfileInfoListResponse(der: profileInfoList) }
        #expect(throws: RSPASN1Error.self) { try StoreMetadataRequest(der: h("bf25145a0a98001032547698103214910092014f9f2200")) }
        #expect(throws: RSPASN1Error.self) { try StoreMetadataRequest(der: h("bf25145a0a98001032547698103214910092014f9f2300")) }
        let constructed = h("bf25145a0a98001032547698103214910092014fbf2200")
        #expect(try StoreMetadataRequest(der: constructed).derEncoded() == constructed)
    }

    /// Found by the `saip` fuzz target: a ProfileHeader whose ServicesList had `[19]` before `[18]` (or a
    /// service twice) was accepted and re-encoded sorted, so its encoding differed from the received PE.
    @Test func profileHeaderServicesOutOfOrderOrRepeatedAreRejected() throws {
        let header = ProfileHeader(majorVersion: 2, minorVersion: 1, profileType: nil, iccid: Fixtures.iccid,
                                   mandatoryServices: [1, 18, 19], mandatoryGFSTEList: [])
        let bytes = try header.derEncoded()
        let services = h("A506 8100 9200 9300")
        let start = try #require((0...(bytes.count - services.count)).first { Array(bytes[$0..<$0 + services.count]) == services })
        #expect(try ProfileHeader(der: bytes) == header)
        for list in ["A506 8100 9300 9200", "A506 8100 9200 9200"] {
            var bad = bytes
            bad.replaceSubrange(start..<start + services.count, with: h(list))
            #expect(throws: RSPASN1Error.self, "\(list)") { try ProfileHeader(der: bad) }
        }
    }
}
