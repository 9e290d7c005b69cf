// Deterministic demo CDRs: the same seed and parameters always give the same records (and so the
// same Merkle roots), with no clock or system randomness involved.
import EthereumCore
import Settlement

/// Generates plausible data-session CDRs for one entitlement.
public struct CDRGenerator: Sendable {
    public var seed: UInt64
    public var entitlementId: UInt256
    /// Sequence of the first CDR (the entitlement's last posted sequence + 1).
    public var firstSequence: UInt64
    /// Start of the first session (unix seconds); sessions follow each other.
    public var periodStart: UInt64
    /// Bytes per session are drawn uniformly from this range.
    public var bytesRange: ClosedRange<UInt64>
    /// Session length in seconds is drawn uniformly from this range.
    public var sessionSeconds: ClosedRange<UInt64>
    /// No session ends after this time (unix seconds), e.g. the chain time at which the batch is
    /// posted: usage ending after its batch's posting time is a provable contradiction (contracts
    /// v2, contradiction 5). Sessions that would run past it are cut at it (they may shrink to an
    /// instant). nil: no bound.
    public var latestEnd: UInt64?

    public init(seed: UInt64, entitlementId: UInt256, firstSequence: UInt64 = 1, periodStart: UInt64,
                bytesRange: ClosedRange<UInt64> = 10_000...2_000_000, sessionSeconds: ClosedRange<UInt64> = 30...900,
                latestEnd: UInt64? = nil) {
        self.seed = seed; self.entitlementId = entitlementId; self.firstSequence = firstSequence
        self.periodStart = periodStart; self.bytesRange = bytesRange; self.sessionSeconds = sessionSeconds
        self.latestEnd = latestEnd
    }

    /// `count` CDRs with sequences firstSequence ..< firstSequence + count.
    ///
    /// `cdrHash` is keccak256 of the operator's full record, which for the demo is the text
    /// `openrsp-demo-cdr/v1|<entitlement>|<sequence>|<bytes>|<start>|<end>|<session id>`; the session
    /// id is 16 pseudo-random bytes in hex.
    public func generate(count: Int) -> [CDR] {
        var rng = SplitMix64(seed: seed)
        var out = [CDR]()
        out.reserveCapacity(max(0, count))
        var t = periodStart
        for i in 0..<max(0, count) {
            let sequence = firstSequence &+ UInt64(i)
            let bytes = rng.next(in: bytesRange)
            let length = rng.next(in: sessionSeconds)
            let gap = rng.next(in: 0...120)
            let bound = latestEnd ?? .max
            let start = min(t &+ gap, bound)
            let end = min(start &+ length, bound)
            t = end
            let session = Hex.encode(withUnsafeBytes(of: rng.next().bigEndian, Array.init)
                + withUnsafeBytes(of: rng.next().bigEndian, Array.init), prefix: false)
            let record = "openrsp-demo-cdr/v1|\(entitlementId)|\(sequence)|\(bytes)|\(start)|\(end)|\(session)"
            out.append(CDR(entitlementId: entitlementId, sequence: sequence, bytes: bytes, periodStart: start, periodEnd: end,
                           cdrHash: Keccak256.hash(Array(record.utf8))))
        }
        return out
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small deterministic generator, good enough for demo data.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (modulo bias is irrelevant for demo data).
    mutating func next(in range: ClosedRange<UInt64>) -> UInt64 {
        let width = range.upperBound &- range.lowerBound
        if width == .max { return next() }
        return range.lowerBound &+ next() % (width &+ 1)
    }
}
