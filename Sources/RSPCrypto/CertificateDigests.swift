import Crypto
import SwiftASN1
import X509

/// SHA-256 digests that identify a certificate holder on chain (TrustRegistry `spkiHash`/`certHash`):
/// of the DER SubjectPublicKeyInfo and of the whole certificate DER.
public enum CertificateDigests {
    /// DER `SubjectPublicKeyInfo` of the certificate's key (RFC 5280 §4.1.2.7).
    public static func subjectPublicKeyInfoDER(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate.publicKey)
        return serializer.serializedBytes
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo.
    public static func spkiSHA256(_ certificate: Certificate) throws -> [UInt8] {
        sha256(try subjectPublicKeyInfoDER(certificate))
    }

    /// SHA-256 of the certificate DER.
    public static func certificateSHA256(_ certificate: Certificate) throws -> [UInt8] {
        sha256(try PKIEncoding.der(certificate))
    }

    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}
