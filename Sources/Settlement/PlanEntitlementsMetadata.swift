// The plan catalog's on-chain anchor (issue 16, docs/PORTAL.md): keccak256 of each plan's metadata
// document, set once by the plan's MVNO; the document itself is served by the MVNO's portal.
import EthereumCore

extension PlanEntitlements.Functions {
    public static let setPlanMetadata = ABIFunction(name: "setPlanMetadata", inputs: [.uint256, .b32])
    public static let planMetadata = ABIFunction(name: "planMetadata", inputs: [.uint256], outputs: [.b32])
}

extension PlanEntitlements {
    static let catalogFunctions: [ABIFunction] = [Functions.setPlanMetadata, Functions.planMetadata]

    /// The plan's MVNO, once: keccak256 of the plan's metadata document (never zero).
    public static func setPlanMetadata(planId: UInt256, metadataHash: Hash32) -> ContractCall<Void> {
        ContractCall(Functions.setPlanMetadata, [.u256(planId), .b32(metadataHash)])
    }

    /// The recorded document hash; all zero while the MVNO has set none.
    public static func planMetadata(planId: UInt256) -> ContractCall<Hash32> {
        ContractCall(Functions.planMetadata, [.u256(planId)], decoder: Decode.bytes32)
    }

    /// The plan's metadata document hash was recorded (it never changes afterwards).
    public struct PlanMetadataSet: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "PlanMetadataSet", parameters: [
            .init(name: "planId", type: .uint256, indexed: true), .init(name: "metadataHash", type: .b32, indexed: false),
        ])
        public let planId: UInt256
        public let metadataHash: Hash32
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            planId = try r.uint256(); metadataHash = try r.bytes32()
        }
    }
}
