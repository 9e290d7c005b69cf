// The x402 plan purchase (issue 16 item 3, docs/X402.md):
//   POST /api/x402/plans/{id}/purchase {buyer, commitment, purchaseNonce}
// answers 402 with PAYMENT-REQUIRED (scheme exact, EIP-3009) whose payTo is the purchase's deposit address,
// PlanEntitlements.depositAddress(buyer, plan, commitment, purchaseNonce); with a payment from the buyer it
// settles it there and sends buyFromDeposit. A payment to that address can only ever buy this plan for this
// buyer and commitment, so neither the portal, its facilitator nor a front-runner can redirect it.
// A repeated request is answered from the chain: a paid but unbought deposit is bought without a second
// payment, a bought one answers with its entitlement.
import EthereumCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Settlement
import SMDPServer
import X402

struct PortalX402Purchase: Sendable {
    static let path = "/api/x402/plans/:id/purchase"

    let state: PortalState
    let facilitator: X402Facilitator
    let tokenDomain: X402TokenDomain

    struct PurchaseRequest: Decodable { let buyer: String; let commitment: String; let purchaseNonce: String }
    struct PurchaseAnswer: Encodable {
        let tokenId: String
        let planId: String
        let deposit: String
        /// The buyFromDeposit transaction (absent when the answer comes from an earlier purchase's log).
        let transaction: String?
        /// True when this request found the deposit already bought (a retry).
        let alreadyPurchased: Bool
    }

    func register(on router: Router<SMDPRequestContext>) {
        router.post(RouterPath(Self.path)) { request, context -> Response in
            do { return try await handle(request, context) } catch {
                return PortalPurchaseAPI.errorResponse(error, context: context)
            }
        }
    }

    /// What one request is about, checked.
    struct Purchase {
        let plan: PortalPlan
        let buyer: Address
        let commitment: Hash32
        let purchaseNonce: Hash32
        let deposit: Address
    }

    func handle(_ request: Request, _ context: SMDPRequestContext) async throws -> Response {
        let purchase = try await checked(request, context)
        if let earlier = try await earlierPurchase(purchase) { return Self.json(earlier) }
        guard try await balance(of: purchase.deposit) < purchase.plan.plan.price else {
            // Paid before (a retry after a failure between settlement and purchase, or paid directly).
            return Self.json(try await buy(purchase, context))
        }
        guard purchase.plan.onSale else {
            throw PortalError(.planUnavailable, "This plan is not on sale (delisted or sold out).")
        }
        let paywall = X402Paywall(
            resource: X402Resource(url: Self.resourceURL(request, state), description: "Plan \(purchase.plan.id): an entitlement for the given commitment",
                                   mimeType: "application/json"),
            price: purchase.plan.plan.price, asset: state.configuration.token.address, tokenName: tokenDomain.name,
            tokenVersion: tokenDomain.version, payTo: purchase.deposit, facilitator: facilitator)
        let payment: X402PaymentPayload?
        do {
            payment = try paywall.payment(v2Header: request.headers[ProfileStatusRoute.paymentSignatureField], v1Header: request.headers[ProfileStatusRoute.xPaymentField])
        } catch {
            context.logger.notice("x402 payment refused", metadata: ["reason": "\(error)"])
            return ProfileStatusRoute.paymentRequired(paywall, error: error.reason.rawValue)
        }
        guard let payment else { return ProfileStatusRoute.paymentRequired(paywall, error: "payment required") }
        let verified = await facilitator.verify(payment, paywall.requirements)
        guard verified.isValid else {
            context.logger.notice("x402 payment invalid", metadata: ["reason": "\(verified.invalidReason ?? "")",
                                                                    "detail": "\(verified.invalidMessage ?? "")"])
            return ProfileStatusRoute.paymentRequired(paywall, error: verified.invalidReason ?? "invalid_payment")
        }
        guard (try? Address(hex: verified.payer ?? "")) == purchase.buyer else {
            throw PortalError(.authorizationInvalid, "The payment must come from the buyer.")
        }
        let settled = await facilitator.settle(payment, paywall.requirements)
        guard settled.success else {
            context.logger.notice("x402 settlement failed", metadata: ["reason": "\(settled.errorReason ?? "")",
                                                                       "detail": "\(settled.errorMessage ?? "")"])
            return ProfileStatusRoute.paymentRequired(paywall, error: settled.errorReason ?? "settlement_failed")
        }
        context.logger.info("x402 purchase paid", metadata: ["deposit": "\(purchase.deposit)", "transaction": "\(settled.transaction)"])
        var response = Self.json(try await buy(purchase, context))
        response.headers[HTTPField.Name(X402Paywall.responseHeader(version: payment.x402Version))!] = X402Codec.encodeHeader(settled)
        return response
    }

    func checked(_ request: Request, _ context: SMDPRequestContext) async throws -> Purchase {
        let input = try await PortalPurchaseAPI(state: state).body(request, PurchaseRequest.self)
        let buyer = try PortalPurchaseAPI.address(input.buyer, "buyer")
        let commitment = try PortalPurchaseAPI.hash(input.commitment, "commitment")
        let purchaseNonce = try PortalPurchaseAPI.hash(input.purchaseNonce, "purchaseNonce")
        guard buyer != Address.zero, commitment != Hash32.zero, purchaseNonce != Hash32.zero else {
            throw PortalError(.authorizationInvalid, "buyer, commitment and purchaseNonce must not be zero.")
        }
        let plan = try await PortalPages(state: state).listed(context)
        let deposit = try await chain { try await state.configuration.plans.call(
            PlanEntitlements.depositAddress(buyer: buyer, planId: plan.id, commitment: commitment, purchaseNonce: purchaseNonce)) }
        return Purchase(plan: plan, buyer: buyer, commitment: commitment, purchaseNonce: purchaseNonce, deposit: deposit)
    }

    /// The answer for a deposit that already has its code: the entitlement it bought, or a refusal when the buyer
    /// withdrew it. Nil while the deposit is unused.
    func earlierPurchase(_ p: Purchase) async throws -> PurchaseAnswer? {
        let plans = state.configuration.plans
        let code = try await chain { try await plans.chain.client.getCode(p.deposit) }
        guard !code.isEmpty else { return nil }
        let found = try await chain { try await plans.logs(PlanEntitlements.DepositPurchase.self, topic1: try Hash32([UInt8](repeating: 0, count: 12) + p.deposit.bytes)) }
        guard let bought = found.last?.event else {
            throw PortalError(.purchaseRefused, "The buyer withdrew this purchase's deposit; start a new purchase with a new purchaseNonce.")
        }
        return PurchaseAnswer(tokenId: bought.id.description, planId: p.plan.id.description, deposit: p.deposit.checksummed,
                              transaction: nil, alreadyPurchased: true)
    }

    func balance(of address: Address) async throws -> UInt256 {
        try await chain { try await state.configuration.token.call(TestStablecoin.balanceOf(address)) }
    }

    /// Sends buyFromDeposit (simulated first: a refusal is told and nothing is signed).
    func buy(_ p: Purchase, _ context: SMDPRequestContext) async throws -> PurchaseAnswer {
        let plans = state.configuration.plans
        let relayer = state.configuration.relayer
        let call = PlanEntitlements.buyFromDeposit(buyer: p.buyer, planId: p.plan.id, commitment: p.commitment, purchaseNonce: p.purchaseNonce)
        do { _ = try await plans.call(call, from: relayer.address) } catch {
            if case .reverted(let reason) = error {
                // Bought meanwhile by a concurrent request (or anyone): answer with that purchase.
                if let earlier = try await earlierPurchase(p) { return earlier }
                throw PortalError(.purchaseRefused, "The deposit is paid but the purchase was refused: \(PortalPurchaseAPI.reason(reason)). "
                                  + "The buyer can take the payment back with PlanEntitlements.withdrawDeposit.", detail: "\(error)")
            }
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly (the payment is kept).", detail: "\(error)")
        }
        let outcome: TransactionOutcome
        do { outcome = try await relayer.send(call, to: plans, label: "portal buyFromDeposit plan #\(p.plan.id)") } catch {
            throw PortalError(.chainUnavailable, "The purchase could not be sent; repeat the request (the payment is kept).", detail: "\(error)")
        }
        await state.catalog.invalidate()
        guard let purchased = try? plans.event(PlanEntitlements.Purchased.self, in: outcome), purchased.buyer == p.buyer,
              purchased.commitment == p.commitment else {
            throw PortalError(.purchaseRefused, "The purchase transaction minted no entitlement for this buyer.",
                              detail: "transaction \(outcome.receipt.transactionHash.hex)")
        }
        context.logger.info("portal x402 purchase", metadata: ["plan": "\(p.plan.id)", "token": "\(purchased.id)", "deposit": "\(p.deposit)"])
        return PurchaseAnswer(tokenId: purchased.id.description, planId: p.plan.id.description, deposit: p.deposit.checksummed,
                              transaction: outcome.receipt.transactionHash.hex, alreadyPurchased: false)
    }

    /// A chain read; any failure is the public "chain unavailable".
    func chain<T>(_ read: () async throws -> T) async throws -> T {
        do { return try await read() } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
    }

    static func resourceURL(_ request: Request, _ state: PortalState) -> String {
        let scheme = if case .tls = state.configuration.settings.transport { "https" } else { "http" }
        let host = request.head.authority.map { String($0.prefix(255)) } ?? "localhost"
        return "\(scheme)://\(host)\(request.uri.path)"
    }

    static func json(_ answer: PurchaseAnswer) -> Response {
        let data = (try? JSONEncoder().encode(answer)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
