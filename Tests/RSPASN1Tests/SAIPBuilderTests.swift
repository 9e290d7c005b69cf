import Testing
@testable import RSPASN1

/// MinimalProfilePackageBuilder: the SAIP reader parses what it builds (no shared test data needed).
/// The expected end PE bytes are those of TS48v2_SAIP2.3_NoBERTLV.der's last PE with identification 1.
struct SAIPBuilderTests {
    @Test func readerParsesTheBuiltPackage() throws {
        let iccid = try ICCID(digits: "89000123456789012341")
        let upp = try MinimalProfilePackageBuilder(iccid: iccid, profileType: "OpenRSP demo").build()
        let parsed = try ProfileElementSequence(der: upp)
        #expect(parsed.header.iccid == iccid)
        #expect(parsed.header.profileType == "OpenRSP demo")
        #expect(parsed.header.majorVersion == 2 && parsed.header.minorVersion == 3)
        #expect(parsed.header.mandatoryServiceNames == ["usim", "milenage"])
        #expect(parsed.elements.map(\.name) == ["header", "end"])
        #expect(parsed.elements.last?.identification == 1)
        #expect(Array(upp.suffix(9)) == [0xAA, 0x07, 0xA0, 0x05, 0x80, 0x00, 0x81, 0x01, 0x01])
        #expect(parsed.derEncoded == upp)
        // The header round-trips through the typed decoder.
        #expect(try ProfileHeader(der: parsed.elements[0].rawDER).derEncoded() == parsed.elements[0].rawDER)
    }

    @Test func an18DigitICCIDIsFPaddedInTheHeader() throws {
        let iccid = try ICCID(digits: "890001234567890123")
        let upp = try MinimalProfilePackageBuilder(iccid: iccid, profileType: "t").build()
        #expect(try ProfileElementSequence(der: upp).header.iccid == iccid)
    }

    @Test func emptyOrOversizedProfileTypeIsATypedError() throws {
        let iccid = try ICCID(digits: "89000123456789012341")
        #expect(throws: RSPASN1Error.self) { try MinimalProfilePackageBuilder(iccid: iccid, profileType: "").build() }
        #expect(throws: RSPASN1Error.self) {
            try MinimalProfilePackageBuilder(iccid: iccid, profileType: String(repeating: "x", count: 101)).build()
        }
    }

    @Test func truncatedBuiltPackageIsRejected() throws {
        let upp = try MinimalProfilePackageBuilder(iccid: try ICCID(digits: "89000123456789012341"), profileType: "t").build()
        #expect(throws: RSPASN1Error.self) { try ProfileElementSequence(der: Array(upp.dropLast())) }
        // Without the end PE it is not a UPP.
        #expect(throws: RSPASN1Error.self) { try ProfileElementSequence(der: Array(upp.dropLast(9))) }
    }
}
