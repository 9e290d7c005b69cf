// The holder's side of the SM-DP+'s profile-status lookup (docs/X402.md): signs the request with the entitlement
// owner's key, and pays with x402 (scheme exact, EIP-3009) when the SM-DP+ asks and the price is within the limit.
import AsyncHTTPClient
import EthereumCore
import Foundation
import NIOHTTP1
import SMDPChainTrust
import SMDPCore
import X402

struct ProfileStatusClient {
    /// What the chain says the request must be bound to.
    struct Chain {
        var chainId: UInt64
        var entitlements: Address
        /// The only token this client pays with, and its EIP-712 domain.
        var token: X402TokenDomain
    }

    /// The answer: the state, and the settlement when a payment was made.
    struct Outcome: Encodable {
        var status: ProfileStatus
        var payment: X402SettleResponse?
    }

    let url: String
    let smdpAddress: String
    let chain: Chain
    /// The most this client pays per lookup, in the token's base units (0: never pays).
    let maxPayment: UInt256
    let trustRootsDER: [[UInt8]]

    var payer: X402PayingClient {
        X402PayingClient(chainId: chain.chainId, token: chain.token, trustRootsDER: trustRootsDER, service: "the SM-DP+")
    }

    func fetch(entitlement: UInt256, key: PrivateKey) async throws -> Outcome {
        try await payer.withHTTPClient { try await fetch(entitlement: entitlement, key: key, client: $0) }
    }

    func fetch(entitlement: UInt256, key: PrivateKey, client: HTTPClient) async throws -> Outcome {
        let request = try ProfileStatusTypedData.request(key: key, chainId: chain.chainId, entitlements: chain.entitlements,
                                                         entitlementId: entitlement, smdpAddress: smdpAddress, nonce: try X402PayingClient.randomNonce())
        let body = try JSONEncoder().encode(request)
        var (status, headers, answer) = try await payer.post(url, body, header: nil, client: client)
        var paid = false
        if status == 402 {
            let payment = try pay(headers, key: key)
            paid = true
            (status, headers, answer) = try await payer.post(url, body, header: (X402Header.paymentSignature, X402Codec.encodeHeader(payment)),
                                                             client: client)
        }
        guard status == 200 else { throw Self.refusal(status, answer, headers) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let state = try? decoder.decode(ProfileStatus.self, from: answer) else {
            throw PlanCommandError.smdpRefused("the SM-DP+ answered 200 without a profile status")
        }
        return Outcome(status: state, payment: paid ? try payer.settlement(headers) : nil)
    }

    /// The payment for a 402: only scheme exact on this chain in this token, and only up to `maxPayment`.
    func pay(_ headers: HTTPHeaders, key: PrivateKey) throws -> X402PaymentPayload {
        let (required, offer, amount, payTo) = try payer.offer(headers)
        guard amount <= maxPayment else {
            throw PlanCommandError.paymentRequired("the lookup costs \(amount) base units of \(chain.token.verifyingContract) paid to \(payTo.checksummed); pass --pay-up-to \(amount) to pay it")
        }
        return try payer.pay(offer, amount: amount, payTo: payTo, resource: required.resource, key: key)
    }

    /// A refusal as the SM-DP+ worded it (`{"error": code, "message": text}`).
    static func refusal(_ status: Int, _ body: Data, _ headers: HTTPHeaders) -> PlanCommandError {
        let fields = (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        let code = fields["error"] as? String ?? "http_\(status)"
        let message = fields["message"] as? String ?? ""
        if status == 402 {
            return .paymentRequired("the SM-DP+ refused the payment: \(code)")
        }
        return .smdpRefused("HTTP \(status) \(code)\(message.isEmpty ? "" : ": \(message)")")
    }
}
