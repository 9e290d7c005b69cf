// Verifying a served document against the chain: its keccak256 must be the plan's recorded hash and
// its repeated terms must be the plan's on-chain terms. Only verified documents enter a catalog.
import EthereumCore

/// The on-chain facts a document is checked against (read by the caller from PlanEntitlements).
public struct PlanOnChain: Sendable, Hashable {
    public var planId: UInt256
    public var dataMB: UInt256
    public var validitySeconds: UInt256
    public var price: UInt256
    public var profileType: Hash32
    /// `planMetadata(planId)`; all zero when the MVNO recorded none.
    public var metadataHash: Hash32

    public init(planId: UInt256, dataMB: UInt256, validitySeconds: UInt256, price: UInt256, profileType: Hash32, metadataHash: Hash32) {
        self.planId = planId; self.dataMB = dataMB; self.validitySeconds = validitySeconds; self.price = price
        self.profileType = profileType; self.metadataHash = metadataHash
    }
}

public enum PlanMetadataCheck {
    /// The parsed document when `document` is the plan's: hash, form, names (when `names` is given) and terms.
    public static func verify(_ document: [UInt8], against plan: PlanOnChain, names: CatalogNames?) throws(CatalogError) -> PlanMetadata {
        guard plan.metadataHash != Hash32.zero else {
            throw CatalogError(.hashMismatch, "plan #\(plan.planId) has no metadata hash on chain (setPlanMetadata)")
        }
        guard PlanMetadata.hash(document) == plan.metadataHash else {
            throw CatalogError(.hashMismatch, "plan #\(plan.planId): the document's keccak256 is not the hash recorded on chain")
        }
        let metadata = try PlanMetadata.parse(document)
        try checkTerms(metadata, plan)
        try names?.check(metadata)
        return metadata
    }

    /// The document's repeated terms equal the on-chain ones.
    public static func checkTerms(_ metadata: PlanMetadata, _ plan: PlanOnChain) throws(CatalogError) {
        let pairs: [(String, String, UInt256)] = [("planId", metadata.planId, plan.planId), ("dataMB", metadata.dataMB, plan.dataMB),
                                                  ("validitySeconds", metadata.validitySeconds, plan.validitySeconds),
                                                  ("price", metadata.price, plan.price)]
        for (field, text, value) in pairs where (try? UInt256(decimal: text)) != value {
            throw CatalogError(.termsMismatch, "plan #\(plan.planId): \(field) \(text.prefix(40)) differs from the chain's \(value)")
        }
        guard Keccak256.hash(Array(metadata.profileType.utf8)) == plan.profileType else {
            throw CatalogError(.termsMismatch, "plan #\(plan.planId): profileType \(metadata.profileType.prefix(40)) is not the plan's profile type")
        }
    }
}

/// A plan of the catalog: its id and verified document.
public struct CatalogEntry: Sendable, Hashable {
    public let planId: UInt256
    public let metadata: PlanMetadata

    public init(planId: UInt256, metadata: PlanMetadata) { self.planId = planId; self.metadata = metadata }

    /// Whether the plan covers `country` (alpha-2, any case) and `network` (MCC-MNC); nil matches all.
    public func matches(country: String?, network: NetworkID?) -> Bool {
        if let country, !metadata.countries.contains(country.uppercased()) { return false }
        if let network, !metadata.networks.contains(where: { NetworkID($0) == network }) { return false }
        return true
    }
}
