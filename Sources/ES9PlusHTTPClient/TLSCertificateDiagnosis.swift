import Foundation
import X509

/// Why the SM-DP+'s TLS certificate was refused, named after the certificate at fault. BoringSSL reports
/// every refusal as `CERTIFICATE_VERIFY_FAILED`; the client re-checks the chain the server presented
/// (`TLSCertificateDiagnosis`) to say which rule failed and how to fix it.
public struct TLSCertificateProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The certificate's notAfter is in the past.
        case expired
        /// The certificate's notBefore is in the future.
        case notYetValid
        /// The chain does not lead to any configured trust root.
        case unknownIssuer
        /// The leaf names neither the host name nor the IP address the client connected to.
        case hostNameMismatch
    }

    public let kind: Kind
    /// Subject of the certificate at fault (the leaf, or an intermediate for a validity problem).
    public let subject: String
    public let issuer: String
    public let notValidBefore: Date
    public let notValidAfter: Date
    /// The host the client connected to, as in the SM-DP+ address.
    public let host: String
    /// The names the leaf is valid for (SAN dNSName/iPAddress, or its CN without SAN).
    public let names: [String]

    /// What to do about it.
    public var fix: String {
        switch kind {
        case .expired:
            "the server must present a renewed certificate; for a test SM-DP+ whose certificate expired (the GSMA SGP.26 "
                + "test TLS certificate did on 2026-08-02), issue a fresh TLS certificate from your own test CI and trust that "
                + "CI with --tls-ca FILE (docs/SMDP-SERVER.md, 'Testing against a server with an expired certificate')"
        case .notYetValid:
            "check the clock of this machine and of the server; a certificate issued with a future notBefore becomes usable only then"
        case .unknownIssuer:
            "trust the root that issued it with --tls-ca FILE (PEM or DER), if you trust that issuer; the default trust root is "
                + "the CI certificate in $OPENRSP_HOME/pki"
        case .hostNameMismatch:
            "use an SM-DP+ address the certificate names (\(names.isEmpty ? "it names none" : names.joined(separator: ", "))), "
                + "or have the server present a certificate whose subjectAltName names \(host)"
        }
    }

    public var description: String {
        let certificate = "certificate \(subject) (issuer \(issuer), valid \(Self.text(notValidBefore)) to \(Self.text(notValidAfter)))"
        let problem = switch kind {
        case .expired: "\(certificate) expired on \(Self.text(notValidAfter))"
        case .notYetValid: "\(certificate) is not valid before \(Self.text(notValidBefore))"
        case .unknownIssuer: "\(certificate) does not chain to a trusted root"
        case .hostNameMismatch:
            "\(certificate) is not valid for \(host): it names \(names.isEmpty ? "nothing" : names.joined(separator: ", "))"
        }
        return "\(problem); fix: \(fix)"
    }

    static func text(_ date: Date) -> String { date.formatted(.iso8601) }
}

/// Re-checks a chain the server presented (leaf first, DER) against the client's trust roots, the time
/// and the host, and names the first rule it breaks: issuer, then validity (each certificate), then host.
/// Nil when the chain passes all three (the handshake failed for another reason).
enum TLSCertificateDiagnosis {
    static func diagnose(presented: [[UInt8]], trustRootsDER: [[UInt8]], host: String, now: Date = Date()) -> TLSCertificateProblem? {
        let chain = presented.compactMap { try? Certificate(derEncoded: $0) }
        guard let leaf = chain.first else { return nil }
        let roots = trustRootsDER.compactMap { try? Certificate(derEncoded: $0) }
        let names = leafNames(leaf)
        func problem(_ kind: TLSCertificateProblem.Kind, _ certificate: Certificate) -> TLSCertificateProblem {
            TLSCertificateProblem(kind: kind, subject: certificate.subject.description, issuer: certificate.issuer.description,
                                  notValidBefore: certificate.notValidBefore, notValidAfter: certificate.notValidAfter,
                                  host: host, names: names)
        }
        guard let path = pathToRoot(leaf, intermediates: Array(chain.dropFirst()), roots: roots) else { return problem(.unknownIssuer, leaf) }
        for certificate in path {
            if now > certificate.notValidAfter { return problem(.expired, certificate) }
            if now < certificate.notValidBefore { return problem(.notYetValid, certificate) }
        }
        if !matches(host: host, leaf: leaf) { return problem(.hostNameMismatch, leaf) }
        return nil
    }

    /// The certificates from `leaf` up to a trusted root (root included), following issuer names and
    /// signatures through the presented intermediates; nil when no root is reached.
    static func pathToRoot(_ leaf: Certificate, intermediates: [Certificate], roots: [Certificate]) -> [Certificate]? {
        func issues(_ issuer: Certificate, _ subject: Certificate) -> Bool {
            issuer.subject == subject.issuer && issuer.publicKey.isValidSignature(subject.signature, for: subject)
        }
        var path = [leaf]
        while path.count <= intermediates.count + 1, let current = path.last {
            if let root = roots.first(where: { issues($0, current) }) { return current == root ? path : path + [root] }
            guard let next = intermediates.first(where: { issues($0, current) && !path.contains($0) }) else { return nil }
            path.append(next)
        }
        return nil
    }

    /// SAN dNSName and iPAddress entries, or the subject's CN when the certificate has no SAN.
    static func leafNames(_ leaf: Certificate) -> [String] {
        let san = (try? leaf.extensions.subjectAlternativeNames).flatMap { $0 }
        guard let san else {
            return leaf.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }.map { "\($0.value)" }
        }
        return san.compactMap { name -> String? in
            switch name {
            case let .dnsName(dns): dns
            case let .ipAddress(octets): octets.bytes.count == 4 ? octets.bytes.map { String($0) }.joined(separator: ".") : nil
            default: nil
            }
        }
    }

    /// Host name match as TLS clients do it: case-insensitive, a leading `*.` matching one label.
    static func matches(host: String, leaf: Certificate) -> Bool {
        let wanted = host.lowercased()
        return leafNames(leaf).contains { name in
            let name = name.lowercased()
            if name.hasPrefix("*."), let dot = wanted.firstIndex(of: ".") {
                return wanted[dot...] == name.dropFirst() && !wanted[..<dot].isEmpty
            }
            return name == wanted
        }
    }
}
