// PlanEntitlements calls and events of issue 17 item 4: a plan may require identity predicates
// (IdentityRegistry.Predicates) of its buyer and of a transfer's receiver, checked on chain at every purchase path.
import EthereumCore

extension PlanEntitlements.Functions {
    public static let setIdentityRegistry = ABIFunction(name: "setIdentityRegistry", inputs: [.address])
    public static let identityRegistry = ABIFunction(name: "identityRegistry", inputs: [], outputs: [.address])
    public static let setPlanRequirement = ABIFunction(name: "setPlanRequirement", inputs: [.uint256, .uint256])
    public static let planRequirement = ABIFunction(name: "planRequirement", inputs: [.uint256], outputs: [.uint256])
}

extension PlanEntitlements {
    static let identityFunctions: [ABIFunction] = [
        Functions.setIdentityRegistry, Functions.identityRegistry, Functions.setPlanRequirement, Functions.planRequirement,
    ]
    static let identityEvents: [ABIEvent] = [IdentityRegistrySet.event, PlanRequirementSet.event]

    /// One-time wiring by the deployer.
    public static func setIdentityRegistry(_ identity: Address) -> ContractCall<Void> {
        ContractCall(Functions.setIdentityRegistry, [.address(identity)])
    }

    public static func identityRegistry() -> ContractCall<Address> {
        ContractCall(Functions.identityRegistry, [], decoder: Decode.address)
    }

    /// By the plan's MVNO: buyers (and transfer receivers) must satisfy `predicates`; empty removes the requirement.
    public static func setPlanRequirement(planId: UInt256, predicates: IdentityRegistry.Predicates) -> ContractCall<Void> {
        ContractCall(Functions.setPlanRequirement, [.u256(planId), .uint(UInt256(predicates.rawValue))])
    }

    public static func planRequirement(planId: UInt256) -> ContractCall<UInt256> {
        ContractCall(Functions.planRequirement, [.u256(planId)], decoder: Decode.uint256)
    }

    public struct IdentityRegistrySet: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "IdentityRegistrySet", parameters: [.init(name: "identity", type: .address, indexed: true)])
        public let identity: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            identity = try r.address()
        }
    }

    public struct PlanRequirementSet: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "PlanRequirementSet", parameters: [
            .init(name: "planId", type: .uint256, indexed: true), .init(name: "predicates", type: .uint256, indexed: false),
        ])
        public let planId: UInt256, predicates: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            planId = try r.uint256(); predicates = try r.uint256()
        }
    }
}
