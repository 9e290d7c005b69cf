// PlanEntitlements calls added in contracts version 2 (issue 20): what a plan delivers (SM-DP+ and
// profile type), delivery records with the activation deadline, commitment rebinding after a
// transfer, relisting, the purchase nonce and the contracts' version.
import EthereumCore

extension PlanEntitlements.Functions {
    public static let relistPlan = ABIFunction(name: "relistPlan", inputs: [.uint256])
    public static let markDelivered = ABIFunction(name: "markDelivered", inputs: [.uint256, .b32])
    public static let bindCommitment = ABIFunction(name: "bindCommitment", inputs: [.uint256, .b32])
    public static let deliveryTerms = ABIFunction(name: "deliveryTerms", inputs: [.uint256], outputs: [.address, .b32, .uint256, .b32])
    public static let installResultHash = ABIFunction(name: "installResultHash", inputs: [.uint256], outputs: [.b32])
    public static let VERSION = ABIFunction(name: "VERSION", inputs: [], outputs: [.uint256])
}

extension PlanEntitlements {
    static let v2Functions: [ABIFunction] = [
        Functions.relistPlan, Functions.markDelivered, Functions.bindCommitment, Functions.deliveryTerms,
        Functions.installResultHash, Functions.VERSION,
    ]

    /// The contracts version these bindings are written for (`VERSION()` of every contract).
    public static let bindingVersion: UInt256 = 2

    /// A profile type id as plans name it: keccak256 of the SM-DP+'s profile type name (UTF-8).
    public static func profileTypeId(name: String) -> Hash32 {
        Keccak256.hash(Array(name.utf8))
    }

    /// 32 bytes of fresh randomness for `buyWithAuthorization`'s public `purchaseNonce` (never the commitment's salt).
    public static func newPurchaseNonce() -> Hash32 {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: .min ... .max, using: &rng) }
        return try! Hash32(bytes)   // 32 bytes: never throws
    }

    /// The plan's MVNO resumes sales of a delisted plan.
    public static func relistPlan(planId: UInt256) -> ContractCall<Void> {
        ContractCall(Functions.relistPlan, [.u256(planId)])
    }

    /// Sent by the plan's SM-DP+: the profile was installed; `installResultHash` is the SHA-256 of
    /// the eUICC-signed ProfileInstallationResult received at HandleNotification.
    public static func markDelivered(tokenId: UInt256, installResultHash: Hash32) -> ContractCall<Void> {
        ContractCall(Functions.markDelivered, [.u256(tokenId), .b32(installResultHash)])
    }

    /// Sent by the owner of a transferred (unbound) entitlement: binds it to its own EID commitment.
    public static func bindCommitment(tokenId: UInt256, commitment: Hash32) -> ContractCall<Void> {
        ContractCall(Functions.bindCommitment, [.u256(tokenId), .b32(commitment)])
    }

    /// `deliveryTerms(id)` → (smdp, profileType, activationDeadline, installResultHash); all zero for an unknown id.
    public struct DeliveryTerms: Sendable, Hashable {
        public let smdp: Address
        public let profileType: Hash32
        public let activationDeadline: UInt256
        /// Zero until the SM-DP+ recorded delivery.
        public let installResultHash: Hash32

        public var delivered: Bool { installResultHash != .zero }
    }

    public static func deliveryTerms(tokenId: UInt256) -> ContractCall<DeliveryTerms> {
        ContractCall(Functions.deliveryTerms, [.u256(tokenId)]) { (values: [ABIValue]) throws(BindingError) -> DeliveryTerms in
            var r = ABIValueReader(values: values)
            return DeliveryTerms(smdp: try r.address(), profileType: try r.bytes32(), activationDeadline: try r.uint256(),
                                 installResultHash: try r.bytes32())
        }
    }

    public static func installResultHash(tokenId: UInt256) -> ContractCall<Hash32> {
        ContractCall(Functions.installResultHash, [.u256(tokenId)], decoder: Decode.bytes32)
    }

    public static func VERSION() -> ContractCall<UInt256> { ContractCall(Functions.VERSION, [], decoder: Decode.uint256) }
}
