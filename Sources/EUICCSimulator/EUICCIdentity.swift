import Crypto
import Foundation
import RSPASN1
import RSPCrypto
import X509

/// Why an eUICC identity could not be assembled or loaded.
public enum EUICCIdentityError: Error, CustomStringConvertible {
    case missingFile(String)
    case unreadable(path: String, reason: String)
    case decoding(file: String, PKIDecodingError)
    case certificateFields(SGP22CertificateFieldError)
    case keyDoesNotMatchCertificate
    case untrustedCI(CITrustStoreError)
    case noTrustedCI

    public var description: String {
        switch self {
        case let .missingFile(path): "missing \(path)"
        case let .unreadable(path, reason): "\(path): \(reason)"
        case let .decoding(file, error): "\(file): \(error)"
        case let .certificateFields(error): "eUICC certificate: \(error)"
        case .keyDoesNotMatchCertificate: "the eUICC private key does not match the eUICC certificate"
        case let .untrustedCI(error): "\(error)"
        case .noTrustedCI: "the eUICC needs at least one trusted CI certificate"
        }
    }
}

/// What makes one eUICC: its EID, CERT.EUICC.ECDSA with SK.EUICC.ECDSA, the EUM certificate, and
/// the CI certificates it trusts (their SKIs are euiccCiPKIdListForVerification/Signing).
public struct EUICCIdentity: Sendable {
    public let eid: EID
    public let certificate: Certificate
    public let certificateDER: [UInt8]
    public let eumCertificateDER: [UInt8]
    public let privateKey: P256.Signing.PrivateKey
    public let trustStore: CITrustStore
    /// The PKIds of every trusted CI, in the order given (first = preferred): euiccCiPKIdListForVerification.
    public let ciPKIds: [[UInt8]]
    /// The PKIds of the CIs this eUICC has a certificate chain to (the issuer of its EUM certificate):
    /// euiccCiPKIdListForSigning. A CI added for verification only is not in this list.
    public let signingCIPKIds: [[UInt8]]

    public init(certificateDER: [UInt8], eumCertificateDER: [UInt8], privateKey: P256.Signing.PrivateKey, trustedCIs: [Certificate]) throws(EUICCIdentityError) {
        let certificate: Certificate
        do throws(PKIDecodingError) {
            certificate = try PKIDecoder.certificate(certificateDER)
        } catch {
            throw .decoding(file: "certificate", error)
        }
        guard Certificate.PublicKey(privateKey.publicKey) == certificate.publicKey else { throw .keyDoesNotMatchCertificate }
        do throws(SGP22CertificateFieldError) {
            self.eid = try SGP22CertificateFields.eid(certificate)
        } catch {
            throw .certificateFields(error)
        }
        guard !trustedCIs.isEmpty else { throw .noTrustedCI }
        var store = CITrustStore()
        var ids: [[UInt8]] = []
        for ci in trustedCIs {
            do throws(CITrustStoreError) { try store.add(ci) } catch { throw .untrustedCI(error) }
            do throws(SGP22CertificateFieldError) {
                let ski = try SGP22CertificateFields.subjectKeyIdentifier(ci)
                if !ids.contains(ski) { ids.append(ski) }
            } catch {
                throw .certificateFields(error)
            }
        }
        let eum: Certificate
        do throws(PKIDecodingError) { eum = try PKIDecoder.certificate(eumCertificateDER) } catch { throw .decoding(file: "EUM certificate", error) }
        let eumIssuer: [UInt8]
        do throws(SGP22CertificateFieldError) { eumIssuer = try SGP22CertificateFields.authorityKeyIdentifier(eum) } catch {
            throw .certificateFields(error)
        }
        self.certificate = certificate
        self.certificateDER = certificateDER
        self.eumCertificateDER = eumCertificateDER
        self.privateKey = privateKey
        self.trustStore = store
        self.ciPKIds = ids
        // An eUICC whose EUM was issued by a CI it does not list still signs under that CI's id.
        self.signingCIPKIds = ids.contains(eumIssuer) ? [eumIssuer] : ids
    }

    /// Loads an identity from a PKI directory laid out as `PKIDirectoryLayout`: `euicc.pem|der`,
    /// `euicc.key.pem`, `eum.pem|der`, `ci.pem|der` (a PEM bundle may hold several CIs), plus every
    /// certificate file in `ci-extra/` and in `additionalCIFiles` (e.g. the SGP.26 test CI) as further trusted CIs.
    public static func load(pkiDirectory: URL, additionalCIFiles: [URL] = []) throws(EUICCIdentityError) -> EUICCIdentity {
        let euicc = try readCertificateBytes(pkiDirectory, .euicc)
        let eum = try readCertificateBytes(pkiDirectory, .eum)
        let ci = try readCIBytes(pkiDirectory)
        let keyURL = pkiDirectory.appendingPathComponent(PKIDirectoryLayout.keyName(.euicc))
        let keyBytes = try read(keyURL)
        let key: P256.Signing.PrivateKey
        do throws(PKIDecodingError) { key = try PKIDecoder.privateKey(keyBytes) } catch { throw .decoding(file: keyURL.lastPathComponent, error) }
        var cis: [Certificate] = []
        let extra = PKIDirectoryLayout.extraCIFiles(in: pkiDirectory) + additionalCIFiles
        for (name, bytes) in [("ci", ci)] + (try extra.map { url throws(EUICCIdentityError) in (url.lastPathComponent, try read(url)) }) {
            do throws(PKIDecodingError) { cis += try PKIDecoder.certificates(bytes) } catch { throw .decoding(file: name, error) }
        }
        return try EUICCIdentity(certificateDER: try der(euicc), eumCertificateDER: try der(eum), privateKey: key, trustedCIs: cis)
    }

    /// `ci.pem` when present (it may be a bundle of several CIs), else `ci.der`.
    private static func readCIBytes(_ directory: URL) throws(EUICCIdentityError) -> [UInt8] {
        let pem = directory.appendingPathComponent(PKIDirectoryLayout.pemName(.ci))
        if FileManager.default.fileExists(atPath: pem.path) { return try read(pem) }
        return try read(directory.appendingPathComponent(PKIDirectoryLayout.derName(.ci)))
    }

    private static func readCertificateBytes(_ directory: URL, _ role: SGP22CertificateRole) throws(EUICCIdentityError) -> [UInt8] {
        let der = directory.appendingPathComponent(PKIDirectoryLayout.derName(role))
        if FileManager.default.fileExists(atPath: der.path) { return try read(der) }
        return try read(directory.appendingPathComponent(PKIDirectoryLayout.pemName(role)))
    }

    private static func der(_ bytes: [UInt8]) throws(EUICCIdentityError) -> [UInt8] {
        do throws(PKIDecodingError) {
            return try PKIEncodingBridge.der(PKIDecoder.certificate(bytes))
        } catch {
            throw .decoding(file: "certificate", error)
        }
    }

    private static func read(_ url: URL) throws(EUICCIdentityError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(url.path) }
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
    }
}

/// DER re-serialisation of a parsed certificate with a typed failure.
enum PKIEncodingBridge {
    static func der(_ certificate: Certificate) throws(PKIDecodingError) -> [UInt8] {
        do {
            return try PKIEncoding.der(certificate)
        } catch {
            throw .malformedDER("\(error)")
        }
    }
}
