// The per-entitlement usage ledger of UsageSettlement.vy. The contract stores only
// keccak256(abi.encode(Ledger)) per entitlement; callers pass the current ledger with every call
// that reads or changes it, and read it back from the `LedgerUpdated` logs (`currentLedger`).
import EthereumCore
import EthereumRPC

extension UsageSettlement {
    /// `struct Ledger`: the entitlement's settled bytes, last posted sequence, last batch nonce,
    /// closed flag and its pending batch (at most one; none when `pendingPostedAt == 0`). The
    /// pending batch covers sequences `pendingFirstSeq...lastSeq` and carries nonce `nonce`.
    public struct Ledger: Sendable, Hashable {
        public var settledBytes: UInt64
        public var lastSeq: UInt64
        public var nonce: UInt64
        public var closed: Bool
        public var pendingRoot: Hash32
        public var pendingBytes: UInt64
        public var pendingFirstSeq: UInt64
        public var pendingPostedAt: UInt64

        public init(settledBytes: UInt64 = 0, lastSeq: UInt64 = 0, nonce: UInt64 = 0, closed: Bool = false,
                    pendingRoot: Hash32 = .zero, pendingBytes: UInt64 = 0, pendingFirstSeq: UInt64 = 0, pendingPostedAt: UInt64 = 0) {
            self.settledBytes = settledBytes; self.lastSeq = lastSeq; self.nonce = nonce; self.closed = closed
            self.pendingRoot = pendingRoot; self.pendingBytes = pendingBytes; self.pendingFirstSeq = pendingFirstSeq
            self.pendingPostedAt = pendingPostedAt
        }

        /// The ledger of an entitlement the contract has never changed.
        public static let empty = Ledger()

        public static let abiType = ABIType.tuple([.u64, .u64, .u64, .bool, .b32, .u64, .u64, .u64])

        var abiValue: ABIValue {
            .tuple([.u64(settledBytes), .u64(lastSeq), .u64(nonce), .bool(closed), .b32(pendingRoot), .u64(pendingBytes),
                    .u64(pendingFirstSeq), .u64(pendingPostedAt)])
        }

        init(reader r: inout ABIValueReader) throws(BindingError) {
            self.init(settledBytes: try r.uint64(), lastSeq: try r.uint64(), nonce: try r.uint64(), closed: try r.bool(),
                      pendingRoot: try r.bytes32(), pendingBytes: try r.uint64(), pendingFirstSeq: try r.uint64(),
                      pendingPostedAt: try r.uint64())
        }

        /// keccak256(abi.encode(ledger)): what the contract stores (`ledgerHash`, `hashLedger`).
        /// Every field is static, so the encoding is the eight 32-byte words in order.
        public var hash: Hash32 {
            func word(_ x: UInt64) -> [UInt8] { UInt256(x).bigEndianBytes }
            let encoded = word(settledBytes) + word(lastSeq) + word(nonce) + word(closed ? 1 : 0) + pendingRoot.bytes
                + word(pendingBytes) + word(pendingFirstSeq) + word(pendingPostedAt)
            return Keccak256.hash(encoded)
        }

        public var hasPendingBatch: Bool { pendingPostedAt != 0 }

        /// Id of the pending batch (keccak256(abi.encode(entitlementId, nonce))), if one is pending.
        public func pendingBatchId(entitlementId: UInt256) -> Hash32? {
            hasPendingBatch ? UsageSettlement.computeBatchId(entitlementId: entitlementId, nonce: nonce) : nil
        }
    }

    /// `LedgerUpdated(entitlementId indexed, ledger)`: logged with every change of a ledger.
    public struct LedgerUpdated: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "LedgerUpdated", parameters: [
            .init(name: "entitlementId", type: .uint256, indexed: true), .init(name: "ledger", type: Ledger.abiType, indexed: false),
        ])
        public let entitlementId: UInt256
        public let ledger: Ledger
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entitlementId = try r.uint256()
            var t = try r.tuple()
            ledger = try Ledger(reader: &t)
        }
    }
}

extension Contract where B == UsageSettlement {
    /// The entitlement's current ledger as of `block` (default: the latest block): the last
    /// `LedgerUpdated` log for it whose ledger hashes to the contract's `ledgerHash(id)` at that
    /// block, or `.empty` if the contract never changed it.
    public func currentLedger(entitlementId: UInt256, at block: UInt64? = nil, fromBlock: BlockTag = .earliest)
        async throws(ContractError) -> UsageSettlement.Ledger {
        let height: UInt64
        if let block { height = block } else {
            do { height = try await chain.client.blockNumber() } catch { throw .rpc(error) }
        }
        let stored = try await call(UsageSettlement.ledgerHash(entitlementId: entitlementId), at: .number(height))
        if stored == UsageSettlement.Ledger.empty.hash { return .empty }
        let updates = try await logs(UsageSettlement.LedgerUpdated.self, topic1: Hash32(word: entitlementId), from: fromBlock,
                                     to: .number(height))
        for (_, e) in updates.reversed() where e.entitlementId == entitlementId && e.ledger.hash == stored {
            return e.ledger
        }
        throw .ledgerNotInLogs(entitlementId: entitlementId, ledgerHash: stored, block: height)
    }
}

extension UsageSettlement {
    /// How a batch ended: a batch is final once settled or voided (it leaves the ledger).
    public enum BatchFinality: String, Sendable, Hashable {
        case settled
        case voided
    }
}

extension Contract where B == UsageSettlement {
    /// `.settled` or `.voided` from the batch's `BatchSettled` / `BatchVoided` log; nil while it is
    /// pending or if it was never posted. Batch ids are unique (one per entitlement and nonce).
    public func finality(ofBatch batchId: Hash32) async throws(ContractError) -> UsageSettlement.BatchFinality? {
        if try await !logs(UsageSettlement.BatchSettled.self, topic1: batchId).isEmpty { return .settled }
        if try await !logs(UsageSettlement.BatchVoided.self, topic1: batchId).isEmpty { return .voided }
        return nil
    }
}
