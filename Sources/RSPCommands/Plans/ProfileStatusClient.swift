// The holder's side of the SM-DP+'s profile-status lookup (docs/X402.md): signs the request with the entitlement
// owner's key, and pays with x402 (scheme exact, EIP-3009) when the SM-DP+ asks and the price is within the limit.
import AsyncHTTPClient
import EthereumCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
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

    func fetch(entitlement: UInt256, key: PrivateKey) async throws -> Outcome {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if !trustRootsDER.isEmpty {
            tls.trustRoots = .certificates(try trustRootsDER.map { try NIOSSLCertificate(bytes: $0, format: .der) })
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            let outcome = try await fetch(entitlement: entitlement, key: key, client: client)
            try await client.shutdown()
            return outcome
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func fetch(entitlement: UInt256, key: PrivateKey, client: HTTPClient) async throws -> Outcome {
        let request = try ProfileStatusTypedData.request(key: key, chainId: chain.chainId, entitlements: chain.entitlements,
                                                         entitlementId: entitlement, smdpAddress: smdpAddress, nonce: try Self.randomNonce())
        let body = try JSONEncoder().encode(request)
        var (status, headers, answer) = try await post(body, header: nil, client: client)
        var paymentVersion: Int?
        if status == 402 {
            let payment = try pay(headers, answer, key: key)
            paymentVersion = 2
            (status, headers, answer) = try await post(body, header: (X402Header.paymentSignature, X402Codec.encodeHeader(payment)),
                                                       client: client)
        }
        guard status == 200 else { throw Self.refusal(status, answer, headers) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let state = try? decoder.decode(ProfileStatus.self, from: answer) else {
            throw PlanCommandError.smdpRefused("the SM-DP+ answered 200 without a profile status")
        }
        let settlement = try paymentVersion.map { version in
            guard let text = headers.first(name: X402Paywall.responseHeader(version: version)) else {
                throw PlanCommandError.smdpRefused("the SM-DP+ answered without PAYMENT-RESPONSE")
            }
            return try X402Codec.decodeHeader(X402SettleResponse.self, text)
        }
        return Outcome(status: state, payment: settlement)
    }

    /// The payment for a 402: only scheme exact on this chain in this token, and only up to `maxPayment`.
    func pay(_ headers: HTTPHeaders, _ body: Data, key: PrivateKey) throws -> X402PaymentPayload {
        guard let text = headers.first(name: X402Header.paymentRequired),
              let required = try? X402Codec.decodeHeader(X402PaymentRequired.self, text) else {
            throw PlanCommandError.smdpRefused("the SM-DP+ answered 402 without a readable PAYMENT-REQUIRED header")
        }
        let network = X402Network(chainId: chain.chainId).description
        guard let offer = required.accepts.first(where: {
            $0.scheme == "exact" && $0.network == network && (try? Address(hex: $0.asset)) == chain.token.verifyingContract
        }), let amount = try? UInt256(decimal: offer.amount), let payTo = try? Address(hex: offer.payTo) else {
            throw PlanCommandError.paymentRequired("the SM-DP+ asks for no payment this client makes (scheme exact, \(network), token \(chain.token.verifyingContract))")
        }
        guard amount <= maxPayment else {
            throw PlanCommandError.paymentRequired("the lookup costs \(amount) base units of \(chain.token.verifyingContract) paid to \(payTo.checksummed); pass --pay-up-to \(amount) to pay it")
        }
        let validFor = UInt64(max(30, min(offer.maxTimeoutSeconds, 300)))
        let signed = try X402ExactPayload.sign(key: key, to: payTo, value: amount,
                                               validBefore: UInt256(UInt64(Date().timeIntervalSince1970) + validFor),
                                               nonce: try Self.randomNonce(), domain: chain.token)
        return X402PaymentPayload(payload: signed, accepted: offer, resource: required.resource)
    }

    /// 32 random bytes: the request's nonce and the payment's EIP-3009 nonce.
    static func randomNonce() throws -> Hash32 {
        var generator = SystemRandomNumberGenerator()
        return try Hash32((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    func post(_ body: Data, header: (String, String)?, client: HTTPClient) async throws -> (Int, HTTPHeaders, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let header { request.headers.add(name: header.0, value: header.1) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            let data = try await response.body.collect(upTo: 64 * 1024)
            return (Int(response.status.code), response.headers, Data(data.readableBytesView))
        } catch {
            throw PlanCommandError.smdpRefused("cannot reach the SM-DP+ at \(url): \(error)")
        }
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
