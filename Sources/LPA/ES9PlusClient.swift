import ES9PlusAPI

/// The LPA's view of one SM-DP+ over ES9+ (SGP.22 §5.6): the five functions with their typed
/// requests and responses. The HTTPS binding lives outside the LPA core; an implementation
/// returns the server's response as decoded (a `Failed` header is a value, not a throw) and
/// throws `ES9PlusClientError` only when no valid response was obtained (trust refusal, connection,
/// TLS, HTTP status, malformed JSON).
public protocol ES9PlusClient: Sendable {
    /// ES9+.InitiateAuthentication.
    func initiateAuthentication(_ request: InitiateAuthenticationRequest) async throws(ES9PlusClientError) -> InitiateAuthenticationResponse
    /// ES9+.AuthenticateClient.
    func authenticateClient(_ request: AuthenticateClientRequest) async throws(ES9PlusClientError) -> AuthenticateClientResponse
    /// ES9+.GetBoundProfilePackage.
    func getBoundProfilePackage(_ request: GetBoundProfilePackageRequest) async throws(ES9PlusClientError) -> GetBoundProfilePackageResponse
    /// ES9+.HandleNotification: returns once the server acknowledged receipt (HTTP 204).
    func handleNotification(_ request: HandleNotificationRequest) async throws(ES9PlusClientError)
    /// ES9+.CancelSession.
    func cancelSession(_ request: ES9CancelSessionRequest) async throws(ES9PlusClientError) -> ES9CancelSessionResponse
}

/// What kind of failure kept an `ES9PlusClient` from obtaining a valid ES9+ response.
public enum ES9PlusTransportFailure: Sendable, Hashable {
    /// No answer: connection refused or reset, name not resolved, deadline passed.
    case unreachable
    /// The TLS handshake failed or the server's TLS certificate was refused.
    case tlsRefused
    /// The server answered an HTTP status ES9+ does not define for the function.
    case httpStatus(Int)
    /// The answer is not a valid ES9+ message (content type, size, JSON, Base64, DER).
    case malformedResponse
    /// The client could not be set up (bad address, bad trust root): nothing was sent.
    case invalidConfiguration
}

/// Why an `ES9PlusClient` obtained no valid ES9+ response. The LPA owns both cases: the downloader
/// maps them to `ProfileDownloadError` without knowing the transport.
public enum ES9PlusClientError: Error, Sendable, CustomStringConvertible {
    /// The LPA's trust policy refused the SM-DP+ at the transport (the check of its TLS certificate at
    /// the handshake); nothing was sent.
    case smdpNotTrusted(SMDPTrustError)
    /// No valid response, classified; the transport's own error carries the detail.
    case transport(ES9PlusTransportFailure, any Error & Sendable)

    public var description: String {
        switch self {
        case .smdpNotTrusted(let trust): "SM-DP+ not trusted: \(trust)"
        case .transport(_, let cause): "\(cause)"
        }
    }
}

/// Gives the `ES9PlusClient` for an SM-DP+ address (the activation code's address, or a
/// notification's `notificationAddress`).
public typealias ES9PlusConnector = @Sendable (_ address: String) throws -> any ES9PlusClient
