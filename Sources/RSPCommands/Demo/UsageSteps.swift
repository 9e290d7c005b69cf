import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import UsageService
import UsageStoreSQLite

/// The operator's usage records for the entitlement: `--cdr-count` CDRs of up to one hour each from the
/// entitlement's start, random byte counts (up to 50 MB each, at most 90 % of the plan in all). Each
/// record is one JSON line in demo/cdrs.jsonl; its `cdrHash` is keccak256 of that line (the operator's
/// hash of its full record). CDRs describe the past: none ends after the chain time at which they are
/// generated (a CDR ending after its batch's posting time is disputable, contradiction 5). On the
/// embedded devnet the chain clock first moves on by the CDRs' hours (the usage happens); elsewhere the
/// CDRs share the time since the entitlement started.
struct GenerateUsageStep: DemoStep {
    let name = "usage-generate"
    let title = "generate usage CDRs"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let id = try state.require(state.entitlementId, "the entitlement")
        let iccid = try state.require(state.iccid, "the ICCID")
        var rng = SystemRandomNumberGenerator()
        var cdrs: [CDR] = []
        var lines: [String] = []
        // Stay within 90 % of the plan's bytes whatever --cdr-count is (the contract refuses more than the plan).
        let planBytes = try state.require(state.plan, "the plan terms").dataMB.w0 * 1_000_000
        let maxPerCDR = min(50_000_000, planBytes / 10 * 9 / UInt64(env.config.cdrCount))
        let count = UInt64(env.config.cdrCount)
        let now = try await Self.usageTime(state, hours: count)
        let span = min(3600, (now - min(now, state.entitlementStart)) / count)
        for sequence in 1...count {
            let bytes = UInt64.random(in: max(1, maxPerCDR / 50)...maxPerCDR, using: &rng)
            let periodStart = state.entitlementStart + (sequence - 1) * span
            let periodEnd = periodStart + max(span, 1) - 1
            let line = #"{"entitlementId":"\#(id)","sequence":\#(sequence),"iccid":"\#(iccid.digits)","bytes":\#(bytes),"# +
                #""periodStart":\#(periodStart),"periodEnd":\#(periodEnd),"network":"demo MNO"}"#
            lines.append(line)
            cdrs.append(CDR(entitlementId: id, sequence: sequence, bytes: bytes, periodStart: periodStart, periodEnd: periodEnd,
                            cdrHash: Keccak256.hash(Array(line.utf8))))
        }
        let batch = try UsageBatch(cdrs: cdrs)
        let file = env.config.demoDirectory.appendingPathComponent("cdrs.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file, options: .atomic)
        state.usage = batch
        env.progress("\(cdrs.count) CDRs, \(batch.totalBytes) bytes, Merkle root \(batch.root.hex) (\(file.path)), "
            + "periods \(state.entitlementStart)…\(cdrs.last?.periodEnd ?? 0) ≤ chain time \(now)")
    }

    /// The chain time the CDRs must end by; on the embedded devnet a block is first mined `hours` after the
    /// entitlement's start, so hour-long CDRs lie in the past.
    static func usageTime(_ state: DemoState, hours: UInt64) async throws -> UInt64 {
        let chain = try state.require(state.chain, "the chain")
        guard let latest = try await chain.client.getBlockByNumber(.latest) else { throw DemoError.missing("no latest block") }
        let target = state.entitlementStart + hours * 3600
        guard state.embeddedDevnet, latest.timestamp < target else { return latest.timestamp }
        _ = try await chain.client.request("evm_mine", [.string(UInt256(target).quantityHex)], retry: .once)
        guard let mined = try await chain.client.getBlockByNumber(.latest) else { throw DemoError.missing("no latest block") }
        return mined.timestamp
    }
}

/// The MNO posts the batch through the usage outbox in the SM-DP+ database (demo/smdp.sqlite): the
/// CDRs are imported, the signed transaction is stored before it is broadcast and re-sent as the same
/// bytes after a crash, a dropped transaction or a reorg, so the batch lands on chain exactly once.
/// Then the Merkle proof of the first CDR (what a user needs to dispute) is checked by the contract.
struct PostUsageStep: DemoStep {
    let name = "usage-post"
    let title = "post the usage batch through the outbox (MNO)"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let batch = try state.require(state.usage, "the usage batch")
        let outbox = try DemoUsageOutbox.open(state, env)
        try await outbox.importCDRs(batch.cdrs)
        let transaction = try DemoUsageOutbox.transaction(in: try await outbox.post(), "post the batch") { event in
            if case .posted(_, _, let transaction?, _, _) = event { return transaction }
            return nil
        }
        let outcome = try await DemoUsageOutbox.outcome(of: transaction, state)
        let settlement = try state.require(state.contracts, "the contracts").settlement
        let posted = try settlement.event(UsageSettlement.BatchPosted.self, in: outcome)
        guard posted.root == batch.root, posted.totalBytes == batch.totalBytes else {
            throw DemoError.invalid("BatchPosted does not carry the batch's root and total")
        }
        state.record(name, "postUsage (outbox)", outcome)
        state.posted = posted
        env.progress("batch \(posted.batchId.hex) posted at \(posted.postedAt) by the outbox (transaction \(transaction.hex))")

        let proof = try await outbox.prove(entitlementId: posted.entitlementId, sequence: posted.firstSeq)
        let verified = try await settlement.call(UsageSettlement.verifyCdr(root: posted.root, cdr: proof.cdr, index: UInt256(proof.leafIndex),
                                                                          count: UInt256(proof.leafCount), proof: proof.siblings))
        guard verified else { throw DemoError.invalid("the contract rejects the Merkle proof of CDR \(posted.firstSeq)") }
        state.proofVerified = true
        env.progress("Merkle proof of CDR \(posted.firstSeq) (\(proof.siblings.count) siblings) verifies on chain (verifyCdr)")
    }
}

/// The usage outbox of the demo: the SM-DP+ SQLite file, UsageSettlement, the MNO as poster.
enum DemoUsageOutbox {
    static func open(_ state: DemoState, _ env: DemoEnvironment) throws -> UsageOutboxService {
        let accounts = try state.require(state.accounts, "the accounts")
        let settlement = try state.require(state.contracts, "the contracts").settlement
        let store = try SQLiteUsageOutboxStore(path: env.config.demoDirectory.appendingPathComponent("smdp.sqlite").path)
        return try UsageOutboxService(store: store, settlement: settlement, signer: accounts.mno, receiptTimeout: .seconds(60)) { event in
            env.progress("outbox: \(UsageEventDocument(event).human)")
        }
    }

    /// The first transaction `pick` finds in the outbox's events, or a typed error saying what happened.
    static func transaction(in events: [UsageEvent], _ what: String, _ pick: (UsageEvent) -> Hash32?) throws -> Hash32 {
        guard let found = events.lazy.compactMap(pick).first else {
            throw DemoError.invalid("the outbox did not \(what): \(events.map { UsageEventDocument($0).human })")
        }
        return found
    }

    /// The mined receipt of an outbox transaction, as a TransactionOutcome for the summary.
    static func outcome(of transaction: Hash32, _ state: DemoState) async throws -> TransactionOutcome {
        let chain = try state.require(state.chain, "the chain")
        guard let receipt = try await chain.client.getTransactionReceipt(transaction) else {
            throw DemoError.missing("no receipt for \(transaction.hex)")
        }
        return TransactionOutcome(receipt: receipt)
    }
}

/// Embedded devnet only: evm_increaseTime past the dispute window, then evm_mine. On another chain the
/// settlement has to wait for real time, so this and the settle step are skipped.
struct AdvanceTimeStep: DemoStep {
    let name = "time"
    let title = "advance devnet time past the dispute window"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let posted = try state.require(state.posted, "the posted batch")
        let chain = try state.require(state.chain, "the chain")
        let closes = posted.postedAt + env.config.disputeWindow
        guard state.embeddedDevnet else {
            state.settlementNote = "not the embedded devnet: settlement waits until the dispute window closes at unix time \(closes); "
                + "then anyone may call settle"
            env.progress(state.settlementNote ?? "")
            return
        }
        guard let before = try await chain.client.getBlockByNumber(.latest) else { throw DemoError.missing("no latest block") }
        let seconds = env.config.disputeWindow + 1
        _ = try await chain.client.request("evm_increaseTime", [.string(UInt256(seconds).quantityHex)], retry: .once)
        _ = try await chain.client.request("evm_mine", [], retry: .once)
        guard var latest = try await chain.client.getBlockByNumber(.latest) else { throw DemoError.missing("no latest block") }
        if latest.timestamp < closes {
            // Instant mining puts each block one second after its parent, so block time can run ahead of
            // the devnet clock that evm_increaseTime moves; mine one block at the window's end then.
            _ = try await chain.client.request("evm_mine", [.string(UInt256(closes).quantityHex)], retry: .once)
            guard let next = try await chain.client.getBlockByNumber(.latest) else { throw DemoError.missing("no latest block") }
            latest = next
        }
        guard latest.timestamp >= closes else {
            throw DemoError.invalid("the devnet clock (block \(latest.number) at \(latest.timestamp)) did not pass the end of the dispute window (\(closes))")
        }
        state.timeAdvancedBy = latest.timestamp - before.timestamp
        env.progress("devnet time +\(latest.timestamp - before.timestamp) s, block \(latest.number) at \(latest.timestamp) ≥ \(closes)")
    }
}

/// Anyone settles the batch after the window; the escrow credits the MNO and the MVNO margin, and each
/// withdraws its credit (pull payments: the MNO through the outbox, the MVNO with its own key).
struct SettleStep: DemoStep {
    let name = "settle"
    let title = "settle the batch"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let posted = try state.require(state.posted, "the posted batch")
        let settlement = try state.require(state.contracts, "the contracts").settlement
        if state.timeAdvancedBy != nil {
            let outbox = try DemoUsageOutbox.open(state, env)
            let transaction = try DemoUsageOutbox.transaction(in: try await outbox.settle(), "settle the batch") { event in
                if case .settled(_, let transaction?, _, _, _) = event { return transaction }
                return nil
            }
            let outcome = try await DemoUsageOutbox.outcome(of: transaction, state)
            let settled = try settlement.event(UsageSettlement.BatchSettled.self, in: outcome)
            guard settled.batchId == posted.batchId else { throw DemoError.invalid("the outbox settled another batch") }
            state.record(name, "settle (outbox)", outcome)
            state.settled = settled
            env.progress("settled: MNO \(DemoSummary.tokens(settled.toMno.description)), MVNO \(DemoSummary.tokens(settled.toMvno.description)) tUSD credited")
            try await withdraw(outbox, &state, env)
        } else {
            env.progress("skipped: the dispute window is still open")
        }
        state.balancesAfter = try await state.balances()
    }
}

extension SettleStep {
    /// The MNO (through its outbox) and the MVNO take their credits; the token balances then show the payout.
    func withdraw(_ outbox: UsageOutboxService, _ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let accounts = try state.require(state.accounts, "the accounts")
        let settlement = try state.require(state.contracts, "the contracts").settlement
        guard let mno = try await outbox.withdraw() else { throw DemoError.invalid("nothing credited to the MNO") }
        let outcome = try await DemoUsageOutbox.outcome(of: mno.transaction, state)
        state.record(name, "withdraw (MNO, outbox)", outcome)
        state.withdrawals.append(.init(payee: mno.event.payee.checksummed, amount: mno.event.amount.description,
                                       transaction: mno.transaction.hex))
        let mvno = try accounts.mvno.address()
        guard try await settlement.call(UsageSettlement.owed(mvno)) > .zero else { throw DemoError.invalid("nothing credited to the MVNO") }
        let taken = try await settlement.send(UsageSettlement.withdraw(receiver: mvno), signer: accounts.mvno)
        let withdrawn = try settlement.event(UsageSettlement.Withdrawn.self, in: taken)
        state.record(name, "withdraw (MVNO)", taken)
        state.withdrawals.append(.init(payee: mvno.checksummed, amount: withdrawn.amount.description,
                                       transaction: taken.receipt.transactionHash.hex))
        for w in state.withdrawals { env.progress("withdraw: \(w.payee) took \(DemoSummary.tokens(w.amount)) tUSD") }
    }
}
