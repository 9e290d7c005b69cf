/// Constants of the SGP.22 ES9+ HTTP binding (SGP.22 §6.1–§6.5, notes §1.1).
public enum ES9PlusProtocol {
    /// `X-Admin-Protocol` header name.
    public static let adminProtocolHeader = "X-Admin-Protocol"
    /// The version this implementation speaks: `gsma/rsp/v2.x.y`.
    public static let adminProtocolVersion = "gsma/rsp/v2.2.2"
    /// Request `Content-Type`.
    public static let requestContentType = "application/json"
    /// Response `Content-Type`.
    public static let responseContentType = "application/json;charset=UTF-8"
    /// `User-Agent` an LPA sends.
    public static let userAgent = "gsma-rsp-lpad"
    /// Common prefix of every ES9+ function path.
    public static let pathPrefix = "/gsma/rsp2/es9plus/"
}

/// The five ES9+ functions an LPA calls on an SM-DP+ (SGP.22 §5.6).
public enum ES9PlusFunction: String, CaseIterable, Sendable {
    case initiateAuthentication
    case authenticateClient
    case getBoundProfilePackage
    case handleNotification
    case cancelSession

    /// `/gsma/rsp2/es9plus/<function>`.
    public var path: String { ES9PlusProtocol.pathPrefix + rawValue }

    /// handleNotification answers HTTP 204 with an empty body; the others HTTP 200 with JSON.
    public var respondsWithoutBody: Bool { self == .handleNotification }
}
