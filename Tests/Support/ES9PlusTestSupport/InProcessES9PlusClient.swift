import ES9PlusAPI
import LPA
import SMDPCore

/// An `ES9PlusClient` that calls the SM-DP+'s real `ES9PlusService` in-process, with every request
/// and response going through the ES9+ JSON encoding as over HTTPS. For tests that join the LPA
/// (or the ES10 path) to a real SM-DP+ without a network.
public struct InProcessES9PlusClient: ES9PlusClient {
    public let service: ES9PlusService

    public init(service: ES9PlusService) {
        self.service = service
    }

    /// A JSON round trip, as over HTTPS; a message that does not survive it is a malformed response.
    public func json<T: Codable>(_ value: T) throws(ES9PlusClientError) -> T {
        do { return try ES9PlusJSON.decode(T.self, from: try ES9PlusJSON.encode(value)) } catch { throw .transport(.malformedResponse, error) }
    }

    public func initiateAuthentication(_ request: InitiateAuthenticationRequest) async throws(ES9PlusClientError) -> InitiateAuthenticationResponse {
        try json(await service.initiateAuthentication(try json(request)))
    }

    public func authenticateClient(_ request: AuthenticateClientRequest) async throws(ES9PlusClientError) -> AuthenticateClientResponse {
        try json(await service.authenticateClient(try json(request)))
    }

    public func getBoundProfilePackage(_ request: GetBoundProfilePackageRequest) async throws(ES9PlusClientError) -> GetBoundProfilePackageResponse {
        try json(await service.getBoundProfilePackage(try json(request)))
    }

    /// ES9+ answers 204 whatever the outcome; the outcome is the server's own business.
    public func handleNotification(_ request: HandleNotificationRequest) async throws(ES9PlusClientError) {
        _ = await service.handleNotification(try json(request))
    }

    public func cancelSession(_ request: ES9CancelSessionRequest) async throws(ES9PlusClientError) -> ES9CancelSessionResponse {
        try json(await service.cancelSession(try json(request)))
    }
}
