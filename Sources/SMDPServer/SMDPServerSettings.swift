import Crypto
import Foundation
import NIOCore
import NIOSSL

/// A server setting that cannot be used.
public enum SMDPServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `--insecure-loopback-http` with a bind address that is not a loopback address.
    case insecureHTTPOnNonLoopback(host: String)
    /// The DP-TLS certificate or key could not be turned into a TLS configuration.
    case tlsCredentials(String)
    /// A limit or port outside its range.
    case invalidSetting(String)
    /// The PKI directory lacks something the SM-DP+ needs.
    case pki(String)

    public var description: String {
        switch self {
        case .insecureHTTPOnNonLoopback(let host):
            "plain HTTP is only allowed on a loopback address (127.0.0.0/8, ::1, localhost), not \(host)"
        case .tlsCredentials(let m): "DP-TLS credentials: \(m)"
        case .invalidSetting(let m): "invalid server setting: \(m)"
        case .pki(let m): "SM-DP+ PKI: \(m)"
        }
    }
}

/// CERT.DP.TLS (then any intermediates) and its private key, as the TLS server presents them.
public struct SMDPTLSCredentials: Sendable {
    /// Leaf first, DER.
    public let certificateChainDER: [[UInt8]]
    public let privateKey: P256.Signing.PrivateKey

    public init(certificateChainDER: [[UInt8]], privateKey: P256.Signing.PrivateKey) throws(SMDPServerError) {
        guard !certificateChainDER.isEmpty else { throw .tlsCredentials("the certificate chain is empty") }
        self.certificateChainDER = certificateChainDER
        self.privateKey = privateKey
    }

    /// TLS 1.2 suites offered: ECDHE with the ECDSA DP-TLS key and AES-GCM (SGP.22's ES9+/ES2+ TLS profile
    /// as far as BoringSSL implements it; no SHA-1, no CBC, no RSA key exchange). TLS 1.3 suites are all AEAD.
    public static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ]

    /// The swift-nio-ssl server configuration: our chain and key, TLS 1.2 (`tls12CipherSuites` only) or 1.3.
    public func serverTLSConfiguration() throws(SMDPServerError) -> TLSConfiguration {
        do {
            let chain = try certificateChainDER.map { NIOSSLCertificateSource.certificate(try NIOSSLCertificate(bytes: $0, format: .der)) }
            let key = try NIOSSLPrivateKey(bytes: Array(privateKey.pemRepresentation.utf8), format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            configuration.cipherSuiteValues = Self.tls12CipherSuites
            return configuration
        } catch {
            throw .tlsCredentials("\(error)")
        }
    }
}

/// How the SM-DP+ listens.
public struct SMDPServerSettings: Sendable {
    public enum Transport: Sendable {
        /// HTTPS with CERT.DP.TLS (the only mode for anything but local development).
        case tls(SMDPTLSCredentials)
        /// Plain HTTP, allowed only on a loopback bind address (`--insecure-loopback-http`).
        case insecureLoopbackHTTP
    }

    /// Largest ES9+ request body accepted; larger bodies get HTTP 413 without being read further.
    /// 64 KiB: the largest ES9+ request (authenticateClient with euiccInfo2, eUICC and EUM certificates)
    /// is a few KiB.
    public static let defaultMaxRequestBodyBytes = 64 * 1024
    /// A connection that sends or receives nothing for this long is closed. A client that trickles bytes
    /// restarts this timer with each one; `ConnectionLimits.requestDeadline` is what bounds a whole request.
    public static let defaultIdleTimeout: TimeAmount = .seconds(30)

    public let host: String
    public let port: Int
    public let transport: Transport
    public let maxRequestBodyBytes: Int
    public let idleTimeout: TimeAmount
    /// Request deadline and connection caps (`ConnectionLimits`).
    public let limits: ConnectionLimits
    /// ES9+ requests per client address (nil: unlimited).
    public let rateLimit: RateLimit?
    /// SHA-256 of the bearer token `/metrics` requires (nil: open, behind the same network policy as ES9+).
    public let metricsTokenSHA256: [UInt8]?

    public init(host: String, port: Int, transport: Transport, maxRequestBodyBytes: Int = Self.defaultMaxRequestBodyBytes,
                idleTimeout: TimeAmount = Self.defaultIdleTimeout, limits: ConnectionLimits? = nil,
                rateLimit: RateLimit? = .defaultES9Plus, metricsTokenSHA256: [UInt8]? = nil) throws(SMDPServerError) {
        guard (0...65535).contains(port) else { throw .invalidSetting("port \(port) is outside 0…65535") }
        guard maxRequestBodyBytes >= 1024 else { throw .invalidSetting("maxRequestBodyBytes must be at least 1024") }
        guard idleTimeout > .zero else { throw .invalidSetting("idleTimeout must be positive") }
        if case .insecureLoopbackHTTP = transport, !Self.isLoopback(host) {
            throw .insecureHTTPOnNonLoopback(host: host)
        }
        self.host = host
        self.port = port
        self.transport = transport
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.idleTimeout = idleTimeout
        if let limits { self.limits = limits } else { self.limits = try ConnectionLimits() }
        if let rateLimit, !(rateLimit.ratePerSecond > 0 && rateLimit.burst >= 1) {
            throw .invalidSetting("rate limit needs a positive rate and a burst of at least 1")
        }
        if let metricsTokenSHA256, metricsTokenSHA256.count != 32 { throw .invalidSetting("metricsTokenSHA256 must be 32 bytes") }
        self.rateLimit = rateLimit
        self.metricsTokenSHA256 = metricsTokenSHA256
    }

    /// `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            return bytes == [UInt8](repeating: 0, count: 15) + [1]
        }
        return false
    }
}
