// Typed binding of contracts/src/UsageSettlement.vy (ABI: contracts/build/UsageSettlement.json).
import EthereumCore

/// The escrow: usage batches (Merkle roots over CDRs) per entitlement, disputes within the window,
/// settlement after it, and close/refund after the entitlement ends. Each entitlement's state is a
/// `Ledger` kept by hash (UsageLedger.swift): every call that reads or changes it takes the current one.
public enum UsageSettlement: ContractBinding {
    public static let contractName = "UsageSettlement"

    /// ABI declarations, one per contract function.
    public enum Functions {
        public static let batchId = ABIFunction(name: "batchId", inputs: [.uint256, .u64], outputs: [.b32])
        public static let cdrLeaf = ABIFunction(name: "cdrLeaf", inputs: [CDR.abiType], outputs: [.b32])
        public static let hashLedger = ABIFunction(name: "hashLedger", inputs: [Ledger.abiType], outputs: [.b32])
        public static let ledgerHash = ABIFunction(name: "ledgerHash", inputs: [.uint256], outputs: [.b32])
        public static let escrowOf = ABIFunction(name: "escrowOf", inputs: [.uint256, Ledger.abiType], outputs: [.uint256])
        public static let postUsage = ABIFunction(name: "postUsage", inputs: [.uint256, Ledger.abiType, .b32, .u64, .u64, .u64, .u64],
                                                  outputs: [.b32])
        public static let settle = ABIFunction(name: "settle", inputs: [.uint256, Ledger.abiType])
        public static let verifyCdr = ABIFunction(name: "verifyCdr", inputs: [.b32, CDR.abiType, .uint256, .uint256, .array(.b32)],
                                                  outputs: [.bool])
        public static let dispute = ABIFunction(name: "dispute", inputs: [.uint256, Ledger.abiType, CDR.abiType, .uint256, .array(.b32)])
        public static let close = ABIFunction(name: "close", inputs: [.uint256, Ledger.abiType])
        public static let REGISTRY = ABIFunction(name: "REGISTRY", inputs: [], outputs: [.address])
        public static let ENTITLEMENTS = ABIFunction(name: "ENTITLEMENTS", inputs: [], outputs: [.address])
        public static let TOKEN = ABIFunction(name: "TOKEN", inputs: [], outputs: [.address])
        public static let DISPUTE_WINDOW = ABIFunction(name: "DISPUTE_WINDOW", inputs: [], outputs: [.uint256])
        public static let POSTING_GRACE = ABIFunction(name: "POSTING_GRACE", inputs: [], outputs: [.uint256])
        public static let EMPTY_LEDGER_HASH = ABIFunction(name: "EMPTY_LEDGER_HASH", inputs: [], outputs: [.b32])
        public static let voidBatch = ABIFunction(name: "voidBatch", inputs: [.uint256, Ledger.abiType])
        public static let withdraw = ABIFunction(name: "withdraw", inputs: [.address])
        public static let owed = ABIFunction(name: "owed", inputs: [.address], outputs: [.uint256])
        public static let MIN_FINAL_POST_TIME = ABIFunction(name: "MIN_FINAL_POST_TIME", inputs: [], outputs: [.uint256])
        public static let VERSION = ABIFunction(name: "VERSION", inputs: [], outputs: [.uint256])
    }

    public static let functions: [ABIFunction] = [
        Functions.batchId, Functions.cdrLeaf, Functions.hashLedger, Functions.ledgerHash, Functions.escrowOf,
        Functions.postUsage, Functions.settle, Functions.verifyCdr, Functions.dispute, Functions.close, Functions.REGISTRY,
        Functions.ENTITLEMENTS, Functions.TOKEN, Functions.DISPUTE_WINDOW, Functions.POSTING_GRACE, Functions.EMPTY_LEDGER_HASH,
        Functions.voidBatch, Functions.withdraw, Functions.owed, Functions.MIN_FINAL_POST_TIME, Functions.VERSION,
    ]

    public static let events: [ABIEvent] = [
        LedgerUpdated.event, BatchPosted.event, BatchSettled.event, BatchVoided.event, EntitlementClosed.event,
        Credited.event, Withdrawn.event,
    ]

    /// `constructor(registry, entitlements, token, dispute_window, posting_grace)`
    public static let constructor = ContractConstructor(inputs: [.address, .address, .address, .uint256, .uint256])

    public static func deploymentData(bytecode: [UInt8], registry: Address, entitlements: Address, token: Address,
                                      disputeWindow: UInt256, postingGrace: UInt256) throws(BindingError) -> [UInt8] {
        try constructor.deploymentData(bytecode: bytecode, arguments: [
            .address(registry), .address(entitlements), .address(token), .u256(disputeWindow), .u256(postingGrace),
        ])
    }

    /// keccak256(abi.encode(entitlementId, nonce)), computed locally (same as the `batchId` view).
    public static func computeBatchId(entitlementId: UInt256, nonce: UInt64) -> Hash32 {
        Keccak256.hash(entitlementId.bigEndianBytes + UInt256(nonce).bigEndianBytes)
    }

    // MARK: Calls

    public static func batchId(entitlementId: UInt256, nonce: UInt64) -> ContractCall<Hash32> {
        ContractCall(Functions.batchId, [.u256(entitlementId), .u64(nonce)], decoder: Decode.bytes32)
    }

    public static func cdrLeaf(_ cdr: CDR) -> ContractCall<Hash32> {
        ContractCall(Functions.cdrLeaf, [.tuple(cdr.abiValues)], decoder: Decode.bytes32)
    }

    public static func hashLedger(_ ledger: Ledger) -> ContractCall<Hash32> {
        ContractCall(Functions.hashLedger, [ledger.abiValue], decoder: Decode.bytes32)
    }

    /// The hash of the entitlement's current ledger (`EMPTY_LEDGER_HASH` if never changed).
    public static func ledgerHash(entitlementId: UInt256) -> ContractCall<Hash32> {
        ContractCall(Functions.ledgerHash, [.u256(entitlementId)], decoder: Decode.bytes32)
    }

    /// Tokens still held for this entitlement (0 once closed or for an unknown id); `ledger` must be current.
    public static func escrowOf(entitlementId: UInt256, ledger: Ledger) -> ContractCall<UInt256> {
        ContractCall(Functions.escrowOf, [.u256(entitlementId), ledger.abiValue], decoder: Decode.uint256)
    }

    /// Posts a batch of CDRs `firstSeq...lastSeq` with Merkle `root` on an entitlement whose current
    /// ledger is `ledger` (no batch pending, `nonce > ledger.nonce`). Returns the batch id; from a
    /// transaction, read `BatchPosted` and `LedgerUpdated`.
    public static func postUsage(entitlementId: UInt256, ledger: Ledger, root: Hash32, totalBytes: UInt64, firstSeq: UInt64,
                                 lastSeq: UInt64, nonce: UInt64) -> ContractCall<Hash32> {
        ContractCall(Functions.postUsage, [
            .u256(entitlementId), ledger.abiValue, .b32(root), .u64(totalBytes), .u64(firstSeq), .u64(lastSeq), .u64(nonce),
        ], decoder: Decode.bytes32)
    }

    /// Anyone, after the dispute window: settles the ledger's pending batch (credits the MNO and the MVNO).
    public static func settle(entitlementId: UInt256, ledger: Ledger) -> ContractCall<Void> {
        ContractCall(Functions.settle, [.u256(entitlementId), ledger.abiValue])
    }

    public static func verifyCdr(root: Hash32, cdr: CDR, index: UInt256, count: UInt256, proof: [Hash32]) -> ContractCall<Bool> {
        ContractCall(Functions.verifyCdr, [.b32(root), .tuple(cdr.abiValues), .u256(index), .u256(count), .array(proof.map { .b32($0) })],
                     decoder: Decode.bool)
    }

    /// The entitlement owner, within the window: `cdr` is leaf `leafIndex` of the pending batch and contradicts it.
    public static func dispute(entitlementId: UInt256, ledger: Ledger, cdr: CDR, leafIndex: UInt256, proof: [Hash32]) -> ContractCall<Void> {
        ContractCall(Functions.dispute, [
            .u256(entitlementId), ledger.abiValue, .tuple(cdr.abiValues), .u256(leafIndex), .array(proof.map { .b32($0) }),
        ])
    }

    /// Anyone, after end + posting grace (or, undelivered, after the activation deadline) with no batch
    /// pending: the rest of the escrow is credited (refund, or to MNO/MVNO for `REFUND_NONE`).
    public static func close(entitlementId: UInt256, ledger: Ledger) -> ContractCall<Void> {
        ContractCall(Functions.close, [.u256(entitlementId), ledger.abiValue])
    }

    /// The plan's poster party (the MNO's own address, or the MVNO) voids the pending batch.
    public static func voidBatch(entitlementId: UInt256, ledger: Ledger) -> ContractCall<Void> {
        ContractCall(Functions.voidBatch, [.u256(entitlementId), ledger.abiValue])
    }

    /// Pull payments: the caller takes everything credited to it, sent to `receiver`.
    public static func withdraw(receiver: Address) -> ContractCall<Void> {
        ContractCall(Functions.withdraw, [.address(receiver)])
    }

    /// Tokens credited to `payee` (settlements, refunds) and not yet withdrawn.
    public static func owed(_ payee: Address) -> ContractCall<UInt256> {
        ContractCall(Functions.owed, [.address(payee)], decoder: Decode.uint256)
    }

    public static func MIN_FINAL_POST_TIME() -> ContractCall<UInt256> {
        ContractCall(Functions.MIN_FINAL_POST_TIME, [], decoder: Decode.uint256)
    }

    public static func VERSION() -> ContractCall<UInt256> { ContractCall(Functions.VERSION, [], decoder: Decode.uint256) }

    public static func REGISTRY() -> ContractCall<Address> { ContractCall(Functions.REGISTRY, [], decoder: Decode.address) }
    public static func ENTITLEMENTS() -> ContractCall<Address> { ContractCall(Functions.ENTITLEMENTS, [], decoder: Decode.address) }
    public static func TOKEN() -> ContractCall<Address> { ContractCall(Functions.TOKEN, [], decoder: Decode.address) }
    public static func DISPUTE_WINDOW() -> ContractCall<UInt256> { ContractCall(Functions.DISPUTE_WINDOW, [], decoder: Decode.uint256) }
    public static func POSTING_GRACE() -> ContractCall<UInt256> { ContractCall(Functions.POSTING_GRACE, [], decoder: Decode.uint256) }

    public static func EMPTY_LEDGER_HASH() -> ContractCall<Hash32> {
        ContractCall(Functions.EMPTY_LEDGER_HASH, [], decoder: Decode.bytes32)
    }
}
