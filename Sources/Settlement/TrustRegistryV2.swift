// TrustRegistry calls and events added in contracts version 2 (issue 20): operator keys need the
// key's consent, an MNO approves each MVNO that resells it (with a maximum margin), and governance
// names the current deployment.
import EthereumCore

extension TrustRegistry.Functions {
    public static let acceptOperatorKey = ABIFunction(name: "acceptOperatorKey", inputs: [.address])
    public static let withdrawOperatorKeyOffer = ABIFunction(name: "withdrawOperatorKeyOffer", inputs: [.address])
    public static let keyOffered = ABIFunction(name: "keyOffered", inputs: [.address, .address], outputs: [.bool])
    public static let approveMvno = ABIFunction(name: "approveMvno", inputs: [.address, .uint256])
    public static let revokeMvnoApproval = ABIFunction(name: "revokeMvnoApproval", inputs: [.address])
    public static let mvnoApproval = ABIFunction(name: "mvnoApproval", inputs: [.address, .address], outputs: [.bool, .uint256])
    public static let setDeployment = ABIFunction(name: "setDeployment", inputs: [.uint256, .address, .address])
    public static let deploymentVersion = ABIFunction(name: "deploymentVersion", inputs: [], outputs: [.uint256])
    public static let deploymentEntitlements = ABIFunction(name: "deploymentEntitlements", inputs: [], outputs: [.address])
    public static let deploymentSettlement = ABIFunction(name: "deploymentSettlement", inputs: [], outputs: [.address])
    public static let VERSION = ABIFunction(name: "VERSION", inputs: [], outputs: [.uint256])
}

extension TrustRegistry {
    static let v2Functions: [ABIFunction] = [
        Functions.acceptOperatorKey, Functions.withdrawOperatorKeyOffer, Functions.keyOffered, Functions.approveMvno,
        Functions.revokeMvnoApproval, Functions.mvnoApproval, Functions.setDeployment, Functions.deploymentVersion,
        Functions.deploymentEntitlements, Functions.deploymentSettlement, Functions.VERSION,
    ]
    static let v2Events: [ABIEvent] = [OperatorKeyOffered.event, MvnoApproved.event, MvnoApprovalRevoked.event, DeploymentSet.event]

    /// Sent by the key's holder: it consents to be `mno`'s operator key (offered by `registerOperatorKey`).
    public static func acceptOperatorKey(mno: Address) -> ContractCall<Void> {
        ContractCall(Functions.acceptOperatorKey, [.address(mno)])
    }

    public static func withdrawOperatorKeyOffer(key: Address) -> ContractCall<Void> {
        ContractCall(Functions.withdrawOperatorKeyOffer, [.address(key)])
    }

    public static func keyOffered(key: Address, mno: Address) -> ContractCall<Bool> {
        ContractCall(Functions.keyOffered, [.address(key), .address(mno)], decoder: Decode.bool)
    }

    /// Sent by an active MNO: `mvno` may list plans reselling it at margins up to `maxMarginBps`.
    public static func approveMvno(_ mvno: Address, maxMarginBps: UInt256) -> ContractCall<Void> {
        ContractCall(Functions.approveMvno, [.address(mvno), .u256(maxMarginBps)])
    }

    public static func revokeMvnoApproval(_ mvno: Address) -> ContractCall<Void> {
        ContractCall(Functions.revokeMvnoApproval, [.address(mvno)])
    }

    /// `mvnoApproval(mno, mvno)` → the maximum margin in bps, or nil if `mno` has not approved `mvno`.
    public static func mvnoApproval(mno: Address, mvno: Address) -> ContractCall<UInt256?> {
        ContractCall(Functions.mvnoApproval, [.address(mno), .address(mvno)]) { (values: [ABIValue]) throws(BindingError) -> UInt256? in
            var r = ABIValueReader(values: values)
            let approved = try r.bool(), margin = try r.uint256()
            return approved ? margin : nil
        }
    }

    /// Governance: the current PlanEntitlements/UsageSettlement deployment of contracts `version`.
    public static func setDeployment(version: UInt256, entitlements: Address, settlement: Address) -> ContractCall<Void> {
        ContractCall(Functions.setDeployment, [.u256(version), .address(entitlements), .address(settlement)])
    }

    public static func deploymentVersion() -> ContractCall<UInt256> {
        ContractCall(Functions.deploymentVersion, [], decoder: Decode.uint256)
    }

    public static func deploymentEntitlements() -> ContractCall<Address> {
        ContractCall(Functions.deploymentEntitlements, [], decoder: Decode.address)
    }

    public static func deploymentSettlement() -> ContractCall<Address> {
        ContractCall(Functions.deploymentSettlement, [], decoder: Decode.address)
    }

    public static func VERSION() -> ContractCall<UInt256> { ContractCall(Functions.VERSION, [], decoder: Decode.uint256) }

    // MARK: Events

    public struct OperatorKeyOffered: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "OperatorKeyOffered", parameters: [
            .init(name: "mno", type: .address, indexed: true), .init(name: "key", type: .address, indexed: true),
            .init(name: "offered", type: .bool, indexed: false),
        ])
        public let mno: Address
        public let key: Address
        public let offered: Bool
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            mno = try r.address(); key = try r.address(); offered = try r.bool()
        }
    }

    public struct MvnoApproved: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "MvnoApproved", parameters: [
            .init(name: "mno", type: .address, indexed: true), .init(name: "mvno", type: .address, indexed: true),
            .init(name: "maxMarginBps", type: .uint256, indexed: false),
        ])
        public let mno: Address
        public let mvno: Address
        public let maxMarginBps: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            mno = try r.address(); mvno = try r.address(); maxMarginBps = try r.uint256()
        }
    }

    public struct MvnoApprovalRevoked: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "MvnoApprovalRevoked", parameters: [
            .init(name: "mno", type: .address, indexed: true), .init(name: "mvno", type: .address, indexed: true),
        ])
        public let mno: Address
        public let mvno: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            mno = try r.address(); mvno = try r.address()
        }
    }

    public struct DeploymentSet: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "DeploymentSet", parameters: [
            .init(name: "version", type: .uint256, indexed: true), .init(name: "entitlements", type: .address, indexed: true),
            .init(name: "settlement", type: .address, indexed: true),
        ])
        public let version: UInt256
        public let entitlements: Address
        public let settlement: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            version = try r.uint256(); entitlements = try r.address(); settlement = try r.address()
        }
    }
}
