// The HTML pages: catalog with search by country or network, a plan, and a wallet's entitlements.
import Catalog
import EthereumCore
import Foundation
import Hummingbird
import Settlement
import SMDPServer

struct PortalPages: Sendable {
    let state: PortalState
    /// Most token ids scanned for "my entitlements" (the newest ones).
    static let maxScannedEntitlements = 500

    func register(on router: Router<SMDPRequestContext>) {
        router.get("/") { request, context in
            await PortalApplication.page(state, context, title: "Plans", template: "catalog") { try await catalog(request) }
        }
        router.get("/plans/:id") { _, context in
            await PortalApplication.page(state, context, title: "Plan", template: "plan") { try await plan(context) }
        }
        router.get("/plans/:id/metadata.json") { _, context -> Response in
            do {
                let plan = try await listed(context)
                return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=60"],
                                body: .init(byteBuffer: ByteBuffer(bytes: plan.document)))
            } catch {
                return PortalPurchaseAPI.errorResponse(error, context: context)
            }
        }
        router.get("/entitlements") { request, context in
            await PortalApplication.page(state, context, title: "My entitlements", template: "entitlements") { try await entitlements(request) }
        }
    }

    /// The route's `{id}`: a positive decimal of at most 20 digits, else `notFound`.
    static func id(_ context: SMDPRequestContext, _ what: String) throws -> UInt256 {
        guard let text = context.parameters.get("id"), text.count <= 20, let id = try? UInt256(decimal: text), id > .zero else {
            throw PortalError(.notFound, "No such \(what).")
        }
        return id
    }

    func listed(_ context: SMDPRequestContext) async throws -> PortalPlan {
        let id = try Self.id(context, "plan")
        let plan: PortalPlan?
        do { plan = try await state.catalog.plan(id) } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        guard let plan else { throw PortalError(.notFound, "No such plan in this catalog.") }
        return plan
    }

    func summary(_ p: PortalPlan) -> [String: Any] {
        let names = state.configuration.names
        return [
            "id": p.id.description, "name": p.metadata.name, "description": p.metadata.description,
            "data": PortalFormat.data(p.plan.dataMB), "validity": PortalFormat.duration(p.plan.validity), "price": state.price(p.plan.price),
            "countries": p.metadata.countries.map { (try? names.country($0).name) ?? $0 }.joined(separator: ", "),
            "networks": p.metadata.networks.compactMap(NetworkID.init).map { id in
                "\((try? names.network(id))?.first ?? "network") (\(id))"
            }.joined(separator: ", "),
            "mno": p.metadata.mno, "mvno": p.metadata.mvno,
        ]
    }

    func catalog(_ request: Request) async throws -> [String: Any] {
        let query = request.uri.queryParameters
        let country = query.get("country").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        let networkText = query.get("network").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        var problem: String?
        var countryFilter: CatalogNames.Country?
        var network: NetworkID?
        if let country {
            do { countryFilter = try state.configuration.names.country(String(country.prefix(8))) } catch { problem = "Unknown country code." }
        }
        if let networkText {
            if let id = NetworkID(networkText) { network = id } else { problem = "A network is MCC-MNC: 3 digits, a dash, 2 or 3 digits." }
        }
        let all: [PortalPlan]
        do { all = try await state.catalog.all() } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        let rows = problem != nil ? [] : all.filter { $0.plan.active && $0.entry.matches(country: countryFilter?.code, network: network) }
        let filter = [countryFilter.map(\.name), network.map { "network \($0)" }].compactMap { $0 }.joined(separator: " and ")
        var values: [String: Any] = [
            "countries": state.configuration.names.countriesByName.map { ["code": $0.code, "name": $0.name, "selected": $0.code == countryFilter?.code] },
            "network": network?.description ?? networkText.map { String($0.prefix(8)) } ?? "",
            "count": rows.count, "rows": rows.map(summary),
        ]
        if let problem { values["problem"] = problem }
        if !filter.isEmpty { values["filter"] = filter }
        return values
    }

    func plan(_ context: SMDPRequestContext) async throws -> [String: Any] {
        let p = try await listed(context)
        var values = summary(p)
        values["mvnoAddress"] = p.plan.mvno.checksummed
        values["mnoAddress"] = p.plan.mno.checksummed
        values["profileType"] = p.metadata.profileType
        values["sold"] = p.plan.sold.description
        values["supplyCap"] = p.plan.supplyCap.description
        values["refundRule"] = PortalFormat.refundRule(p.plan.refundRule)
        values["transfer"] = p.plan.soulbound ? "not transferable" : "transferable"
        values["metadataHash"] = PlanMetadata.hash(p.document).hex
        values["available"] = p.onSale
        values["ordering"] = state.configuration.orders != nil
        return values
    }

    func entitlements(_ request: Request) async throws -> [String: Any] {
        guard let ownerText = request.uri.queryParameters.get("owner"), !ownerText.isEmpty else { return [:] }
        guard ownerText.count <= 42, let owner = try? Address(hex: String(ownerText)) else {
            throw PortalError(.badRequest, "owner is not an address.")
        }
        let plans = state.configuration.plans
        var rows: [[String: Any]] = []
        var scanned = 0
        do {
            let catalog = try await state.catalog.all()
            var id = try await plans.call(PlanEntitlements.lastId())
            while id > .zero, scanned < Self.maxScannedEntitlements {
                scanned += 1
                let e = try await plans.call(PlanEntitlements.entitlement(tokenId: id))
                if e.owner == owner {
                    let delivered = try await plans.call(PlanEntitlements.installResultHash(tokenId: id)) != Hash32.zero
                    rows.append([
                        "id": id.description, "planId": e.planId.description,
                        "planName": catalog.first { $0.id == e.planId }?.metadata.name ?? "plan #\(e.planId)",
                        "state": Self.state(e.status), "start": PortalFormat.time(e.start), "end": PortalFormat.time(e.end),
                        "delivered": delivered ? "yes" : "not yet",
                    ])
                }
                id = try id - 1
            }
        } catch let error as PortalError { throw error } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        return ["owner": owner.checksummed, "rows": rows, "none": rows.isEmpty, "scanned": scanned]
    }

    static func state(_ status: EntitlementStatus) -> String {
        switch status {
        case .none: "none"
        case .active: "active"
        case .expired: "expired"
        case .cancelled: "cancelled"
        }
    }
}
