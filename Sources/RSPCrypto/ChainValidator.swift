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
        let diagnostics = DiagnosticsCollector()
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
            result = await verifier.validate(leaf: leaf, intermediates: intermediateStore) { diagnostics.add($0) }
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
            result = await verifier.validate(leaf: leaf, intermediates: intermediateStore) { diagnostics.add($0) }
        }
        switch result {
        case .validCertificate(let chain):
            return SGP22ChainValidationResult(chain: Array(chain), failureReasons: [])
        case .couldNotValidate(let failures):
            if failures.isEmpty {
                var reason = "no chain to the trusted CI could be built (issuer name, key identifier or signature mismatch, or an unhandled critical extension)"
                if let ski = try? SGP22CertificateFields.subjectKeyIdentifier(trustedCI) {
                    reason += "; CI PKId \(HexBytes.encode(ski))"
                }
                return SGP22ChainValidationResult(chain: [], failureReasons: [reason] + diagnostics.relevant)
            }
            return SGP22ChainValidationResult(chain: [], failureReasons: failures.map { $0.policyFailureReason.description })
        }
    }
}

/// Collects the verifier's diagnostics for one synchronous validation call.
final class DiagnosticsCollector: @unchecked Sendable {
    private var items: [String] = []
    private let lock = NSLock()

    func add(_ diagnostic: VerificationDiagnostic) {
        lock.lock()
        defer { lock.unlock() }
        items.append(diagnostic.description)
    }

    /// Diagnostics about critical extensions and signatures, which explain a missing chain.
    var relevant: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items.filter { $0.localizedCaseInsensitiveContains("critical") || $0.localizedCaseInsensitiveContains("signature") }
    }
}
