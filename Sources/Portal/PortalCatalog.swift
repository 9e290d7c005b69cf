// The catalog as the portal and `openrsp plan list` see it: every plan on chain whose metadata
// document (DIR/<plan id>.json) verifies against the plan's on-chain hash and terms.
import Catalog
import EthereumCore
import Foundation
import Logging
import Settlement

/// A listed plan: chain terms, verified document and the document's exact bytes.
public struct PortalPlan: Sendable {
    public let id: UInt256
    public let plan: PlanEntitlements.Plan
    public let metadata: PlanMetadata
    public let document: [UInt8]

    public var entry: CatalogEntry { CatalogEntry(planId: id, metadata: metadata) }
    /// Listed and not sold out.
    public var onSale: Bool { plan.active && plan.sold < plan.supplyCap }
}

/// The plan's document file in a catalog directory (`<id>.json`), or `documentMissing`.
public enum CatalogDirectory {
    public static func document(planId: UInt256, in directory: String) throws(CatalogError) -> [UInt8] {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("\(planId).json").path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int, size <= PlanMetadata.maxBytes,
              let data = FileManager.default.contents(atPath: path) else {
            throw CatalogError(.documentMissing, "plan #\(planId): no metadata document \(planId).json in the catalog directory (or over \(PlanMetadata.maxBytes) bytes)")
        }
        return Array(data)
    }
}

public enum CatalogLoader {
    /// Most plans read per load (plan ids 1 … this); more are ignored and logged.
    public static let maxPlans = 1000

    /// The facts a document is checked against, read from PlanEntitlements.
    public static func onChain(_ id: UInt256, _ plan: PlanEntitlements.Plan, plans: Contract<PlanEntitlements>) async throws -> PlanOnChain {
        PlanOnChain(planId: id, dataMB: plan.dataMB, validitySeconds: plan.validity, price: plan.price, profileType: plan.profileType,
                    metadataHash: try await plans.call(PlanEntitlements.planMetadata(planId: id)))
    }

    /// Every plan with a verified document; plans without one, or whose document fails, are left out and
    /// reported through `skipped` (plan id and the refusal).
    public static func load(plans: Contract<PlanEntitlements>, directory: String, names: CatalogNames,
                            skipped: (UInt256, CatalogError) -> Void = { _, _ in }) async throws -> [PortalPlan] {
        let count = try await plans.call(PlanEntitlements.planCount())
        var out: [PortalPlan] = []
        var id = UInt256(1)
        var read = 0
        while !(count < id), read < maxPlans {
            read += 1
            if let plan = try await plans.call(PlanEntitlements.plans(planId: id)) {
                do {
                    let document = try CatalogDirectory.document(planId: id, in: directory)
                    let facts = try await onChain(id, plan, plans: plans)
                    let metadata = try PlanMetadataCheck.verify(document, against: facts, names: names)
                    out.append(PortalPlan(id: id, plan: plan, metadata: metadata, document: document))
                } catch let error as CatalogError {
                    skipped(id, error)
                }
            }
            id = try id + 1
        }
        return out
    }
}

/// The portal's catalog, reloaded from the chain and directory at most every `maxAge`.
actor PortalCatalogCache {
    let plans: Contract<PlanEntitlements>
    let directory: String
    let names: CatalogNames
    let maxAge: Duration
    let logger: Logger
    private var cached: (at: ContinuousClock.Instant, plans: [PortalPlan])?

    init(plans: Contract<PlanEntitlements>, directory: String, names: CatalogNames, maxAge: Duration, logger: Logger) {
        self.plans = plans; self.directory = directory; self.names = names; self.maxAge = maxAge; self.logger = logger
    }

    func all() async throws -> [PortalPlan] {
        if let cached, ContinuousClock.now - cached.at < maxAge { return cached.plans }
        let logger = self.logger
        let loaded = try await CatalogLoader.load(plans: plans, directory: directory, names: names) { id, error in
            logger.warning("catalog: plan left out", metadata: ["plan": "\(id)", "code": "\(error.code.rawValue)", "reason": "\(error.message)"])
        }
        cached = (ContinuousClock.now, loaded)
        return loaded
    }

    func plan(_ id: UInt256) async throws -> PortalPlan? {
        try await all().first { $0.id == id }
    }

    /// Forget the cache (after a purchase changes `sold`).
    func invalidate() { cached = nil }
}
