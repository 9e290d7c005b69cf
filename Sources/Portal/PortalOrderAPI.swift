// After a purchase: POST /api/entitlements/{id}/order {eid, salt} places the entitlement-gated ES2+
// order with the MVNO's SM-DP+ (as `openrsp smdp order create --entitlement-id` does) and answers the
// activation code, its `LPA:1$…` link and its QR Code PNG. The SM-DP+ itself checks on chain that the
// entitlement is live and bound to keccak256(EID ‖ salt); knowing the salt is what entitles the caller.
import ActivationCodeQR
import ES2PlusAPI
import ES2PlusHTTPClient
import EthereumCore
import Foundation
import Hummingbird
import Settlement
import SMDPServer

/// The MVNO's ES2+ client to its SM-DP+ (HTTPS, operator token).
public struct PortalOrders: Sendable {
    public let client: ES2PlusHTTPClient
    public init(client: ES2PlusHTTPClient) { self.client = client }
}

struct PortalOrderAPI: Sendable {
    let state: PortalState

    struct OrderRequest: Decodable { let eid: String; let salt: String }
    struct OrderAnswer: Encodable {
        let entitlementId: String
        let activationCode: String
        /// `LPA:1$…`, what phones open.
        let lpaLink: String
        /// The QR Code of `lpaLink` as PNG, base64.
        let qrPng: String
        let matchingId: String?
    }

    func register(on router: Router<SMDPRequestContext>) {
        router.post("/api/entitlements/:id/order") { request, context -> Response in
            await PortalPurchaseAPI.answer(context) { try await order(request, context) }
        }
    }

    func order(_ request: Request, _ context: SMDPRequestContext) async throws -> OrderAnswer {
        guard let orders = state.configuration.orders else {
            throw PortalError(.orderingUnavailable, "This portal does not place orders; the operator does (openrsp smdp order create).")
        }
        let id = try PortalPages.id(context, "entitlement")
        let input = try await PortalPurchaseAPI(state: state).body(request, OrderRequest.self)
        guard input.eid.count == 32, input.eid.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw PortalError(.orderInvalid, "eid is 32 digits.")
        }
        let salt = input.salt.hasPrefix("0x") ? String(input.salt.dropFirst(2)) : input.salt
        guard salt.count == 64, salt.allSatisfy({ $0.isHexDigit }) else { throw PortalError(.orderInvalid, "salt is 32 bytes of hex.") }
        let entitlement: PlanEntitlements.Entitlement
        do { entitlement = try await state.configuration.plans.call(PlanEntitlements.entitlement(tokenId: id)) } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        guard entitlement.status == .active else { throw PortalError(.notFound, "No live entitlement with this id.") }
        guard let plan = try await state.catalog.plan(entitlement.planId) else {
            throw PortalError(.notFound, "The entitlement's plan is not in this portal's catalog.")
        }
        let answer: ES2PlusDownloadOrderResponse
        do {
            answer = try await orders.client.entitlementOrder(entitlementId: id.description, eid: input.eid, salt: salt,
                                                              profileType: plan.metadata.profileType)
        } catch {
            throw PortalError(.orderRefused, "The SM-DP+ refused the order (is the EID and salt the purchase's?).", detail: "\(error)")
        }
        guard let code = answer.activationCode, !code.isEmpty, code.count <= 255 else {
            throw PortalError(.orderRefused, "The SM-DP+ gave no activation code.", detail: "\(answer.header)")
        }
        let link = code.hasPrefix("LPA:") ? code : "LPA:" + code
        let png: [UInt8]
        do { png = try QRMatrix.encode(link, level: .medium).png(scale: 6) } catch {
            throw PortalError(.orderRefused, "The activation code could not be drawn as a QR Code.", detail: "\(error)")
        }
        context.logger.info("portal order", metadata: ["entitlement": "\(id)", "matchingId": "\(answer.matchingId ?? "-")"])
        return OrderAnswer(entitlementId: id.description, activationCode: code, lpaLink: link, qrPng: Data(png).base64EncodedString(),
                           matchingId: answer.matchingId)
    }
}
