import Foundation
import Testing
@testable import RSPASN1

/// EID (SGP.29 MOD 97-10 check digits) and ICCID (E.118) encodings. The EID value is the test
/// EID used in docs/SGP22-NOTES.md §3; the ICCID forms are the notes' §10 examples.
@Suite struct IdentifierTests {
    @Test func eidCheckDigits() throws {
        let eid = try EID(digits: "89049032123451234512345678901235")
        #expect(eid.bytes == h("89049032123451234512345678901235"))
        #expect(try EID(bytes: eid.bytes) == eid)
        #expect(try EID.withCheckDigits(prefix30: "890490321234512345123456789012") == eid)
        #expect(throws: IdentifierError.checkDigitMismatch(kind: "EID")) { try EID(digits: "89049032123451234512345678901234") }
        #expect(throws: IdentifierError.wrongLength(kind: "EID", expected: 16, actual: 15)) { try EID(bytes: Array(eid.bytes.dropLast())) }
        #expect(throws: IdentifierError.invalidDigits(kind: "EID")) { try EID(bytes: h("8904903212345123451234567890123A")) }
    }

    @Test func iccidTwentyDigits() throws {
        let iccid = try ICCID(digits: "89000123456789012341")
        #expect(iccid.rspBytes == h("98001032547698103214"))
        #expect(iccid.profileHeaderBytes == h("89000123456789012341"))
        #expect(try ICCID(rspBytes: h("98001032547698103214")) == iccid)
    }

    @Test func iccidNineteenDigitsIsFPadded() throws {
        let iccid = try ICCID(profileHeaderBytes: h("8949449999999990023F"))
        #expect(iccid.digits == "8949449999999990023")
        #expect(iccid.rspBytes == h("98944499999999092 0F3".replacingOccurrences(of: " ", with: "")))
        #expect(try ICCID(rspBytes: iccid.rspBytes) == iccid)
        // Padding may only trail.
        #expect(throws: IdentifierError.invalidDigits(kind: "ICCID")) { try ICCID(profileHeaderBytes: h("8F494499999999900231")) }
        #expect(throws: IdentifierError.invalidDigits(kind: "ICCID")) { try ICCID(digits: "1234") }
    }

    @Test func transactionIdJSONIsHex() throws {
        let data = try JSONEncoder().encode(["transactionId": Fixtures.transactionId])
        #expect(String(decoding: data, as: UTF8.self) == #"{"transactionId":"0102030405060708090A0B0C0D0E0F10"}"#)
        let decoded = try JSONDecoder().decode([String: TransactionID].self, from: data)
        #expect(decoded["transactionId"] == Fixtures.transactionId)
        #expect(throws: (any Error).self) { try JSONDecoder().decode([String: TransactionID].self, from: Data(#"{"t":""}"#.utf8)) }
    }
}
