// The usage-batch Merkle tree of contracts/README.md "Leaf encoding and tree"; contracts/merkle.py
// is the reference and Tests/SettlementTests/Fixtures/merkle_vectors.json is generated from it.
//
//   leaf      = keccak256(abi.encode(uint256 entitlementId, uint64 sequence, uint64 bytes,
//                                    uint64 periodStart, uint64 periodEnd, bytes32 cdrHash))
//   leaf node = keccak256(0x00 ‖ leaf)
//   node      = keccak256(0x01 ‖ left ‖ right)
//
// Positional: leaf i is the CDR with sequence firstSeq + i. A level with an odd number of nodes
// promotes its last node unchanged. A proof lists siblings from the leaf up, skipping levels
// where the node is promoted.
import EthereumCore

/// One call detail record as the contract sees it (`struct Cdr` in UsageSettlement.vy).
/// `cdrHash` is the operator's hash of its full CDR record (format not fixed on chain).
public struct CDR: Sendable, Hashable {
    public var entitlementId: UInt256
    public var sequence: UInt64
    public var bytes: UInt64
    public var periodStart: UInt64
    public var periodEnd: UInt64
    public var cdrHash: Hash32

    public init(entitlementId: UInt256, sequence: UInt64, bytes: UInt64, periodStart: UInt64, periodEnd: UInt64, cdrHash: Hash32) {
        self.entitlementId = entitlementId; self.sequence = sequence; self.bytes = bytes
        self.periodStart = periodStart; self.periodEnd = periodEnd; self.cdrHash = cdrHash
    }

    /// The ABI tuple `(uint256,uint64,uint64,uint64,uint64,bytes32)`.
    public static let abiType = ABIType.tuple([.uint256, .u64, .u64, .u64, .u64, .b32])

    var abiValues: [ABIValue] {
        [.u256(entitlementId), .u64(sequence), .u64(bytes), .u64(periodStart), .u64(periodEnd), .b32(cdrHash)]
    }

    /// keccak256(abi.encode(entitlementId, sequence, bytes, periodStart, periodEnd, cdrHash)): six
    /// static words, so the encoding is the 192 bytes built here.
    public var leaf: Hash32 {
        var enc = entitlementId.bigEndianBytes
        for x in [sequence, bytes, periodStart, periodEnd] { enc += UInt256(x).bigEndianBytes }
        enc += cdrHash.bytes
        return Keccak256.hash(enc)
    }
}

/// Errors from building a tree or a proof.
public enum UsageMerkleError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyBatch
    /// More than 2^32 leaves (the contract caps a batch at 2^32 CDRs, proofs at 32 levels).
    case tooManyLeaves(Int)
    case indexOutOfRange(index: Int, count: Int)
    /// CDR i does not carry sequence firstSeq + i, or belongs to another entitlement.
    case notPositional(index: Int)

    public var description: String {
        switch self {
        case .emptyBatch: return "usage batch: a batch has at least one CDR"
        case .tooManyLeaves(let n): return "usage batch: \(n) CDRs exceed the 2^32 limit"
        case .indexOutOfRange(let i, let n): return "usage batch: leaf index \(i) outside 0..<\(n)"
        case .notPositional(let i): return "usage batch: CDR \(i) is not sequence firstSeq + \(i) of the same entitlement"
        }
    }
}

/// A positional Merkle tree over the leaves of one usage batch.
public struct UsageMerkleTree: Sendable, Hashable {
    /// All levels, from the hashed leaf nodes up to `[root]`.
    public let levels: [[Hash32]]

    public var root: Hash32 { levels[levels.count - 1][0] }
    public var count: Int { levels[0].count }

    /// Builds the tree over leaf hashes (`CDR.leaf`), in position order.
    public init(leaves: [Hash32]) throws(UsageMerkleError) {
        guard !leaves.isEmpty else { throw .emptyBatch }
        guard UInt64(leaves.count) <= 1 << 32 else { throw .tooManyLeaves(leaves.count) }
        var level = leaves.map(Self.leafNode)
        var levels = [level]
        while level.count > 1 {
            var next = [Hash32]()
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i + 1 < level.count {
                next.append(Self.innerNode(level[i], level[i + 1]))
                i += 2
            }
            if level.count % 2 == 1 { next.append(level[level.count - 1]) }
            level = next
            levels.append(level)
        }
        self.levels = levels
    }

    /// Builds the tree over a batch's CDRs. They must be positional: CDR i has sequence
    /// `cdrs[0].sequence + i` and all share one entitlement (what an honest poster commits to).
    public init(cdrs: [CDR]) throws(UsageMerkleError) {
        guard let first = cdrs.first else { throw .emptyBatch }
        for (i, c) in cdrs.enumerated() {
            let (expected, overflow) = first.sequence.addingReportingOverflow(UInt64(i))
            guard !overflow, c.sequence == expected, c.entitlementId == first.entitlementId else { throw .notPositional(index: i) }
        }
        try self.init(leaves: cdrs.map(\.leaf))
    }

    /// keccak256(0x00 ‖ leaf)
    public static func leafNode(_ leaf: Hash32) -> Hash32 {
        Keccak256.hash([0x00] + leaf.bytes)
    }

    /// keccak256(0x01 ‖ left ‖ right)
    public static func innerNode(_ left: Hash32, _ right: Hash32) -> Hash32 {
        Keccak256.hash([0x01] + left.bytes + right.bytes)
    }

    /// Siblings from the leaf up; levels where the node is promoted contribute nothing.
    public func proof(index: Int) throws(UsageMerkleError) -> [Hash32] {
        guard index >= 0, index < count else { throw .indexOutOfRange(index: index, count: count) }
        var out = [Hash32]()
        var i = index
        for level in levels.dropLast() {
            if i % 2 == 1 {
                out.append(level[i - 1])
            } else if i + 1 < level.count {
                out.append(level[i + 1])
            }
            i /= 2
        }
        return out
    }

    /// Checks that `leaf` is leaf `index` of a `count`-leaf tree with `root` (same rule as the
    /// contract's `verifyCdr`): every proof element is consumed, none is left over.
    public static func verify(root: Hash32, leaf: Hash32, index: UInt64, count: UInt64, proof: [Hash32]) -> Bool {
        guard count > 0, index < count else { return false }
        var node = leafNode(leaf), n = count, i = index, p = 0
        while n > 1 {
            if i % 2 == 1 {
                guard p < proof.count else { return false }
                node = innerNode(proof[p], node)
                p += 1
            } else if i + 1 < n {
                guard p < proof.count else { return false }
                node = innerNode(node, proof[p])
                p += 1
            }
            i /= 2
            n = (n + 1) / 2
        }
        return p == proof.count && node == root
    }
}
