// What a portal client is told on a refusal: a stable code, a fixed public text and the request id.
// The detail (an RPC error, a file name) goes only to the log under the same request id.
import Hummingbird

public struct PortalError: Error, Sendable {
    public enum Code: String, Sendable {
        case notFound = "portal-not-found"
        case badRequest = "portal-bad-request"
        case searchInvalid = "portal-search-invalid"
        case planUnavailable = "portal-plan-unavailable"
        case authorizationInvalid = "portal-authorization-invalid"
        case purchaseRefused = "portal-purchase-refused"
        case chainUnavailable = "portal-chain-unavailable"
        case orderingUnavailable = "portal-ordering-unavailable"
        case orderInvalid = "portal-order-invalid"
        case orderRefused = "portal-order-refused"
    }

    public let code: Code
    /// Shown to the client: never library internals.
    public let message: String
    /// Logged only.
    public let detail: String?

    public init(_ code: Code, _ message: String, detail: String? = nil) {
        self.code = code; self.message = message; self.detail = detail
    }

    var status: HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .badRequest, .searchInvalid, .authorizationInvalid, .orderInvalid: .badRequest
        case .planUnavailable, .purchaseRefused, .orderRefused: .conflict
        case .chainUnavailable, .orderingUnavailable: .serviceUnavailable
        }
    }
}
