import ES9PlusAPI

/// The LPA's view of one SM-DP+ over ES9+ (SGP.22 §5.6): the five functions with their typed
/// requests and responses. The HTTPS binding lives outside the LPA core; an implementation
/// returns the server's response as decoded (a `Failed` header is a value, not a throw) and
/// throws only when no response was obtained (connection, TLS, HTTP status, malformed JSON).
public protocol ES9PlusClient: Sendable {
    /// ES9+.InitiateAuthentication.
    func initiateAuthentication(_ request: InitiateAuthenticationRequest) async throws -> InitiateAuthenticationResponse
    /// ES9+.AuthenticateClient.
    func authenticateClient(_ request: AuthenticateClientRequest) async throws -> AuthenticateClientResponse
    /// ES9+.GetBoundProfilePackage.
    func getBoundProfilePackage(_ request: GetBoundProfilePackageRequest) async throws -> GetBoundProfilePackageResponse
    /// ES9+.HandleNotification: returns once the server acknowledged receipt (HTTP 204).
    func handleNotification(_ request: HandleNotificationRequest) async throws
    /// ES9+.CancelSession.
    func cancelSession(_ request: ES9CancelSessionRequest) async throws -> ES9CancelSessionResponse
}

/// An error an `ES9PlusClient` transport throws when the LPA's trust policy refused the SM-DP+ at the
/// transport level (the TLS certificate check): the downloader reports it as `smdpNotTrusted`.
public protocol ES9PlusTrustRefusal: Error {
    var smdpTrustError: SMDPTrustError? { get }
}

/// Gives the `ES9PlusClient` for an SM-DP+ address (the activation code's address, or a
/// notification's `notificationAddress`).
public typealias ES9PlusConnector = @Sendable (_ address: String) throws -> any ES9PlusClient
