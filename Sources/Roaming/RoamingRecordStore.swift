// Where an operator keeps roaming records and its commitment outbox: the records of each slot it
// holds (its own as the visited network, its partner's as the home network) and, per slot it
// commits, the commitment it intends to post before the transaction is signed. The SQLite
// implementation is RoamingStoreSQLite.
import EthereumCore
import Settlement

/// The outbox entry of one slot: what `roaming commit` posts, recorded before the transaction is
/// signed; `transaction` and `block` once it is mined.
public struct RoamingCommitIntent: Sendable, Hashable {
    public let slot: RoamingSlot
    public let root: Hash32
    public let count: UInt64
    public let totals: RoamingClearing.ServiceTotals
    public var transaction: Hash32?
    public var block: UInt64?

    public init(slot: RoamingSlot, root: Hash32, count: UInt64, totals: RoamingClearing.ServiceTotals,
                transaction: Hash32? = nil, block: UInt64? = nil) {
        self.slot = slot; self.root = root; self.count = count; self.totals = totals
        self.transaction = transaction; self.block = block
    }

    public var isPosted: Bool { transaction != nil }
}

/// A slot the store holds records of, with their count.
public struct RoamingSlotSummary: Sendable, Hashable {
    public let slot: RoamingSlot
    public let records: Int
    public let intent: RoamingCommitIntent?

    public init(slot: RoamingSlot, records: Int, intent: RoamingCommitIntent?) {
        self.slot = slot; self.records = records; self.intent = intent
    }
}

public enum RoamingStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The database failed (the detail is for the log, not for clients).
    case backend(String)
    /// Stored data that does not decode (a damaged or foreign database).
    case corrupt(String)

    public var description: String {
        switch self {
        case .backend(let m): "roaming store: \(m)"
        case .corrupt(let m): "roaming store: stored data is invalid: \(m)"
        }
    }
}

public protocol RoamingRecordStore: Sendable {
    /// The records of `slot` in index order (empty if none).
    func records(of slot: RoamingSlot) async throws(RoamingStoreError) -> [RoamingClearing.Record]
    /// Replaces the records of each slot atomically (all slots or none) and drops those slots'
    /// outbox intents (the caller has checked on chain that no commitment of them stands).
    func replaceRecords(_ bySlot: [RoamingSlot: [RoamingClearing.Record]]) async throws(RoamingStoreError)
    func intent(of slot: RoamingSlot) async throws(RoamingStoreError) -> RoamingCommitIntent?
    /// Records the intent (replacing the slot's earlier one).
    func saveIntent(_ intent: RoamingCommitIntent) async throws(RoamingStoreError)
    /// Every slot with records, in order.
    func slots() async throws(RoamingStoreError) -> [RoamingSlotSummary]
    /// The replay cache of accepted roaming authorisations: records `nonce` of `home` until
    /// `expiresAt` and returns true, or returns false if it is already recorded (a replay). Entries
    /// expired at `now` are dropped first (an expired authorisation is refused anyway).
    func rememberAuthorization(nonce: Hash32, home: Address, expiresAt: UInt64, now: UInt64) async throws(RoamingStoreError) -> Bool
}
