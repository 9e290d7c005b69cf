/// Builds a small Unprotected Profile Package (SAIP, TCA eUICC Profile Package) for tests and the
/// demo when no GSMA TS.48 test profile is at hand: the ProfileHeader PE and the `end` PE.
///
/// ```
/// ProfileElement ::= CHOICE { header [0] ProfileHeader, …, end [10] PE-End, … }
/// PE-End ::= SEQUENCE { end-header PEHeader }
/// PEHeader ::= SEQUENCE { mandated NULL OPTIONAL, identification UInt15 }
/// ```
/// These are the two PEs every UPP must have and the only ones OpenRSP's software eUICC needs to
/// install a profile (it checks the header's ICCID against StoreMetadata and the UPP's framing). A
/// package without file system, PIN/PUK or AKA PEs is not usable in a network; it carries no keys.
public struct MinimalProfilePackageBuilder: Sendable {
    public var iccid: ICCID
    public var profileType: String
    /// SAIP version put in the header (2.3 is what the TS.48 v2 generic test profiles declare).
    public var majorVersion: Int = 2
    public var minorVersion: Int = 3
    /// ServicesList numbers the eUICC must support; default `usim` (1) and `milenage` (4).
    public var mandatoryServices: [UInt] = [1, 4]

    public init(iccid: ICCID, profileType: String) {
        self.iccid = iccid
        self.profileType = profileType
    }

    /// The UPP: DER of the ProfileHeader PE (`A0`) followed by the end PE (`AA`), identification 1.
    public func build() throws(RSPASN1Error) -> [UInt8] {
        guard !profileType.isEmpty, profileType.utf8.count <= 100 else {
            throw .valueOutOfRange(field: "ProfileHeader profileType", value: "\(profileType.utf8.count) bytes (1...100)")
        }
        let header = ProfileHeader(majorVersion: majorVersion, minorVersion: minorVersion, profileType: profileType, iccid: iccid,
                                   mandatoryServices: mandatoryServices, mandatoryGFSTEList: [])
        let headerDER = try header.derEncoded()
        return headerDER + Self.endElement(identification: 1)
    }

    /// `end [10] PE-End`: `AA 07 A0 05 80 00 81 01 <id>` for identification < 128.
    static func endElement(identification: UInt8) -> [UInt8] {
        [0xAA, 0x07, 0xA0, 0x05, 0x80, 0x00, 0x81, 0x01, identification]
    }
}
