// Placing records into an agreement's periods, the commitment of one slot (Merkle root, count,
// totals) and the contract's contradiction rules, computed locally. A slot is one agreement,
// direction and period: what RoamingClearing.commitRecords commits.
import EthereumCore
import Settlement

/// One (agreement, direction, period) of RoamingClearing.
public struct RoamingSlot: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let agreementId: UInt256
    public let direction: RoamingClearing.Direction
    public let period: UInt64

    public init(agreementId: UInt256, direction: RoamingClearing.Direction, period: UInt64) {
        self.agreementId = agreementId; self.direction = direction; self.period = period
    }

    public static func < (a: RoamingSlot, b: RoamingSlot) -> Bool {
        if a.agreementId != b.agreementId { return a.agreementId < b.agreementId }
        return (a.direction.rawValue, a.period) < (b.direction.rawValue, b.period)
    }

    public var description: String {
        "agreement \(agreementId) \(direction == .aOnB ? "A-on-B" : "B-on-A") period \(period)"
    }
}

/// Why records cannot be placed in an agreement (record numbers are 1-based, in file order).
public enum RoamingPlacementError: Error, Equatable, Sendable, CustomStringConvertible {
    case beforeAgreementStart(record: Int)
    /// start and end fall in different periods.
    case spansPeriods(record: Int)
    case afterTermination(record: Int)
    /// The visited network's own records must carry its PLMN.
    case wrongLocation(record: Int, expected: String, found: String)
    /// A charge given in the file that is not volume × the agreement's rate.
    case chargeMismatch(record: Int, expected: UInt256, found: UInt256)
    case chargeOverflow(record: Int)

    public var description: String {
        switch self {
        case .beforeAgreementStart(let n): "record \(n): starts before the agreement's first period"
        case .spansPeriods(let n): "record \(n): start and end fall in different settlement periods (split it)"
        case .afterTermination(let n): "record \(n): in a period after the agreement's termination"
        case .wrongLocation(let n, let e, let f): "record \(n): location \(f) is not the visited network's PLMN \(e)"
        case .chargeMismatch(let n, let e, let f): "record \(n): charge \(f) is not volume × rate = \(e)"
        case .chargeOverflow(let n): "record \(n): volume × rate overflows"
        }
    }
}

/// Why a slot's records cannot be committed.
public enum RoamingCommitmentError: Error, Equatable, Sendable, CustomStringConvertible {
    case noRecords
    case tooManyRecords(Int)
    /// The contract refuses a commitment whose totals are all zero.
    case zeroTotals
    case totalOverflow(RoamingClearing.Service)

    public var description: String {
        switch self {
        case .noRecords: "no records for this slot"
        case .tooManyRecords(let n): "\(n) records exceed the 2^32 a commitment holds"
        case .zeroTotals: "the records' totals are all zero (the contract commits non-zero totals only)"
        case .totalOverflow(let s): "the \(s.name) total overflows 64 bits"
        }
    }
}

public enum RoamingSlots {
    /// Places `records` (file order) into the periods of `agreement` for `direction`: the period is
    /// the one holding `start`; indices follow file order within each period. `strict` (the visited
    /// network's own records) also refuses a foreign location and a charge that is not volume × rate;
    /// the home network keeps what its partner sent (contradictions are what it disputes).
    public static func place(_ records: [RoamingUsageRecord], agreementId: UInt256, agreement: RoamingClearing.Agreement,
                             direction: RoamingClearing.Direction, strict: Bool) throws(RoamingPlacementError) -> [RoamingSlot: [RoamingClearing.Record]] {
        var out: [RoamingSlot: [RoamingClearing.Record]] = [:]
        let visitedPLMN = agreement.parties(direction).visitedPLMN
        for (i, r) in records.enumerated() {
            let number = i + 1
            guard r.start >= agreement.start, agreement.periodSeconds > 0 else { throw .beforeAgreementStart(record: number) }
            let period = (r.start - agreement.start) / agreement.periodSeconds
            guard period < agreement.endPeriod else { throw .afterTermination(record: number) }
            guard let bounds = agreement.periodBounds(period), r.end <= bounds.end else { throw .spansPeriods(record: number) }
            let rated: UInt256
            do { rated = try UInt256(r.volume).multiplied(by: UInt256(agreement.rates.rate(of: r.service))) } catch {
                throw .chargeOverflow(record: number)
            }
            if strict {
                guard r.location == visitedPLMN else {
                    throw .wrongLocation(record: number, expected: visitedPLMN.description, found: r.location.description)
                }
                if let given = r.charge, given != rated { throw .chargeMismatch(record: number, expected: rated, found: given) }
            }
            let slot = RoamingSlot(agreementId: agreementId, direction: direction, period: period)
            let index = UInt64(out[slot]?.count ?? 0)
            out[slot, default: []].append(RoamingClearing.Record(
                agreementId: agreementId, direction: direction, period: period, index: index, imsiPseudonym: r.imsiPseudonym,
                service: r.service, startTime: r.start, endTime: r.end, volume: r.volume, location: r.location, charge: r.charge ?? rated))
        }
        return out
    }

    /// What `commitRecords` takes for a slot's records (positional: record i carries index i).
    public struct Commitment: Sendable, Hashable {
        public let root: Hash32
        public let count: UInt64
        public let totals: RoamingClearing.ServiceTotals
        public let tree: UsageMerkleTree
    }

    public static func commitment(of records: [RoamingClearing.Record]) throws(RoamingCommitmentError) -> Commitment {
        guard !records.isEmpty else { throw .noRecords }
        guard UInt64(records.count) <= 1 << 32 else { throw .tooManyRecords(records.count) }
        var totals = RoamingClearing.ServiceTotals()
        for r in records {
            guard totals.add(r.service, r.volume) else { throw .totalOverflow(r.service) }
        }
        guard !totals.isZero else { throw .zeroTotals }
        let tree: UsageMerkleTree
        do { tree = try UsageMerkleTree(leaves: records.map(\.leaf)) } catch { throw .noRecords }
        return Commitment(root: tree.root, count: UInt64(records.count), totals: totals, tree: tree)
    }

    /// The contract's contradiction code for record `leafIndex` of a commitment with `totals`
    /// (RoamingClearing.disputeRecord's rules, in its order), nil if it contradicts nothing.
    public static func contradiction(_ r: RoamingClearing.Record, leafIndex: UInt64, slot: RoamingSlot,
                                     agreement: RoamingClearing.Agreement, totals: RoamingClearing.ServiceTotals) -> Contradiction? {
        guard r.agreementId == slot.agreementId, r.direction == slot.direction, r.period == slot.period else { return .wrongSlot }
        guard r.index == leafIndex else { return .wrongIndex }
        guard let bounds = agreement.periodBounds(slot.period) else { return .badTime }
        if r.startTime > r.endTime || r.startTime < bounds.start || r.endTime > bounds.end { return .badTime }
        if r.location != agreement.parties(slot.direction).visitedPLMN { return .wrongLocation }
        let rated = try? UInt256(r.volume).multiplied(by: UInt256(agreement.rates.rate(of: r.service)))
        if rated != r.charge { return .wrongCharge }
        if r.volume > totals.total(of: r.service) { return .exceedsTotal }
        return nil
    }

    /// RoamingClearing's contradiction codes (BAD_SERVICE cannot occur: `Service` has only valid values).
    public enum Contradiction: UInt8, Sendable, Hashable {
        case wrongSlot = 1, wrongIndex = 2, badTime = 4, wrongLocation = 5, wrongCharge = 6, exceedsTotal = 7

        public var name: String {
            switch self {
            case .wrongSlot: "wrong slot"
            case .wrongIndex: "wrong index"
            case .badTime: "time outside the period"
            case .wrongLocation: "location is not the visited network's PLMN"
            case .wrongCharge: "charge is not volume × rate"
            case .exceedsTotal: "volume exceeds the committed total"
            }
        }
    }
}
