import Crypto
import Foundation
import SwiftASN1
import X509

// One `VerifierPolicy` per SGP.22 certificate rule (SGP.22 §4.5.2, SGP22-NOTES §8), each failing with
// its own reason. `SGP22ChainValidator` composes them with `PolicyBuilder`. Chains are leaf first, CI last.

/// The role each position of a chain must have: leaf role, then EUM for eUICC chains, then CI.
func expectedRoles(leafRole: SGP22CertificateRole) -> [SGP22CertificateRole] {
    leafRole == .euicc ? [.euicc, .eum, .ci] : [leafRole, .ci]
}

func subjectText(_ cert: Certificate) -> String { cert.subject.description }

/// Every certificate is valid (notBefore ≤ t ≤ notAfter) at the validation time.
public struct SGP22ValidityPolicy: VerifierPolicy, Sendable {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []
    public let validationTime: Date

    public init(validationTime: Date) { self.validationTime = validationTime }

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        for cert in chain {
            if validationTime > cert.notValidAfter {
                let subject = subjectText(cert), after = cert.notValidAfter
                return .failsToMeetPolicy(reason: "SGP.22 validity: certificate \(subject) expired (notAfter \(after))")
            }
            if validationTime < cert.notValidBefore {
                let subject = subjectText(cert), before = cert.notValidBefore
                return .failsToMeetPolicy(reason: "SGP.22 validity: certificate \(subject) not yet valid (notBefore \(before))")
            }
        }
        return .meetsPolicy
    }
}

/// Every key is on P-256 and every signature is ecdsa-with-SHA256 (brainpoolP256r1 is not supported here).
public struct SGP22CurvePolicy: VerifierPolicy, Sendable {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    public init() {}

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        for cert in chain {
            if P256.Signing.PublicKey(cert.publicKey) == nil {
                let subject = subjectText(cert), curve = SGP22CertificateFields.curveDescription(cert.publicKey)
                return .failsToMeetPolicy(reason: "SGP.22 curve: certificate \(subject) has a \(curve) key; only P-256 is supported")
            }
            if cert.signatureAlgorithm != .ecdsaWithSHA256 {
                let subject = subjectText(cert), alg = cert.signatureAlgorithm.description
                return .failsToMeetPolicy(reason: "SGP.22 curve: certificate \(subject) is signed with \(alg), expected ecdsa-with-SHA256")
            }
        }
        return .meetsPolicy
    }
}

/// The chain has the SGP.22 shape for the leaf role and each certificate asserts its role OID in certificatePolicies.
public struct SGP22RolePolicy: VerifierPolicy, Sendable {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [SGP22OID.certificatePolicies]
    public let leafRole: SGP22CertificateRole

    public init(leafRole: SGP22CertificateRole) { self.leafRole = leafRole }

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        let roles = expectedRoles(leafRole: leafRole)
        guard chain.count == roles.count else {
            let count = chain.count, expected = roles.map(\.rawValue).joined(separator: " → ")
            return .failsToMeetPolicy(reason: "SGP.22 role: chain has \(count) certificates, expected \(expected)")
        }
        for (cert, role) in zip(chain, roles) {
            let asserted: [SGP22CertificateRole]
            do { asserted = try SGP22CertificateFields.roles(cert) } catch {
                let subject = subjectText(cert)
                return .failsToMeetPolicy(reason: "SGP.22 role: certificate \(subject) has malformed certificatePolicies")
            }
            guard asserted.contains(role) else {
                let subject = subjectText(cert), found = asserted.map(\.rawValue).joined(separator: ",")
                return .failsToMeetPolicy(reason: "SGP.22 role: certificate \(subject) lacks policy \(role.policyOID) (\(role.rawValue)); found [\(found)]")
            }
        }
        return .meetsPolicy
    }
}

/// KeyUsage per role: CI and EUM keyCertSign; end entities digitalSignature and no keyCertSign;
/// DP-TLS also needs ExtendedKeyUsage serverAuth.
public struct SGP22KeyUsagePolicy: VerifierPolicy, Sendable {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage,
    ]
    public let leafRole: SGP22CertificateRole

    public init(leafRole: SGP22CertificateRole) { self.leafRole = leafRole }

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        for (cert, role) in zip(chain, expectedRoles(leafRole: leafRole)) {
            let subject = subjectText(cert)
            let usage: KeyUsage?
            do { usage = try cert.extensions.keyUsage } catch {
                return .failsToMeetPolicy(reason: "SGP.22 key usage: certificate \(subject) has a malformed KeyUsage")
            }
            guard let usage else {
                return .failsToMeetPolicy(reason: "SGP.22 key usage: certificate \(subject) has no KeyUsage")
            }
            if role.isCA {
                guard usage.keyCertSign else {
                    return .failsToMeetPolicy(reason: "SGP.22 key usage: \(role.rawValue) certificate \(subject) lacks keyCertSign")
                }
            } else {
                guard usage.digitalSignature, !usage.keyCertSign else {
                    return .failsToMeetPolicy(reason: "SGP.22 key usage: \(role.rawValue) certificate \(subject) must have digitalSignature and not keyCertSign")
                }
            }
            if role == .dpTLS {
                let eku: ExtendedKeyUsage?
                do { eku = try cert.extensions.extendedKeyUsage } catch {
                    return .failsToMeetPolicy(reason: "SGP.22 key usage: certificate \(subject) has a malformed ExtendedKeyUsage")
                }
                guard let eku, eku.contains(.serverAuth) else {
                    return .failsToMeetPolicy(reason: "SGP.22 key usage: DP-TLS certificate \(subject) lacks ExtendedKeyUsage serverAuth")
                }
            }
        }
        return .meetsPolicy
    }
}

/// Each certificate's AuthorityKeyIdentifier equals its issuer's SubjectKeyIdentifier
/// (this is how `euiccCiPKId` selects the CI).
public struct SGP22KeyIdentifierPolicy: VerifierPolicy, Sendable {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    public init() {}

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        let certs = Array(chain)
        guard let root = certs.last else { return .failsToMeetPolicy(reason: "SGP.22 key identifier: empty chain") }
        do {
            _ = try SGP22CertificateFields.subjectKeyIdentifier(root)
            for index in 0..<(certs.count - 1) {
                let aki = try SGP22CertificateFields.authorityKeyIdentifier(certs[index])
                let issuerSKI = try SGP22CertificateFields.subjectKeyIdentifier(certs[index + 1])
                guard aki == issuerSKI else {
                    let subject = subjectText(certs[index])
                    return .failsToMeetPolicy(reason: "SGP.22 key identifier: AuthorityKeyIdentifier of \(subject) does not match its issuer's SubjectKeyIdentifier")
                }
            }
        } catch {
            let message = "\(error)"
            return .failsToMeetPolicy(reason: "SGP.22 key identifier: \(message)")
        }
        return .meetsPolicy
    }
}

/// Issuers are CAs within their pathLenConstraint; end entities are not CAs.
/// Needed for eUICC chains, where `RFC5280Policy` cannot be used (it rejects directoryName name constraints).
public struct SGP22BasicConstraintsPolicy: VerifierPolicy, Sendable {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.basicConstraints]

    public init() {}

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        for (index, cert) in chain.enumerated() {
            let subject = subjectText(cert)
            let constraints: BasicConstraints?
            do { constraints = try cert.extensions.basicConstraints } catch {
                return .failsToMeetPolicy(reason: "SGP.22 basic constraints: certificate \(subject) has malformed BasicConstraints")
            }
            if index == 0 {
                if case .isCertificateAuthority = constraints {
                    return .failsToMeetPolicy(reason: "SGP.22 basic constraints: end-entity certificate \(subject) is a CA")
                }
                continue
            }
            guard case .isCertificateAuthority(let maxPathLength) = constraints else {
                return .failsToMeetPolicy(reason: "SGP.22 basic constraints: issuer \(subject) is not a CA")
            }
            // Intermediate CAs below this one (the leaf does not count).
            let intermediatesBelow = index - 1
            if let maxPathLength, intermediatesBelow > maxPathLength {
                return .failsToMeetPolicy(reason: "SGP.22 basic constraints: issuer \(subject) pathLenConstraint \(maxPathLength) exceeded")
            }
        }
        return .meetsPolicy
    }
}

/// The EUM's NameConstraints (permitted directoryName `O=<EUM>, serialNumber=<EID prefix>`) cover the
/// eUICC subject: equal O and an EID (subject serialNumber) that starts with the permitted prefix.
public struct EUMNameConstraintsPolicy: VerifierPolicy, Sendable {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.nameConstraints]

    public init() {}

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        let certs = Array(chain)
        guard certs.count == 3 else { return .meetsPolicy }
        let euicc = certs[0], eum = certs[1]
        let eumSubject = subjectText(eum)
        let constraints: NameConstraints?
        do { constraints = try eum.extensions.nameConstraints } catch {
            return .failsToMeetPolicy(reason: "SGP.22 EUM name constraints: \(eumSubject) has malformed NameConstraints")
        }
        guard let constraints else {
            return .failsToMeetPolicy(reason: "SGP.22 EUM name constraints: EUM \(eumSubject) has no NameConstraints")
        }
        guard constraints.excludedSubtrees.isEmpty else {
            return .failsToMeetPolicy(reason: "SGP.22 EUM name constraints: excluded subtrees are not supported")
        }
        let permitted = constraints.permittedSubtrees.compactMap { name -> DistinguishedName? in
            if case .directoryName(let dn) = name { return dn }
            return nil
        }
        guard !permitted.isEmpty else {
            return .failsToMeetPolicy(reason: "SGP.22 EUM name constraints: EUM \(eumSubject) permits no directoryName")
        }
        let eid: String
        do { eid = try SGP22CertificateFields.eid(euicc).digits } catch {
            let message = "\(error)"
            return .failsToMeetPolicy(reason: "SGP.22 EUM name constraints: \(message)")
        }
        for subtree in permitted where Self.subject(euicc.subject, eid: eid, isWithin: subtree) {
            return .meetsPolicy
        }
        return .failsToMeetPolicy(reason: "SGP.22 EUM name constraints: eUICC EID \(eid) / subject is outside the range permitted by EUM \(eumSubject)")
    }

    /// serialNumber attributes are prefix matches on the EID; every other attribute must be present with an equal value.
    static func subject(_ subject: DistinguishedName, eid: String, isWithin subtree: DistinguishedName) -> Bool {
        for rdn in subtree {
            for attr in rdn {
                guard let wanted = String(attr.value) else { return false }
                if attr.type == SGP22OID.serialNumber {
                    guard eid.hasPrefix(wanted) else { return false }
                } else {
                    guard SGP22CertificateFields.attribute(attr.type, in: subject) == wanted else { return false }
                }
            }
        }
        return true
    }
}
