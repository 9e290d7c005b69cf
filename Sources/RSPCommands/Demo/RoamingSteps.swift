// `openrsp demo --roaming`: two MNOs clear one settlement period on the embedded devnet. B's billing
// system rates one of A's subscribers' records wrongly; A disproves B's commitment with that
// record's Merkle proof and B commits the corrected records; B takes A's commitment to the auditor
// court, where a panel of three staked auditors upholds it 2:1 (the minority voter is slashed);
// then one netted credit settles both directions and everyone withdraws. Commitments go through
// the same outbox as `openrsp roaming commit` (records in SQLite, persisted transactions).
import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import Roaming
import RoamingStoreSQLite
import RSPCrypto
import Settlement

/// What the roaming steps add to the demo state.
struct RoamingDemoState: Sendable {
    var clearing: Contract<RoamingClearing>
    var mnoB: PrivateKey
    var auditors: [PrivateKey]
    var agreementId: UInt256 = .zero
    var terms: RoamingClearing.Agreement?
    var storeA: SQLiteRoamingRecordStore
    var storeB: SQLiteRoamingRecordStore
    var balancesBefore: [String: UInt256] = [:]
    var balancesAfter: [String: UInt256] = [:]
    var dispute: RoamingDemoSummary.Dispute?
    var court: RoamingDemoSummary.Court?
    var settled: RoamingClearing.PeriodSettled?
    var commitGas: [UInt64] = []

    var parties: [(String, Address)] {
        get throws {
            [("clearing", clearing.address), ("MNO B", try mnoB.address())] + (try auditors.enumerated().map { ("auditor \($0.offset + 1)", try $0.element.address()) })
        }
    }
}

/// Devnet clock helpers: one block at `timestamp` (if the chain is behind it), and `n` blocks.
enum DevnetClock {
    static func advance(_ chain: Chain, to timestamp: UInt64) async throws {
        guard let latest = try await chain.client.getBlockByNumber(.latest) else { throw DemoError.missing("no latest block") }
        if latest.timestamp < timestamp {
            _ = try await chain.client.request("evm_mine", [.string(UInt256(timestamp).quantityHex)], retry: .once)
        }
    }

    static func mine(_ chain: Chain, blocks: Int) async throws {
        for _ in 0..<blocks { _ = try await chain.client.request("evm_mine", [], retry: .once) }
    }

    static func now(_ chain: Chain) async throws -> UInt64 {
        guard let latest = try await chain.client.getBlockByNumber(.latest) else { throw DemoError.missing("no latest block") }
        return latest.timestamp
    }
}

extension DemoState {
    func requireRoaming() throws -> RoamingDemoState { try require(roaming, "the roaming parties") }

    /// A RoamingContext for `signer` with a persisted submitter under demo/transactions (the CLI's outbox path).
    func roamingContext(_ env: DemoEnvironment, signer: PrivateKey) throws -> RoamingContext {
        let chain = try require(chain, "the chain")
        guard let client = chain.client as? RPCClient else { throw DemoError.invalid("the demo chain has no JSON-RPC client") }
        let connection = ChainConnection(client: client, chain: chain, rpcURL: rpcURL, deployment: nil, deploymentPath: env.config.contractsFile.path,
                                         confirmations: 1, receiptTimeout: chain.receiptTimeout)
        let submitter = TransactionSubmitter(
            connection: connection, signer: try LocalKeySigner(signer),
            store: PendingTransactionStore(directory: env.config.demoDirectory.appendingPathComponent("transactions", isDirectory: true)),
            progress: { line in env.progress(line) })
        return RoamingContext(connection: connection, clearing: try requireRoaming().clearing, submitter: submitter)
    }
}

/// MNO B and three auditors get keys and gas; A (the demo's MNO) and B are registered MNOs with
/// deposits; the auditors stake MIN_STAKE each.
struct RoamingPartiesStep: DemoStep {
    let name = "roaming-parties"
    let title = "two MNOs with deposits, three staked auditors"
    static let deposit = UInt256(200_000_000)   // 200 tUSD: covers the court fee (100 tUSD) and the net amount

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let chain = try state.require(state.chain, "the chain")
        let accounts = try state.require(state.accounts, "the accounts")
        let contracts = try state.require(state.contracts, "the contracts")
        let clearing = try state.require(contracts.clearing, "RoamingClearing")
        let keysDir = env.config.demoDirectory.appendingPathComponent("keys", isDirectory: true)
        func fresh(_ role: String) throws -> PrivateKey {
            let key = try PrivateKey.generate()
            try SecureFileWriter.write(Array((Hex.encode(key.rawBytes) + "\n").utf8), to: keysDir.appendingPathComponent("\(role).key"), mode: 0o600)
            return key
        }
        let mnoB = try fresh("mno-b")
        let auditors = try (1...3).map { try fresh("auditor-\($0)") }
        for (role, key) in [("MNO B", mnoB)] + auditors.enumerated().map({ ("auditor \($0.offset + 1)", $0.element) }) {
            state.record(name, "gas money → \(role)", try await chain.sendValue(CreateAccountsStep.gasMoney, to: try key.address(), signer: accounts.deployer))
        }
        for (label, key) in [("MNO A", accounts.mno), ("MNO B", mnoB)] {
            let address = try key.address()
            let digest = try Hash32(try RegisterTrustStep.accountSPKIDigest(key))
            let registered = try await contracts.registry.send(TrustRegistry.register(entity: address, role: .mno, name: "Roaming \(label)", spkiHash: digest,
                                                                                      certHash: digest), signer: accounts.deployer)
            state.record(name, "register \(label)", registered)
        }
        let minStake = try await clearing.call(RoamingClearing.MIN_STAKE())
        for (label, key, amount) in [("MNO A", accounts.mno, Self.deposit), ("MNO B", mnoB, Self.deposit)]
            + auditors.enumerated().map({ ("auditor \($0.offset + 1)", $0.element, minStake) }) {
            let address = try key.address()
            state.record(name, "mint → \(label)", try await contracts.token.send(TestStablecoin.mint(receiver: address, amount: amount), signer: accounts.deployer))
            state.record(name, "approve (\(label))", try await contracts.token.send(TestStablecoin.approve(spender: clearing.address, amount: amount), signer: key))
            let call = label.hasPrefix("MNO") ? RoamingClearing.deposit(amount) : RoamingClearing.stake(amount)
            state.record(name, label.hasPrefix("MNO") ? "deposit (\(label))" : "stake (\(label))", try await clearing.send(call, signer: key))
        }
        let dir = env.config.demoDirectory
        var roaming = RoamingDemoState(clearing: clearing, mnoB: mnoB, auditors: auditors,
                                       storeA: try SQLiteRoamingRecordStore(path: dir.appendingPathComponent("roaming-a.sqlite").path),
                                       storeB: try SQLiteRoamingRecordStore(path: dir.appendingPathComponent("roaming-b.sqlite").path))
        for (label, address) in [("MNO A", try accounts.mno.address())] + (try roaming.parties) {
            roaming.balancesBefore[label] = try await contracts.token.call(TestStablecoin.balanceOf(address))
        }
        state.roaming = roaming
        env.progress("MNO A \(try accounts.mno.address()), MNO B \(try mnoB.address()); deposits \(Self.deposit) each; auditors staked \(minStake) each")
    }
}

/// A proposes hourly periods at data 0.002, voice 0.01, SMS 0.005 tUSD; B accepts.
struct RoamingAgreementStep: DemoStep {
    let name = "roaming-agreement"
    let title = "MNO A proposes a roaming agreement, MNO B accepts"
    static let plmnA = RoamingClearing.PLMN("262-01")!, plmnB = RoamingClearing.PLMN("208-10")!

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let chain = try state.require(state.chain, "the chain")
        let mnoA = try state.require(state.accounts, "the accounts").mno
        var roaming = try state.requireRoaming()
        let start = (try await DevnetClock.now(chain) / 3600 + 1) * 3600
        let proposed = try await roaming.clearing.send(RoamingClearing.proposeAgreement(
            partner: try roaming.mnoB.address(), plmnSelf: Self.plmnA, plmnPartner: Self.plmnB,
            rates: RoamingClearing.Rates(data: 2_000, voice: 10_000, sms: 5_000), start: start, periodSeconds: 3600), signer: mnoA)
        state.record(name, "proposeAgreement (A)", proposed)
        roaming.agreementId = try roaming.clearing.event(RoamingClearing.AgreementProposed.self, in: proposed).agreementId
        state.record(name, "acceptAgreement (B)", try await roaming.clearing.send(RoamingClearing.acceptAgreement(roaming.agreementId), signer: roaming.mnoB))
        roaming.terms = try await roaming.clearing.call(RoamingClearing.agreements(roaming.agreementId))
        state.roaming = roaming
        env.progress("agreement \(roaming.agreementId): A \(Self.plmnA), B \(Self.plmnB), hourly periods from \(start)")
    }
}

/// Both visited networks record the period's usage and commit it through the outbox once the period
/// ended; B's record 2 carries a wrong charge (its billing error). Each home network holds the
/// partner's records.
struct RoamingCommitStep: DemoStep {
    let name = "roaming-commit"
    let title = "both MNOs commit period 0 (Merkle root + totals) through the outbox"

    static func records(_ terms: RoamingClearing.Agreement, visited plmn: RoamingClearing.PLMN, count: Int, salt: UInt8,
                        wrongCharge: Int?) throws -> [RoamingUsageRecord] {
        let services: [RoamingClearing.Service] = [.data, .voice, .sms]
        return try (0..<count).map { i in
            let service = services[i % 3]
            let start = terms.start + 120 + UInt64(i) * 400
            let volume = UInt64(5 + 3 * i)
            let rated = UInt256(volume * terms.rates.rate(of: service))
            return RoamingUsageRecord(imsiPseudonym: Keccak256.hash([salt, UInt8(i % 2)]), service: service, start: start, end: start + 240,
                                      volume: volume, location: plmn, charge: i == wrongCharge ? try rated.multiplied(by: 2) : rated)
        }
    }

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let chain = try state.require(state.chain, "the chain")
        let mnoA = try state.require(state.accounts, "the accounts").mno
        var roaming = try state.requireRoaming()
        let terms = try state.require(roaming.terms, "the agreement")
        let id = roaming.agreementId
        // B served A's subscribers (A on B); A served B's (B on A).
        let onB = try RoamingSlots.place(try Self.records(terms, visited: terms.plmnB, count: 6, salt: 0xA, wrongCharge: 2), agreementId: id,
                                         agreement: terms, direction: .aOnB, strict: false)
        let onA = try RoamingSlots.place(try Self.records(terms, visited: terms.plmnA, count: 4, salt: 0xB, wrongCharge: nil), agreementId: id,
                                         agreement: terms, direction: .bOnA, strict: true)
        try await roaming.storeB.replaceRecords(onB.merging(onA) { $1 })
        try await roaming.storeA.replaceRecords(onA.merging(onB) { $1 })
        try await DevnetClock.advance(chain, to: terms.start + terms.periodSeconds + 1)
        for (label, key, store, direction) in [("B", roaming.mnoB, roaming.storeB, RoamingClearing.Direction.aOnB), ("A", mnoA, roaming.storeA, .bOnA)] {
            let outcome = try await RoamingCommitOutbox.commit(try state.roamingContext(env, signer: key), store: store,
                                                               slot: RoamingSlot(agreementId: id, direction: direction, period: 0))
            try await chain.nonces.resync(try key.address())
            let tx = try state.require(outcome.transaction, "the commit transaction")
            state.record(name, "commitRecords (\(label), \(outcome.commitment.count) records)", tx)
            roaming.commitGas.append(tx.gasUsed)
            env.progress("\(label) committed \(roamingDirectionName(direction)): \(outcome.commitment.count) records, root \(outcome.commitment.root.hex)")
        }
        state.roaming = roaming
    }
}

/// A proves B's record 2 contradicts B's commitment (wrong charge); B commits the corrected records
/// (version 2), which A accepts.
struct RoamingDisputeStep: DemoStep {
    let name = "roaming-dispute"
    let title = "A disproves B's commitment with one record's Merkle proof; B recommits; A accepts"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let chain = try state.require(state.chain, "the chain")
        let mnoA = try state.require(state.accounts, "the accounts").mno
        var roaming = try state.requireRoaming()
        let terms = try state.require(roaming.terms, "the agreement")
        let slot = RoamingSlot(agreementId: roaming.agreementId, direction: .aOnB, period: 0)
        let held = try await roaming.storeA.records(of: slot)
        let committed = try await roaming.clearing.call(RoamingClearing.commitment(slot.agreementId, .aOnB, period: 0))
        let mine = try RoamingSlots.commitment(of: held)
        guard mine.root == committed.root else { throw DemoError.invalid("A's copy of B's records does not hash to B's root") }
        guard let (record, reason) = held.compactMap({ r in
            RoamingSlots.contradiction(r, leafIndex: r.index, slot: slot, agreement: terms, totals: committed.totals).map { (r, $0) }
        }).first else { throw DemoError.invalid("no contradicting record found") }
        let proof = try mine.tree.proof(index: Int(record.index))
        let disputed = try await roaming.clearing.send(RoamingClearing.disputeRecord(slot.agreementId, .aOnB, period: 0, record: record,
                                                                                      leafIndex: record.index, proof: proof), signer: mnoA)
        state.record(name, "disputeRecord (A, record \(record.index))", disputed)
        let voided = try roaming.clearing.event(RoamingClearing.CommitmentVoided.self, in: disputed)
        env.progress("B's commitment voided: record \(record.index), \(reason.name) (code \(voided.reason))")
        // B corrects its billing (every record rated at the agreed rate) and commits again.
        let corrected = try RoamingSlots.place(try RoamingCommitStep.records(terms, visited: terms.plmnB, count: 6, salt: 0xA, wrongCharge: nil),
                                               agreementId: slot.agreementId, agreement: terms, direction: .aOnB, strict: true)
        try await roaming.storeB.replaceRecords(corrected)
        try await roaming.storeA.replaceRecords(corrected)
        let outcome = try await RoamingCommitOutbox.commit(try state.roamingContext(env, signer: roaming.mnoB), store: roaming.storeB, slot: slot)
        try await chain.nonces.resync(try roaming.mnoB.address())
        state.record(name, "commitRecords (B, corrected, version 2)", try state.require(outcome.transaction, "the recommit"))
        state.record(name, "acceptCommitment (A)", try await roaming.clearing.send(RoamingClearing.acceptCommitment(slot.agreementId, .aOnB, period: 0),
                                                                                  signer: mnoA))
        roaming.dispute = RoamingDemoSummary.Dispute(leafIndex: record.index, reason: reason.name, proofLength: proof.count,
                                                     disputeGas: disputed.receipt.gasUsed)
        state.roaming = roaming
    }
}

/// B takes A's commitment to the court (it suspects missing records); the three auditors are drawn,
/// vote 2 uphold : 1 void by commit-reveal, the minority is slashed, the verdict executes after the
/// objection period: A's commitment stands.
struct RoamingCourtStep: DemoStep {
    let name = "roaming-court"
    let title = "B takes A's commitment to the auditor court; a panel of three decides 2:1"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let chain = try state.require(state.chain, "the chain")
        let deployer = try state.require(state.accounts, "the accounts").deployer
        var roaming = try state.requireRoaming()
        let clearing = roaming.clearing
        let opened = try await clearing.send(RoamingClearing.openCase(roaming.agreementId, .bOnA, period: 0), signer: roaming.mnoB)
        state.record(name, "openCase (B)", opened)
        let caseId = try clearing.event(RoamingClearing.CaseOpened.self, in: opened).caseId
        let delay = try await clearing.call(RoamingClearing.DRAW_DELAY())
        try await DevnetClock.mine(chain, blocks: Int(delay.w0) + 1)
        let drawn = try await clearing.send(RoamingClearing.drawPanel(caseId), signer: deployer)
        state.record(name, "drawPanel", drawn)
        var c = try await clearing.call(RoamingClearing.cases(caseId))
        let votes: [RoamingClearing.Vote] = [.uphold, .uphold, .void]
        var rng = SystemRandomNumberGenerator()
        var ballots: [(PrivateKey, RoamingClearing.Vote, Hash32)] = []
        for (i, member) in c.panel.enumerated() {
            guard let key = try roaming.auditors.first(where: { try $0.address() == member }) else { throw DemoError.invalid("panelist \(member) is not a demo auditor") }
            let salt = try Hash32((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let hash = RoamingClearing.computeVoteCommitment(caseId, round: c.round, auditor: member, vote: votes[i], salt: salt)
            state.record(name, "commitVote (panelist \(i + 1))", try await clearing.send(RoamingClearing.commitVote(caseId, voteHash: hash), signer: key))
            ballots.append((key, votes[i], salt))
        }
        try await DevnetClock.advance(chain, to: c.commitEnd)
        for (i, (key, vote, salt)) in ballots.enumerated() {
            state.record(name, "revealVote (panelist \(i + 1): \(vote.name))", try await clearing.send(RoamingClearing.revealVote(caseId, vote: vote, salt: salt), signer: key))
        }
        try await DevnetClock.advance(chain, to: c.revealEnd)
        let tallied = try await clearing.send(RoamingClearing.tally(caseId), signer: deployer)
        state.record(name, "tally", tallied)
        let round = try clearing.event(RoamingClearing.RoundTallied.self, in: tallied)
        try await DevnetClock.advance(chain, to: round.objectionEnd)
        let executed = try await clearing.send(RoamingClearing.execute(caseId), signer: deployer)
        state.record(name, "execute", executed)
        c = try await clearing.call(RoamingClearing.cases(caseId))
        let status = try await clearing.call(RoamingClearing.commitment(roaming.agreementId, .bOnA, period: 0)).status
        let roundGas = [opened, drawn, tallied, executed].map(\.receipt.gasUsed).reduce(0, +)
        roaming.court = RoamingDemoSummary.Court(
            caseId: caseId.description, panel: c.panel.map(\.checksummed), votes: votes.map(\.name),
            verdict: RoamingClearing.Vote(rawValue: c.verdict)?.name ?? "none", commitmentStatus: status.name, roundGas: roundGas)
        state.roaming = roaming
        env.progress("case \(caseId): \(round.upholds) uphold, \(round.voids) void → A's commitment \(status.name)")
    }
}

/// Anyone nets the period: one credit from the debtor's deposit; creditor and auditors withdraw.
struct RoamingSettleStep: DemoStep {
    let name = "roaming-settle"
    let title = "net both directions into one transfer; withdraw credits; check conservation"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let accounts = try state.require(state.accounts, "the accounts")
        let contracts = try state.require(state.contracts, "the contracts")
        var roaming = try state.requireRoaming()
        let settled = try await roaming.clearing.send(RoamingClearing.settle(roaming.agreementId, period: 0), signer: accounts.deployer)
        state.record(name, "settle (netted period)", settled)
        let event = try roaming.clearing.event(RoamingClearing.PeriodSettled.self, in: settled)
        roaming.settled = event
        let everyone = [("MNO A", accounts.mno), ("MNO B", roaming.mnoB)] + roaming.auditors.enumerated().map { ("auditor \($0.offset + 1)", $0.element) }
        for (label, key) in everyone {
            guard !(try await roaming.clearing.call(RoamingClearing.owed(try key.address()))).isZero else { continue }
            state.record(name, "withdraw (\(label))", try await roaming.clearing.send(RoamingClearing.withdraw(receiver: try key.address()), signer: key))
        }
        for (label, address) in [("MNO A", try accounts.mno.address())] + (try roaming.parties) {
            roaming.balancesAfter[label] = try await contracts.token.call(TestStablecoin.balanceOf(address))
        }
        state.roaming = roaming
        env.progress("A-on-B \(event.invoiceAOnB), B-on-A \(event.invoiceBOnA): net \(event.net) from \(event.payer) to \(event.payee)")
    }
}
