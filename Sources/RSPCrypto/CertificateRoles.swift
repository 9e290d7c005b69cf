import Crypto
import Foundation
import RSPASN1
import SwiftASN1
import X509

/// SGP.22 certificate roles, identified by the certificatePolicies OID under
/// `id-rspRole OBJECT IDENTIFIER ::= { id-rsp-cert-objects 1 }` = 2.23.146.1.2.1 (SGP.22 §4.5.2.1).
public enum SGP22CertificateRole: String, CaseIterable, Sendable, Codable {
    case ci = "CI"
    case euicc = "eUICC"
    case eum = "EUM"
    case dpTLS = "DPtls"
    case dpAuth = "DPauth"
    case dpPb = "DPpb"

    /// `id-rspRole-ci` … `id-rspRole-dp-pb`.
    public var policyOID: ASN1ObjectIdentifier {
        switch self {
        case .ci: return [2, 23, 146, 1, 2, 1, 0]
        case .euicc: return [2, 23, 146, 1, 2, 1, 1]
        case .eum: return [2, 23, 146, 1, 2, 1, 2]
        case .dpTLS: return [2, 23, 146, 1, 2, 1, 3]
        case .dpAuth: return [2, 23, 146, 1, 2, 1, 4]
        case .dpPb: return [2, 23, 146, 1, 2, 1, 5]
        }
    }

    /// Whether certificates of this role issue other certificates.
    public var isCA: Bool { self == .ci || self == .eum }
}

/// OIDs used by the SGP.22 certificate profile.
public enum SGP22OID {
    /// id-ce-certificatePolicies (RFC 5280 §4.2.1.4).
    public static let certificatePolicies: ASN1ObjectIdentifier = [2, 5, 29, 32]
    /// id-at-serialNumber (X.520), carries the EID in eUICC subjects and the EID prefix in EUM name constraints.
    public static let serialNumber: ASN1ObjectIdentifier = [2, 5, 4, 5]
    /// id-ecPublicKey (RFC 5480).
    public static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    public static let prime256v1: ASN1ObjectIdentifier = [1, 2, 840, 10045, 3, 1, 7]
    public static let secp384r1: ASN1ObjectIdentifier = [1, 3, 132, 0, 34]
    public static let secp521r1: ASN1ObjectIdentifier = [1, 3, 132, 0, 35]
    public static let brainpoolP256r1: ASN1ObjectIdentifier = [1, 3, 36, 3, 3, 2, 8, 1, 1, 7]

    /// Human name of a named curve OID.
    public static func curveName(_ oid: ASN1ObjectIdentifier) -> String {
        switch oid {
        case prime256v1: return "P-256"
        case secp384r1: return "P-384"
        case secp521r1: return "P-521"
        case brainpoolP256r1: return "brainpoolP256r1"
        default: return oid.description
        }
    }
}

/// Errors reading SGP.22 fields out of certificates.
public enum SGP22CertificateFieldError: Error, Equatable, CustomStringConvertible {
    case missingExtension(String)
    case malformedExtension(String)
    case missingSubjectSerialNumber
    case invalidEID(String)
    case unsupportedCurve(String)

    public var description: String {
        switch self {
        case .missingExtension(let n): return "certificate has no \(n) extension"
        case .malformedExtension(let n): return "certificate \(n) extension is malformed"
        case .missingSubjectSerialNumber: return "certificate subject has no serialNumber attribute"
        case .invalidEID(let m): return "eUICC subject serialNumber is not a valid EID: \(m)"
        case .unsupportedCurve(let c): return "unsupported curve \(c): only P-256 is supported"
        }
    }
}

/// Read access to the SGP.22-relevant fields of an X.509 certificate.
public enum SGP22CertificateFields {
    /// SubjectKeyIdentifier bytes (for a CI: `euiccCiPKId` / `CiPKId`, 20 bytes in practice).
    public static func subjectKeyIdentifier(_ cert: Certificate) throws(SGP22CertificateFieldError) -> [UInt8] {
        let ski: SubjectKeyIdentifier?
        do { ski = try cert.extensions.subjectKeyIdentifier } catch { throw .malformedExtension("SubjectKeyIdentifier") }
        guard let ski else { throw .missingExtension("SubjectKeyIdentifier") }
        return Array(ski.keyIdentifier)
    }

    /// AuthorityKeyIdentifier keyIdentifier bytes.
    public static func authorityKeyIdentifier(_ cert: Certificate) throws(SGP22CertificateFieldError) -> [UInt8] {
        let aki: AuthorityKeyIdentifier?
        do { aki = try cert.extensions.authorityKeyIdentifier } catch { throw .malformedExtension("AuthorityKeyIdentifier") }
        guard let keyId = aki?.keyIdentifier else { throw .missingExtension("AuthorityKeyIdentifier") }
        return Array(keyId)
    }

    /// The policy OIDs in certificatePolicies (`SEQUENCE OF PolicyInformation { policyIdentifier, … }`).
    public static func policyOIDs(_ cert: Certificate) throws(SGP22CertificateFieldError) -> [ASN1ObjectIdentifier] {
        guard let ext = cert.extensions[oid: SGP22OID.certificatePolicies] else { return [] }
        do {
            let root = try DER.parse(ext.value)
            guard root.identifier == .sequence, case .constructed(let infos) = root.content else {
                throw SGP22CertificateFieldError.malformedExtension("certificatePolicies")
            }
            var oids: [ASN1ObjectIdentifier] = []
            for info in infos {
                guard info.identifier == .sequence, case .constructed(let fields) = info.content,
                      let first = fields.first(where: { _ in true }) else {
                    throw SGP22CertificateFieldError.malformedExtension("certificatePolicies")
                }
                oids.append(try ASN1ObjectIdentifier(derEncoded: first))
            }
            return oids
        } catch {
            throw .malformedExtension("certificatePolicies")
        }
    }

    /// The SGP.22 roles asserted by certificatePolicies.
    public static func roles(_ cert: Certificate) throws(SGP22CertificateFieldError) -> [SGP22CertificateRole] {
        let oids = try policyOIDs(cert)
        return SGP22CertificateRole.allCases.filter { oids.contains($0.policyOID) }
    }

    /// certificatePolicies extension value for one role (used by the PKI generator).
    public static func policiesExtension(for role: SGP22CertificateRole, critical: Bool = true) throws -> Certificate.Extension {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { infos in
            try infos.appendConstructedNode(identifier: .sequence) { info in
                try info.serialize(role.policyOID)
            }
        }
        return Certificate.Extension(oid: SGP22OID.certificatePolicies, critical: critical, value: serializer.serializedBytes[...])
    }

    /// The SM-DP+ OID: the `registeredID` in SubjectAltName of CERT.DPauth / CERT.DPpb (`smdpOid`).
    public static func smdpOID(_ cert: Certificate) throws(SGP22CertificateFieldError) -> ASN1ObjectIdentifier {
        let san: SubjectAlternativeNames?
        do { san = try cert.extensions.subjectAlternativeNames } catch { throw .malformedExtension("SubjectAltName") }
        for name in san ?? SubjectAlternativeNames() {
            if case .registeredID(let oid) = name { return oid }
        }
        throw .missingExtension("SubjectAltName registeredID")
    }

    /// The first value of an attribute type in a distinguished name, as text.
    public static func attribute(_ type: ASN1ObjectIdentifier, in name: DistinguishedName) -> String? {
        for rdn in name {
            for attr in rdn where attr.type == type {
                return String(attr.value)
            }
        }
        return nil
    }

    /// EID from the eUICC certificate subject serialNumber (32 digits, check digits verified).
    public static func eid(_ cert: Certificate) throws(SGP22CertificateFieldError) -> EID {
        guard let text = attribute(SGP22OID.serialNumber, in: cert.subject) else { throw .missingSubjectSerialNumber }
        do { return try EID(digits: text) } catch { throw .invalidEID("\(error)") }
    }

    /// The P-256 key that verifies this certificate holder's r‖s signatures.
    public static func verificationKey(_ cert: Certificate) throws(SGP22CertificateFieldError) -> P256.Signing.PublicKey {
        guard let key = P256.Signing.PublicKey(cert.publicKey) else {
            throw .unsupportedCurve(curveDescription(cert.publicKey))
        }
        return key
    }

    /// Verifies an SGP.22 r‖s signature made by this certificate's holder.
    public static func verify(_ signature: SGP22Signature, over message: [UInt8], signedBy cert: Certificate) throws(SGP22CertificateFieldError) -> Bool {
        SGP22ECDSA.verify(signature, over: message, with: try verificationKey(cert))
    }

    /// A short description of the key's curve ("P-256", "P-384", …).
    public static func curveDescription(_ key: Certificate.PublicKey) -> String {
        if P256.Signing.PublicKey(key) != nil { return "P-256" }
        if P384.Signing.PublicKey(key) != nil { return "P-384" }
        if P521.Signing.PublicKey(key) != nil { return "P-521" }
        return "non-EC or unknown key type"
    }
}
