import Crypto
import Foundation
import RSPASN1
import SwiftASN1
import X509

/// One generated certificate with its private key.
public struct PKIEntity: Sendable {
    public let role: SGP22CertificateRole
    public let certificate: Certificate
    public let privateKey: P256.Signing.PrivateKey
}

/// A complete SGP.22 test PKI: CI → EUM → eUICC and CI → DPauth / DPpb / DPtls.
public struct TestPKI: Sendable {
    public let ci: PKIEntity
    public let eum: PKIEntity
    public let euicc: PKIEntity
    public let dpAuth: PKIEntity
    public let dpPb: PKIEntity
    public let dpTLS: PKIEntity

    public var all: [PKIEntity] { [ci, eum, euicc, dpAuth, dpPb, dpTLS] }
}

/// Parameters of a generated test PKI.
public struct TestPKIOptions: Sendable {
    public var eid: EID
    /// dNSName of the DP-TLS certificate.
    public var smdpHost: String
    /// The SM-DP+ OID put in SubjectAltName registeredID of DPauth/DPpb/DPtls (`smdpOid`).
    public var smdpOID: ASN1ObjectIdentifier
    /// EUM organisation: the EUM's O, the eUICC's O and the name-constraint O.
    public var eumOrganization: String
    /// Number of leading EID digits the EUM name constraint permits (the EUM's EID range).
    public var eidPrefixLength: Int
    /// Start of validity (a minute before `now` by default, to tolerate clock skew).
    public var notBefore: Date

    public init(
        eid: EID,
        smdpHost: String = "localhost",
        smdpOID: ASN1ObjectIdentifier = [2, 999, 10],
        eumOrganization: String = "OpenRSP Test EUM",
        eidPrefixLength: Int = 8,
        notBefore: Date = Date().addingTimeInterval(-60)
    ) {
        self.eid = eid
        self.smdpHost = smdpHost
        self.smdpOID = smdpOID
        self.eumOrganization = eumOrganization
        self.eidPrefixLength = eidPrefixLength
        self.notBefore = notBefore
    }

    /// The default test EID: 89049032 (the SGP.26 prefix) followed by OpenRSP digits and check digits.
    public static var defaultEID: EID {
        get throws { try EID.withCheckDigits(prefix30: "890490320000000000000000012345") }
    }
}

/// Errors generating a test PKI.
public enum TestPKIGenerationError: Error, CustomStringConvertible {
    case invalidOption(String)
    case certificateBuild(String)

    public var description: String {
        switch self {
        case .invalidOption(let m): return "invalid PKI option: \(m)"
        case .certificateBuild(let m): return "certificate generation failed: \(m)"
        }
    }
}

/// Generates a test PKI shaped like the SGP.26 one (SGP22-NOTES §8), with fresh P-256 keys.
public enum TestPKIGenerator {
    /// `date` plus whole calendar years (UTC).
    static func adding(years: Int, to date: Date) throws -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard let result = calendar.date(byAdding: .year, value: years, to: date) else {
            throw TestPKIGenerationError.invalidOption("cannot add \(years) years to \(date)")
        }
        return result
    }

    public static func generate(_ options: TestPKIOptions) throws -> TestPKI {
        guard (1...32).contains(options.eidPrefixLength) else {
            throw TestPKIGenerationError.invalidOption("eidPrefixLength must be 1…32")
        }
        guard !options.smdpHost.isEmpty, options.smdpHost.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw TestPKIGenerationError.invalidOption("smdpHost must be a non-empty ASCII host name")
        }
        let start = options.notBefore
        let eidPrefix = String(options.eid.digits.prefix(options.eidPrefixLength))

        // CI (self-signed root).
        let ciName = try DistinguishedName {
            CommonName("OpenRSP Test CI")
            OrganizationalUnitName("TESTCERT")
            OrganizationName("OpenRSP")
            CountryName("DE")
        }
        let ciKey = P256.Signing.PrivateKey()
        let ciPublic = Certificate.PublicKey(ciKey.publicKey)
        let ciSKI = SubjectKeyIdentifier(hash: ciPublic)
        let ciCert = try Certificate(
            version: .v3, serialNumber: randomSerial(), publicKey: ciPublic,
            notValidBefore: start, notValidAfter: try adding(years: 35, to: start),
            issuer: ciName, subject: ciName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                ciSKI
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                try SGP22CertificateFields.policiesExtension(for: .ci)
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectAlternativeNames([.registeredID([2, 999, 1])])
            },
            issuerPrivateKey: Certificate.PrivateKey(ciKey))
        let ci = PKIEntity(role: .ci, certificate: ciCert, privateKey: ciKey)
        let ciAKI = AuthorityKeyIdentifier(keyIdentifier: ciSKI.keyIdentifier)

        // EUM (intermediate CA, pathlen 0, name constraints on O and the EID prefix).
        let eumName = try DistinguishedName {
            CommonName("OpenRSP Test EUM")
            OrganizationName(options.eumOrganization)
            CountryName("DE")
        }
        let permitted = DistinguishedName([
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(
                type: .RDNAttributeType.organizationName, utf8String: options.eumOrganization)),
            RelativeDistinguishedName(try RelativeDistinguishedName.Attribute(
                type: SGP22OID.serialNumber, printableString: eidPrefix)),
        ])
        let eumKey = P256.Signing.PrivateKey()
        let eumPublic = Certificate.PublicKey(eumKey.publicKey)
        let eumSKI = SubjectKeyIdentifier(hash: eumPublic)
        let eumCert = try Certificate(
            version: .v3, serialNumber: randomSerial(), publicKey: eumPublic,
            notValidBefore: start, notValidAfter: try adding(years: 30, to: start),
            issuer: ciName, subject: eumName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                ciAKI
                eumSKI
                Critical(KeyUsage(keyCertSign: true))
                try SGP22CertificateFields.policiesExtension(for: .eum)
                SubjectAlternativeNames([.registeredID([2, 999, 5])])
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(NameConstraints(permittedSubtrees: [.directoryName(permitted)]))
            },
            issuerPrivateKey: Certificate.PrivateKey(ciKey))
        let eum = PKIEntity(role: .eum, certificate: eumCert, privateKey: eumKey)

        // eUICC (subject C, O, serialNumber = EID, CN).
        let euiccName = DistinguishedName([
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: .RDNAttributeType.countryName, printableStringUnchecked: "DE")),
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(
                type: .RDNAttributeType.organizationName, utf8String: options.eumOrganization)),
            RelativeDistinguishedName(try RelativeDistinguishedName.Attribute(
                type: SGP22OID.serialNumber, printableString: options.eid.digits)),
            RelativeDistinguishedName(RelativeDistinguishedName.Attribute(
                type: .RDNAttributeType.commonName, utf8String: "OpenRSP Test eUICC")),
        ])
        let euicc = try issueLeaf(
            role: .euicc, subject: euiccName, issuerName: eumName, issuerKey: eumKey,
            issuerSKI: eumSKI, notBefore: start, years: 30, extraSAN: nil, options: options)

        // SM-DP+ certificates.
        let dpName = try DistinguishedName {
            OrganizationName("OpenRSP")
            CommonName("OpenRSP Test SM-DP+")
        }
        let dpAuth = try issueLeaf(
            role: .dpAuth, subject: dpName, issuerName: ciName, issuerKey: ciKey,
            issuerSKI: ciSKI, notBefore: start, years: 10, extraSAN: nil, options: options)
        let dpPb = try issueLeaf(
            role: .dpPb, subject: dpName, issuerName: ciName, issuerKey: ciKey,
            issuerSKI: ciSKI, notBefore: start, years: 10, extraSAN: nil, options: options)
        let tlsName = try DistinguishedName {
            OrganizationName("OpenRSP")
            CommonName(options.smdpHost)
        }
        let dpTLS = try issueLeaf(
            role: .dpTLS, subject: tlsName, issuerName: ciName, issuerKey: ciKey,
            issuerSKI: ciSKI, notBefore: start, years: 2,
            extraSAN: [.dnsName(options.smdpHost), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))],
            options: options)
        return TestPKI(ci: ci, eum: eum, euicc: euicc, dpAuth: dpAuth, dpPb: dpPb, dpTLS: dpTLS)
    }

    /// Issues an end-entity certificate of `role` (digitalSignature, role policy, AKI/SKI; SM-DP+ OID for DP roles).
    static func issueLeaf(
        role: SGP22CertificateRole, subject: DistinguishedName, issuerName: DistinguishedName,
        issuerKey: P256.Signing.PrivateKey, issuerSKI: SubjectKeyIdentifier, notBefore: Date, years: Int,
        extraSAN: [GeneralName]?, options: TestPKIOptions
    ) throws -> PKIEntity {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let isDP = role == .dpAuth || role == .dpPb || role == .dpTLS
        let sanNames: [GeneralName] = (extraSAN ?? []) + (isDP ? [.registeredID(options.smdpOID)] : [])
        let cert = try Certificate(
            version: .v3, serialNumber: randomSerial(), publicKey: publicKey,
            notValidBefore: notBefore, notValidAfter: try adding(years: years, to: notBefore),
            issuer: issuerName, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                AuthorityKeyIdentifier(keyIdentifier: issuerSKI.keyIdentifier)
                SubjectKeyIdentifier(hash: publicKey)
                Critical(KeyUsage(digitalSignature: true))
                try SGP22CertificateFields.policiesExtension(for: role, critical: role != .dpTLS)
                if !sanNames.isEmpty { SubjectAlternativeNames(sanNames) }
                if role == .dpTLS { Critical(try ExtendedKeyUsage([.serverAuth, .clientAuth])) }
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        return PKIEntity(role: role, certificate: cert, privateKey: key)
    }

    /// A positive 16-byte serial number.
    static func randomSerial() -> Certificate.SerialNumber {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[0] = (bytes[0] & 0x7F) | 0x01
        return Certificate.SerialNumber(bytes: bytes)
    }
}

extension RelativeDistinguishedName.Attribute {
    /// PrintableString attribute for literals known to be printable (country codes).
    init(type: ASN1ObjectIdentifier, printableStringUnchecked value: String) {
        do {
            try self.init(type: type, printableString: value)
        } catch {
            self.init(type: type, utf8String: value)
        }
    }
}

/// DER and PEM encodings of certificates and keys.
public enum PKIEncoding {
    public static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    public static func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString + "\n"
    }

    /// PKCS#8 `PRIVATE KEY` PEM.
    public static func pem(_ key: P256.Signing.PrivateKey) -> String {
        key.pemRepresentation + "\n"
    }
}
