import ES9PlusAPI
import Foundation
import RSPASN1
import Testing

@Suite("ES9+ JSON binding")
struct ES9PlusAPITests {
    static let tid: TransactionID = {
        do { return try TransactionID(Array(0x01...0x10)) } catch { fatalError("fixed test value") }
    }()

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The Base64-decoded value of a string field.
    static func base64(_ object: [String: Any], _ key: String) throws -> Data {
        let text = try #require(object[key] as? String, "\(key) is not a string")
        return try #require(Data(base64Encoded: text), "\(key) is not Base64")
    }

    static func info1() -> EUICCInfo1 {
        EUICCInfo1(svn: VersionType(2, 2, 2), euiccCiPKIdListForVerification: [Array(repeating: 0xF5, count: 20)],
                   euiccCiPKIdListForSigning: [Array(repeating: 0xF5, count: 20)])
    }

    @Test("function paths and the X-Admin-Protocol header")
    func constants() {
        #expect(ES9PlusFunction.initiateAuthentication.path == "/gsma/rsp2/es9plus/initiateAuthentication")
        #expect(ES9PlusFunction.allCases.map(\.path).allSatisfy { $0.hasPrefix("/gsma/rsp2/es9plus/") })
        #expect(ES9PlusFunction.handleNotification.respondsWithoutBody)
        #expect(ES9PlusProtocol.adminProtocolHeader == "X-Admin-Protocol")
        #expect(ES9PlusProtocol.adminProtocolVersion.hasPrefix("gsma/rsp/v2."))
    }

    @Test("initiateAuthentication request: Base64 of 16 raw challenge bytes and of the complete BF20 TLV")
    func initiateRequest() throws {
        let request = try InitiateAuthenticationRequest(smdpAddress: "smdp.example", euiccChallenge: Array(0..<16), euiccInfo1: Self.info1())
        let data = try ES9PlusJSON.encode(request)
        let object = try Self.json(data)
        #expect(object["smdpAddress"] as? String == "smdp.example")
        #expect(try Self.base64(object, "euiccChallenge") == Data(0..<16))
        let info = try Self.base64(object, "euiccInfo1")
        #expect(Array(info.prefix(2)) == [0xBF, 0x20])
        #expect(object["header"] == nil)
        #expect(try ES9PlusJSON.decode(InitiateAuthenticationRequest.self, from: data) == request)
        #expect(throws: ES9PlusAPIError.invalidLength(field: "euiccChallenge", expected: 16, actual: 15)) {
            try InitiateAuthenticationRequest(smdpAddress: "a", euiccChallenge: Array(0..<15), euiccInfo1: Self.info1())
        }
        var object15 = object
        object15["euiccChallenge"] = Data(0..<17).base64EncodedString()
        #expect(throws: ES9PlusAPIError.invalidLength(field: "euiccChallenge", expected: 16, actual: 17)) {
            try ES9PlusJSON.decode(InitiateAuthenticationRequest.self, from: try JSONSerialization.data(withJSONObject: object15))
        }
    }

    @Test("a success response: header shape, upper-case hex transactionId, complete TLVs")
    func initiateResponse() throws {
        let signed = try ServerSigned1(transactionId: Self.tid, euiccChallenge: Array(repeating: 1, count: 16),
                                       serverAddress: "smdp.example", serverChallenge: Array(repeating: 2, count: 16))
        let output = InitiateAuthenticationOutput(
            transactionId: Self.tid, serverSigned1: signed, serverSignature1: try ECDSASignature(Array(repeating: 7, count: 64)),
            euiccCiPKIdToBeUsed: Array(repeating: 0xF5, count: 20), serverCertificate: [0x30, 0x03, 0x02, 0x01, 0x05])
        let data = try ES9PlusJSON.encode(InitiateAuthenticationResponse.success(output))
        let object = try Self.json(data)
        let header = try #require(object["header"] as? [String: Any])
        let status = try #require(header["functionExecutionStatus"] as? [String: Any])
        #expect(status["status"] as? String == "Executed-Success")
        #expect(status["statusCodeData"] == nil)
        #expect(object["transactionId"] as? String == "0102030405060708090A0B0C0D0E0F10")
        let signature = try Self.base64(object, "serverSignature1")
        #expect(Array(signature.prefix(3)) == [0x5F, 0x37, 0x40] && signature.count == 67)
        let pkid = try Self.base64(object, "euiccCiPKIdToBeUsed")
        #expect(Array(pkid.prefix(2)) == [0x04, 0x14])
        let decoded = try ES9PlusJSON.decode(InitiateAuthenticationResponse.self, from: data)
        #expect(decoded.output == output)
        #expect(decoded.output?.serverSigned1.rawDER == signed.rawDER)
        #expect(decoded.failure == nil)
    }

    @Test("a failed response carries only the header with statusCodeData; decoding leaves the output empty")
    func failedResponse() throws {
        let response = InitiateAuthenticationResponse.failed(.invalidSMDPAddress, message: "wrong address")
        let data = try ES9PlusJSON.encode(response)
        let object = try Self.json(data)
        #expect(Set(object.keys) == ["header"])
        let status = try #require((object["header"] as? [String: Any])?["functionExecutionStatus"] as? [String: Any])
        #expect(status["status"] as? String == "Failed")
        let code = try #require(status["statusCodeData"] as? [String: Any])
        #expect(code["subjectCode"] as? String == "8.8.1" && code["reasonCode"] as? String == "3.8")
        #expect(code["message"] as? String == "wrong address")
        let decoded = try ES9PlusJSON.decode(InitiateAuthenticationResponse.self, from: data)
        #expect(decoded.output == nil)
        #expect(decoded.failure == .invalidSMDPAddress)
        // cancelSession success: header only.
        let cancel = try Self.json(try ES9PlusJSON.encode(ES9CancelSessionResponse.success(ES9PlusNoOutput())))
        #expect(Set(cancel.keys) == ["header"])
    }

    @Test("the status catalogue has the notes §7 code pairs")
    func catalogue() {
        let pairs: [(ES9PlusStatus, String, String)] = [
            (.invalidSMDPAddress, "8.8.1", "3.8"), (.ciPKIdNotSupported, "8.8.2", "3.1"), (.svnNotSupported, "8.8.3", "3.1"),
            (.noDPauthForSupportedCI, "8.8.4", "3.7"), (.transactionIdUnknown, "8.10.1", "3.9"), (.ciPublicKeyUnknown, "8.11.1", "3.9"),
            (.eumCertificateInvalid, "8.1.2", "6.1"), (.eumCertificateExpired, "8.1.2", "6.3"), (.euiccCertificateInvalid, "8.1.3", "6.1"),
            (.euiccCertificateExpired, "8.1.3", "6.3"), (.euiccSignatureInvalid, "8.1", "6.1"), (.insufficientMemory, "8.1", "4.8"),
            (.eidMismatch, "8.1.1", "3.8"), (.eidMissing, "8.1.1", "2.2"), (.matchingIdRefused, "8.2.6", "3.8"),
            (.noEligibleProfile, "8.2.5", "4.3"), (.profileNotReleased, "8.2", "1.2"), (.downloadOrderExpired, "8.8.5", "4.1"),
            (.maxRetriesExceeded, "8.8.5", "6.4"), (.confirmationCodeMissing, "8.2.7", "2.2"), (.confirmationCodeRefused, "8.2.7", "3.8"),
            (.confirmationCodeRetriesExceeded, "8.2.7", "6.4"), (.bppNotAvailable, "8.2", "3.7"),
        ]
        for (status, subject, reason) in pairs {
            #expect(status.subjectCode == subject && status.reasonCode == reason, "\(status)")
            #expect(status.meaning != nil)
        }
    }

    @Test("request decoding: truncated, oversized, wrong tag, bad Base64, bad hex, missing field, wrong JSON type")
    func decodingErrors() throws {
        let goodPD = try PrepareDownloadResponse.error(transactionId: Self.tid, code: .invalidSignature).derEncoded()
        func body(_ tid: Any, _ field: Any?) throws -> Data {
            var object: [String: Any] = ["transactionId": tid]
            if let field { object["prepareDownloadResponse"] = field }
            return try JSONSerialization.data(withJSONObject: object)
        }
        let decoded = try ES9PlusJSON.decode(GetBoundProfilePackageRequest.self, from: try body(Self.tid.hex, Data(goodPD).base64EncodedString()))
        #expect(decoded.transactionId == Self.tid)
        let cases: [(String, Data, ES9PlusStatus)] = [
            ("truncated", try body(Self.tid.hex, Data(goodPD.dropLast()).base64EncodedString()), .invalidRequestFormat),
            ("oversized", try body(Self.tid.hex, Data(goodPD + [0x00, 0x00]).base64EncodedString()), .invalidRequestFormat),
            ("wrong tag", try body(Self.tid.hex, Data([0xBF, 0x38] + goodPD.dropFirst(2)).base64EncodedString()), .invalidRequestFormat),
            ("bad base64", try body(Self.tid.hex, "%%%"), .invalidRequestFormat),
            ("bad hex", try body("0G", Data(goodPD).base64EncodedString()), .invalidRequestFormat),
            ("17-byte tid", try body(String(repeating: "AB", count: 17), Data(goodPD).base64EncodedString()), .invalidRequestFormat),
            ("missing", try body(Self.tid.hex, nil), .mandatoryFieldMissing),
            ("number", try body(5, Data(goodPD).base64EncodedString()), .invalidRequestFormat),
            ("not json", Data("[".utf8), .invalidRequestFormat),
        ]
        for (name, data, status) in cases {
            #expect(throws: ES9PlusAPIError.self, "\(name)") { try ES9PlusJSON.decode(GetBoundProfilePackageRequest.self, from: data) }
            do {
                _ = try ES9PlusJSON.decode(GetBoundProfilePackageRequest.self, from: data)
            } catch {
                #expect(error.status == status, "\(name): \(error)")
            }
        }
    }

    @Test("handleNotification and cancelSession requests round-trip exact bytes")
    func notificationAndCancel() throws {
        let metadata = try NotificationMetadata(seqNumber: 3, profileManagementOperation: .delete, notificationAddress: "smdp.example",
                                                iccid: try ICCID(digits: "89000123456789012341"))
        let other = try OtherSignedNotification(tbsOtherNotification: metadata, euiccNotificationSignature: try ECDSASignature(Array(repeating: 9, count: 64)),
                                            euiccCertificate: [0x30, 0x00], eumCertificate: [0x30, 0x00])
        let request = HandleNotificationRequest(pendingNotification: .otherSignedNotification(other))
        let data = try ES9PlusJSON.encode(request)
        let decoded = try ES9PlusJSON.decode(HandleNotificationRequest.self, from: data)
        #expect(decoded.pendingNotification.notificationMetadata.rawDER == metadata.rawDER)
        let cancel = ES9CancelSessionRequest(transactionId: Self.tid, cancelSessionResponse: .error(.invalidTransactionId))
        #expect(try ES9PlusJSON.decode(ES9CancelSessionRequest.self, from: try ES9PlusJSON.encode(cancel)) == cancel)
    }
}

@Suite("ES9+ decoding never crashes")
struct ES9PlusDecodingRobustnessTests {
    @Test("every truncation and every single-byte corruption of a Base64 TLV field is a typed error or a valid value")
    func truncationsAndCorruptions() throws {
        let signed = try ServerSigned1(transactionId: try TransactionID([1, 2, 3, 4]), euiccChallenge: Array(repeating: 1, count: 16),
                                       serverAddress: "smdp.example", serverChallenge: Array(repeating: 2, count: 16))
        let output = InitiateAuthenticationOutput(
            transactionId: try TransactionID([1, 2, 3, 4]), serverSigned1: signed,
            serverSignature1: try ECDSASignature(Array(repeating: 7, count: 64)),
            euiccCiPKIdToBeUsed: Array(repeating: 0xF5, count: 20), serverCertificate: [0x30, 0x03, 0x02, 0x01, 0x05])
        let object = try #require(try JSONSerialization.jsonObject(with: try ES9PlusJSON.encode(InitiateAuthenticationResponse.success(output))) as? [String: Any])
        for field in ["serverSigned1", "serverSignature1", "euiccCiPKIdToBeUsed", "serverCertificate"] {
            let text = try #require(object[field] as? String)
            let bytes = Array(try #require(Data(base64Encoded: text)))
            var variants: [[UInt8]] = (0..<bytes.count).map { Array(bytes.prefix($0)) }
            for index in bytes.indices {
                var copy = bytes
                copy[index] ^= 0xFF
                variants.append(copy)
            }
            variants.append(bytes + [0x00])
            for variant in variants {
                var copy = object
                copy[field] = Data(variant).base64EncodedString()
                let data = try JSONSerialization.data(withJSONObject: copy)
                let decoded: InitiateAuthenticationResponse
                do {
                    decoded = try ES9PlusJSON.decode(InitiateAuthenticationResponse.self, from: data)
                } catch {
                    #expect(error.status == .invalidRequestFormat, "\(field): \(error)")
                    continue
                }
                // A corruption that still decodes must re-encode to exactly the bytes received.
                let again = try #require(try JSONSerialization.jsonObject(with: try ES9PlusJSON.encode(decoded)) as? [String: Any])
                #expect(again[field] as? String == copy[field] as? String, "\(field)")
            }
        }
    }
}
