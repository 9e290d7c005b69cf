// GET /tokens/{id}.json: ERC-1155 metadata of an entitlement token. The standard lets the contract's
// `uri` hold `{id}`, which clients replace with the token id as 64 lower-case hex digits (no 0x);
// governance points PlanEntitlements' `uri` template (setURI) at https://<portal>/tokens/{id}.json.
// The document names the plan, its on-chain metadata hash and where the hashed document is served.
import EthereumCore
import Foundation
import Hummingbird
import NIOCore
import Settlement
import SMDPServer

struct PortalTokens: Sendable {
    let state: PortalState

    struct Metadata: Encodable {
        struct Properties: Encodable {
            let entitlementId: String
            let planId: String
            /// keccak256 of the plan's metadata document, as PlanEntitlements.planMetadata records it (zero: none).
            let planMetadataHash: String
            /// Where the portal serves that document (relative to the portal's origin).
            let planMetadata: String
            let state: String
            let start: String
            let end: String
        }
        let name: String
        let description: String
        let decimals: Int
        let properties: Properties
    }

    func register(on router: Router<SMDPRequestContext>) {
        router.get("/tokens/:file") { _, context -> Response in
            do {
                let data = try JSONEncoder().encode(try await metadata(context))
                return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                                body: .init(byteBuffer: ByteBuffer(bytes: data)))
            } catch {
                return PortalPurchaseAPI.errorResponse(error, context: context)
            }
        }
    }

    /// `{id}.json` with `{id}` 64 hex digits (the ERC-1155 substitution), else nil.
    static func tokenId(_ file: String) -> UInt256? {
        guard file.count == 69, file.hasSuffix(".json") else { return nil }
        let hex = file.dropLast(5)
        guard hex.allSatisfy(\.isHexDigit) else { return nil }
        return try? UInt256(bigEndian: Hex.decode(String(hex)))
    }

    func metadata(_ context: SMDPRequestContext) async throws -> Metadata {
        guard let id = context.parameters.get("file").flatMap(Self.tokenId), id > .zero else {
            throw PortalError(.notFound, "No such token (the path is /tokens/<64 hex digits>.json).")
        }
        let plans = state.configuration.plans
        let entitlement: PlanEntitlements.Entitlement
        let hash: Hash32
        do {
            entitlement = try await plans.call(PlanEntitlements.entitlement(tokenId: id))
            guard entitlement.owner != .zero else { throw PortalError(.notFound, "No such token.") }
            hash = try await plans.call(PlanEntitlements.planMetadata(planId: entitlement.planId))
        } catch let error as PortalError { throw error } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        let listed: PortalPlan? = (try? await state.catalog.plan(entitlement.planId)) ?? nil
        let planName = listed?.metadata.name ?? "Plan #\(entitlement.planId)"
        return Metadata(
            name: "\(planName) · entitlement #\(id)",
            description: "An OpenRSP data-plan entitlement (PlanEntitlements token \(id)) of plan #\(entitlement.planId). "
                + "The plan's metadata document is served at planMetadata; its keccak-256 must equal planMetadataHash, recorded on chain by the plan's MVNO.",
            decimals: 0,
            properties: .init(entitlementId: id.description, planId: entitlement.planId.description, planMetadataHash: hash.hex,
                              planMetadata: "/plans/\(entitlement.planId)/metadata.json", state: PortalPages.state(entitlement.status),
                              start: entitlement.start.description, end: entitlement.end.description))
    }
}
