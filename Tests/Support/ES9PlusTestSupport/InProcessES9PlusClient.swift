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

    func json<T: Codable>(_ value: T) throws -> T { try ES9PlusJSON.decode(T.self, from: try ES9PlusJSON.encode(value)) }

    public func initiateAuthentication(_ request: InitiateAuthenticationRequest) async throws -> InitiateAuthenticationResponse {
        try json(await service.initiateAuthentication(try json(request)))
    }

    public func authenticateClient(_ request: AuthenticateClientRequest) async throws -> AuthenticateClientResponse {
        try json(await service.authenticateClient(try json(request)))
    }

    public func getBoundProfilePackage(_ request: GetBoundProfilePackageRequest) async throws -> GetBoundProfilePackageResponse {
        try json(await service.getBoundProfilePackage(try json(request)))
    }

    /// ES9+ answers 204 whatever the outcome; the outcome is the server's own business.
    public func handleNotification(_ request: HandleNotificationRequest) async throws {
        _ = await service.handleNotification(try json(request))
    }

    public func cancelSession(_ request: ES9CancelSessionRequest) async throws -> ES9CancelSessionResponse {
        try json(await service.cancelSession(try json(request)))
    }
}
