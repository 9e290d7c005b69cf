// The client side of x402 shared by `entitlement profile-status` and `plan buy --x402`: an HTTPS client (with
// optional private trust roots), and the one kind of payment this CLI makes: scheme exact (EIP-3009) on the
// configured chain, in the configured token, for an offer the caller approves.
import AsyncHTTPClient
import EthereumCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import X402

struct X402PayingClient {
    let chainId: UInt64
    /// The only token this client pays with, and its EIP-712 domain.
    let token: X402TokenDomain
    let trustRootsDER: [[UInt8]]
    /// Who answers, for messages ("the SM-DP+", "the portal").
    let service: String

    /// Runs `body` with an HTTPS client that is shut down afterwards, however `body` ends.
    func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        try await HTTPSClient.with(trustRootsDER: trustRootsDER, body)
    }

    /// The offer of a 402 this client can pay: scheme exact on this chain in this token; nil if there is none.
    func offer(_ headers: HTTPHeaders) throws -> (required: X402PaymentRequired, offer: X402Requirements, amount: UInt256, payTo: Address) {
        guard let text = headers.first(name: X402Header.paymentRequired),
              let required = try? X402Codec.decodeHeader(X402PaymentRequired.self, text) else {
            throw PlanCommandError.smdpRefused("\(service) answered 402 without a readable PAYMENT-REQUIRED header")
        }
        let network = X402Network(chainId: chainId).description
        guard let offer = required.accepts.first(where: {
            $0.scheme == "exact" && $0.network == network && (try? Address(hex: $0.asset)) == token.verifyingContract
        }), let amount = try? UInt256(decimal: offer.amount), let payTo = try? Address(hex: offer.payTo) else {
            throw PlanCommandError.paymentRequired("\(service) asks for no payment this client makes (scheme exact, \(network), token \(token.verifyingContract))")
        }
        return (required, offer, amount, payTo)
    }

    /// Signs the EIP-3009 TransferWithAuthorization of `amount` to `payTo` for `offer` (valid 30–300 s).
    func pay(_ offer: X402Requirements, amount: UInt256, payTo: Address, resource: X402Resource?, key: PrivateKey) throws -> X402PaymentPayload {
        let validFor = UInt64(max(30, min(offer.maxTimeoutSeconds, 300)))
        let signed = try X402ExactPayload.sign(key: key, to: payTo, value: amount,
                                               validBefore: UInt256(UInt64(Date().timeIntervalSince1970) + validFor),
                                               nonce: try Self.randomNonce(), domain: token)
        return X402PaymentPayload(payload: signed, accepted: offer, resource: resource)
    }

    /// 32 random bytes (request nonces, EIP-3009 nonces, purchase nonces).
    static func randomNonce() throws -> Hash32 {
        var generator = SystemRandomNumberGenerator()
        return try Hash32((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    func post(_ url: String, _ body: Data, header: (String, String)?, client: HTTPClient) async throws -> (Int, HTTPHeaders, Data) {
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
            throw PlanCommandError.smdpRefused("cannot reach \(service) at \(url): \(error)")
        }
    }

    /// The settlement answer of a paid request, from `PAYMENT-RESPONSE` (v2).
    func settlement(_ headers: HTTPHeaders) throws -> X402SettleResponse {
        guard let text = headers.first(name: X402Paywall.responseHeader(version: 2)) else {
            throw PlanCommandError.smdpRefused("\(service) answered without PAYMENT-RESPONSE")
        }
        return try X402Codec.decodeHeader(X402SettleResponse.self, text)
    }
}

/// A short-lived HTTPS client (TLS 1.2+, `trustRootsDER` or the system's roots) for one command.
enum HTTPSClient {
    static func with<T>(trustRootsDER: [[UInt8]], _ body: (HTTPClient) async throws -> T) async throws -> T {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if !trustRootsDER.isEmpty {
            tls.trustRoots = .certificates(try trustRootsDER.map { try NIOSSLCertificate(bytes: $0, format: .der) })
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10), read: .seconds(60))))
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
