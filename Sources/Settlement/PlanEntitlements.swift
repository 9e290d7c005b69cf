// Typed binding of contracts/src/PlanEntitlements.vy (ABI: contracts/build/PlanEntitlements.json).
// Events are in PlanEntitlementsEvents.swift.
import EthereumCore

/// ERC-1155 data plans and entitlements. An MVNO lists plans reselling an MNO; a buyer pays the
/// plan price straight into the UsageSettlement escrow and receives a token bound to
/// `commitment = keccak256(EID ‖ salt)`. The SM-DP+ checks `isLive(id, commitment)` and the plan's
/// `deliveryTerms` (PlanEntitlementsDelivery.swift), and records delivery.
public enum PlanEntitlements: ContractBinding {
    public static let contractName = "PlanEntitlements"

    /// ABI declarations, one per contract function.
    public enum Functions {
        public static let setSettlement = ABIFunction(name: "setSettlement", inputs: [.address])
        public static let setURI = ABIFunction(name: "setURI", inputs: [.string])
        public static let listPlan = ABIFunction(
            name: "listPlan",
            inputs: [.address, .uint256, .uint256, .uint256, .uint256, .uint256, .bool, .u8, .u8, .address, .b32, .uint256],
            outputs: [.uint256])
        public static let delistPlan = ABIFunction(name: "delistPlan", inputs: [.uint256])
        public static let plans = ABIFunction(name: "plans", inputs: [.uint256], outputs: [.tuple([
            .address, .address, .uint256, .uint256, .uint256, .uint256, .uint256, .uint256, .bool, .bool, .u8, .u8,
            .address, .b32, .uint256,
        ])])
        public static let buy = ABIFunction(name: "buy", inputs: [.uint256, .b32], outputs: [.uint256])
        public static let buyWithAuthorization = ABIFunction(
            name: "buyWithAuthorization",
            inputs: [.uint256, .b32, .b32, .address, .uint256, .uint256, .u8, .b32, .b32], outputs: [.uint256])
        public static let authorizationNonce = ABIFunction(name: "authorizationNonce", inputs: [.uint256, .b32, .b32], outputs: [.b32])
        public static let cancel = ABIFunction(name: "cancel", inputs: [.uint256])
        public static let entitlement = ABIFunction(name: "entitlement", inputs: [.uint256],
                                                    outputs: [.b32, .uint256, .uint256, .uint256, .u8, .address])
        public static let isLive = ABIFunction(name: "isLive", inputs: [.uint256, .b32], outputs: [.bool])
        public static let settlementTerms = ABIFunction(
            name: "settlementTerms", inputs: [.uint256],
            outputs: [.address, .uint256, .uint256, .address, .address, .uint256, .uint256, .uint256, .u8, .u8, .bool, .uint256])
        public static let ownerOf = ABIFunction(name: "ownerOf", inputs: [.uint256], outputs: [.address])
        public static let supportsInterface = ABIFunction(name: "supportsInterface", inputs: [.fixedBytes(4)], outputs: [.bool])
        public static let uri = ABIFunction(name: "uri", inputs: [.uint256], outputs: [.string])
        public static let balanceOf = ABIFunction(name: "balanceOf", inputs: [.address, .uint256], outputs: [.uint256])
        public static let balanceOfBatch = ABIFunction(name: "balanceOfBatch", inputs: [.array(.address), .array(.uint256)],
                                                       outputs: [.array(.uint256)])
        public static let setApprovalForAll = ABIFunction(name: "setApprovalForAll", inputs: [.address, .bool])
        public static let safeTransferFrom = ABIFunction(name: "safeTransferFrom",
                                                         inputs: [.address, .address, .uint256, .uint256, .bytes])
        public static let safeBatchTransferFrom = ABIFunction(
            name: "safeBatchTransferFrom", inputs: [.address, .address, .array(.uint256), .array(.uint256), .bytes])
        public static let REGISTRY = ABIFunction(name: "REGISTRY", inputs: [], outputs: [.address])
        public static let TOKEN = ABIFunction(name: "TOKEN", inputs: [], outputs: [.address])
        public static let DEPLOYER = ABIFunction(name: "DEPLOYER", inputs: [], outputs: [.address])
        public static let settlement = ABIFunction(name: "settlement", inputs: [], outputs: [.address])
        public static let planCount = ABIFunction(name: "planCount", inputs: [], outputs: [.uint256])
        public static let cancelledAt = ABIFunction(name: "cancelledAt", inputs: [.uint256], outputs: [.uint256])
        public static let lastId = ABIFunction(name: "lastId", inputs: [], outputs: [.uint256])
        public static let isApprovedForAll = ABIFunction(name: "isApprovedForAll", inputs: [.address, .address], outputs: [.bool])
    }

    public static let functions: [ABIFunction] = [
        Functions.setSettlement, Functions.setURI, Functions.listPlan, Functions.delistPlan, Functions.plans,
        Functions.buy, Functions.buyWithAuthorization, Functions.authorizationNonce, Functions.cancel,
        Functions.entitlement, Functions.isLive, Functions.settlementTerms, Functions.ownerOf,
        Functions.supportsInterface, Functions.uri, Functions.balanceOf, Functions.balanceOfBatch,
        Functions.setApprovalForAll, Functions.safeTransferFrom, Functions.safeBatchTransferFrom,
        Functions.REGISTRY, Functions.TOKEN, Functions.DEPLOYER, Functions.settlement, Functions.planCount,
        Functions.cancelledAt, Functions.lastId, Functions.isApprovedForAll,
    ] + v2Functions + catalogFunctions + depositFunctions + identityFunctions

    public static let events: [ABIEvent] = [
        TransferSingle.event, TransferBatch.event, ApprovalForAll.event, URI.event, PlanListed.event,
        PlanDelisted.event, Purchased.event, Cancelled.event, SettlementSet.event, PlanRelisted.event, Delivered.event,
        CommitmentBound.event, PlanMetadataSet.event,
    ] + depositEvents + identityEvents

    /// `constructor(registry: address, token: address, uri: String[…])`
    public static let constructor = ContractConstructor(inputs: [.address, .address, .string])

    public static func deploymentData(bytecode: [UInt8], registry: Address, token: Address, uri: String) throws(BindingError) -> [UInt8] {
        try constructor.deploymentData(bytecode: bytecode, arguments: [.address(registry), .address(token), .string(uri)])
    }

    // MARK: Wiring and governance

    /// Deployer only, once.
    public static func setSettlement(_ settlement: Address) -> ContractCall<Void> {
        ContractCall(Functions.setSettlement, [.address(settlement)])
    }

    /// Governance only: the ERC-1155 metadata URI template.
    public static func setURI(_ uri: String) -> ContractCall<Void> {
        ContractCall(Functions.setURI, [.string(uri)])
    }

    // MARK: Plans

    /// Plan terms as `listPlan` takes them and `plans(id)` returns them (terms never change).
    public struct PlanTerms: Sendable, Hashable {
        public var mno: Address
        public var dataMB: UInt256
        public var validitySeconds: UInt256
        /// Stablecoin base units.
        public var price: UInt256
        /// MVNO margin, ≤ 10000.
        public var marginBps: UInt256
        public var supplyCap: UInt256
        /// False (the default) makes the tokens soulbound; a transfer of a transferable one unbinds its commitment.
        public var transferable: Bool
        public var refundRule: RefundRule
        public var usagePoster: UsagePoster
        /// The SM-DP+ entity that delivers the plan's profile and records delivery.
        public var smdp: Address
        /// The profile type id the plan delivers (`profileTypeId(name:)`).
        public var profileType: Hash32
        /// Seconds after purchase by which delivery must be recorded, else a full refund (≤ validity).
        public var activationWindowSeconds: UInt256

        public init(mno: Address, dataMB: UInt256, validitySeconds: UInt256, price: UInt256, marginBps: UInt256,
                    supplyCap: UInt256, transferable: Bool = false, refundRule: RefundRule, usagePoster: UsagePoster,
                    smdp: Address, profileType: Hash32, activationWindowSeconds: UInt256) {
            self.mno = mno; self.dataMB = dataMB; self.validitySeconds = validitySeconds; self.price = price
            self.marginBps = marginBps; self.supplyCap = supplyCap; self.transferable = transferable
            self.refundRule = refundRule; self.usagePoster = usagePoster; self.smdp = smdp; self.profileType = profileType
            self.activationWindowSeconds = activationWindowSeconds
        }
    }

    /// Sent by an active MVNO. Returns the new plan id (ids start at 1); from a transaction, read `PlanListed`.
    public static func listPlan(_ t: PlanTerms) -> ContractCall<UInt256> {
        ContractCall(Functions.listPlan, [
            .address(t.mno), .u256(t.dataMB), .u256(t.validitySeconds), .u256(t.price), .u256(t.marginBps),
            .u256(t.supplyCap), .bool(t.transferable), .u8(t.refundRule.rawValue), .u8(t.usagePoster.rawValue),
            .address(t.smdp), .b32(t.profileType), .u256(t.activationWindowSeconds),
        ], decoder: Decode.uint256)
    }

    public static func delistPlan(planId: UInt256) -> ContractCall<Void> {
        ContractCall(Functions.delistPlan, [.u256(planId)])
    }

    /// `struct Plan` as returned by `plans(id)`.
    public struct Plan: Sendable, Hashable {
        public let mvno: Address
        public let mno: Address
        public let dataMB: UInt256
        public let validity: UInt256
        public let price: UInt256
        public let marginBps: UInt256
        public let supplyCap: UInt256
        public let sold: UInt256
        public let active: Bool
        public let soulbound: Bool
        public let refundRule: RefundRule
        public let usagePoster: UsagePoster
        public let smdp: Address
        public let profileType: Hash32
        public let activationWindow: UInt256
    }

    /// All-zero for an unknown plan id, which fails here as no valid plan (mvno zero) → nil.
    public static func plans(planId: UInt256) -> ContractCall<Plan?> {
        ContractCall(Functions.plans, [.u256(planId)]) { (values: [ABIValue]) throws(BindingError) -> Plan? in
            var outer = ABIValueReader(values: values)
            var r = try outer.tuple()
            let mvno = try r.address(), mno = try r.address()
            let dataMB = try r.uint256(), validity = try r.uint256(), price = try r.uint256()
            let margin = try r.uint256(), cap = try r.uint256(), sold = try r.uint256()
            let active = try r.bool(), soulbound = try r.bool()
            let rule = try r.enumeration(RefundRule.self), poster = try r.enumeration(UsagePoster.self)
            let smdp = try r.address(), profileType = try r.bytes32(), window = try r.uint256()
            if mvno == .zero { return nil }
            return Plan(mvno: mvno, mno: mno, dataMB: dataMB, validity: validity, price: price, marginBps: margin,
                        supplyCap: cap, sold: sold, active: active, soulbound: soulbound, refundRule: rule, usagePoster: poster,
                        smdp: smdp, profileType: profileType, activationWindow: window)
        }
    }

    public static func planCount() -> ContractCall<UInt256> {
        ContractCall(Functions.planCount, [], decoder: Decode.uint256)
    }

    // MARK: Purchase

    /// `commitment = keccak256(EID ‖ salt)` with the EID as its 16 BCD bytes (the form carried in
    /// tag 5A and in the BSP SharedInfo). The EID itself never goes on chain; keep `salt` secret.
    public static func commitment(eid: [UInt8], salt: Hash32) throws(BindingError) -> Hash32 {
        guard eid.count == 16 else { throw .unexpectedValue(field: "eid", expected: "16 BCD bytes") }
        return Keccak256.hash(eid + salt.bytes)
    }


    /// The caller must have approved `price` to this contract. Returns the new token id; from a transaction, read `Purchased`.
    public static func buy(planId: UInt256, commitment: Hash32) -> ContractCall<UInt256> {
        ContractCall(Functions.buy, [.u256(planId), .b32(commitment)], decoder: Decode.uint256)
    }

    /// Gasless purchase: `buyer` signed an EIP-3009 ReceiveWithAuthorization to this contract with
    /// nonce `authorizationNonce(planId, commitment, purchaseNonce)`; any relayer submits it.
    /// `purchaseNonce` goes on chain in calldata: it must be fresh randomness (`newPurchaseNonce()`),
    /// never the commitment's salt, which would make the EID searchable.
    public static func buyWithAuthorization(planId: UInt256, commitment: Hash32, purchaseNonce: Hash32, buyer: Address,
                                            validAfter: UInt256, validBefore: UInt256,
                                            signature: Signature) -> ContractCall<UInt256> {
        ContractCall(Functions.buyWithAuthorization, [
            .u256(planId), .b32(commitment), .b32(purchaseNonce), .address(buyer), .u256(validAfter), .u256(validBefore),
            .u8(27 + signature.yParity), .fixedBytes(signature.r), .fixedBytes(signature.s),
        ], decoder: Decode.uint256)
    }

    public static func authorizationNonce(planId: UInt256, commitment: Hash32, purchaseNonce: Hash32) -> ContractCall<Hash32> {
        ContractCall(Functions.authorizationNonce, [.u256(planId), .b32(commitment), .b32(purchaseNonce)], decoder: Decode.bytes32)
    }

    /// The owner ends the entitlement early (refund rule `atExpiryOrCancel` only).
    public static func cancel(tokenId: UInt256) -> ContractCall<Void> {
        ContractCall(Functions.cancel, [.u256(tokenId)])
    }

    public static func cancelledAt(tokenId: UInt256) -> ContractCall<UInt256> {
        ContractCall(Functions.cancelledAt, [.u256(tokenId)], decoder: Decode.uint256)
    }

    public static func lastId() -> ContractCall<UInt256> {
        ContractCall(Functions.lastId, [], decoder: Decode.uint256)
    }

    // MARK: Entitlements

    /// `entitlement(id)` → (commitment, planId, start, end, status, owner).
    public struct Entitlement: Sendable, Hashable {
        public let commitment: Hash32
        public let planId: UInt256
        public let start: UInt256
        /// Expiry, or the cancellation time of a cancelled entitlement.
        public let end: UInt256
        public let status: EntitlementStatus
        public let owner: Address
    }

    public static func entitlement(tokenId: UInt256) -> ContractCall<Entitlement> {
        ContractCall(Functions.entitlement, [.u256(tokenId)]) { (values: [ABIValue]) throws(BindingError) -> Entitlement in
            var r = ABIValueReader(values: values)
            return Entitlement(commitment: try r.bytes32(), planId: try r.uint256(), start: try r.uint256(),
                               end: try r.uint256(), status: try r.enumeration(EntitlementStatus.self), owner: try r.address())
        }
    }

    /// What the SM-DP+ checks before releasing a profile.
    public static func isLive(tokenId: UInt256, commitment: Hash32) -> ContractCall<Bool> {
        ContractCall(Functions.isLive, [.u256(tokenId), .b32(commitment)], decoder: Decode.bool)
    }

    /// `settlementTerms(id)` → (owner, start, end, mno, mvno, marginBps, price, planBytes, refundRule, usagePoster,
    /// delivered, activationDeadline).
    public struct SettlementTerms: Sendable, Hashable {
        public let owner: Address
        public let start: UInt256
        public let end: UInt256
        public let mno: Address
        public let mvno: Address
        public let marginBps: UInt256
        public let price: UInt256
        public let planBytes: UInt256
        public let refundRule: RefundRule
        public let usagePoster: UsagePoster
        public let delivered: Bool
        public let activationDeadline: UInt256
    }

    public static func settlementTerms(tokenId: UInt256) -> ContractCall<SettlementTerms> {
        ContractCall(Functions.settlementTerms, [.u256(tokenId)]) { (values: [ABIValue]) throws(BindingError) -> SettlementTerms in
            var r = ABIValueReader(values: values)
            return SettlementTerms(
                owner: try r.address(), start: try r.uint256(), end: try r.uint256(), mno: try r.address(),
                mvno: try r.address(), marginBps: try r.uint256(), price: try r.uint256(), planBytes: try r.uint256(),
                refundRule: try r.enumeration(RefundRule.self), usagePoster: try r.enumeration(UsagePoster.self),
                delivered: try r.bool(), activationDeadline: try r.uint256())
        }
    }

    // MARK: ERC-1155

    public static func ownerOf(tokenId: UInt256) -> ContractCall<Address> {
        ContractCall(Functions.ownerOf, [.u256(tokenId)], decoder: Decode.address)
    }

    /// ERC-165. `interfaceId` is 4 bytes.
    public static func supportsInterface(_ interfaceId: [UInt8]) -> ContractCall<Bool> {
        ContractCall(Functions.supportsInterface, [.fixedBytes(interfaceId)], decoder: Decode.bool)
    }

    public static func uri(tokenId: UInt256) -> ContractCall<String> {
        ContractCall(Functions.uri, [.u256(tokenId)], decoder: Decode.string)
    }

    public static func balanceOf(owner: Address, tokenId: UInt256) -> ContractCall<UInt256> {
        ContractCall(Functions.balanceOf, [.address(owner), .u256(tokenId)], decoder: Decode.uint256)
    }

    public static func balanceOfBatch(owners: [Address], ids: [UInt256]) -> ContractCall<[UInt256]> {
        ContractCall(Functions.balanceOfBatch, [.array(owners.map { .address($0) }), .array(ids.map { .u256($0) })]) {
            (values: [ABIValue]) throws(BindingError) -> [UInt256] in
            var r = ABIValueReader(values: values)
            return try r.uint256Array()
        }
    }

    public static func setApprovalForAll(operator: Address, approved: Bool) -> ContractCall<Void> {
        ContractCall(Functions.setApprovalForAll, [.address(`operator`), .bool(approved)])
    }

    public static func isApprovedForAll(owner: Address, operator: Address) -> ContractCall<Bool> {
        ContractCall(Functions.isApprovedForAll, [.address(owner), .address(`operator`)], decoder: Decode.bool)
    }

    public static func safeTransferFrom(sender: Address, receiver: Address, id: UInt256, amount: UInt256,
                                        data: [UInt8] = []) -> ContractCall<Void> {
        ContractCall(Functions.safeTransferFrom, [.address(sender), .address(receiver), .u256(id), .u256(amount), .bytes(data)])
    }

    public static func safeBatchTransferFrom(sender: Address, receiver: Address, ids: [UInt256], amounts: [UInt256],
                                             data: [UInt8] = []) -> ContractCall<Void> {
        ContractCall(Functions.safeBatchTransferFrom, [
            .address(sender), .address(receiver), .array(ids.map { .u256($0) }), .array(amounts.map { .u256($0) }), .bytes(data),
        ])
    }

    // MARK: Immutable wiring

    public static func REGISTRY() -> ContractCall<Address> { ContractCall(Functions.REGISTRY, [], decoder: Decode.address) }
    public static func TOKEN() -> ContractCall<Address> { ContractCall(Functions.TOKEN, [], decoder: Decode.address) }
    public static func DEPLOYER() -> ContractCall<Address> { ContractCall(Functions.DEPLOYER, [], decoder: Decode.address) }
    public static func settlement() -> ContractCall<Address> { ContractCall(Functions.settlement, [], decoder: Decode.address) }
}
