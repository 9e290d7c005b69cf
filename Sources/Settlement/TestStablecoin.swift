// Typed binding of contracts/src/TestStablecoin.vy (ABI: contracts/build/TestStablecoin.json).
// TEST ONLY: the contract mints only on the devnet chain ids fixed at deployment.
import EthereumCore

/// ERC-20 (6 decimals) with EIP-2612 permit and EIP-3009 authorizations, for devnets and tests.
/// The ERC-20 calls here work against any plain ERC-20 (e.g. USDC) the deployment settles in.
public enum TestStablecoin: ContractBinding {
    public static let contractName = "TestStablecoin"

    /// ABI declarations, one per contract function.
    public enum Functions {
        public static let DOMAIN_SEPARATOR = ABIFunction(name: "DOMAIN_SEPARATOR", inputs: [], outputs: [.b32])
        public static let eip712Domain = ABIFunction(name: "eip712Domain", inputs: [],
                                                     outputs: [.fixedBytes(1), .string, .string, .uint256, .address, .b32, .array(.uint256)])
        public static let transfer = ABIFunction(name: "transfer", inputs: [.address, .uint256], outputs: [.bool])
        public static let approve = ABIFunction(name: "approve", inputs: [.address, .uint256], outputs: [.bool])
        public static let transferFrom = ABIFunction(name: "transferFrom", inputs: [.address, .address, .uint256], outputs: [.bool])
        public static let permit = ABIFunction(name: "permit", inputs: [.address, .address, .uint256, .uint256, .u8, .b32, .b32])
        public static let transferWithAuthorization = ABIFunction(
            name: "transferWithAuthorization",
            inputs: [.address, .address, .uint256, .uint256, .uint256, .b32, .u8, .b32, .b32])
        public static let receiveWithAuthorization = ABIFunction(
            name: "receiveWithAuthorization",
            inputs: [.address, .address, .uint256, .uint256, .uint256, .b32, .u8, .b32, .b32])
        public static let cancelAuthorization = ABIFunction(name: "cancelAuthorization", inputs: [.address, .b32, .u8, .b32, .b32])
        public static let mint = ABIFunction(name: "mint", inputs: [.address, .uint256])
        public static let setMinter = ABIFunction(name: "setMinter", inputs: [.address])
        public static let name = ABIFunction(name: "name", inputs: [], outputs: [.string])
        public static let symbol = ABIFunction(name: "symbol", inputs: [], outputs: [.string])
        public static let decimals = ABIFunction(name: "decimals", inputs: [], outputs: [.u8])
        public static let balanceOf = ABIFunction(name: "balanceOf", inputs: [.address], outputs: [.uint256])
        public static let allowance = ABIFunction(name: "allowance", inputs: [.address, .address], outputs: [.uint256])
        public static let totalSupply = ABIFunction(name: "totalSupply", inputs: [], outputs: [.uint256])
        public static let nonces = ABIFunction(name: "nonces", inputs: [.address], outputs: [.uint256])
        public static let authorizationState = ABIFunction(name: "authorizationState", inputs: [.address, .b32], outputs: [.bool])
        public static let minter = ABIFunction(name: "minter", inputs: [], outputs: [.address])
        public static let devnetChainIds = ABIFunction(name: "devnetChainIds", inputs: [.uint256], outputs: [.uint256])
        public static let VERSION = ABIFunction(name: "VERSION", inputs: [], outputs: [.uint256])
    }

    public static let functions: [ABIFunction] = [
        Functions.DOMAIN_SEPARATOR, Functions.eip712Domain, Functions.transfer, Functions.approve, Functions.transferFrom,
        Functions.permit, Functions.transferWithAuthorization, Functions.receiveWithAuthorization,
        Functions.cancelAuthorization, Functions.mint, Functions.setMinter, Functions.name, Functions.symbol,
        Functions.decimals, Functions.balanceOf, Functions.allowance, Functions.totalSupply, Functions.nonces,
        Functions.authorizationState, Functions.minter, Functions.devnetChainIds, Functions.VERSION,
    ]

    public static let events: [ABIEvent] = [
        Transfer.event, Approval.event, AuthorizationUsed.event, AuthorizationCanceled.event, MinterChanged.event,
    ]

    /// `constructor()`: the devnet chain ids where it mints (1337, 31337) are fixed in the contract.
    public static let constructor = ContractConstructor(inputs: [])

    /// The chain ids where `mint` works (`DEVNET_CHAIN_IDS` of the contract).
    public static let devnetChainIdSet: Set<UInt64> = [1337, 31337]

    public static func deploymentData(bytecode: [UInt8]) throws(BindingError) -> [UInt8] {
        try constructor.deploymentData(bytecode: bytecode, arguments: [])
    }

    public static func VERSION() -> ContractCall<UInt256> { ContractCall(Functions.VERSION, [], decoder: Decode.uint256) }

    /// The contract's `v` convention: 27 or 28.
    static func v(_ s: Signature) -> ABIValue { .u8(27 + s.yParity) }

    // MARK: ERC-20

    public static func transfer(receiver: Address, amount: UInt256) -> ContractCall<Bool> {
        ContractCall(Functions.transfer, [.address(receiver), .u256(amount)], decoder: Decode.bool)
    }

    public static func approve(spender: Address, amount: UInt256) -> ContractCall<Bool> {
        ContractCall(Functions.approve, [.address(spender), .u256(amount)], decoder: Decode.bool)
    }

    public static func transferFrom(sender: Address, receiver: Address, amount: UInt256) -> ContractCall<Bool> {
        ContractCall(Functions.transferFrom, [.address(sender), .address(receiver), .u256(amount)], decoder: Decode.bool)
    }

    public static func balanceOf(_ owner: Address) -> ContractCall<UInt256> {
        ContractCall(Functions.balanceOf, [.address(owner)], decoder: Decode.uint256)
    }

    public static func allowance(owner: Address, spender: Address) -> ContractCall<UInt256> {
        ContractCall(Functions.allowance, [.address(owner), .address(spender)], decoder: Decode.uint256)
    }

    public static func totalSupply() -> ContractCall<UInt256> { ContractCall(Functions.totalSupply, [], decoder: Decode.uint256) }
    public static func name() -> ContractCall<String> { ContractCall(Functions.name, [], decoder: Decode.string) }
    public static func symbol() -> ContractCall<String> { ContractCall(Functions.symbol, [], decoder: Decode.string) }
    public static func decimals() -> ContractCall<UInt8> { ContractCall(Functions.decimals, [], decoder: Decode.uint8) }

    // MARK: EIP-2612 / EIP-3009

    public static func DOMAIN_SEPARATOR() -> ContractCall<Hash32> {
        ContractCall(Functions.DOMAIN_SEPARATOR, [], decoder: Decode.bytes32)
    }

    /// EIP-5267 `eip712Domain()`.
    public struct EIP712DomainInfo: Sendable, Hashable {
        public let fields: UInt8
        public let name: String
        public let version: String
        public let chainId: UInt256
        public let verifyingContract: Address
        public let salt: Hash32
        public let extensions: [UInt256]
    }

    public static func eip712Domain() -> ContractCall<EIP712DomainInfo> {
        ContractCall(Functions.eip712Domain, []) { (values: [ABIValue]) throws(BindingError) -> EIP712DomainInfo in
            var r = ABIValueReader(values: values)
            return EIP712DomainInfo(fields: try r.fixedBytes(1)[0], name: try r.string(), version: try r.string(),
                                    chainId: try r.uint256(), verifyingContract: try r.address(), salt: try r.bytes32(),
                                    extensions: try r.uint256Array())
        }
    }

    public static func permit(owner: Address, spender: Address, amount: UInt256, deadline: UInt256, signature: Signature) -> ContractCall<Void> {
        ContractCall(Functions.permit, [
            .address(owner), .address(spender), .u256(amount), .u256(deadline), v(signature),
            .fixedBytes(signature.r), .fixedBytes(signature.s),
        ])
    }

    /// EIP-3009 authorization fields shared by transfer/receiveWithAuthorization.
    public struct Authorization: Sendable, Hashable {
        public var sender: Address
        public var receiver: Address
        public var amount: UInt256
        public var validAfter: UInt256
        public var validBefore: UInt256
        public var nonce: Hash32
        public init(sender: Address, receiver: Address, amount: UInt256, validAfter: UInt256, validBefore: UInt256, nonce: Hash32) {
            self.sender = sender; self.receiver = receiver; self.amount = amount
            self.validAfter = validAfter; self.validBefore = validBefore; self.nonce = nonce
        }

        func arguments(_ s: Signature) -> [ABIValue] {
            [.address(sender), .address(receiver), .u256(amount), .u256(validAfter), .u256(validBefore), .b32(nonce),
             TestStablecoin.v(s), .fixedBytes(s.r), .fixedBytes(s.s)]
        }
    }

    public static func transferWithAuthorization(_ a: Authorization, signature: Signature) -> ContractCall<Void> {
        ContractCall(Functions.transferWithAuthorization, a.arguments(signature))
    }

    /// Only the payee (`a.receiver`) may submit it.
    public static func receiveWithAuthorization(_ a: Authorization, signature: Signature) -> ContractCall<Void> {
        ContractCall(Functions.receiveWithAuthorization, a.arguments(signature))
    }

    public static func cancelAuthorization(authorizer: Address, nonce: Hash32, signature: Signature) -> ContractCall<Void> {
        ContractCall(Functions.cancelAuthorization, [
            .address(authorizer), .b32(nonce), v(signature), .fixedBytes(signature.r), .fixedBytes(signature.s),
        ])
    }

    public static func nonces(owner: Address) -> ContractCall<UInt256> {
        ContractCall(Functions.nonces, [.address(owner)], decoder: Decode.uint256)
    }

    public static func authorizationState(authorizer: Address, nonce: Hash32) -> ContractCall<Bool> {
        ContractCall(Functions.authorizationState, [.address(authorizer), .b32(nonce)], decoder: Decode.bool)
    }

    // MARK: Devnet minting

    /// Minter only, and only on a devnet chain id.
    public static func mint(receiver: Address, amount: UInt256) -> ContractCall<Void> {
        ContractCall(Functions.mint, [.address(receiver), .u256(amount)])
    }

    public static func setMinter(_ newMinter: Address) -> ContractCall<Void> {
        ContractCall(Functions.setMinter, [.address(newMinter)])
    }

    public static func minter() -> ContractCall<Address> { ContractCall(Functions.minter, [], decoder: Decode.address) }

    public static func devnetChainIds(index: UInt256) -> ContractCall<UInt256> {
        ContractCall(Functions.devnetChainIds, [.u256(index)], decoder: Decode.uint256)
    }

    // MARK: Events

    public struct Transfer: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "Transfer", parameters: [
            .init(name: "sender", type: .address, indexed: true), .init(name: "receiver", type: .address, indexed: true),
            .init(name: "value", type: .uint256, indexed: false),
        ])
        public let sender: Address
        public let receiver: Address
        public let value: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            sender = try r.address(); receiver = try r.address(); value = try r.uint256()
        }
    }

    public struct Approval: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "Approval", parameters: [
            .init(name: "owner", type: .address, indexed: true), .init(name: "spender", type: .address, indexed: true),
            .init(name: "value", type: .uint256, indexed: false),
        ])
        public let owner: Address
        public let spender: Address
        public let value: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            owner = try r.address(); spender = try r.address(); value = try r.uint256()
        }
    }

    public struct AuthorizationUsed: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "AuthorizationUsed", parameters: [
            .init(name: "authorizer", type: .address, indexed: true), .init(name: "nonce", type: .b32, indexed: true),
        ])
        public let authorizer: Address
        public let nonce: Hash32
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            authorizer = try r.address(); nonce = try r.bytes32()
        }
    }

    public struct AuthorizationCanceled: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "AuthorizationCanceled", parameters: [
            .init(name: "authorizer", type: .address, indexed: true), .init(name: "nonce", type: .b32, indexed: true),
        ])
        public let authorizer: Address
        public let nonce: Hash32
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            authorizer = try r.address(); nonce = try r.bytes32()
        }
    }

    public struct MinterChanged: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "MinterChanged", parameters: [
            .init(name: "previous", type: .address, indexed: true), .init(name: "minter", type: .address, indexed: true),
        ])
        public let previous: Address
        public let minter: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            previous = try r.address(); minter = try r.address()
        }
    }
}
