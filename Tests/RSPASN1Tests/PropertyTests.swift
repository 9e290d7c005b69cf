import PropertyBased
import SwiftASN1
import Testing
@testable import RSPASN1

@Suite struct PropertyTests {
    /// Random byte strings never crash a decoder: they decode or throw `RSPASN1Error` (the typed
    /// throw guarantees the error type). A successful decode re-encodes without error.
    @Test func randomBytesNeverCrashDecoders() async {
        await propertyCheck(count: 400, input: Gen.uint8().array(of: 0...80)) { bytes in
            for testCase in allDecoderCases {
                do { try testCase.decode(bytes) } catch {}
                // Same with a plausible outer tag and length in front.
                let framed = Array(testCase.sample.prefix(testCase.sample[0] == 0xBF ? 2 : 1)) + [UInt8(min(bytes.count, 127))] + bytes.prefix(127)
                do { try testCase.decode(framed) } catch {}
            }
            do { _ = try ProfileElementSequence(der: bytes) } catch {}
        }
    }

    /// Single-byte corruptions of valid samples never crash and, when they decode, re-encode.
    @Test func mutatedSamplesNeverCrash() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...10_000), Gen.uint8()) { position, value in
            for testCase in allDecoderCases {
                var bytes = testCase.sample
                bytes[position % bytes.count] = value
                do { try testCase.decode(bytes) } catch {}
            }
        }
    }

    @Test func transactionIdAndCancelSessionRoundTrip() async {
        await propertyCheck(count: 200, input: Gen.uint8().array(of: 1...16), Gen.int(in: 0...127)) { tidBytes, reason in
            let tid = try TransactionID(tidBytes)
            #expect(try TransactionID(hex: tid.hex) == tid)
            let request = CancelSessionRequest(transactionId: tid, reason: CancelSessionReason(rawValue: reason))
            #expect(try CancelSessionRequest(der: request.derEncoded()) == request)
            let signed = try EuiccCancelSessionSigned(transactionId: tid, smdpOid: Fixtures.smdpOid, reason: CancelSessionReason(rawValue: reason))
            let decoded = try EuiccCancelSessionSigned(der: signed.rawDER)
            #expect(decoded == signed)
        }
    }

    @Test func notificationMetadataRoundTrip() async {
        let address = Gen.letterOrNumber.string(of: 0...40)
        await propertyCheck(count: 200, input: Gen.int(in: Int.min...Int.max), Gen.uint8(in: 0...15), address, Gen.bool()) { seq, bits, address, withIccid in
            let metadata = try NotificationMetadata(seqNumber: seq, profileManagementOperation: NotificationEvent(rawValue: bits),
                                                    notificationAddress: address, iccid: withIccid ? Fixtures.iccid : nil)
            let decoded = try NotificationMetadata(der: metadata.rawDER)
            #expect(decoded == metadata)
            #expect(decoded.rawDER == metadata.rawDER)
        }
    }

    @Test func namedBitsRoundTrip() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...40).array(of: 0...8)) { bits in
            let named = NamedBits(setBits: bits)
            #expect(named.setBits == Array(Set(bits)).sorted())
            let request = EuiccMemoryResetRequest(resetOptions: named)
            let bytes = try request.derEncoded()
            #expect(try EuiccMemoryResetRequest(der: bytes) == request)
        }
    }

    @Test func serverSigned1AndSmdpSigned2RoundTrip() async {
        let address = Gen.letterOrNumber.string(of: 1...60)
        await propertyCheck(count: 150, input: Gen.uint8().array(of: 16), address, Gen.bool(), Gen.uint8().array(of: 1...16)) { challenge, address, flag, tid in
            let signed1 = try ServerSigned1(transactionId: TransactionID(tid), euiccChallenge: challenge, serverAddress: address, serverChallenge: challenge.reversed())
            #expect(try ServerSigned1(der: signed1.rawDER) == signed1)
            let signed2 = try SmdpSigned2(transactionId: TransactionID(tid), ccRequiredFlag: flag, bppEuiccOtpk: flag ? nil : Fixtures.otpk)
            #expect(try SmdpSigned2(der: signed2.rawDER) == signed2)
            let euicc2 = try EUICCSigned2(transactionId: TransactionID(tid), euiccOtpk: Fixtures.otpk, hashCc: flag ? Fixtures.hashCc : nil)
            #expect(try EUICCSigned2(der: euicc2.rawDER) == euicc2)
        }
    }

    @Test func profileManagementRoundTrip() async {
        let name = Gen.letterOrNumber.string(of: 0...32)
        await propertyCheck(count: 150, input: name, Gen.int(in: -5...200), Gen.bool()) { name, code, flag in
            let nickname = try SetNicknameRequest(iccid: Fixtures.iccid, profileNickname: name)
            #expect(try SetNicknameRequest(der: nickname.derEncoded()) == nickname)
            let enable = EnableProfileRequest(profileIdentifier: flag ? .iccid(Fixtures.iccid) : .isdpAid(Fixtures.isdpAid), refreshFlag: flag)
            #expect(try EnableProfileRequest(der: enable.derEncoded()) == enable)
            let response = DeleteProfileResponse(result: DeleteProfileResult(rawValue: code))
            #expect(try DeleteProfileResponse(der: response.derEncoded()) == response)
            let addresses = EuiccConfiguredAddressesResponse(defaultDpAddress: flag ? name : nil, rootDsAddress: "lpa.ds.gsma.com")
            #expect(try EuiccConfiguredAddressesResponse(der: addresses.derEncoded()) == addresses)
            let info = ProfileInfo(iccid: Fixtures.iccid, profileState: ProfileState(rawValue: code), profileNickname: name, profileClass: flag ? .test : nil)
            #expect(try ProfileInfo(der: info.derEncoded()) == info)
        }
    }
}
