// The end of an entitlement (cancellation or expiry) and the operator's money (contracts v2).
//
// Final batch: posting closes POSTING_GRACE after the entitlement ends, and the contract requires
// that grace to outlast the dispute window, so the batch pending when the user cancels settles and
// the usage up to the cancel can still be posted. The service watches for `Cancelled` (and the
// expiry) of every entitlement it has usage for; when one has ended it settles the pending batch as
// soon as its window closes and posts the final batch in the same run, before `end + POSTING_GRACE`.
//
// Pull payments: settlement only credits the MNO and the MVNO (`owed`); `withdraw` takes the credit.
import EthereumCore
import EthereumRPC
import Settlement

/// An entitlement that ended with usage still to post: its final batch must be posted by `postBy`.
public struct EndedEntitlement: Sendable, Hashable {
    public let entitlementId: UInt256
    /// The cancellation time, or the expiry.
    public let end: UInt64
    public let cancelled: Bool
    /// `end + POSTING_GRACE`: the contract refuses posts from then on.
    public let postBy: UInt64

    public init(entitlementId: UInt256, end: UInt64, cancelled: Bool, postBy: UInt64) {
        self.entitlementId = entitlementId; self.end = end; self.cancelled = cancelled; self.postBy = postBy
    }
}

extension UsageOutboxService {
    /// Entitlements with batches not yet posted whose entitlement has ended by chain time: a
    /// `Cancelled` log of PlanEntitlements for the id, or the expiry passed.
    public func endedEntitlements() async throws(UsageServiceError) -> [EndedEntitlement] {
        let waiting = Set(try await batches([.pending]).map(\.entitlementId))
        guard !waiting.isEmpty else { return [] }
        let plans = try await entitlementsContract()
        let grace = try u64(try await contractCall(UsageSettlement.POSTING_GRACE()), "POSTING_GRACE")
        let now = try await chainTime()
        var out = [EndedEntitlement]()
        for id in waiting.sorted(by: { $0 < $1 }) {
            let topic: Hash32
            do { topic = try Hash32(id.bigEndianBytes) } catch { throw .binding(.unexpectedValue(field: "entitlement id", expected: "32 bytes")) }
            let cancels = try await contract { () async throws(ContractError) in
                try await plans.logs(PlanEntitlements.Cancelled.self, topic1: topic)
            }
            let end: UInt64
            if let cancel = cancels.last?.event {
                end = try u64(cancel.at, "Cancelled.at")
            } else {
                let record = try await contract { () async throws(ContractError) in
                    try await plans.call(PlanEntitlements.entitlement(tokenId: id))
                }
                end = try u64(record.end, "entitlement end")
                guard now >= end else { continue }
            }
            out.append(EndedEntitlement(entitlementId: id, end: end, cancelled: !cancels.isEmpty, postBy: end &+ grace))
        }
        return out
    }

    /// Posts the final batches of ended entitlements in time: reports each (`finalBatchDue`),
    /// settles their batches whose dispute window has closed (so the next one may be posted), then
    /// runs `post()`. Batches of entitlements still running are posted as usual.
    @discardableResult
    public func postFinalBatches() async throws(UsageServiceError) -> [UsageEvent] {
        var events = [UsageEvent]()
        let ended = try await endedEntitlements()
        for e in ended {
            emit(.finalBatchDue(entitlementId: e.entitlementId, end: e.end, postBy: e.postBy), into: &events)
        }
        let endedIds = Set(ended.map(\.entitlementId))
        if try await batches([.posted, .settleSigned]).contains(where: { endedIds.contains($0.entitlementId) }) {
            events += try await settle()
        }
        events += try await post()
        return events
    }

    /// Tokens the contract has credited to the operator's key and not yet paid out.
    public func owed() async throws(UsageServiceError) -> UInt256 {
        guard let sender else { throw .noSigner }
        return try await contractCall(UsageSettlement.owed(sender))
    }

    /// Takes everything credited to the operator's key (pull payments), sent to `receiver` (default:
    /// the key itself). Returns the `Withdrawn` event, nil when nothing is owed (nothing is sent).
    @discardableResult
    public func withdraw(to receiver: Address? = nil) async throws(UsageServiceError) -> (event: UsageSettlement.Withdrawn, transaction: Hash32)? {
        guard let signer, let sender else { throw .noSigner }
        guard try await owed() > .zero else { return nil }
        // The outbox signs its own transactions with nonces it chooses: none may be in flight, and the
        // chain's nonce manager reads the key's nonce afresh.
        let inFlight: [OutboxTransaction]
        do { inFlight = try await store.inFlightTransactions() } catch { throw .store(error) }
        guard !inFlight.contains(where: { $0.sender == sender }) else {
            throw .signing("outbox transactions of \(sender) are in flight: run post/settle until they are mined, then withdraw")
        }
        try await rpc { () async throws(EthereumRPCError) in try await self.settlement.chain.nonces.resync(sender) }
        let settlement = self.settlement
        let outcome = try await contract { () async throws(ContractError) in
            try await settlement.send(UsageSettlement.withdraw(receiver: receiver ?? sender), signer: signer)
        }
        let withdrawn: UsageSettlement.Withdrawn
        do { withdrawn = try settlement.event(UsageSettlement.Withdrawn.self, in: outcome) } catch { throw .binding(error) }
        var events = [UsageEvent]()
        emit(.withdrawn(amount: withdrawn.amount, receiver: withdrawn.receiver, transaction: outcome.receipt.transactionHash), into: &events)
        return (withdrawn, outcome.receipt.transactionHash)
    }

    /// PlanEntitlements, at the address UsageSettlement names (`ENTITLEMENTS()`).
    func entitlementsContract() async throws(UsageServiceError) -> Contract<PlanEntitlements> {
        let address = try await contractCall(UsageSettlement.ENTITLEMENTS())
        return settlement.chain.contract(PlanEntitlements.self, at: address)
    }

    func u64(_ x: UInt256, _ what: String) throws(UsageServiceError) -> UInt64 {
        guard x.bitWidth <= 64 else { throw .rpc(.malformedResponse("\(what) \(x) does not fit in 64 bits")) }
        return x.w0
    }
}
