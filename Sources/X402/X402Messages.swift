// x402 payment messages (protocol versions 2 and 1) as they travel in JSON and base64 headers.
// Field names follow the x402 specification (camelCase); unknown fields are ignored (Postel), missing
// mandatory ones are refused by the decoder.
import EthereumRPC
import Foundation

/// HTTP header names of x402.
public enum X402Header {
    /// v2: the server's base64 JSON `PaymentRequired`, on a 402 answer.
    public static let paymentRequired = "PAYMENT-REQUIRED"
    /// v2: the client's base64 JSON `PaymentPayload`.
    public static let paymentSignature = "PAYMENT-SIGNATURE"
    /// v2: the server's base64 JSON `SettleResponse`.
    public static let paymentResponse = "PAYMENT-RESPONSE"
    /// v1 (legacy): the client's base64 JSON payload.
    public static let xPayment = "X-PAYMENT"
    /// v1 (legacy): the server's settlement answer.
    public static let xPaymentResponse = "X-PAYMENT-RESPONSE"
}

/// The resource a payment is for.
public struct X402Resource: Codable, Sendable, Hashable {
    public var url: String
    public var description: String?
    public var mimeType: String?

    public init(url: String, description: String? = nil, mimeType: String? = nil) {
        self.url = url
        self.description = description
        self.mimeType = mimeType
    }
}

/// One way to pay (v2 `PaymentRequirements`). For scheme `exact` on EVM chains `extra` carries the
/// token's EIP-712 domain `name` and `version`.
public struct X402Requirements: Codable, Sendable, Hashable {
    public var scheme: String
    /// CAIP-2, `eip155:<chainId>`.
    public var network: String
    /// The token contract.
    public var asset: String
    /// Base units, decimal.
    public var amount: String
    public var payTo: String
    public var maxTimeoutSeconds: Int
    public var extra: [String: JSONValue]

    public init(scheme: String, network: String, asset: String, amount: String, payTo: String, maxTimeoutSeconds: Int,
                extra: [String: JSONValue]) {
        self.scheme = scheme
        self.network = network
        self.asset = asset
        self.amount = amount
        self.payTo = payTo
        self.maxTimeoutSeconds = maxTimeoutSeconds
        self.extra = extra
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scheme = try c.decode(String.self, forKey: .scheme)
        network = try c.decode(String.self, forKey: .network)
        asset = try c.decode(String.self, forKey: .asset)
        amount = try c.decode(String.self, forKey: .amount)
        payTo = try c.decode(String.self, forKey: .payTo)
        maxTimeoutSeconds = try c.decode(Int.self, forKey: .maxTimeoutSeconds)
        extra = try c.decodeIfPresent([String: JSONValue].self, forKey: .extra) ?? [:]
    }

    /// The `extra` entry `key` when it is a string.
    public func extraString(_ key: String) -> String? {
        if case .string(let s)? = extra[key] { return s }
        return nil
    }
}

/// The body of a 402 answer (v2 `PaymentRequired`, sent base64-encoded in `PAYMENT-REQUIRED`).
public struct X402PaymentRequired: Codable, Sendable, Hashable {
    public var x402Version: Int
    public var error: String?
    public var resource: X402Resource?
    public var accepts: [X402Requirements]

    public init(error: String? = nil, resource: X402Resource?, accepts: [X402Requirements]) {
        self.x402Version = 2
        self.error = error
        self.resource = resource
        self.accepts = accepts
    }
}

/// v1's requirements (`maxAmountRequired`, `resource` inside each entry).
public struct X402RequirementsV1: Codable, Sendable, Hashable {
    public var scheme: String
    public var network: String
    public var maxAmountRequired: String
    public var resource: String
    public var description: String?
    public var mimeType: String?
    public var payTo: String
    public var maxTimeoutSeconds: Int
    public var asset: String
    public var extra: [String: JSONValue]?

    public init(_ r: X402Requirements, resource: X402Resource, network: String) {
        scheme = r.scheme
        self.network = network
        maxAmountRequired = r.amount
        self.resource = resource.url
        description = resource.description
        mimeType = resource.mimeType
        payTo = r.payTo
        maxTimeoutSeconds = r.maxTimeoutSeconds
        asset = r.asset
        extra = r.extra
    }
}

/// v1's 402 body (sent as the JSON body, since v1 has no `PAYMENT-REQUIRED` header).
public struct X402PaymentRequiredV1: Codable, Sendable, Hashable {
    public var x402Version: Int = 1
    public var error: String?
    public var accepts: [X402RequirementsV1]

    public init(error: String?, accepts: [X402RequirementsV1]) {
        self.error = error
        self.accepts = accepts
    }
}

/// The EIP-3009 `TransferWithAuthorization` of scheme `exact`, as strings on the wire.
public struct X402Authorization: Codable, Sendable, Hashable {
    public var from: String
    public var to: String
    public var value: String
    public var validAfter: String
    public var validBefore: String
    /// 32 bytes, 0x-hex.
    public var nonce: String

    public init(from: String, to: String, value: String, validAfter: String, validBefore: String, nonce: String) {
        self.from = from
        self.to = to
        self.value = value
        self.validAfter = validAfter
        self.validBefore = validBefore
        self.nonce = nonce
    }
}

/// Scheme `exact`'s payload: the authorization and its 65-byte signature (0x-hex r ‖ s ‖ v).
public struct X402ExactPayload: Codable, Sendable, Hashable {
    public var authorization: X402Authorization
    public var signature: String

    public init(authorization: X402Authorization, signature: String) {
        self.authorization = authorization
        self.signature = signature
    }
}

/// What a client sends: v2 names the requirements it fulfils (`accepted`); v1 only scheme and network.
public struct X402PaymentPayload: Codable, Sendable, Hashable {
    public var x402Version: Int
    public var payload: X402ExactPayload
    /// v2 only.
    public var accepted: X402Requirements?
    public var resource: X402Resource?
    /// v1 only (v2 has them in `accepted`).
    public var scheme: String?
    public var network: String?

    public init(payload: X402ExactPayload, accepted: X402Requirements, resource: X402Resource?) {
        x402Version = 2
        self.payload = payload
        self.accepted = accepted
        self.resource = resource
        scheme = nil
        network = nil
    }

    public init(v1 payload: X402ExactPayload, scheme: String, network: String) {
        x402Version = 1
        self.payload = payload
        accepted = nil
        resource = nil
        self.scheme = scheme
        self.network = network
    }

    public var effectiveScheme: String? { accepted?.scheme ?? scheme }
    public var effectiveNetwork: String? { accepted?.network ?? network }
}

/// A facilitator's `/verify` answer.
public struct X402VerifyResponse: Codable, Sendable, Hashable {
    public var isValid: Bool
    public var invalidReason: String?
    public var invalidMessage: String?
    public var payer: String?

    public init(isValid: Bool, invalidReason: String? = nil, invalidMessage: String? = nil, payer: String?) {
        self.isValid = isValid
        self.invalidReason = invalidReason
        self.invalidMessage = invalidMessage
        self.payer = payer
    }
}

/// A facilitator's `/settle` answer, also the `PAYMENT-RESPONSE` header's content.
public struct X402SettleResponse: Codable, Sendable, Hashable {
    public var success: Bool
    public var errorReason: String?
    public var errorMessage: String?
    public var payer: String?
    /// The transaction hash ("" when nothing was sent).
    public var transaction: String
    public var network: String
    public var amount: String?

    public init(success: Bool, errorReason: String? = nil, errorMessage: String? = nil, payer: String?, transaction: String,
                network: String, amount: String?) {
        self.success = success
        self.errorReason = errorReason
        self.errorMessage = errorMessage
        self.payer = payer
        self.transaction = transaction
        self.network = network
        self.amount = amount
    }
}

/// `/verify` and `/settle` request bodies.
public struct X402FacilitatorRequest: Codable, Sendable, Hashable {
    public var x402Version: Int
    public var paymentPayload: X402PaymentPayload
    public var paymentRequirements: X402Requirements

    public init(paymentPayload: X402PaymentPayload, paymentRequirements: X402Requirements) {
        x402Version = paymentPayload.x402Version
        self.paymentPayload = paymentPayload
        self.paymentRequirements = paymentRequirements
    }
}

/// `/supported`: the kinds of payment a facilitator settles.
public struct X402SupportedResponse: Codable, Sendable, Hashable {
    public struct Kind: Codable, Sendable, Hashable {
        public var x402Version: Int
        public var scheme: String
        public var network: String

        public init(x402Version: Int, scheme: String, network: String) {
            self.x402Version = x402Version
            self.scheme = scheme
            self.network = network
        }
    }

    public var kinds: [Kind]
    public var extensions: [String]
    /// CAIP family → the addresses that send settlement transactions.
    public var signers: [String: [String]]

    public init(kinds: [Kind], extensions: [String] = [], signers: [String: [String]]) {
        self.kinds = kinds
        self.extensions = extensions
        self.signers = signers
    }
}
