import Crypto
import Foundation
import X509

/// Errors managing or using a `CITrustStore`.
public enum CITrustStoreError: Error, Equatable, CustomStringConvertible {
    case notACICertificate(subject: String, reason: String)
    case unknownCIPKId(String)

    public var description: String {
        switch self {
        case .notACICertificate(let s, let r): return "\(s) is not usable as an SGP.22 CI certificate: \(r)"
        case .unknownCIPKId(let id): return "no trusted CI with PKId \(id)"
        }
    }
}

/// Trusted SGP.22 Certificate Issuer certificates, keyed by their SubjectKeyIdentifier
/// (`SubjectKeyIdentifier` = the `euiccCiPKId` / `CiPKId` exchanged in ES10b/ES9+).
public struct CITrustStore: Sendable {
    public private(set) var certificatesByPKId: [[UInt8]: Certificate] = [:]

    public init() {}

    public init(_ certificates: [Certificate]) throws(CITrustStoreError) {
        for certificate in certificates { try add(certificate) }
    }

    /// Adds a CI certificate: it must be self-issued, a CA, assert the CI role, use P-256 and carry an SKI.
    public mutating func add(_ certificate: Certificate) throws(CITrustStoreError) {
        let subject = certificate.subject.description
        guard certificate.subject == certificate.issuer else {
            throw .notACICertificate(subject: subject, reason: "not self-issued")
        }
        let roles: [SGP22CertificateRole]
        let ski: [UInt8]
        do {
            roles = try SGP22CertificateFields.roles(certificate)
            ski = try SGP22CertificateFields.subjectKeyIdentifier(certificate)
            _ = try SGP22CertificateFields.verificationKey(certificate)
        } catch {
            throw .notACICertificate(subject: subject, reason: "\(error)")
        }
        guard roles.contains(.ci) else {
            throw .notACICertificate(subject: subject, reason: "certificatePolicies lacks \(SGP22CertificateRole.ci.policyOID)")
        }
        guard case .isCertificateAuthority = (try? certificate.extensions.basicConstraints) ?? .notCertificateAuthority else {
            throw .notACICertificate(subject: subject, reason: "BasicConstraints is not CA:TRUE")
        }
        certificatesByPKId[ski] = certificate
    }

    /// The trusted CI PKIds, sorted bytewise.
    public var pkIds: [[UInt8]] {
        certificatesByPKId.keys.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Which of `candidates` (e.g. `euiccCiPKIdListForVerification`) this store trusts, in the candidates' order.
    public func trustedPKIds(among candidates: [[UInt8]]) -> [[UInt8]] {
        candidates.filter { certificatesByPKId[$0] != nil }
    }

    public func certificate(forPKId pkId: [UInt8]) -> Certificate? { certificatesByPKId[pkId] }

    /// Validates `leaf` by SGP.22 rules against the CI with `pkId` only.
    public func validate(
        leaf: Certificate,
        role: SGP22CertificateRole,
        intermediates: [Certificate] = [],
        againstPKId pkId: [UInt8],
        at time: Date
    ) async throws(CITrustStoreError) -> SGP22ChainValidationResult {
        guard let ci = certificatesByPKId[pkId] else { throw .unknownCIPKId(HexBytes.encode(pkId)) }
        return await SGP22ChainValidator.validate(leaf: leaf, role: role, intermediates: intermediates, trustedCI: ci, at: time)
    }

    /// The PKIds of every trusted CI against which `leaf` validates.
    public func validatingPKIds(
        leaf: Certificate,
        role: SGP22CertificateRole,
        intermediates: [Certificate] = [],
        at time: Date
    ) async -> [[UInt8]] {
        var result: [[UInt8]] = []
        for pkId in pkIds {
            guard let ci = certificatesByPKId[pkId] else { continue }
            let outcome = await SGP22ChainValidator.validate(leaf: leaf, role: role, intermediates: intermediates, trustedCI: ci, at: time)
            if outcome.isValid { result.append(pkId) }
        }
        return result
    }
}
