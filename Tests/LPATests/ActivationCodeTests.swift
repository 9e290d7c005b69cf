@testable import LPA
import RSPASN1
import Testing

@Suite("Activation code (SGP.22 §4.1) and confirmation-code hash")
struct ActivationCodeTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var text: String
        var address: String
        var matchingId: String
        var oid: String?
        var cc: Bool
        var testDescription: String { text }
    }

    static let valid: [Valid] = [
        Valid(text: "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815", address: "smdp.example.com", matchingId: "04386-AGYFT-A74Y8-3F815", oid: nil, cc: false),
        Valid(text: "LPA:1$smdp.example.com$TOKEN$1.3.6.1.4.1.31746", address: "smdp.example.com", matchingId: "TOKEN", oid: "1.3.6.1.4.1.31746", cc: false),
        Valid(text: "LPA:1$smdp.example.com$TOKEN$2.999.10$1", address: "smdp.example.com", matchingId: "TOKEN", oid: "2.999.10", cc: true),
        Valid(text: "LPA:1$rsp.truphone.com$QR-G-5C-1LS-1W1Z9P7$$1", address: "rsp.truphone.com", matchingId: "QR-G-5C-1LS-1W1Z9P7", oid: nil, cc: true),
        Valid(text: "LPA:1$127.0.0.1:8443$", address: "127.0.0.1:8443", matchingId: "", oid: nil, cc: false),
    ]

    @Test("valid forms parse and print back unchanged", arguments: valid)
    func parsesValid(_ case_: Valid) throws {
        let code = try ActivationCode(parsing: case_.text)
        #expect(code.smdpAddress == case_.address)
        #expect(code.matchingId == case_.matchingId)
        #expect(code.smdpOid == case_.oid)
        #expect(code.confirmationCodeRequired == case_.cc)
        #expect(code.description == case_.text)
        #expect(try ActivationCode(smdpAddress: case_.address, matchingId: case_.matchingId, smdpOid: case_.oid, confirmationCodeRequired: case_.cc) == code)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var text: String
        var error: ActivationCodeError
        var testDescription: String { "\(text.prefix(60)) → \(error)" }
    }

    static let invalid: [Invalid] = [
        Invalid(text: "1$smdp.example.com$TOKEN", error: .missingPrefix),
        Invalid(text: "lpa:1$smdp.example.com$TOKEN", error: .missingPrefix),
        Invalid(text: "LPA:2$smdp.example.com$TOKEN", error: .unsupportedFormat("2")),
        Invalid(text: "LPA:$smdp.example.com$TOKEN", error: .unsupportedFormat("")),
        Invalid(text: "LPA:1$$TOKEN", error: .emptyAddress),
        Invalid(text: "LPA:1$smdp.example.com", error: .wrongFieldCount(2)),
        Invalid(text: "LPA:1", error: .wrongFieldCount(1)),
        Invalid(text: "LPA:1$smdp.example.com$TOKEN$2.999.10$1$x", error: .wrongFieldCount(6)),
        Invalid(text: "LPA:1$smdp_example.com$TOKEN", error: .invalidAddress("smdp_example.com")),
        Invalid(text: "LPA:1$smdp.example.com:0$TOKEN", error: .invalidAddress("smdp.example.com:0")),
        Invalid(text: "LPA:1$smdp..example.com$TOKEN", error: .invalidAddress("smdp..example.com")),
        Invalid(text: "LPA:1$smdp.example.com$TOKEN$", error: .invalidOID("")),
        Invalid(text: "LPA:1$smdp.example.com$TOKEN$1.3.x", error: .invalidOID("1.3.x")),
        Invalid(text: "LPA:1$smdp.example.com$TOKEN$7.1", error: .invalidOID("7.1")),
        Invalid(text: "LPA:1$smdp.example.com$TOKEN$42", error: .invalidOID("42")),
        Invalid(text: "LPA:1$smdp.example.com$TOKEN$2.999.10$0", error: .invalidConfirmationCodeFlag("0")),
        Invalid(text: "LPA:1$smdp.example.com$TOKEN$$", error: .invalidConfirmationCodeFlag("")),
        Invalid(text: "LPA:1$smdp.example.com$TOK EN", error: .forbiddenCharacter(offset: 26)),
        Invalid(text: " LPA:1$smdp.example.com$TOKEN", error: .forbiddenCharacter(offset: 0)),
        Invalid(text: "LPA:1$smdp.example.com$TOKEN\n", error: .forbiddenCharacter(offset: 28)),
        Invalid(text: "LPA:1$smdp.example.com$TO\u{0}KEN", error: .forbiddenCharacter(offset: 25)),
        Invalid(text: "LPA:1$smdp.example.com$" + String(repeating: "A", count: 233), error: .tooLong(256)),
    ]

    @Test("each malformed form has its own error", arguments: invalid)
    func rejectsInvalid(_ case_: Invalid) {
        #expect(throws: case_.error) { try ActivationCode(parsing: case_.text) }
    }

    @Test("a code of exactly the maximum length is accepted")
    func maximumLength() throws {
        let text = "LPA:1$smdp.example.com$" + String(repeating: "A", count: 232)
        #expect(text.count == ActivationCode.maxLength)
        #expect(try ActivationCode(parsing: text).matchingId.count == 232)
    }

    /// Expected values computed independently with Python hashlib:
    /// `sha256(sha256(cc.encode("utf-8")).digest() + bytes.fromhex(tid)).hexdigest()`.
    @Test("hashCc = SHA256(SHA256(CC) ‖ transactionId): known answers from Python hashlib")
    func hashCcKnownAnswers() throws {
        let tid1 = try TransactionID(hex: "0123456789ABCDEF0123456789ABCDEF")
        #expect(hex(ConfirmationCode.hash("12345678", transactionId: tid1))
            == "a1370440a38ba522a1518b10200ec765da6a7b2e5afd2a696de8592fd4a0928f")
        #expect(hex(ConfirmationCode.hash("Pässwort-42", transactionId: [0xA1, 0xB2, 0xC3]))
            == "2b674a243d0a1d0c16eca8ed5571e568bba45b9468adcb9af7142dfae5f5362c")
        #expect(ConfirmationCode.hash("12345678", transactionId: tid1) != ConfirmationCode.hash("12345679", transactionId: tid1))
    }

    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
