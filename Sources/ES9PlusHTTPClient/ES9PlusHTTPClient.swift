import ES9PlusAPI
import LPA
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// Settings of an `ES9PlusHTTPClient`.
public struct ES9PlusHTTPClientConfiguration: Sendable {
    /// DER certificates trusted as TLS roots. SGP.22 TLS certificates (CERT.DP.TLS) chain to a GSMA CI,
    /// so this is the CI certificate(s), not the system store.
    public var trustRootsDER: [[UInt8]]
    /// Deadline of one ES9+ call (connect, send, receive).
    public var timeout: TimeAmount
    /// Largest response body read (a BPP of a large profile is the biggest ES9+ message).
    public var maxResponseBytes: Int
    /// `X-Admin-Protocol` sent with every request.
    public var adminProtocol: String
    /// Run on every connection after the TLS verification and before the request (the LPA pins
    /// CERT.DPtls to the TrustRegistry with it); nil: no check beyond the trust roots and host name.
    public var serverCertificateCheck: ES9PlusServerCertificateCheck?

    public init(trustRootsDER: [[UInt8]], timeout: TimeAmount = .seconds(30), maxResponseBytes: Int = 4 * 1024 * 1024,
                adminProtocol: String = ES9PlusProtocol.adminProtocolVersion,
                serverCertificateCheck: ES9PlusServerCertificateCheck? = nil) {
        self.trustRootsDER = trustRootsDER
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.adminProtocol = adminProtocol
        self.serverCertificateCheck = serverCertificateCheck
    }
}

/// The LPA side of ES9+ over HTTPS (SGP.22 §6.5, notes §1.1): each function POSTs the JSON request
/// to `https://<smdpAddress>/gsma/rsp2/es9plus/<function>` with `Content-Type: application/json`,
/// `X-Admin-Protocol` and `User-Agent: gsma-rsp-lpad`, and returns the function's output data.
/// TLS: only the configured roots are trusted; the host name (or IP address) is verified against the
/// server certificate; then `serverCertificateCheck`, if set, sees the certificate before any request
/// is sent on the connection. The connection is kept alive for the following calls (HTTP/1.1), so the
/// check runs once per connection, at its handshake; a new connection (after the server closed the old
/// one, or after `shutdown`) is checked again. Redirects are not followed.
public final class ES9PlusHTTPClient: Sendable {
    public let baseURL: String
    public let configuration: ES9PlusHTTPClientConfiguration
    private let exchange: HTTPSExchange
    private let connection: KeptAliveConnection
    private let hostHeader: String
    private let logger: Logger

    /// `smdpAddress` is `host[:port]` as in an activation code (port 443 when absent).
    public init(smdpAddress: String, configuration: ES9PlusHTTPClientConfiguration,
                logger: Logger = Logger(label: "openrsp.es9plus.client")) throws(ES9PlusHTTPClientError) {
        let address = try Self.validatedAddress(smdpAddress)
        self.baseURL = "https://" + address
        self.hostHeader = address
        self.configuration = configuration
        self.logger = logger
        guard !configuration.trustRootsDER.isEmpty else { throw .invalidTrustRoot("no trust root configured") }
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls.trustRoots = .certificates(try configuration.trustRootsDER.map { try NIOSSLCertificate(bytes: $0, format: .der) })
        } catch {
            throw .invalidTrustRoot("\(error)")
        }
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        let sslContext: NIOSSLContext
        do { sslContext = try NIOSSLContext(configuration: tls) } catch { throw .invalidTrustRoot("\(error)") }
        let parts = address.split(separator: ":")
        exchange = HTTPSExchange(host: String(parts[0]), port: parts.count == 2 ? Int(parts[1]) ?? 443 : 443,
                                 sslContext: sslContext, timeout: configuration.timeout, maxResponseBytes: configuration.maxResponseBytes)
        connection = KeptAliveConnection(exchange: exchange, check: configuration.serverCertificateCheck)
    }

    /// Closes the kept-alive connection (the next call opens and checks a new one).
    public func shutdown() async throws { await connection.close() }

    /// Connections opened so far: each one TLS handshake and one server-certificate check.
    public var connectionsOpened: Int { get async { await connection.connections } }

    // MARK: - ES9+ functions (SGP.22 §5.6)
    //
    // `LPA.ES9PlusClient`: a `Failed` header is returned as a value (use `requireOutput()` to turn it
    // into `ES9PlusHTTPClientError.failed`); a throw means no valid ES9+ response was obtained, as
    // `ES9PlusClientError` (the HTTPS detail in `httpError`).

    public func initiateAuthentication(_ request: InitiateAuthenticationRequest) async throws(ES9PlusClientError)
        -> InitiateAuthenticationResponse {
        try await lpa { () async throws(ES9PlusHTTPClientError) in try await call(.initiateAuthentication, request) }
    }

    public func authenticateClient(_ request: AuthenticateClientRequest) async throws(ES9PlusClientError) -> AuthenticateClientResponse {
        try await lpa { () async throws(ES9PlusHTTPClientError) in try await call(.authenticateClient, request) }
    }

    public func getBoundProfilePackage(_ request: GetBoundProfilePackageRequest) async throws(ES9PlusClientError)
        -> GetBoundProfilePackageResponse {
        try await lpa { () async throws(ES9PlusHTTPClientError) in try await call(.getBoundProfilePackage, request) }
    }

    /// Returns on HTTP 204. A server that answers 200 with a `Failed` header throws (`.failed` in `httpError`).
    public func handleNotification(_ request: HandleNotificationRequest) async throws(ES9PlusClientError) {
        try await lpa { () async throws(ES9PlusHTTPClientError) in
            let (status, headers, body) = try await post(.handleNotification, request)
            if status == 204 { return }
            guard status == 200 else { throw .httpStatus(code: status, function: .handleNotification) }
            _ = try decodeResponse(ES9PlusNoOutput.self, headers: headers, body: body).requireOutput()
            throw .malformedResponse("handleNotification answered 200 with a successful header instead of 204")
        }
    }

    public func cancelSession(_ request: ES9CancelSessionRequest) async throws(ES9PlusClientError) -> ES9CancelSessionResponse {
        try await lpa { () async throws(ES9PlusHTTPClientError) in try await call(.cancelSession, request) }
    }

    private func lpa<T>(_ body: () async throws(ES9PlusHTTPClientError) -> T) async throws(ES9PlusClientError) -> T {
        do { return try await body() } catch { throw ES9PlusClientError(error) }
    }

    // MARK: - Plumbing

    func call<Output: ES9PlusOutput>(_ function: ES9PlusFunction, _ request: some Encodable)
        async throws(ES9PlusHTTPClientError) -> ES9PlusResponse<Output> {
        let (status, headers, body) = try await post(function, request)
        guard status == 200 else { throw .httpStatus(code: status, function: function) }
        return try decodeResponse(Output.self, headers: headers, body: body)
    }

    func decodeResponse<Output: ES9PlusOutput>(_: Output.Type, headers: HTTPHeaders, body: ByteBuffer)
        throws(ES9PlusHTTPClientError) -> ES9PlusResponse<Output> {
        let contentType = headers.first(name: "Content-Type")
        let mediaType = contentType?.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard mediaType == "application/json" else { throw .unexpectedContentType(contentType) }
        do { return try ES9PlusJSON.decode(ES9PlusResponse<Output>.self, from: Data(body.readableBytesView)) } catch {
            throw .malformedResponse(error.description)
        }
    }

    func post(_ function: ES9PlusFunction, _ body: some Encodable) async throws(ES9PlusHTTPClientError)
        -> (status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        let data: Data
        do { data = try ES9PlusJSON.encode(body) } catch { throw .malformedResponse("cannot encode the request: \(error)") }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: hostHeader)
        headers.add(name: "Content-Type", value: ES9PlusProtocol.requestContentType)
        headers.add(name: "Content-Length", value: "\(data.count)")
        headers.add(name: ES9PlusProtocol.adminProtocolHeader, value: configuration.adminProtocol)
        headers.add(name: "User-Agent", value: ES9PlusProtocol.userAgent)
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: function.path, headers: headers)
        logger.debug("ES9+ request", metadata: ["es9.function": "\(function.rawValue)", "bytes": "\(data.count)"])
        do {
            let response = try await connection.perform(head, body: ByteBuffer(bytes: data))
            return (Int(response.head.status.code), response.head.headers, response.body)
        } catch {
            let classified = Self.classify(error, responseLimit: configuration.maxResponseBytes)
            guard case .tlsHandshake = classified, let problem = await diagnoseCertificate() else { throw classified }
            throw .tlsCertificate(problem)
        }
    }

    /// After a refused handshake: which certificate rule the server's chain breaks (nil if none, or if
    /// the chain cannot be read again).
    func diagnoseCertificate() async -> TLSCertificateProblem? {
        guard let presented = try? await exchange.presentedChain() else { return nil }
        return TLSCertificateDiagnosis.diagnose(presented: presented, trustRootsDER: configuration.trustRootsDER, host: exchange.host)
    }

    static func classify(_ error: any Error, responseLimit: Int) -> ES9PlusHTTPClientError {
        if let failure = error as? HTTPSExchange.Failure {
            switch failure {
            case .deadlinePassed: return .transport("no complete answer within the deadline")
            case .closedBeforeResponse: return .transport("the connection closed before a complete response")
            case .responseTooLarge: return .responseTooLarge(limit: responseLimit)
            case .noPeerCertificate: return .tlsHandshake("the server presented no certificate")
            case let .certificateRefused(error): return .serverCertificateRefused("\(error)", trust: error as? SMDPTrustError)
            }
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return .tlsHandshake(String(describing: error))
        }
        return .transport(String(describing: error))
    }

    static func validatedAddress(_ address: String) throws(ES9PlusHTTPClientError) -> String {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let host = parts.first, !host.isEmpty,
              host.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D || $0 == 0x2E }) else {
            throw .invalidServerAddress(address)
        }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else { throw .invalidServerAddress(address) }
        }
        return address
    }
}

extension ES9PlusResponse {
    /// The output data of an executed function, or `ES9PlusHTTPClientError.failed` carrying the
    /// server's subjectCode/reasonCode.
    public func requireOutput() throws(ES9PlusHTTPClientError) -> Output {
        let execution = header.functionExecutionStatus
        guard execution.status.isExecuted, let output else {
            let codes = execution.statusCodeData ?? ES9PlusStatusCodeData(subjectCode: "", reasonCode: "", message: "no statusCodeData")
            throw .failed(codes, executionStatus: execution.status)
        }
        return output
    }
}

/// `ES9PlusHTTPClient` is the HTTPS binding of the LPA's `ES9PlusClient`.
extension ES9PlusHTTPClient: ES9PlusClient {}
