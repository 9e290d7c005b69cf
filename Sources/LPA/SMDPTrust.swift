import Foundation
import RSPCrypto

/// What the LPA checks about an SM-DP+ before it hands ServerSigned1 to the eUICC (docs/CHAIN-TRUST.md).
///
/// Whatever the mode, the eUICC itself always verifies CERT.DPauth against its CI in
/// ES10b.AuthenticateServer (SGP.22 §5.7.13); the LPA cannot switch that off.
public enum SMDPTrustMode: String, Sendable, Hashable, CaseIterable {
    /// Only the on-chain registry: `TrustRegistry.isTrusted(SMDP, sha256(SPKI of CERT.DPauth))` must be
    /// true. The LPA does not validate the certificate chain itself.
    case chain
    /// Only the GSMA PKI: the LPA validates CERT.DPauth by SGP.22 rules to the CI the SM-DP+ chose
    /// (`euiccCiPKIdToBeUsed`), which must be in the LPA's CI trust store. No chain query.
    case ci
    /// Both checks; either failing refuses the SM-DP+.
    case both

    public var checksRegistry: Bool { self != .ci }
    public var checksCIChain: Bool { self != .chain }
}

/// Where an SM-DP+ key stands in the on-chain registry.
public enum SMDPRegistryStatus: String, Sendable, Hashable {
    case active
    case suspended
    case revoked
    /// No SM-DP+ entity holds this SPKI hash.
    case unregistered
}

/// Answers whether an SM-DP+ key is trusted. The LPA defines it; ChainTrust implements it over
/// `TrustRegistry`. An implementation throws only when it cannot answer (then the LPA refuses too).
public protocol SMDPTrustOracle: Sendable {
    /// The registry status of the SM-DP+ entity holding `spkiSHA256` (32 bytes) for role SM-DP+.
    func smdpStatus(spkiSHA256: [UInt8]) async throws -> SMDPRegistryStatus
}

/// Why the LPA refused an SM-DP+.
public enum SMDPTrustError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server certificate from initiateAuthentication does not decode.
    case certificateUnreadable(String)
    /// The registry does not list the key as an active SM-DP+ (suspended, revoked or unregistered).
    case notTrustedOnChain(status: SMDPRegistryStatus, spkiSHA256: [UInt8])
    /// The key of the SM-DP+'s TLS server certificate (CERT.DPtls) is not an active SM-DP+ key in the registry.
    case tlsKeyNotTrustedOnChain(status: SMDPRegistryStatus, spkiSHA256: [UInt8])
    /// The registry could not be asked (node down, timeout, malformed answer).
    case registryUnavailable(String)
    /// CERT.DPauth does not validate to a CI in the LPA's trust store.
    case ciChainInvalid([String])

    public var description: String {
        switch self {
        case let .certificateUnreadable(reason): "SM-DP+ certificate unreadable: \(reason)"
        case let .notTrustedOnChain(status, hash):
            "SM-DP+ key sha256(SPKI)=\(hash.map { String(format: "%02x", $0) }.joined()) is \(status.rawValue) in the TrustRegistry"
        case let .tlsKeyNotTrustedOnChain(status, hash):
            "SM-DP+ TLS key sha256(SPKI)=\(hash.map { String(format: "%02x", $0) }.joined()) is \(status.rawValue) in the TrustRegistry"
        case let .registryUnavailable(reason): "TrustRegistry could not be checked: \(reason)"
        case let .ciChainInvalid(reasons): "SM-DP+ certificate does not chain to a trusted CI: \(reasons.joined(separator: "; "))"
        }
    }
}

/// What a passed trust check established.
public struct SMDPTrustEvidence: Sendable, Hashable {
    public let mode: SMDPTrustMode
    /// sha256(SubjectPublicKeyInfo) of CERT.DPauth.
    public let dpAuthSPKISHA256: [UInt8]

    public init(mode: SMDPTrustMode, dpAuthSPKISHA256: [UInt8]) {
        self.mode = mode
        self.dpAuthSPKISHA256 = dpAuthSPKISHA256
    }
}

/// The LPA's SM-DP+ trust policy: a mode plus what that mode needs.
public struct SMDPTrustPolicy: Sendable {
    public let mode: SMDPTrustMode
    public let oracle: (any SMDPTrustOracle)?
    public let ciTrustStore: CITrustStore?

    /// A policy misconfiguration: `chain`/`both` need an oracle, `ci`/`both` a CI trust store.
    public struct Misconfigured: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public init(mode: SMDPTrustMode, oracle: (any SMDPTrustOracle)?, ciTrustStore: CITrustStore?) throws(Misconfigured) {
        if mode.checksRegistry, oracle == nil {
            throw Misconfigured(description: "trust mode \(mode.rawValue) needs the on-chain TrustRegistry (an oracle)")
        }
        if mode.checksCIChain, ciTrustStore?.pkIds.isEmpty ?? true {
            throw Misconfigured(description: "trust mode \(mode.rawValue) needs at least one CI certificate")
        }
        self.mode = mode
        self.oracle = oracle
        self.ciTrustStore = ciTrustStore
    }

    /// Checks CERT.DPauth (`serverCertificateDER`, chosen for CI `ciPKId`) by this policy.
    public func check(serverCertificateDER: [UInt8], ciPKId: [UInt8], at time: Date = Date()) async throws(SMDPTrustError) -> SMDPTrustEvidence {
        let spkiHash = try Self.spkiSHA256(serverCertificateDER)
        if mode.checksCIChain, let ciTrustStore {
            let failures = await ciTrustStore.serverCertificateFailures(der: serverCertificateDER, role: .dpAuth, ciPKId: ciPKId, at: time)
            guard failures.isEmpty else { throw .ciChainInvalid(failures) }
        }
        if let status = try await registryStatus(spkiHash), status != .active {
            throw .notTrustedOnChain(status: status, spkiSHA256: spkiHash)
        }
        return SMDPTrustEvidence(mode: mode, dpAuthSPKISHA256: spkiHash)
    }

    /// Checks the SM-DP+'s TLS server certificate (CERT.DPtls, DER), which the TLS layer has already
    /// verified to the trusted roots (the CI) and the host name: in `chain` and `both` its key must be an
    /// active SM-DP+ key in the registry, like CERT.DPauth's. In `ci` there is nothing more to check.
    public func checkTLSServerCertificate(der: [UInt8]) async throws(SMDPTrustError) {
        let spkiHash = try Self.spkiSHA256(der)
        if let status = try await registryStatus(spkiHash), status != .active {
            throw .tlsKeyNotTrustedOnChain(status: status, spkiSHA256: spkiHash)
        }
    }

    /// `checkTLSServerCertificate` as the hook an ES9+ transport runs on every connection before it sends
    /// anything; nil when this mode checks no registry.
    public var tlsServerCertificateCheck: (@Sendable ([UInt8]) async throws -> Void)? {
        guard mode.checksRegistry else { return nil }
        return { [self] der in try await checkTLSServerCertificate(der: der) }
    }

    /// sha256(SubjectPublicKeyInfo DER) of a DER certificate: the key hash the registry lists.
    private static func spkiSHA256(_ der: [UInt8]) throws(SMDPTrustError) -> [UInt8] {
        do { return try CertificateDigests.spkiSHA256(PKIDecoder.certificate(der)) } catch {
            throw .certificateUnreadable("\(error)")
        }
    }

    /// The registry status of an SM-DP+ key, or nil when this mode does not consult the registry.
    private func registryStatus(_ spkiHash: [UInt8]) async throws(SMDPTrustError) -> SMDPRegistryStatus? {
        guard mode.checksRegistry, let oracle else { return nil }
        do { return try await oracle.smdpStatus(spkiSHA256: spkiHash) } catch {
            throw .registryUnavailable("\(error)")
        }
    }
}
