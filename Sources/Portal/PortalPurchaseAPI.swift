// The JSON purchase API (its own routes, so an x402 payment gate can stand in front of them):
//   POST /api/plans/{id}/authorization {buyer, commitment} → the EIP-712 ReceiveWithAuthorization to sign
//   POST /api/plans/{id}/purchase {buyer, commitment, purchaseNonce, validAfter, validBefore, signature}
// The portal's relayer sends PlanEntitlements.buyWithAuthorization: the authorisation's nonce binds the
// plan and the commitment, so neither the portal nor anyone else can redirect the purchase.
import EthereumCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import Settlement
import SMDPServer

struct PortalPurchaseAPI: Sendable {
    let state: PortalState

    struct AuthorizationRequest: Decodable { let buyer: String; let commitment: String }
    struct AuthorizationAnswer: Encodable {
        /// The `eth_signTypedData_v4` argument, as a JSON string (its numbers stay exact).
        let typedData: String
        let purchaseNonce: String
        let validAfter: String
        let validBefore: String
    }
    struct PurchaseRequest: Decodable {
        let buyer: String; let commitment: String; let purchaseNonce: String
        let validAfter: String; let validBefore: String; let signature: String
    }
    struct PurchaseAnswer: Encodable { let tokenId: String; let transaction: String; let planId: String }

    func register(on router: Router<SMDPRequestContext>) {
        router.post("/api/plans/:id/authorization") { request, context -> Response in
            await Self.answer(context) { try await authorization(request, context) }
        }
        router.post("/api/plans/:id/purchase") { request, context -> Response in
            await Self.answer(context) { try await purchase(request, context) }
        }
    }

    func body<T: Decodable>(_ request: Request, _ type: T.Type, limit: Int = PortalApplication.maxBodyBytes) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw PortalError(.badRequest, "The request body is over \(limit) bytes.")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch {
            throw PortalError(.badRequest, "The request body is not the expected JSON object.")
        }
    }

    func onSale(_ context: SMDPRequestContext) async throws -> PortalPlan {
        let plan = try await PortalPages(state: state).listed(context)
        guard plan.onSale else {
            throw PortalError(.planUnavailable, "This plan is not on sale (delisted or sold out).")
        }
        return plan
    }

    static func address(_ text: String, _ field: String) throws -> Address {
        guard text.count <= 42, let value = try? Address(hex: text) else { throw PortalError(.authorizationInvalid, "\(field) is not an address.") }
        return value
    }

    static func hash(_ text: String, _ field: String) throws -> Hash32 {
        guard text.count <= 66, let value = try? Hash32(hex: text) else { throw PortalError(.authorizationInvalid, "\(field) is not 32 bytes of hex.") }
        return value
    }

    static func number(_ text: String, _ field: String) throws -> UInt256 {
        guard text.count <= 78, let value = try? UInt256(decimal: text) else { throw PortalError(.authorizationInvalid, "\(field) is not a decimal number.") }
        return value
    }

    func authorization(_ request: Request, _ context: SMDPRequestContext) async throws -> AuthorizationAnswer {
        let input = try await body(request, AuthorizationRequest.self)
        let buyer = try Self.address(input.buyer, "buyer")
        let commitment = try Self.hash(input.commitment, "commitment")
        guard commitment != Hash32.zero else { throw PortalError(.authorizationInvalid, "commitment is zero.") }
        let plan = try await onSale(context)
        let purchaseNonce = PlanEntitlements.newPurchaseNonce()
        let plans = state.configuration.plans
        let now = Int(Date().timeIntervalSince1970)
        let validBefore = UInt256(UInt64(now + state.configuration.maxAuthorizationSeconds))
        let nonce: Hash32
        let domain: TestStablecoin.EIP712DomainInfo
        do {
            nonce = try await plans.call(PlanEntitlements.authorizationNonce(planId: plan.id, commitment: commitment, purchaseNonce: purchaseNonce))
            domain = try await state.configuration.token.call(TestStablecoin.eip712Domain())
        } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        let typedData = Self.typedData(domain: domain, from: buyer, to: plans.address, value: plan.plan.price, validAfter: .zero,
                                       validBefore: validBefore, nonce: nonce)
        return AuthorizationAnswer(typedData: typedData, purchaseNonce: purchaseNonce.hex, validAfter: "0", validBefore: validBefore.description)
    }

    /// EIP-712 JSON of the token's `ReceiveWithAuthorization` (EIP-3009), numbers as exact JSON numbers.
    static func typedData(domain: TestStablecoin.EIP712DomainInfo, from: Address, to: Address, value: UInt256,
                          validAfter: UInt256, validBefore: UInt256, nonce: Hash32) -> String {
        func quoted(_ text: String) -> String {
            String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        return """
        {"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},\
        {"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],\
        "ReceiveWithAuthorization":[{"name":"from","type":"address"},{"name":"to","type":"address"},\
        {"name":"value","type":"uint256"},{"name":"validAfter","type":"uint256"},{"name":"validBefore","type":"uint256"},\
        {"name":"nonce","type":"bytes32"}]},"primaryType":"ReceiveWithAuthorization",\
        "domain":{"name":\(quoted(domain.name)),"version":\(quoted(domain.version)),"chainId":\(domain.chainId),\
        "verifyingContract":"\(domain.verifyingContract.checksummed)"},\
        "message":{"from":"\(from.checksummed)","to":"\(to.checksummed)","value":\(value),"validAfter":\(validAfter),\
        "validBefore":\(validBefore),"nonce":"\(nonce.hex)"}}
        """
    }

    func purchase(_ request: Request, _ context: SMDPRequestContext) async throws -> PurchaseAnswer {
        let input = try await body(request, PurchaseRequest.self)
        let buyer = try Self.address(input.buyer, "buyer")
        let commitment = try Self.hash(input.commitment, "commitment")
        let purchaseNonce = try Self.hash(input.purchaseNonce, "purchaseNonce")
        let validAfter = try Self.number(input.validAfter, "validAfter")
        let validBefore = try Self.number(input.validBefore, "validBefore")
        let now = UInt256(UInt64(Date().timeIntervalSince1970))
        guard now < validBefore, try validBefore - now <= UInt256(UInt64(state.configuration.maxAuthorizationSeconds)) else {
            throw PortalError(.authorizationInvalid, "validBefore must lie in the next \(state.configuration.maxAuthorizationSeconds) seconds.")
        }
        guard input.signature.count <= 132, let rsv = try? Hex.decode(input.signature), rsv.count == 65,
              let signature = try? Signature(r: Array(rsv[0..<32]), s: Array(rsv[32..<64]), yParity: rsv[64] >= 27 ? rsv[64] - 27 : rsv[64]) else {
            throw PortalError(.authorizationInvalid, "signature is not 65 bytes r ‖ s ‖ v.")
        }
        let plan = try await onSale(context)
        let call = PlanEntitlements.buyWithAuthorization(planId: plan.id, commitment: commitment, purchaseNonce: purchaseNonce, buyer: buyer,
                                                         validAfter: validAfter, validBefore: validBefore, signature: signature)
        let plans = state.configuration.plans
        let relayer = state.configuration.relayer
        // Simulated first: a refusal (bad signature, wrong amount, sold out) is told and nothing is signed.
        do { _ = try await plans.call(call, from: relayer.address) } catch {
            if case .reverted(let reason) = error {
                throw PortalError(.purchaseRefused, "The purchase was refused: \(Self.reason(reason)).", detail: "\(error)")
            }
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        let outcome: TransactionOutcome
        do { outcome = try await relayer.send(call, to: plans, label: "portal buyWithAuthorization plan #\(plan.id)") } catch {
            throw PortalError(.chainUnavailable, "The purchase could not be sent; try again shortly.", detail: "\(error)")
        }
        await state.catalog.invalidate()
        guard let purchased = try? plans.event(PlanEntitlements.Purchased.self, in: outcome), purchased.buyer == buyer,
              purchased.commitment == commitment else {
            throw PortalError(.purchaseRefused, "The purchase transaction minted no entitlement for this buyer.",
                              detail: "transaction \(outcome.receipt.transactionHash.hex)")
        }
        context.logger.info("portal purchase", metadata: ["plan": "\(plan.id)", "token": "\(purchased.id)"])
        return PurchaseAnswer(tokenId: purchased.id.description, transaction: outcome.receipt.transactionHash.hex, planId: plan.id.description)
    }

    /// The contract's revert text (public, from its source) or a fixed one.
    static func reason(_ revert: ContractRevert) -> String {
        switch revert {
        case .planEntitlements(let r): r.rawValue
        case .testStablecoin(let r): r.rawValue
        case .trustRegistry(let r): r.rawValue
        case .usageSettlement(let r): r.rawValue
        case .roamingClearing(let r): r.rawValue
        case .identityRegistry(let r): r.rawValue
        case .other: "the contract refused it"
        }
    }

    // MARK: answers

    struct ErrorBody: Encodable {
        struct Detail: Encodable { let code: String; let message: String; let requestId: String }
        let error: Detail
    }

    static func publicError(_ error: any Error, context: SMDPRequestContext) -> PortalError {
        let failure = (error as? PortalError) ?? PortalError(.chainUnavailable, "Something went wrong; try again shortly.", detail: "\(error)")
        context.logger.notice("portal refusal", metadata: ["code": "\(failure.code.rawValue)", "detail": "\(failure.detail ?? failure.message)"])
        return failure
    }

    static func errorResponse(_ error: any Error, context: SMDPRequestContext) -> Response {
        let failure = publicError(error, context: context)
        let body = ErrorBody(error: .init(code: failure.code.rawValue, message: failure.message, requestId: context.id))
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return Response(status: failure.status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func answer<T: Encodable>(_ context: SMDPRequestContext, _ work: () async throws -> T) async -> Response {
        do {
            let data = try JSONEncoder().encode(try await work())
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return errorResponse(error, context: context)
        }
    }
}
