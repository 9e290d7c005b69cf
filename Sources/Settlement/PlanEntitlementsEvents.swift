// Events of contracts/src/PlanEntitlements.vy.
import EthereumCore

extension PlanEntitlements {
    /// ERC-1155 TransferSingle (mint: sender = zero address).
    public struct TransferSingle: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "TransferSingle", parameters: [
            .init(name: "operator", type: .address, indexed: true), .init(name: "sender", type: .address, indexed: true),
            .init(name: "receiver", type: .address, indexed: true), .init(name: "id", type: .uint256, indexed: false),
            .init(name: "value", type: .uint256, indexed: false),
        ])
        public let `operator`: Address
        public let sender: Address
        public let receiver: Address
        public let id: UInt256
        public let value: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            `operator` = try r.address(); sender = try r.address(); receiver = try r.address()
            id = try r.uint256(); value = try r.uint256()
        }
    }

    public struct TransferBatch: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "TransferBatch", parameters: [
            .init(name: "operator", type: .address, indexed: true), .init(name: "sender", type: .address, indexed: true),
            .init(name: "receiver", type: .address, indexed: true), .init(name: "ids", type: .array(.uint256), indexed: false),
            .init(name: "values", type: .array(.uint256), indexed: false),
        ])
        public let `operator`: Address
        public let sender: Address
        public let receiver: Address
        public let ids: [UInt256]
        public let values: [UInt256]
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            `operator` = try r.address(); sender = try r.address(); receiver = try r.address()
            ids = try r.uint256Array(); values = try r.uint256Array()
        }
    }

    public struct ApprovalForAll: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "ApprovalForAll", parameters: [
            .init(name: "owner", type: .address, indexed: true), .init(name: "operator", type: .address, indexed: true),
            .init(name: "approved", type: .bool, indexed: false),
        ])
        public let owner: Address
        public let `operator`: Address
        public let approved: Bool
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            owner = try r.address(); `operator` = try r.address(); approved = try r.bool()
        }
    }

    /// Emitted with id 0 (never minted), meaning "all ids".
    public struct URI: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "URI", parameters: [
            .init(name: "value", type: .string, indexed: false), .init(name: "id", type: .uint256, indexed: true),
        ])
        public let value: String
        public let id: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            value = try r.string(); id = try r.uint256()
        }
    }

    public struct PlanListed: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "PlanListed", parameters: [
            .init(name: "planId", type: .uint256, indexed: true), .init(name: "mvno", type: .address, indexed: true),
            .init(name: "mno", type: .address, indexed: true), .init(name: "dataMB", type: .uint256, indexed: false),
            .init(name: "validity", type: .uint256, indexed: false), .init(name: "price", type: .uint256, indexed: false),
            .init(name: "marginBps", type: .uint256, indexed: false), .init(name: "supplyCap", type: .uint256, indexed: false),
            .init(name: "soulbound", type: .bool, indexed: false), .init(name: "refundRule", type: .u8, indexed: false),
            .init(name: "usagePoster", type: .u8, indexed: false), .init(name: "smdp", type: .address, indexed: false),
            .init(name: "profileType", type: .b32, indexed: false), .init(name: "activationWindow", type: .uint256, indexed: false),
        ])
        public let planId: UInt256
        public let mvno: Address
        public let mno: Address
        public let dataMB: UInt256
        public let validity: UInt256
        public let price: UInt256
        public let marginBps: UInt256
        public let supplyCap: UInt256
        public let soulbound: Bool
        public let refundRule: RefundRule
        public let usagePoster: UsagePoster
        public let smdp: Address
        public let profileType: Hash32
        public let activationWindow: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            planId = try r.uint256(); mvno = try r.address(); mno = try r.address(); dataMB = try r.uint256()
            validity = try r.uint256(); price = try r.uint256(); marginBps = try r.uint256(); supplyCap = try r.uint256()
            soulbound = try r.bool(); refundRule = try r.enumeration(RefundRule.self); usagePoster = try r.enumeration(UsagePoster.self)
            smdp = try r.address(); profileType = try r.bytes32(); activationWindow = try r.uint256()
        }
    }

    public struct PlanDelisted: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "PlanDelisted", parameters: [
            .init(name: "planId", type: .uint256, indexed: true),
        ])
        public let planId: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            planId = try r.uint256()
        }
    }

    public struct Purchased: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "Purchased", parameters: [
            .init(name: "id", type: .uint256, indexed: true), .init(name: "planId", type: .uint256, indexed: true),
            .init(name: "buyer", type: .address, indexed: true), .init(name: "commitment", type: .b32, indexed: false),
            .init(name: "start", type: .uint256, indexed: false), .init(name: "expiry", type: .uint256, indexed: false),
            .init(name: "price", type: .uint256, indexed: false),
        ])
        public let id: UInt256
        public let planId: UInt256
        public let buyer: Address
        public let commitment: Hash32
        public let start: UInt256
        public let expiry: UInt256
        public let price: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            id = try r.uint256(); planId = try r.uint256(); buyer = try r.address(); commitment = try r.bytes32()
            start = try r.uint256(); expiry = try r.uint256(); price = try r.uint256()
        }
    }

    public struct Cancelled: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "Cancelled", parameters: [
            .init(name: "id", type: .uint256, indexed: true), .init(name: "at", type: .uint256, indexed: false),
        ])
        public let id: UInt256
        public let at: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            id = try r.uint256(); at = try r.uint256()
        }
    }

    public struct SettlementSet: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "SettlementSet", parameters: [
            .init(name: "settlement", type: .address, indexed: true),
        ])
        public let settlement: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            settlement = try r.address()
        }
    }

    public struct PlanRelisted: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "PlanRelisted", parameters: [
            .init(name: "planId", type: .uint256, indexed: true),
        ])
        public let planId: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            planId = try r.uint256()
        }
    }

    /// The plan's SM-DP+ recorded delivery: the SHA-256 of the eUICC-signed ProfileInstallationResult.
    public struct Delivered: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "Delivered", parameters: [
            .init(name: "id", type: .uint256, indexed: true), .init(name: "smdp", type: .address, indexed: true),
            .init(name: "installResultHash", type: .b32, indexed: false), .init(name: "at", type: .uint256, indexed: false),
        ])
        public let id: UInt256
        public let smdp: Address
        public let installResultHash: Hash32
        public let at: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            id = try r.uint256(); smdp = try r.address(); installResultHash = try r.bytes32(); at = try r.uint256()
        }
    }

    /// A transfer unbinds the commitment (zero); the new owner binds its own.
    public struct CommitmentBound: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "CommitmentBound", parameters: [
            .init(name: "id", type: .uint256, indexed: true), .init(name: "commitment", type: .b32, indexed: false),
        ])
        public let id: UInt256
        public let commitment: Hash32
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            id = try r.uint256(); commitment = try r.bytes32()
        }
    }
}
