@_spi(FixedExpiryValidationTime) import X509
import Foundation
import SwiftASN1

/// The outcome of validating one certificate by SGP.22 rules.
public struct SGP22ChainValidationResult: Sendable {
    /// The validated chain, leaf first and CI last; empty when validation failed.
    public let chain: [Certificate]
    /// Reasons from each rejected candidate chain (one SGP.22 rule per reason), or why no chain could be built.
    public let failureReasons: [String]

    public var isValid: Bool { !chain.isEmpty }
}

/// Validates SGP.22 chains (CI → EUM → eUICC and CI → DPauth / DPpb / DPtls) with swift-certificates'
/// `Verifier`: chain building and signature checks by the library, SGP.22 rules by the policies in
/// CertificatePolicies.swift.
public enum SGP22ChainValidator {
    /// Validates `leaf` in role `role` against exactly one trusted CI certificate, at `time`.
    /// `intermediates` supplies the EUM certificate for eUICC leaves.
    public static func validate(
        leaf: Certificate,
        role: SGP22CertificateRole,
        intermediates: [Certificate] = [],
        trustedCI: Certificate,
        at time: Date
    ) async -> SGP22ChainValidationResult {
        let roots = CertificateStore([trustedCI])
        let intermediateStore = CertificateStore(intermediates)
        let result: CertificateValidationResult
        switch role {
        case .euicc:
            // RFC5280Policy rejects every directoryName name constraint, and EUM certificates carry one,
            // so eUICC chains use the SGP.22 basic- and name-constraints policies instead.
            var verifier = Verifier(rootCertificates: roots) {
                SGP22ValidityPolicy(validationTime: time)
                SGP22CurvePolicy()
                SGP22RolePolicy(leafRole: role)
                SGP22KeyUsagePolicy(leafRole: role)
                SGP22KeyIdentifierPolicy()
                SGP22BasicConstraintsPolicy()
                EUMNameConstraintsPolicy()
            }
            result = await verifier.validate(leaf: leaf, intermediates: intermediateStore)
        case .ci, .eum:
            return SGP22ChainValidationResult(chain: [], failureReasons: ["\(role.rawValue) certificates are not leaves of an SGP.22 chain"])
        case .dpAuth, .dpPb, .dpTLS:
            var verifier = Verifier(rootCertificates: roots) {
                SGP22ValidityPolicy(validationTime: time)
                SGP22CurvePolicy()
                SGP22RolePolicy(leafRole: role)
                SGP22KeyUsagePolicy(leafRole: role)
                SGP22KeyIdentifierPolicy()
                RFC5280Policy(fixedExpiryValidationTime: time)
            }
            result = await verifier.validate(leaf: leaf, intermediates: intermediateStore)
        }
        switch result {
        case .validCertificate(let chain):
            return SGP22ChainValidationResult(chain: Array(chain), failureReasons: [])
        case .couldNotValidate(let failures):
            if failures.isEmpty {
                let reason = explainMissingChain(leaf: leaf, intermediates: intermediates, trustedCI: trustedCI)
                return SGP22ChainValidationResult(chain: [], failureReasons: ["no chain to the trusted CI: \(reason)"])
            }
            return SGP22ChainValidationResult(chain: [], failureReasons: failures.map { $0.policyFailureReason.description })
        }
    }
}

extension SGP22ChainValidator {
    /// Why the verifier found no candidate chain, in one line: the first broken link from the leaf up.
    static func explainMissingChain(leaf: Certificate, intermediates: [Certificate], trustedCI: Certificate) -> String {
        var current = leaf
        var seen = 0
        while seen <= intermediates.count {
            if current.issuer == trustedCI.subject {
                return explainLink(current, issuer: trustedCI, issuerLabel: "the CI")
            }
            guard let next = intermediates.first(where: { $0.subject == current.issuer }) else {
                return "issuer \(current.issuer) of \(current.subject) is neither the CI (\(trustedCI.subject)) nor a supplied intermediate"
            }
            let link = explainLink(current, issuer: next, issuerLabel: "its issuer")
            if link != Self.noDetail { return link }
            current = next
            seen += 1
        }
        return Self.noDetail
    }

    /// Checks AKI/SKI and the signature between one certificate and its named issuer.
    static func explainLink(_ cert: Certificate, issuer: Certificate, issuerLabel: String) -> String {
        let aki = try? SGP22CertificateFields.authorityKeyIdentifier(cert)
        let ski = try? SGP22CertificateFields.subjectKeyIdentifier(issuer)
        if let aki, let ski, aki != ski {
            return "AuthorityKeyIdentifier \(HexBytes.encode(aki)) of \(cert.subject) is not the SubjectKeyIdentifier \(HexBytes.encode(ski)) of \(issuerLabel)"
        }
        if !issuer.publicKey.isValidSignature(cert.signature, for: cert) {
            return "the signature on \(cert.subject) does not verify with the key of \(issuerLabel)"
        }
        if cert.extensions.contains(where: { $0.critical && !Self.handledCriticalExtensions.contains($0.oid) }) {
            return "\(cert.subject) has a critical extension no SGP.22 policy handles"
        }
        return Self.noDetail
    }

    static let noDetail = "no further detail (see the SGP.22 policies)"

    static let handledCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.nameConstraints, .X509ExtensionID.keyUsage,
        .X509ExtensionID.extendedKeyUsage, SGP22OID.certificatePolicies,
    ]
}
