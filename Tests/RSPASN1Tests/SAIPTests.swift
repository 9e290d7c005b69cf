import SwiftASN1
import Testing
@testable import RSPASN1

/// The three GSMA TS.48 generic test profiles in /work/shared/testdata/ts48. Expected values
/// were read from the files by hand (`xxd`) and the PE tag sequence cross-checked with an
/// independent 15-line Python TLV walker.
@Suite(.enabled(if: Fixtures.testdataAvailable, "shared testdata (../shared/testdata/ts48) not found beside the package"))
struct SAIPTests {
    struct Expectation: Sendable, CustomStringConvertible {
        let file: String
        let size: Int
        let version: (Int, Int)
        let services: [String]
        let gfsteCount: Int
        let peTags: String
        let endIdentification: Int
        var description: String { file }
    }

    static let expectations: [Expectation] = [
        Expectation(file: "TS48v1_A.der", size: 11768, version: (2, 1),
                    services: ["usim", "isim", "csim", "javacard", "usim-test-algorithm"], gfsteCount: 9,
                    peTags: "A0 B0 A3 A2 B2 A2 A1 B3 B4 A2 A4 B8 B9 BA A2 A5 B5 B6 A2 A4 A1 A1 A6 A7 A7 A7 A7 AA",
                    endIdentification: 0x1D),
        Expectation(file: "TS48v2_SAIP2.1_BERTLV.der", size: 12257, version: (2, 1),
                    services: ["usim", "isim", "csim", "usim-test-algorithm", "ber-tlv"], gfsteCount: 9,
                    peTags: "A0 B0 A3 A2 B2 A2 A1 B3 B4 A2 A4 B8 B9 BA A2 A5 B5 B6 A2 A4 A1 A1 A6 A7 A7 A7 A7 AA",
                    endIdentification: 0x1D),
        Expectation(file: "TS48v2_SAIP2.3_NoBERTLV.der", size: 12251, version: (2, 3),
                    services: ["usim", "isim", "csim", "usim-test-algorithm", "get-identity", "profile-a-x25519", "profile-b-p256"],
                    gfsteCount: 11,
                    peTags: "A0 B0 A3 A2 B2 A2 A1 B3 B4 A2 A4 B8 BC BD B9 BA A2 A5 B5 B6 A2 A4 A1 A1 A6 A7 A7 A7 A7 AA",
                    endIdentification: 0x1F),
    ]

    @Test(arguments: expectations)
    func parsesTS48Profile(_ expected: Expectation) throws {
        let bytes = try Fixtures.file("ts48/" + expected.file)
        #expect(bytes.count == expected.size)
        let upp = try ProfileElementSequence(der: bytes)

        let header = upp.header
        #expect(header.majorVersion == expected.version.0)
        #expect(header.minorVersion == expected.version.1)
        #expect(header.profileType == "GSMA Generic eUICC Test Profile")
        #expect(header.iccid.digits == "89000123456789012341")
        #expect(header.iccid.profileHeaderBytes == h("89000123456789012341"))
        #expect(header.mandatoryServiceNames == expected.services)
        #expect(header.mandatoryGFSTEList.count == expected.gfsteCount)
        #expect(header.mandatoryGFSTEList.first == [2, 23, 143, 1, 2, 1])
        // The header re-encodes to the received bytes.
        #expect(try header.derEncoded() == upp.elements[0].rawDER)

        // The PE walk covers the whole file and ends with the end PE.
        #expect(upp.elements.map { hex($0.tag) }.joined(separator: " ") == expected.peTags)
        #expect(upp.derEncoded == bytes)
        #expect(upp.elements.reduce(0) { $0 + $1.rawDER.count } == bytes.count)
        #expect(upp.elements.last?.name == "end")
        #expect(upp.elements.last?.identification == expected.endIdentification)
        #expect(upp.elements[1].name == "mf")
        #expect(upp.elements[1].identification == 4)
    }

    @Test func truncatedProfileIsRejected() throws {
        let bytes = try Fixtures.file("ts48/TS48v1_A.der")
        #expect(throws: RSPASN1Error.self) { try ProfileElementSequence(der: Array(bytes.dropLast())) }
        // Without the end PE.
        let withoutEnd = Array(bytes.dropLast(9))
        #expect(throws: RSPASN1Error.unexpectedTag("a UPP must end with the end PE (AA)")) { try ProfileElementSequence(der: withoutEnd) }
        // Without the header.
        let header = try TLVHeader.read(bytes[...])
        #expect(throws: RSPASN1Error.self) { try ProfileElementSequence(der: Array(bytes.dropFirst(header.totalLength))) }
        #expect(throws: RSPASN1Error.self) { try ProfileElementSequence(der: []) }
    }
}
