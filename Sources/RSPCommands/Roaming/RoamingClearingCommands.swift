// `openrsp roaming commit|invoice|accept|dispute|settle`: one period's clearing. `commit` is the
// outbox: the intended commitment is recorded in the records database, the signed transaction is
// persisted by the TransactionSubmitter before broadcast, and a rerun after a crash resumes the same
// bytes or finds the commitment on chain — never a second commitment.
import ArgumentParser
import EthereumCore
import Foundation
import Roaming
import Settlement

/// The slot of `period` that `me` commits as the visited network (`home: false`) or reviews as the home network.
func roamingSlot(_ ctx: RoamingContext, _ period: RoamingPeriodOptions, me signer: Address,
                 home: Bool) async throws -> (RoamingSlot, RoamingClearing.Agreement) {
    let id = try period.agreementId()
    let me = try period.party(signer: signer)
    let terms = try await ctx.agreement(id)
    guard let visitedDirection = terms.direction(committedBy: me) else {
        throw RoamingCommandError(.notAParty, "\(me) is not a party of agreement \(id)")
    }
    let direction: RoamingClearing.Direction = home ? (visitedDirection == .aOnB ? .bOnA : .aOnB) : visitedDirection
    return (RoamingSlot(agreementId: id, direction: direction, period: period.period), terms)
}

/// The partner's records held for `slot`, their commitment and the one on chain; nil if none are
/// held; refused (407) unless they hash to the committed root and count.
func heldPartnerRecords(_ ctx: RoamingContext, _ store: any RoamingRecordStore,
                        _ slot: RoamingSlot) async throws -> (records: [RoamingClearing.Record], mine: RoamingSlots.Commitment, onChain: RoamingClearing.Commitment)? {
    let records = try await RoamingRecordsImportCommand.held(store, slot)
    guard !records.isEmpty else { return nil }
    let onChain = try await ctx.read(RoamingClearing.commitment(slot.agreementId, slot.direction, period: slot.period), "commitment")
    let mine: RoamingSlots.Commitment
    do { mine = try RoamingSlots.commitment(of: records) } catch { throw RoamingCommandError(.noRecords, "\(slot): \(error)") }
    guard mine.root == onChain.root, mine.count == onChain.count else {
        throw RoamingCommandError(.rootMismatch, "the partner's records held for \(slot) hash to \(mine.root.hex), the commitment is \(onChain.root.hex)")
    }
    return (records, mine, onChain)
}

/// The mined receipt's single event `E` from the clearing contract.
func roamingEvent<E: ContractEvent>(_ type: E.Type, _ ctx: RoamingContext, _ sent: SubmittedTransaction) async throws -> E {
    let receipt = try await ctx.connection.client.getTransactionReceipt(sent.hash)
    guard let receipt else { throw ChainCommandError(.rpc, "no receipt for \(sent.hash.hex)") }
    do { return try TransactionOutcome(receipt: receipt).event(E.self, from: ctx.clearing.address) } catch {
        throw ChainCommandError(.rpc, "\(sent.hash.hex): \(error)")
    }
}

/// The commitment outbox of the visited network (see the file comment): one slot's records posted once.
enum RoamingCommitOutbox {
    struct Outcome {
        let commitment: RoamingSlots.Commitment
        let intent: RoamingCommitIntent
        /// Found on chain with the same root: nothing was sent by this run.
        let alreadyCommitted: Bool
        let transaction: SubmittedTransaction?
    }

    static func commit(_ ctx: RoamingContext, store: any RoamingRecordStore, slot: RoamingSlot) async throws -> Outcome {
        let records = try await RoamingRecordsImportCommand.held(store, slot)
        let commitment: RoamingSlots.Commitment
        do { commitment = try RoamingSlots.commitment(of: records) } catch { throw RoamingCommandError(.noRecords, "\(slot): \(error)") }
        let call = RoamingClearing.commitRecords(slot.agreementId, slot.direction, period: slot.period, root: commitment.root,
                                                 count: commitment.count, totals: commitment.totals)
        func done(_ tx: SubmittedTransaction?, already: Bool) async throws -> Outcome {
            let earlier = try? await store.intent(of: slot)
            var intent = RoamingCommitIntent(slot: slot, root: commitment.root, count: commitment.count, totals: commitment.totals)
            intent.transaction = tx?.hash ?? (earlier?.root == commitment.root ? earlier?.transaction : nil)
            intent.block = tx?.blockNumber ?? (earlier?.root == commitment.root ? earlier?.block : nil)
            do { try await store.saveIntent(intent) } catch { throw RoamingCommandError(.store, "\(error)") }
            return Outcome(commitment: commitment, intent: intent, alreadyCommitted: already, transaction: tx)
        }
        // 1. An earlier run's transaction of exactly this commitment: finish it (same bytes).
        if let resumed = try await ctx.submitter?.resumeIfPending(call, to: ctx.clearing) { return try await done(resumed, already: false) }
        // 2. On chain already (an earlier run finished, or another process committed the same root).
        let onChain = try await ctx.read(RoamingClearing.commitment(slot.agreementId, slot.direction, period: slot.period), "commitment")
        if [.committed, .accepted, .inCourt].contains(onChain.status) {
            guard onChain.root == commitment.root, onChain.count == commitment.count else {
                throw RoamingCommandError(.commitmentStands, "\(slot) has a \(onChain.status.name) commitment with root \(onChain.root.hex), "
                                          + "not the records held (\(commitment.root.hex))")
            }
            return try await done(nil, already: true)
        }
        // 3. Record the intent, then sign, persist, broadcast.
        do { try await store.saveIntent(RoamingCommitIntent(slot: slot, root: commitment.root, count: commitment.count, totals: commitment.totals)) } catch {
            throw RoamingCommandError(.store, "\(error)")
        }
        return try await done(try await ctx.send(call, label: "roaming commit \(slot)"), already: false)
    }
}

struct RoamingCommitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit",
        abstract: "As the visited network, commit the records held for --agreement/--period: Merkle root, count, totals.",
        discussion: """
            Exactly once: the commitment is recorded in the records database, the transaction is persisted before it is \
            broadcast, and a rerun (after a crash, a timeout or a lost answer) resumes the same transaction or reports the \
            commitment already on chain. After a void (a proven contradiction or the court), import the corrected records \
            with `records import --replace` and commit again within the commit window.
            """)
    @OptionGroup var period: RoamingPeriodOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let slot: RoamingSlotDocument
        let invoice: String
        let alreadyCommitted: Bool
        let transaction: SubmittedTransaction?
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let store = try options.store(home: home)
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let (slot, terms) = try await roamingSlot(ctx, period, me: signer.address, home: false)
                let outcome = try await RoamingCommitOutbox.commit(ctx, store: store, slot: slot)
                return Document(slot: RoamingSlotDocument(slot, records: Int(outcome.commitment.count), commitment: outcome.commitment, intent: outcome.intent),
                                invoice: terms.rates.invoice(outcome.commitment.totals)?.description ?? "overflow",
                                alreadyCommitted: outcome.alreadyCommitted, transaction: outcome.transaction)
            }
            try output.emit(document) {
                document.slot.human + ", invoice \(document.invoice)"
                    + (document.alreadyCommitted ? " (already committed on chain)" : "") + (document.transaction.map { "\n" + $0.human } ?? "")
            }
        }
    }
}

struct RoamingInvoiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoice",
        abstract: "Both directions' invoices of --agreement/--period from the committed totals × the agreed rates, and the net.",
        discussion: "Read from chain; no account needed. An invoice counts once its commitment is final (accepted, upheld or unreviewed past the window).")
    @OptionGroup var period: RoamingPeriodOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Direction: Encodable {
        let direction: String
        let visited: String
        let home: String
        let status: String
        let root: String
        let count: UInt64
        let totals: [String: String]
        let invoice: String
        let caseId: UInt64
    }

    struct Document: Encodable {
        let agreementId: String
        let period: UInt64
        let directions: [Direction]
        let payer: String?
        let payee: String?
        let net: String
        let settled: Bool
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let id = try period.agreementId()
            let document = try await options.withClearing(home: home, signer: nil) { ctx in
                let terms = try await ctx.agreement(id)
                var directions: [Direction] = []
                var amounts: [UInt256] = []
                for d in RoamingClearing.Direction.allCases {
                    let c = try await ctx.read(RoamingClearing.commitment(id, d, period: period.period), "commitment")
                    let counts = c.status != .none && c.status != .voided
                    let amount = counts ? (terms.rates.invoice(c.totals) ?? .zero) : .zero
                    amounts.append(amount)
                    let p = terms.parties(d)
                    directions.append(Direction(direction: roamingDirectionName(d), visited: p.visited.checksummed, home: p.home.checksummed,
                                                status: c.status.name, root: c.root.hex, count: c.count, totals: c.totals.document,
                                                invoice: amount.description, caseId: c.caseId))
                }
                let settled = try await ctx.read(RoamingClearing.settled(id, period: period.period), "settled")
                // A on B is owed to B (A pays), B on A is owed to A (B pays).
                let (ab, ba) = (amounts[0], amounts[1])
                let net = ab >= ba ? (try? ab.subtracting(ba)) ?? .zero : (try? ba.subtracting(ab)) ?? .zero
                let payer = net.isZero ? nil : (ab >= ba ? terms.partyA : terms.partyB)
                let payee = net.isZero ? nil : (ab >= ba ? terms.partyB : terms.partyA)
                return Document(agreementId: id.description, period: period.period, directions: directions, payer: payer?.checksummed,
                                payee: payee?.checksummed, net: net.description, settled: settled)
            }
            try output.emit(document) {
                document.directions.map { "\($0.direction): \($0.status), \($0.count) record(s), invoice \($0.invoice) (home \($0.home) pays visited \($0.visited))" }
                    .joined(separator: "\n")
                    + "\nnet \(document.net)" + (document.payer.map { ": \($0) pays \(document.payee ?? "")" } ?? "")
                    + (document.settled ? " (settled)" : "")
            }
        }
    }
}

struct RoamingAcceptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept",
        abstract: "As the home network, accept the partner's commitment of --agreement/--period within the review window.",
        discussion: "If you hold the partner's records (`records import --partner`), they must hash to the committed root; silence past the window is acceptance too.")
    @OptionGroup var period: RoamingPeriodOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let agreementId: String
        let direction: String
        let period: UInt64
        let recordsChecked: Bool
        let transaction: SubmittedTransaction
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let store = try options.store(home: home)
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let (slot, _) = try await roamingSlot(ctx, period, me: signer.address, home: true)
                let checked = try await heldPartnerRecords(ctx, store, slot) != nil
                let sent = try await ctx.send(RoamingClearing.acceptCommitment(slot.agreementId, slot.direction, period: slot.period),
                                              label: "roaming accept \(slot)")
                return Document(agreementId: slot.agreementId.description, direction: roamingDirectionName(slot.direction), period: slot.period,
                                recordsChecked: checked, transaction: sent)
            }
            try output.emit(document) { "accepted \(document.direction) period \(document.period)\n" + document.transaction.human }
        }
    }
}

struct RoamingDisputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispute",
        abstract: "As the home network, void the partner's commitment by proving a held record contradicts it.",
        discussion: """
            Needs the partner's records for the slot (`records import --partner`) hashing to the committed root. Picks the \
            first record that contradicts the commitment (wrong time, location, charge, or volume above the total), or \
            --index. For what no single record proves (missing or invented records), open a court case: `roaming court open`.
            """)
    @OptionGroup var period: RoamingPeriodOptions
    @Option(name: .long, help: "The leaf index of the contradicting record (default: the first one found).") var index: UInt64?
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let agreementId: String
        let direction: String
        let period: UInt64
        let leafIndex: UInt64
        let reason: UInt8
        let reasonText: String
        let proof: [String]
        let recommitDeadline: UInt64
        let transaction: SubmittedTransaction
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let store = try options.store(home: home)
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let (slot, terms) = try await roamingSlot(ctx, period, me: signer.address, home: true)
                guard let (records, mine, onChain) = try await heldPartnerRecords(ctx, store, slot) else {
                    throw RoamingCommandError(.noRecords, "no partner records held for \(slot): `records import --partner` first")
                }
                let found = records.compactMap { r in
                    RoamingSlots.contradiction(r, leafIndex: r.index, slot: slot, agreement: terms, totals: onChain.totals).map { (r, $0) }
                }.first { index == nil || $0.0.index == index }
                guard let (record, reason) = found else {
                    throw RoamingCommandError(.noContradiction, "no record\(index.map { " at index \($0)" } ?? "") of \(slot) contradicts the commitment")
                }
                let proof: [Hash32]
                do { proof = try mine.tree.proof(index: Int(record.index)) } catch { throw RoamingCommandError(.noRecords, "\(error)") }
                let sent = try await ctx.send(RoamingClearing.disputeRecord(slot.agreementId, slot.direction, period: slot.period, record: record,
                                                                             leafIndex: record.index, proof: proof),
                                              label: "roaming dispute \(slot) record \(record.index)")
                let voided = try await roamingEvent(RoamingClearing.CommitmentVoided.self, ctx, sent)
                return Document(agreementId: slot.agreementId.description, direction: roamingDirectionName(slot.direction), period: slot.period,
                                leafIndex: record.index, reason: voided.reason, reasonText: reason.name, proof: proof.map(\.hex),
                                recommitDeadline: voided.recommitDeadline, transaction: sent)
            }
            try output.emit(document) {
                "voided \(document.direction) period \(document.period): record \(document.leafIndex), \(document.reasonText) (code \(document.reason)); "
                    + "the partner may commit again until \(document.recommitDeadline)\n" + document.transaction.human
            }
        }
    }
}

struct RoamingSettleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Net both directions of --agreement/--period into one credit from the debtor's deposit to the creditor (anyone may send it).",
        discussion: "Once both directions are final; each period settles once. The creditor then runs `roaming withdraw`.")
    @OptionGroup var period: RoamingPeriodOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let agreementId: String
        let period: UInt64
        let invoiceAOnB: String
        let invoiceBOnA: String
        let net: String
        let payer: String
        let payee: String
        let transaction: SubmittedTransaction
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let id = try period.agreementId()
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let sent = try await ctx.send(RoamingClearing.settle(id, period: period.period), label: "roaming settle agreement \(id) period \(period.period)")
                let e = try await roamingEvent(RoamingClearing.PeriodSettled.self, ctx, sent)
                return Document(agreementId: id.description, period: period.period, invoiceAOnB: e.invoiceAOnB.description,
                                invoiceBOnA: e.invoiceBOnA.description, net: e.net.description, payer: e.payer.checksummed,
                                payee: e.payee.checksummed, transaction: sent)
            }
            try output.emit(document) {
                "A-on-B \(document.invoiceAOnB), B-on-A \(document.invoiceBOnA): net \(document.net) from \(document.payer) to \(document.payee)\n"
                    + document.transaction.human
            }
        }
    }
}
