// The resource server's side of x402: what a paid resource asks for, how a client's payment header is read and
// matched to it, and the answers' headers. Transport-free: the HTTP layer passes header values in and out.
import EthereumCore
import EthereumRPC
import Foundation

/// One paid resource: its requirements (one way to pay) and the facilitator that verifies and settles.
public struct X402Paywall: Sendable {
    public let resource: X402Resource
    public let requirements: X402Requirements
    public let facilitator: X402Facilitator

    /// `price` base units of `asset` (an EIP-3009 token whose EIP-712 domain is `tokenName`/`tokenVersion`) to
    /// `payTo` on the facilitator's chain; a payment stays valid for at most `maxTimeoutSeconds`.
    public init(resource: X402Resource, price: UInt256, asset: Address, tokenName: String, tokenVersion: String, payTo: Address,
                facilitator: X402Facilitator, maxTimeoutSeconds: Int = 300) {
        self.resource = resource
        self.facilitator = facilitator
        requirements = X402Requirements(
            scheme: "exact", network: facilitator.network.description, asset: asset.checksummed, amount: price.description,
            payTo: payTo.checksummed, maxTimeoutSeconds: maxTimeoutSeconds,
            extra: ["name": .string(tokenName), "version": .string(tokenVersion)])
    }

    /// The 402 answer: the `PAYMENT-REQUIRED` header value and the JSON body (v2 `PaymentRequired`; a v1 client
    /// reads the same requirements from `accepts`).
    public func paymentRequired(error: String?) -> (header: String, body: X402PaymentRequired) {
        let body = X402PaymentRequired(error: error, resource: resource, accepts: [requirements])
        return (X402Codec.encodeHeader(body), body)
    }

    /// The payment a request carries: `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1); nil when it has neither.
    public func payment(v2Header: String?, v1Header: String?) throws(X402Refusal) -> X402PaymentPayload? {
        try X402PaymentReader(requirements: requirements).payment(v2Header: v2Header, v1Header: v1Header)
    }

    /// The header that carries the settlement answer for a payment of `version`.
    public static func responseHeader(version: Int) -> String {
        version == 1 ? X402Header.xPaymentResponse : X402Header.paymentResponse
    }
}

/// Reads a client's payment header and matches it to one resource's requirements.
public struct X402PaymentReader: Sendable {
    public let requirements: X402Requirements

    public init(requirements: X402Requirements) { self.requirements = requirements }

    /// The payment in `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1); nil when there is neither. A header that does not
    /// decode is `invalid_payload`; a payment for other requirements is `no_matching_payment_requirements`.
    public func payment(v2Header: String?, v1Header: String?) throws(X402Refusal) -> X402PaymentPayload? {
        guard let text = v2Header ?? v1Header else { return nil }
        let payload: X402PaymentPayload
        do { payload = try X402Codec.decodeHeader(X402PaymentPayload.self, text) } catch {
            throw X402Refusal(.invalidPayload, error.description)
        }
        let expected = v2Header != nil ? 2 : 1
        guard payload.x402Version == expected else {
            throw X402Refusal(.invalidPayload, "x402Version \(payload.x402Version) in the version-\(expected) header")
        }
        guard matches(payload) else { throw X402Refusal(.noMatchingRequirements, "the payment is not for what this resource asks") }
        return payload
    }

    /// v2: `accepted` must be these requirements (addresses compared as addresses, `extra` as a subset);
    /// v1: scheme and network must be these.
    public func matches(_ p: X402PaymentPayload) -> Bool {
        guard let a = p.accepted else {
            return p.scheme == requirements.scheme
                && (try? X402Network(p.network ?? "", legacyNames: true)) == (try? X402Network(requirements.network))
        }
        let r = requirements
        return a.scheme == r.scheme && a.network == r.network && a.amount == r.amount
            && (try? Address(hex: a.asset)) == (try? Address(hex: r.asset))
            && (try? Address(hex: a.payTo)) == (try? Address(hex: r.payTo))
            && r.extra.allSatisfy { a.extra[$0.key] == $0.value }
    }
}
