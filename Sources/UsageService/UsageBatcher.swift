// Groups imported CDRs into per-entitlement batches (the contract's batches are per entitlement)
// and checks their sequences: per entitlement, the CDRs must continue exactly after the last
// sequence already imported or posted, with no gap and no duplicate.
import EthereumCore
import Settlement

/// Why a set of CDRs cannot be batched.
public enum UsageImportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The same (entitlement, sequence) appears twice in the input.
    case duplicateSequence(entitlementId: UInt256, sequence: UInt64)
    /// A sequence at or below what is already imported or posted for the entitlement.
    case alreadyUsed(entitlementId: UInt256, sequence: UInt64, lastUsed: UInt64)
    /// The entitlement's next sequence is `expected`, the input continues with `found`.
    case sequenceGap(entitlementId: UInt256, expected: UInt64, found: UInt64)
    case batch(UsageBatchError)
    case invalidMaxBatchSize(Int)

    public var description: String {
        switch self {
        case .duplicateSequence(let e, let s): return "entitlement \(e): sequence \(s) appears twice in the input"
        case .alreadyUsed(let e, let s, let l): return "entitlement \(e): sequence \(s) is already used (last imported or posted: \(l))"
        case .sequenceGap(let e, let x, let f): return "entitlement \(e): next sequence is \(x), input has \(f) (gap)"
        case .batch(let e): return e.description
        case .invalidMaxBatchSize(let n): return "max batch size \(n) is not in 1...2^32"
        }
    }
}

public enum UsageBatcher {
    /// Splits `cdrs` (any order) into batches: grouped by entitlement (ascending id), sorted by
    /// sequence, at most `maxBatchSize` CDRs each. `lastUsed(e)` is the entitlement's last sequence
    /// already imported or posted (0 if none); the first CDR must be exactly `lastUsed + 1`.
    public static func batches(_ cdrs: [CDR], maxBatchSize: Int, lastUsed: (UInt256) -> UInt64) throws(UsageImportError) -> [UsageBatch] {
        guard maxBatchSize >= 1, UInt64(maxBatchSize) <= 1 << 32 else { throw .invalidMaxBatchSize(maxBatchSize) }
        var groups = [UInt256: [CDR]]()
        for c in cdrs { groups[c.entitlementId, default: []].append(c) }
        var out = [UsageBatch]()
        for entitlement in groups.keys.sorted() {
            let sorted = groups[entitlement]!.sorted { $0.sequence < $1.sequence }
            let last = lastUsed(entitlement)
            var expected = last &+ 1
            for c in sorted {
                if c.sequence <= last { throw .alreadyUsed(entitlementId: entitlement, sequence: c.sequence, lastUsed: last) }
                if c.sequence < expected { throw .duplicateSequence(entitlementId: entitlement, sequence: c.sequence) }
                if c.sequence > expected { throw .sequenceGap(entitlementId: entitlement, expected: expected, found: c.sequence) }
                expected = c.sequence &+ 1
            }
            var start = 0
            while start < sorted.count {
                let end = min(sorted.count, start + maxBatchSize)
                do { out.append(try UsageBatch(cdrs: Array(sorted[start..<end]))) } catch { throw .batch(error) }
                start = end
            }
        }
        return out
    }
}
