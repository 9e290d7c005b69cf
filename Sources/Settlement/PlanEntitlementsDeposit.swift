// The x402 plan purchase (issue 16 item 3, docs/X402.md): the buyer pays the plan price to a deposit address
// derived from (buyer, plan, commitment, purchase nonce), with a standard x402 `exact` payment; anyone then
// sends `buyFromDeposit`, which can only mint that plan to that buyer for that commitment.
import EthereumCore

extension PlanEntitlements.Functions {
    public static let depositAddress = ABIFunction(name: "depositAddress", inputs: [.address, .uint256, .b32, .b32], outputs: [.address])
    public static let buyFromDeposit = ABIFunction(name: "buyFromDeposit", inputs: [.address, .uint256, .b32, .b32], outputs: [.uint256])
    public static let withdrawDeposit = ABIFunction(name: "withdrawDeposit", inputs: [.uint256, .b32, .b32], outputs: [.uint256])
    public static let DEPOSIT_SWEEPER = ABIFunction(name: "DEPOSIT_SWEEPER", inputs: [], outputs: [.address])
}

extension PlanEntitlements {
    static let depositFunctions: [ABIFunction] = [
        Functions.depositAddress, Functions.buyFromDeposit, Functions.withdrawDeposit, Functions.DEPOSIT_SWEEPER,
    ]
    static let depositEvents: [ABIEvent] = [DepositPurchase.event, DepositWithdrawn.event]

    /// Where `buyer` pays for `buyFromDeposit` (the x402 `payTo`). `purchaseNonce`: fresh randomness
    /// (`newPurchaseNonce()`), never the commitment's salt.
    public static func depositAddress(buyer: Address, planId: UInt256, commitment: Hash32, purchaseNonce: Hash32) -> ContractCall<Address> {
        ContractCall(Functions.depositAddress, [.address(buyer), .u256(planId), .b32(commitment), .b32(purchaseNonce)], decoder: Decode.address)
    }

    /// Anyone, once per deposit address: mints the plan to `buyer` for `commitment` from what the deposit holds
    /// (reverts `deposit: not paid` below the price, `deposit: already used` after a purchase or a withdrawal).
    public static func buyFromDeposit(buyer: Address, planId: UInt256, commitment: Hash32, purchaseNonce: Hash32) -> ContractCall<UInt256> {
        ContractCall(Functions.buyFromDeposit, [.address(buyer), .u256(planId), .b32(commitment), .b32(purchaseNonce)], decoder: Decode.uint256)
    }

    /// The buyer (the sender) takes everything its deposit address holds; before a purchase this closes it.
    public static func withdrawDeposit(planId: UInt256, commitment: Hash32, purchaseNonce: Hash32) -> ContractCall<UInt256> {
        ContractCall(Functions.withdrawDeposit, [.u256(planId), .b32(commitment), .b32(purchaseNonce)], decoder: Decode.uint256)
    }

    /// A deposit address bought entitlement `id` (the deposit is the first topic: a lookup by deposit is one filter).
    public struct DepositPurchase: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "DepositPurchase", parameters: [
            .init(name: "deposit", type: .address, indexed: true), .init(name: "id", type: .uint256, indexed: true),
        ])
        public let deposit: Address
        public let id: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            deposit = try r.address(); id = try r.uint256()
        }
    }

    /// The buyer took `amount` from its deposit address.
    public struct DepositWithdrawn: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "DepositWithdrawn", parameters: [
            .init(name: "deposit", type: .address, indexed: true), .init(name: "buyer", type: .address, indexed: true),
            .init(name: "amount", type: .uint256, indexed: false),
        ])
        public let deposit: Address
        public let buyer: Address
        public let amount: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            deposit = try r.address(); buyer = try r.address(); amount = try r.uint256()
        }
    }
}
