// Typed binding of contracts/src/UsageSettlement.vy (ABI: contracts/build/UsageSettlement.json).
import EthereumCore

/// The escrow: usage batches (Merkle roots over CDRs) per entitlement, disputes within the window,
/// settlement after it, and close/refund after the entitlement ends.
public enum UsageSettlement: ContractBinding {
    public static let contractName = "UsageSettlement"

    /// `struct Batch`: what `postUsage` committed to, passed back to `settle` and `dispute`
    /// (fields from the `BatchPosted` event).
    public struct Batch: Sendable, Hashable {
        public var entitlementId: UInt256
        public var root: Hash32
        public var totalBytes: UInt64
        public var firstSeq: UInt64
        public var lastSeq: UInt64
        public var postedAt: UInt64

        public init(entitlementId: UInt256, root: Hash32, totalBytes: UInt64, firstSeq: UInt64, lastSeq: UInt64, postedAt: UInt64) {
            self.entitlementId = entitlementId; self.root = root; self.totalBytes = totalBytes
            self.firstSeq = firstSeq; self.lastSeq = lastSeq; self.postedAt = postedAt
        }

        public static let abiType = ABIType.tuple([.uint256, .b32, .u64, .u64, .u64, .u64])

        var abiValue: ABIValue {
            .tuple([.u256(entitlementId), .b32(root), .u64(totalBytes), .u64(firstSeq), .u64(lastSeq), .u64(postedAt)])
        }
    }

    /// ABI declarations, one per contract function.
    public enum Functions {
        public static let batchId = ABIFunction(name: "batchId", inputs: [.address, .uint256], outputs: [.b32])
        public static let cdrLeaf = ABIFunction(name: "cdrLeaf", inputs: [CDR.abiType], outputs: [.b32])
        public static let usage = ABIFunction(name: "usage", inputs: [.uint256],
                                              outputs: [.uint256, .uint256, .uint256, .uint256, .bool])
        public static let escrowOf = ABIFunction(name: "escrowOf", inputs: [.uint256], outputs: [.uint256])
        public static let postUsage = ABIFunction(name: "postUsage", inputs: [.uint256, .b32, .u64, .u64, .u64, .uint256],
                                                  outputs: [.b32])
        public static let settle = ABIFunction(name: "settle", inputs: [.b32, Batch.abiType])
        public static let verifyCdr = ABIFunction(name: "verifyCdr", inputs: [.b32, CDR.abiType, .uint256, .uint256, .array(.b32)],
                                                  outputs: [.bool])
        public static let dispute = ABIFunction(name: "dispute", inputs: [.b32, Batch.abiType, CDR.abiType, .uint256, .array(.b32)])
        public static let close = ABIFunction(name: "close", inputs: [.uint256])
        public static let REGISTRY = ABIFunction(name: "REGISTRY", inputs: [], outputs: [.address])
        public static let ENTITLEMENTS = ABIFunction(name: "ENTITLEMENTS", inputs: [], outputs: [.address])
        public static let TOKEN = ABIFunction(name: "TOKEN", inputs: [], outputs: [.address])
        public static let DISPUTE_WINDOW = ABIFunction(name: "DISPUTE_WINDOW", inputs: [], outputs: [.uint256])
        public static let POSTING_GRACE = ABIFunction(name: "POSTING_GRACE", inputs: [], outputs: [.uint256])
        public static let batchState = ABIFunction(name: "batchState", inputs: [.b32], outputs: [.b32])
        public static let lastNonce = ABIFunction(name: "lastNonce", inputs: [.address], outputs: [.uint256])
    }

    public static let functions: [ABIFunction] = [
        Functions.batchId, Functions.cdrLeaf, Functions.usage, Functions.escrowOf, Functions.postUsage,
        Functions.settle, Functions.verifyCdr, Functions.dispute, Functions.close, Functions.REGISTRY,
        Functions.ENTITLEMENTS, Functions.TOKEN, Functions.DISPUTE_WINDOW, Functions.POSTING_GRACE,
        Functions.batchState, Functions.lastNonce,
    ]

    public static let events: [ABIEvent] = [BatchPosted.event, BatchSettled.event, BatchVoided.event, EntitlementClosed.event]

    /// `constructor(registry, entitlements, token, dispute_window, posting_grace)`
    public static let constructor = ContractConstructor(inputs: [.address, .address, .address, .uint256, .uint256])

    public static func deploymentData(bytecode: [UInt8], registry: Address, entitlements: Address, token: Address,
                                      disputeWindow: UInt256, postingGrace: UInt256) throws(BindingError) -> [UInt8] {
        try constructor.deploymentData(bytecode: bytecode, arguments: [
            .address(registry), .address(entitlements), .address(token), .u256(disputeWindow), .u256(postingGrace),
        ])
    }

    /// keccak256(abi.encode(poster, nonce)), computed locally (same as the `batchId` view).
    public static func computeBatchId(poster: Address, nonce: UInt256) -> Hash32 {
        Keccak256.hash([UInt8](repeating: 0, count: 12) + poster.bytes + nonce.bigEndianBytes)
    }

    // MARK: Calls

    public static func batchId(poster: Address, nonce: UInt256) -> ContractCall<Hash32> {
        ContractCall(Functions.batchId, [.address(poster), .u256(nonce)], decoder: Decode.bytes32)
    }

    public static func cdrLeaf(_ cdr: CDR) -> ContractCall<Hash32> {
        ContractCall(Functions.cdrLeaf, [.tuple(cdr.abiValues)], decoder: Decode.bytes32)
    }

    /// `usage(id)` → (settledBytes, pendingBytes, pendingBatches, lastSequence, closed).
    public struct Usage: Sendable, Hashable {
        public let settledBytes: UInt256
        public let pendingBytes: UInt256
        public let pendingBatches: UInt256
        public let lastSequence: UInt256
        public let closed: Bool
    }

    public static func usage(entitlementId: UInt256) -> ContractCall<Usage> {
        ContractCall(Functions.usage, [.u256(entitlementId)]) { (values: [ABIValue]) throws(BindingError) -> Usage in
            var r = ABIValueReader(values: values)
            return Usage(settledBytes: try r.uint256(), pendingBytes: try r.uint256(), pendingBatches: try r.uint256(),
                         lastSequence: try r.uint256(), closed: try r.bool())
        }
    }

    /// Tokens still held for this entitlement (0 once closed or for an unknown id).
    public static func escrowOf(entitlementId: UInt256) -> ContractCall<UInt256> {
        ContractCall(Functions.escrowOf, [.u256(entitlementId)], decoder: Decode.uint256)
    }

    /// Posts a batch of CDRs `firstSeq...lastSeq` with Merkle `root`. Returns the batch id; from a
    /// transaction, read `BatchPosted` (it also carries `postedAt`, needed for `settle`).
    public static func postUsage(entitlementId: UInt256, root: Hash32, totalBytes: UInt64, firstSeq: UInt64, lastSeq: UInt64,
                                 nonce: UInt256) -> ContractCall<Hash32> {
        ContractCall(Functions.postUsage, [
            .u256(entitlementId), .b32(root), .u64(totalBytes), .u64(firstSeq), .u64(lastSeq), .u256(nonce),
        ], decoder: Decode.bytes32)
    }

    /// Anyone, after the dispute window.
    public static func settle(batchId: Hash32, batch: Batch) -> ContractCall<Void> {
        ContractCall(Functions.settle, [.b32(batchId), batch.abiValue])
    }

    public static func verifyCdr(root: Hash32, cdr: CDR, index: UInt256, count: UInt256, proof: [Hash32]) -> ContractCall<Bool> {
        ContractCall(Functions.verifyCdr, [.b32(root), .tuple(cdr.abiValues), .u256(index), .u256(count), .array(proof.map { .b32($0) })],
                     decoder: Decode.bool)
    }

    /// The entitlement owner, within the window: `cdr` is leaf `leafIndex` of the batch and contradicts it.
    public static func dispute(batchId: Hash32, batch: Batch, cdr: CDR, leafIndex: UInt256, proof: [Hash32]) -> ContractCall<Void> {
        ContractCall(Functions.dispute, [
            .b32(batchId), batch.abiValue, .tuple(cdr.abiValues), .u256(leafIndex), .array(proof.map { .b32($0) }),
        ])
    }

    /// Anyone, after end + posting grace with no batch pending.
    public static func close(entitlementId: UInt256) -> ContractCall<Void> {
        ContractCall(Functions.close, [.u256(entitlementId)])
    }

    public static func REGISTRY() -> ContractCall<Address> { ContractCall(Functions.REGISTRY, [], decoder: Decode.address) }
    public static func ENTITLEMENTS() -> ContractCall<Address> { ContractCall(Functions.ENTITLEMENTS, [], decoder: Decode.address) }
    public static func TOKEN() -> ContractCall<Address> { ContractCall(Functions.TOKEN, [], decoder: Decode.address) }
    public static func DISPUTE_WINDOW() -> ContractCall<UInt256> { ContractCall(Functions.DISPUTE_WINDOW, [], decoder: Decode.uint256) }
    public static func POSTING_GRACE() -> ContractCall<UInt256> { ContractCall(Functions.POSTING_GRACE, [], decoder: Decode.uint256) }

    /// Pending batches hold keccak256(abi.encode(Batch)), which reads as `.pending(hash)`.
    public enum BatchStatus: Sendable, Hashable {
        case none
        case pending(Hash32)
        case settled
        case voided
    }

    public static func batchState(batchId: Hash32) -> ContractCall<BatchStatus> {
        ContractCall(Functions.batchState, [.b32(batchId)]) { (values: [ABIValue]) throws(BindingError) -> BatchStatus in
            var r = ABIValueReader(values: values)
            let word = try r.bytes32()
            if word.bytes[0..<31].allSatisfy({ $0 == 0 }) {
                switch word.bytes[31] {
                case 0: return .none
                case 1: return .settled
                case 2: return .voided
                default: break
                }
            }
            return .pending(word)
        }
    }

    public static func lastNonce(poster: Address) -> ContractCall<UInt256> {
        ContractCall(Functions.lastNonce, [.address(poster)], decoder: Decode.uint256)
    }

    // MARK: Events

    public struct BatchPosted: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "BatchPosted", parameters: [
            .init(name: "batchId", type: .b32, indexed: true), .init(name: "entitlementId", type: .uint256, indexed: true),
            .init(name: "poster", type: .address, indexed: true), .init(name: "nonce", type: .uint256, indexed: false),
            .init(name: "root", type: .b32, indexed: false), .init(name: "totalBytes", type: .u64, indexed: false),
            .init(name: "firstSeq", type: .u64, indexed: false), .init(name: "lastSeq", type: .u64, indexed: false),
            .init(name: "postedAt", type: .u64, indexed: false),
        ])
        public let batchId: Hash32
        public let entitlementId: UInt256
        public let poster: Address
        public let nonce: UInt256
        public let root: Hash32
        public let totalBytes: UInt64
        public let firstSeq: UInt64
        public let lastSeq: UInt64
        public let postedAt: UInt64
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            batchId = try r.bytes32(); entitlementId = try r.uint256(); poster = try r.address(); nonce = try r.uint256()
            root = try r.bytes32(); totalBytes = try r.uint64(); firstSeq = try r.uint64(); lastSeq = try r.uint64()
            postedAt = try r.uint64()
        }

        /// The `Batch` to pass to `settle` / `dispute`.
        public var batch: Batch {
            Batch(entitlementId: entitlementId, root: root, totalBytes: totalBytes, firstSeq: firstSeq, lastSeq: lastSeq, postedAt: postedAt)
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
            .init(name: "receiver", type: .address, indexed: false),
        ])
        public let entitlementId: UInt256
        public let refunded: UInt256
        public let toMno: UInt256
        public let toMvno: UInt256
        public let receiver: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entitlementId = try r.uint256(); refunded = try r.uint256(); toMno = try r.uint256(); toMvno = try r.uint256()
            receiver = try r.address()
        }
    }
}
