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
        case evidenceInvalid = "portal-evidence-invalid"
        case notOwner = "portal-not-owner"
        case nothingToDispute = "portal-no-pending-batch"
        case evidenceMismatch = "portal-evidence-mismatch"
        case noContradiction = "portal-no-contradiction"
        case disputeWindowClosed = "portal-dispute-window-closed"
        case nothingOwed = "portal-nothing-owed"
        case actionRefused = "portal-action-refused"
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
        case .badRequest, .searchInvalid, .authorizationInvalid, .orderInvalid, .evidenceInvalid: .badRequest
        case .notOwner: .forbidden
        case .planUnavailable, .purchaseRefused, .orderRefused, .nothingToDispute, .evidenceMismatch, .noContradiction,
             .disputeWindowClosed, .nothingOwed, .actionRefused: .conflict
        case .chainUnavailable, .orderingUnavailable: .serviceUnavailable
        }
    }
}
