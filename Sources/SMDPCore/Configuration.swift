import Crypto
import Foundation
import RSPASN1
import RSPCrypto
import SwiftASN1
import X509

/// The current time, injected so session and order expiry are testable.
public protocol SMDPClock: Sendable {
    func now() -> Date
}

/// The system clock.
public struct SystemClock: SMDPClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A configuration error found when the SM-DP+ is set up.
public enum SMDPConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case certificate(String)
    case keyMismatch(String)
    case missingDPpb(ciPKId: String)
    case invalidAddress(String)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .certificate(let m): "SM-DP+ certificate: \(m)"
        case .keyMismatch(let m): "SM-DP+ private key does not match \(m)"
        case .missingDPpb(let id): "no CERT.DPpb for CI \(id) although a CERT.DPauth exists for it"
        case .invalidAddress(let m): "invalid SM-DP+ address: \(m)"
        case .invalidSetting(let m): "invalid SM-DP+ setting: \(m)"
        }
    }
}

/// A certificate (CERT.DPauth or CERT.DPpb) with its private key and the CI it chains to.
public struct SMDPSigningIdentity: Sendable {
    /// The certificate exactly as sent to the LPA.
    public let certificateDER: [UInt8]
    public let certificate: Certificate
    public let privateKey: P256.Signing.PrivateKey
    /// The CI SubjectKeyIdentifier = this certificate's AuthorityKeyIdentifier.
    public let ciPKId: [UInt8]
    /// The SM-DP+ OID from SubjectAltName registeredID.
    public let smdpOid: ASN1ObjectIdentifier

    public init(certificateDER: [UInt8], privateKey: P256.Signing.PrivateKey) throws(SMDPConfigurationError) {
        do {
            certificate = try PKIDecoder.certificate(certificateDER)
            ciPKId = try SGP22CertificateFields.authorityKeyIdentifier(certificate)
            smdpOid = try SGP22CertificateFields.smdpOID(certificate)
        } catch {
            throw .certificate("\(error)")
        }
        guard Certificate.PublicKey(privateKey.publicKey) == certificate.publicKey else {
            throw .keyMismatch(certificate.subject.description)
        }
        self.certificateDER = certificateDER
        self.privateKey = privateKey
    }

    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) throws(SMDPConfigurationError) {
        let der: [UInt8]
        do { der = try PKIEncoding.der(certificate) } catch { throw .certificate("\(error)") }
        try self.init(certificateDER: der, privateKey: privateKey)
    }
}

/// `host[:port]` of an SM-DP+ address, compared case-insensitively on the host.
public struct SMDPAddress: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int?

    public init(_ text: String) throws(SMDPConfigurationError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let hostPart = parts.first, !hostPart.isEmpty,
              hostPart.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "$") && $0 != UInt8(ascii: "/") }) else {
            throw .invalidAddress(text)
        }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else { throw .invalidAddress(text) }
            self.port = port
        } else {
            self.port = nil
        }
        self.host = hostPart.lowercased()
    }

    public var description: String { port.map { "\(host):\($0)" } ?? host }

    /// Whether an address an LPA used names this SM-DP+: same host, and either no port or our port
    /// (443 when ours has none).
    public func accepts(_ other: SMDPAddress) -> Bool {
        guard other.host == host else { return false }
        guard let otherPort = other.port else { return true }
        return otherPort == (port ?? 443)
    }
}

/// Everything an SM-DP+ instance needs besides its store.
public struct SMDPConfiguration: Sendable {
    public let address: SMDPAddress
    /// CERT.DPauth per CI (several CIs allowed, e.g. ours and the SGP.26 test CI).
    public let dpAuth: [SMDPSigningIdentity]
    /// CERT.DPpb per CI; one for every CI that has a DPauth.
    public let dpPb: [SMDPSigningIdentity]
    /// CIs under which EUM / eUICC certificates are accepted.
    public let trustStore: CITrustStore
    /// How long an ES9+ session stays valid after initiateAuthentication.
    public let sessionLifetime: TimeInterval
    /// How long after its session's lifetime a delivered BPP may stay without an installation result before
    /// the profile is moved to Error (and the operator told). Until then the same eUICC may download it again.
    public let deliveryTimeout: TimeInterval
    /// Wrong confirmation codes tolerated before the order is locked.
    public let maxConfirmationCodeAttempts: Int
    /// Host ID for the BSP CRT (`84`).
    public let bspHostId: [UInt8]
    /// Plaintext bytes per `86` segment of a BPP; nil keeps SGP.22's ≤ 1020-byte TLVs (see
    /// `BoundProfilePackageBuilder.profileElementPieceBytes`).
    public let bspProfileElementPieceBytes: Int?
    /// The enable/disable/delete notifications requested in every profile's StoreMetadata.
    public let notificationRequests: NotificationRequestPolicy

    public init(address: String, dpAuth: [SMDPSigningIdentity], dpPb: [SMDPSigningIdentity], trustStore: CITrustStore,
                sessionLifetime: TimeInterval = 600, deliveryTimeout: TimeInterval = 86_400, maxConfirmationCodeAttempts: Int = 3,
                bspHostId: [UInt8] = BoundProfilePackageBuilder.defaultHostId, bspProfileElementPieceBytes: Int? = nil,
                notificationRequests: NotificationRequestPolicy = .all) throws(SMDPConfigurationError) {
        self.address = try SMDPAddress(address)
        guard !dpAuth.isEmpty else { throw .invalidSetting("at least one CERT.DPauth is required") }
        for identity in dpAuth where !dpPb.contains(where: { $0.ciPKId == identity.ciPKId }) {
            throw .missingDPpb(ciPKId: HexBytes.encode(identity.ciPKId))
        }
        guard sessionLifetime > 0 else { throw .invalidSetting("sessionLifetime must be positive") }
        guard deliveryTimeout > 0 else { throw .invalidSetting("deliveryTimeout must be positive") }
        guard maxConfirmationCodeAttempts >= 1 else { throw .invalidSetting("maxConfirmationCodeAttempts must be ≥ 1") }
        guard (1...16).contains(bspHostId.count) else { throw .invalidSetting("bspHostId must be 1–16 bytes") }
        self.dpAuth = dpAuth
        self.dpPb = dpPb
        self.trustStore = trustStore
        self.sessionLifetime = sessionLifetime
        self.deliveryTimeout = deliveryTimeout
        self.maxConfirmationCodeAttempts = maxConfirmationCodeAttempts
        self.bspHostId = bspHostId
        if let piece = bspProfileElementPieceBytes, !(1...BSPSegmentTag.profileElement.maxInteropPlaintextBytes).contains(piece) {
            throw .invalidSetting("bspProfileElementPieceBytes must be 1–\(BSPSegmentTag.profileElement.maxInteropPlaintextBytes)")
        }
        self.bspProfileElementPieceBytes = bspProfileElementPieceBytes
        self.notificationRequests = notificationRequests
    }

    func dpAuth(forCI pkId: [UInt8]) -> SMDPSigningIdentity? { dpAuth.first { $0.ciPKId == pkId } }
    func dpPb(forCI pkId: [UInt8]) -> SMDPSigningIdentity? { dpPb.first { $0.ciPKId == pkId } }
}

/// Random bytes from the system CSPRNG.
enum SecureRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

extension SMDPConfiguration {
    /// Validates every CERT.DPauth and CERT.DPpb by SGP.22 rules against the trusted CI it names
    /// (run at start-up; an eUICC would reject a certificate that fails here). Returns one line per problem.
    public func certificateProblems(at time: Date) async -> [String] {
        var problems: [String] = []
        for (role, identities) in [(SGP22CertificateRole.dpAuth, dpAuth), (.dpPb, dpPb)] {
            for identity in identities {
                let name = "\(role.rawValue) \(identity.certificate.subject)"
                guard let ci = trustStore.certificate(forPKId: identity.ciPKId) else {
                    problems.append("\(name): CI \(HexBytes.encode(identity.ciPKId)) is not in the trust store")
                    continue
                }
                let result = await SGP22ChainValidator.validate(leaf: identity.certificate, role: role, trustedCI: ci, at: time)
                if !result.isValid { problems.append("\(name): \(result.failureReasons.joined(separator: "; "))") }
            }
        }
        return problems
    }
}
