// Events of contracts/src/UsageSettlement.vy (LedgerUpdated is in UsageLedger.swift).
import EthereumCore

extension UsageSettlement {
    public struct BatchPosted: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "BatchPosted", parameters: [
            .init(name: "batchId", type: .b32, indexed: true), .init(name: "entitlementId", type: .uint256, indexed: true),
            .init(name: "poster", type: .address, indexed: true), .init(name: "nonce", type: .u64, indexed: false),
            .init(name: "root", type: .b32, indexed: false), .init(name: "totalBytes", type: .u64, indexed: false),
            .init(name: "firstSeq", type: .u64, indexed: false), .init(name: "lastSeq", type: .u64, indexed: false),
            .init(name: "postedAt", type: .u64, indexed: false),
        ])
        public let batchId: Hash32
        public let entitlementId: UInt256
        public let poster: Address
        public let nonce: UInt64
        public let root: Hash32
        public let totalBytes: UInt64
        public let firstSeq: UInt64
        public let lastSeq: UInt64
        public let postedAt: UInt64
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            batchId = try r.bytes32(); entitlementId = try r.uint256(); poster = try r.address(); nonce = try r.uint64()
            root = try r.bytes32(); totalBytes = try r.uint64(); firstSeq = try r.uint64(); lastSeq = try r.uint64()
            postedAt = try r.uint64()
        }
    }

    public struct BatchSettled: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "BatchSettled", parameters: [
            .init(name: "batchId", type: .b32, indexed: true), .init(name: "entitlementId", type: .uint256, indexed: true),
            .init(name: "totalBytes", type: .u64, indexed: false), .init(name: "toMno", type: .uint256, indexed: false),
            .init(name: "toMvno", type: .uint256, indexed: false),
        ])
        public let batchId: Hash32
        public let entitlementId: UInt256
        public let totalBytes: UInt64
        public let toMno: UInt256
        public let toMvno: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            batchId = try r.bytes32(); entitlementId = try r.uint256(); totalBytes = try r.uint64()
            toMno = try r.uint256(); toMvno = try r.uint256()
        }
    }

    public struct BatchVoided: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "BatchVoided", parameters: [
            .init(name: "batchId", type: .b32, indexed: true), .init(name: "entitlementId", type: .uint256, indexed: true),
            .init(name: "reason", type: .u8, indexed: false), .init(name: "leafIndex", type: .uint256, indexed: false),
        ])
        public let batchId: Hash32
        public let entitlementId: UInt256
        public let reason: VoidReason
        public let leafIndex: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            batchId = try r.bytes32(); entitlementId = try r.uint256(); reason = try r.enumeration(VoidReason.self)
            leafIndex = try r.uint256()
        }
    }

    public struct EntitlementClosed: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "EntitlementClosed", parameters: [
            .init(name: "entitlementId", type: .uint256, indexed: true), .init(name: "refunded", type: .uint256, indexed: false),
            .init(name: "toMno", type: .uint256, indexed: false), .init(name: "toMvno", type: .uint256, indexed: false),
            .init(name: "receiver", type: .address, indexed: false), .init(name: "delivered", type: .bool, indexed: false),
        ])
        public let entitlementId: UInt256
        public let refunded: UInt256
        public let toMno: UInt256
        public let toMvno: UInt256
        public let receiver: Address
        /// False: the profile was not delivered by the activation deadline (a full refund).
        public let delivered: Bool
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entitlementId = try r.uint256(); refunded = try r.uint256(); toMno = try r.uint256(); toMvno = try r.uint256()
            receiver = try r.address(); delivered = try r.bool()
        }
    }

    /// `settle`/`close` credited `amount` to `payee` (pull payments).
    public struct Credited: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "Credited", parameters: [
            .init(name: "payee", type: .address, indexed: true), .init(name: "entitlementId", type: .uint256, indexed: true),
            .init(name: "amount", type: .uint256, indexed: false),
        ])
        public let payee: Address
        public let entitlementId: UInt256
        public let amount: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            payee = try r.address(); entitlementId = try r.uint256(); amount = try r.uint256()
        }
    }

    public struct Withdrawn: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "Withdrawn", parameters: [
            .init(name: "payee", type: .address, indexed: true), .init(name: "receiver", type: .address, indexed: true),
            .init(name: "amount", type: .uint256, indexed: false),
        ])
        public let payee: Address
        public let receiver: Address
        public let amount: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            payee = try r.address(); receiver = try r.address(); amount = try r.uint256()
        }
    }
}
