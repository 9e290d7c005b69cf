// Typed binding of contracts/src/RoamingClearing.vy (ABI: contracts/build/RoamingClearing.json):
// the ABI declarations, the constructor and the typed calls. Value types are in
// RoamingClearingTypes.swift, events in RoamingClearingEvents.swift.
import EthereumCore

/// Wholesale roaming clearing between two MNOs (issue 19, docs/ROAMING.md): agreements, per-period
/// Merkle commitments of roaming records with totals, acceptance or disproof, netting into one
/// pull-payment credit from deposits, and the auditor court.
public enum RoamingClearing: ContractBinding {
    public static let contractName = "RoamingClearing"

    /// ABI declarations, one per contract function.
    public enum Functions {
        public static let proposeAgreement = ABIFunction(name: "proposeAgreement", inputs: [.address, .uint(24), .uint(24), .u64, .u64, .u64, .u64, .u64], outputs: [.uint256])
        public static let acceptAgreement = ABIFunction(name: "acceptAgreement", inputs: [.uint256])
        public static let terminateAgreement = ABIFunction(name: "terminateAgreement", inputs: [.uint256])
        public static let agreements = ABIFunction(name: "agreements", inputs: [.uint256], outputs: [.tuple([.address, .address, .uint(24), .uint(24), .u64, .u64, .u64, .u64, .u64, .u64, .u8])])
        public static let commitment = ABIFunction(name: "commitment", inputs: [.uint256, .u8, .u64], outputs: [.tuple([.b32, .u64, .u64, .u64, .u64, .u8, .uint(32), .u64, .u64, .u64])])
        public static let commitRecords = ABIFunction(name: "commitRecords", inputs: [.uint256, .u8, .u64, .b32, .u64, .u64, .u64, .u64])
        public static let acceptCommitment = ABIFunction(name: "acceptCommitment", inputs: [.uint256, .u8, .u64])
        public static let disputeRecord = ABIFunction(name: "disputeRecord", inputs: [.uint256, .u8, .u64, .tuple([.uint256, .u8, .u64, .u64, .b32, .u8, .u64, .u64, .u64, .uint(24), .uint256]), .uint256, .array(.b32)])
        public static let settle = ABIFunction(name: "settle", inputs: [.uint256, .u64])
        public static let settled = ABIFunction(name: "settled", inputs: [.uint256, .u64], outputs: [.bool])
        public static let deposit = ABIFunction(name: "deposit", inputs: [.uint256])
        public static let announceWithdrawal = ABIFunction(name: "announceWithdrawal", inputs: [.uint256])
        public static let withdrawDeposit = ABIFunction(name: "withdrawDeposit", inputs: [.address])
        public static let withdraw = ABIFunction(name: "withdraw", inputs: [.address])
        public static let stake = ABIFunction(name: "stake", inputs: [.uint256])
        public static let unstake = ABIFunction(name: "unstake", inputs: [.uint256])
        public static let openCase = ABIFunction(name: "openCase", inputs: [.uint256, .u8, .u64], outputs: [.uint256])
        public static let cases = ABIFunction(name: "cases", inputs: [.uint256], outputs: [.tuple([.uint256, .u8, .u64, .address, .u8, .u8, .uint256, .u64, .u64, .fixedArray(.address, 3), .fixedArray(.b32, 3), .fixedArray(.u8, 3), .u8, .u64, .uint256])])
        public static let drawPanel = ABIFunction(name: "drawPanel", inputs: [.uint256])
        public static let voteCommitment = ABIFunction(name: "voteCommitment", inputs: [.uint256, .u8, .address, .u8, .b32], outputs: [.b32])
        public static let commitVote = ABIFunction(name: "commitVote", inputs: [.uint256, .b32])
        public static let revealVote = ABIFunction(name: "revealVote", inputs: [.uint256, .u8, .b32])
        public static let tally = ABIFunction(name: "tally", inputs: [.uint256])
        public static let appeal = ABIFunction(name: "appeal", inputs: [.uint256])
        public static let execute = ABIFunction(name: "execute", inputs: [.uint256])
        public static let VERSION = ABIFunction(name: "VERSION", inputs: [], outputs: [.uint256])
        public static let MAX_ROUNDS = ABIFunction(name: "MAX_ROUNDS", inputs: [], outputs: [.u8])
        public static let MAX_AUDITORS = ABIFunction(name: "MAX_AUDITORS", inputs: [], outputs: [.uint256])
        public static let REGISTRY = ABIFunction(name: "REGISTRY", inputs: [], outputs: [.address])
        public static let TOKEN = ABIFunction(name: "TOKEN", inputs: [], outputs: [.address])
        public static let COMMIT_WINDOW = ABIFunction(name: "COMMIT_WINDOW", inputs: [], outputs: [.uint256])
        public static let REVIEW_WINDOW = ABIFunction(name: "REVIEW_WINDOW", inputs: [], outputs: [.uint256])
        public static let DEPOSIT_NOTICE = ABIFunction(name: "DEPOSIT_NOTICE", inputs: [], outputs: [.uint256])
        public static let MIN_STAKE = ABIFunction(name: "MIN_STAKE", inputs: [], outputs: [.uint256])
        public static let SLASH_BPS = ABIFunction(name: "SLASH_BPS", inputs: [], outputs: [.uint256])
        public static let COURT_FEE = ABIFunction(name: "COURT_FEE", inputs: [], outputs: [.uint256])
        public static let DRAW_DELAY = ABIFunction(name: "DRAW_DELAY", inputs: [], outputs: [.uint256])
        public static let VOTE_PERIOD = ABIFunction(name: "VOTE_PERIOD", inputs: [], outputs: [.uint256])
        public static let REVEAL_PERIOD = ABIFunction(name: "REVEAL_PERIOD", inputs: [], outputs: [.uint256])
        public static let OBJECTION_PERIOD = ABIFunction(name: "OBJECTION_PERIOD", inputs: [], outputs: [.uint256])
        public static let agreementCount = ABIFunction(name: "agreementCount", inputs: [], outputs: [.uint256])
        public static let deposits = ABIFunction(name: "deposits", inputs: [.address], outputs: [.uint256])
        public static let withdrawalAmount = ABIFunction(name: "withdrawalAmount", inputs: [.address], outputs: [.uint256])
        public static let withdrawalAvailableAt = ABIFunction(name: "withdrawalAvailableAt", inputs: [.address], outputs: [.uint256])
        public static let owed = ABIFunction(name: "owed", inputs: [.address], outputs: [.uint256])
        public static let stakes = ABIFunction(name: "stakes", inputs: [.address], outputs: [.uint256])
        public static let lockedStake = ABIFunction(name: "lockedStake", inputs: [.address], outputs: [.uint256])
        public static let auditorCount = ABIFunction(name: "auditorCount", inputs: [], outputs: [.uint256])
        public static let auditorAt = ABIFunction(name: "auditorAt", inputs: [.uint256], outputs: [.address])
        public static let caseCount = ABIFunction(name: "caseCount", inputs: [], outputs: [.uint256])
    }

    public static let functions: [ABIFunction] = [
        Functions.proposeAgreement, Functions.acceptAgreement, Functions.terminateAgreement, Functions.agreements, Functions.commitment, Functions.commitRecords,
        Functions.acceptCommitment, Functions.disputeRecord, Functions.settle, Functions.settled, Functions.deposit, Functions.announceWithdrawal,
        Functions.withdrawDeposit, Functions.withdraw, Functions.stake, Functions.unstake, Functions.openCase, Functions.cases,
        Functions.drawPanel, Functions.voteCommitment, Functions.commitVote, Functions.revealVote, Functions.tally, Functions.appeal,
        Functions.execute, Functions.VERSION, Functions.MAX_ROUNDS, Functions.MAX_AUDITORS, Functions.REGISTRY, Functions.TOKEN,
        Functions.COMMIT_WINDOW, Functions.REVIEW_WINDOW, Functions.DEPOSIT_NOTICE, Functions.MIN_STAKE, Functions.SLASH_BPS, Functions.COURT_FEE,
        Functions.DRAW_DELAY, Functions.VOTE_PERIOD, Functions.REVEAL_PERIOD, Functions.OBJECTION_PERIOD, Functions.agreementCount, Functions.deposits,
        Functions.withdrawalAmount, Functions.withdrawalAvailableAt, Functions.owed, Functions.stakes, Functions.lockedStake, Functions.auditorCount,
        Functions.auditorAt, Functions.caseCount,
    ]

    /// ABI declarations of every event (typed decoders for the ones the CLI reads are in RoamingClearingEvents.swift).
    public enum Events {
        public static let AgreementProposed = ABIEvent(name: "AgreementProposed", parameters: [.init(name: "agreementId", type: .uint256, indexed: true), .init(name: "partyA", type: .address, indexed: true), .init(name: "partyB", type: .address, indexed: true), .init(name: "plmnA", type: .uint(24), indexed: false), .init(name: "plmnB", type: .uint(24), indexed: false), .init(name: "rateData", type: .u64, indexed: false), .init(name: "rateVoice", type: .u64, indexed: false), .init(name: "rateSms", type: .u64, indexed: false), .init(name: "start", type: .u64, indexed: false), .init(name: "periodSeconds", type: .u64, indexed: false)])
        public static let AgreementAccepted = ABIEvent(name: "AgreementAccepted", parameters: [.init(name: "agreementId", type: .uint256, indexed: true)])
        public static let AgreementTerminated = ABIEvent(name: "AgreementTerminated", parameters: [.init(name: "agreementId", type: .uint256, indexed: true), .init(name: "by", type: .address, indexed: true), .init(name: "endPeriod", type: .u64, indexed: false)])
        public static let RecordsCommitted = ABIEvent(name: "RecordsCommitted", parameters: [.init(name: "agreementId", type: .uint256, indexed: true), .init(name: "direction", type: .u8, indexed: true), .init(name: "period", type: .u64, indexed: true), .init(name: "committer", type: .address, indexed: false), .init(name: "root", type: .b32, indexed: false), .init(name: "count", type: .u64, indexed: false), .init(name: "dataMB", type: .u64, indexed: false), .init(name: "voiceMinutes", type: .u64, indexed: false), .init(name: "smsMessages", type: .u64, indexed: false), .init(name: "version", type: .uint(32), indexed: false), .init(name: "invoice", type: .uint256, indexed: false)])
        public static let CommitmentAccepted = ABIEvent(name: "CommitmentAccepted", parameters: [.init(name: "agreementId", type: .uint256, indexed: true), .init(name: "direction", type: .u8, indexed: true), .init(name: "period", type: .u64, indexed: true), .init(name: "version", type: .uint(32), indexed: false), .init(name: "byCourt", type: .bool, indexed: false)])
        public static let CommitmentVoided = ABIEvent(name: "CommitmentVoided", parameters: [.init(name: "agreementId", type: .uint256, indexed: true), .init(name: "direction", type: .u8, indexed: true), .init(name: "period", type: .u64, indexed: true), .init(name: "version", type: .uint(32), indexed: false), .init(name: "reason", type: .u8, indexed: false), .init(name: "leafIndex", type: .uint256, indexed: false), .init(name: "recommitDeadline", type: .u64, indexed: false)])
        public static let PeriodSettled = ABIEvent(name: "PeriodSettled", parameters: [.init(name: "agreementId", type: .uint256, indexed: true), .init(name: "period", type: .u64, indexed: true), .init(name: "payer", type: .address, indexed: true), .init(name: "payee", type: .address, indexed: false), .init(name: "invoiceAOnB", type: .uint256, indexed: false), .init(name: "invoiceBOnA", type: .uint256, indexed: false), .init(name: "net", type: .uint256, indexed: false)])
        public static let Deposited = ABIEvent(name: "Deposited", parameters: [.init(name: "account", type: .address, indexed: true), .init(name: "amount", type: .uint256, indexed: false)])
        public static let WithdrawalAnnounced = ABIEvent(name: "WithdrawalAnnounced", parameters: [.init(name: "account", type: .address, indexed: true), .init(name: "amount", type: .uint256, indexed: false), .init(name: "availableAt", type: .u64, indexed: false)])
        public static let DepositWithdrawn = ABIEvent(name: "DepositWithdrawn", parameters: [.init(name: "account", type: .address, indexed: true), .init(name: "receiver", type: .address, indexed: true), .init(name: "amount", type: .uint256, indexed: false)])
        public static let Credited = ABIEvent(name: "Credited", parameters: [.init(name: "payee", type: .address, indexed: true), .init(name: "amount", type: .uint256, indexed: false)])
        public static let Withdrawn = ABIEvent(name: "Withdrawn", parameters: [.init(name: "payee", type: .address, indexed: true), .init(name: "receiver", type: .address, indexed: true), .init(name: "amount", type: .uint256, indexed: false)])
        public static let Staked = ABIEvent(name: "Staked", parameters: [.init(name: "auditor", type: .address, indexed: true), .init(name: "amount", type: .uint256, indexed: false)])
        public static let Unstaked = ABIEvent(name: "Unstaked", parameters: [.init(name: "auditor", type: .address, indexed: true), .init(name: "amount", type: .uint256, indexed: false)])
        public static let CaseOpened = ABIEvent(name: "CaseOpened", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "agreementId", type: .uint256, indexed: true), .init(name: "opener", type: .address, indexed: true), .init(name: "direction", type: .u8, indexed: false), .init(name: "period", type: .u64, indexed: false), .init(name: "seedBlock", type: .uint256, indexed: false), .init(name: "fee", type: .uint256, indexed: false)])
        public static let SeedRefixed = ABIEvent(name: "SeedRefixed", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "seedBlock", type: .uint256, indexed: false)])
        public static let PanelDrawn = ABIEvent(name: "PanelDrawn", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "round", type: .u8, indexed: false), .init(name: "panel", type: .fixedArray(.address, 3), indexed: false), .init(name: "commitEnd", type: .u64, indexed: false), .init(name: "revealEnd", type: .u64, indexed: false)])
        public static let VoteCommitted = ABIEvent(name: "VoteCommitted", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "auditor", type: .address, indexed: true), .init(name: "round", type: .u8, indexed: false)])
        public static let VoteRevealed = ABIEvent(name: "VoteRevealed", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "auditor", type: .address, indexed: true), .init(name: "round", type: .u8, indexed: false), .init(name: "vote", type: .u8, indexed: false)])
        public static let Slashed = ABIEvent(name: "Slashed", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "auditor", type: .address, indexed: true), .init(name: "amount", type: .uint256, indexed: false)])
        public static let RoundTallied = ABIEvent(name: "RoundTallied", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "round", type: .u8, indexed: false), .init(name: "upholds", type: .uint256, indexed: false), .init(name: "voids", type: .uint256, indexed: false), .init(name: "verdict", type: .u8, indexed: false), .init(name: "objectionEnd", type: .u64, indexed: false)])
        public static let CaseAppealed = ABIEvent(name: "CaseAppealed", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "by", type: .address, indexed: true), .init(name: "round", type: .u8, indexed: false), .init(name: "seedBlock", type: .uint256, indexed: false), .init(name: "fee", type: .uint256, indexed: false)])
        public static let CaseExecuted = ABIEvent(name: "CaseExecuted", parameters: [.init(name: "caseId", type: .uint256, indexed: true), .init(name: "verdict", type: .u8, indexed: false)])
    }

    public static let events: [ABIEvent] = [
        Events.AgreementProposed, Events.AgreementAccepted, Events.AgreementTerminated, Events.RecordsCommitted, Events.CommitmentAccepted, Events.CommitmentVoided,
        Events.PeriodSettled, Events.Deposited, Events.WithdrawalAnnounced, Events.DepositWithdrawn, Events.Credited, Events.Withdrawn,
        Events.Staked, Events.Unstaked, Events.CaseOpened, Events.SeedRefixed, Events.PanelDrawn, Events.VoteCommitted,
        Events.VoteRevealed, Events.Slashed, Events.RoundTallied, Events.CaseAppealed, Events.CaseExecuted,
    ]

    /// `constructor(registry, token, commit_window, review_window, deposit_notice, min_stake, slash_bps,
    /// court_fee, draw_delay, vote_period, reveal_period, objection_period)`
    public static let constructor = ContractConstructor(inputs: [.address, .address] + Array(repeating: .uint256, count: 10))

    /// The constructor's parameters (seconds, token units, blocks for `drawDelay`).
    public struct Parameters: Sendable, Hashable {
        public var commitWindow: UInt64
        public var reviewWindow: UInt64
        public var depositNotice: UInt64
        public var minStake: UInt256
        public var slashBps: UInt64
        public var courtFee: UInt256
        public var drawDelay: UInt64
        public var votePeriod: UInt64
        public var revealPeriod: UInt64
        public var objectionPeriod: UInt64

        public init(commitWindow: UInt64, reviewWindow: UInt64, depositNotice: UInt64, minStake: UInt256, slashBps: UInt64,
                    courtFee: UInt256, drawDelay: UInt64, votePeriod: UInt64, revealPeriod: UInt64, objectionPeriod: UInt64) {
            self.commitWindow = commitWindow; self.reviewWindow = reviewWindow; self.depositNotice = depositNotice
            self.minStake = minStake; self.slashBps = slashBps; self.courtFee = courtFee; self.drawDelay = drawDelay
            self.votePeriod = votePeriod; self.revealPeriod = revealPeriod; self.objectionPeriod = objectionPeriod
        }

        /// A production-like default: 7 days to commit and to review, 30 days' deposit notice, 1,000
        /// token units (6 decimals: 1,000 × 10^6) staked per seat, 10 % slash, a 100-unit court fee,
        /// a 5-block draw delay, 3 days to vote and to reveal, 2 days to object.
        public static let standard = Parameters(
            commitWindow: 7 * 86_400, reviewWindow: 7 * 86_400, depositNotice: 30 * 86_400, minStake: UInt256(1_000_000_000),
            slashBps: 1_000, courtFee: UInt256(100_000_000), drawDelay: 5, votePeriod: 3 * 86_400, revealPeriod: 3 * 86_400,
            objectionPeriod: 2 * 86_400)
    }

    public static func deploymentData(bytecode: [UInt8], registry: Address, token: Address,
                                      parameters p: Parameters) throws(BindingError) -> [UInt8] {
        try constructor.deploymentData(bytecode: bytecode, arguments: [
            .address(registry), .address(token), .u64(p.commitWindow), .u64(p.reviewWindow), .u64(p.depositNotice), .u256(p.minStake),
            .u64(p.slashBps), .u256(p.courtFee), .u64(p.drawDelay), .u64(p.votePeriod), .u64(p.revealPeriod), .u64(p.objectionPeriod),
        ])
    }

    // MARK: Agreements

    /// An active MNO (party A) proposes terms to `partner` (party B); returns the agreement id
    /// (from a transaction, read `AgreementProposed`).
    public static func proposeAgreement(partner: Address, plmnSelf: PLMN, plmnPartner: PLMN, rates: Rates, start: UInt64,
                                        periodSeconds: UInt64) -> ContractCall<UInt256> {
        ContractCall(Functions.proposeAgreement, [
            .address(partner), .u24(plmnSelf.value), .u24(plmnPartner.value), .u64(rates.data), .u64(rates.voice), .u64(rates.sms),
            .u64(start), .u64(periodSeconds),
        ], decoder: Decode.uint256)
    }

    public static func acceptAgreement(_ id: UInt256) -> ContractCall<Void> { ContractCall(Functions.acceptAgreement, [.u256(id)]) }
    public static func terminateAgreement(_ id: UInt256) -> ContractCall<Void> { ContractCall(Functions.terminateAgreement, [.u256(id)]) }

    public static func agreements(_ id: UInt256) -> ContractCall<Agreement> {
        ContractCall(Functions.agreements, [.u256(id)]) { (v: [ABIValue]) throws(BindingError) in
            var r = ABIValueReader(values: v)
            var t = try r.tuple()
            return try Agreement(reader: &t)
        }
    }

    public static func agreementCount() -> ContractCall<UInt256> { ContractCall(Functions.agreementCount, [], decoder: Decode.uint256) }

    // MARK: Commitments

    public static func commitment(_ id: UInt256, _ direction: Direction, period: UInt64) -> ContractCall<Commitment> {
        ContractCall(Functions.commitment, [.u256(id), .u8(direction.rawValue), .u64(period)]) { (v: [ABIValue]) throws(BindingError) in
            var r = ABIValueReader(values: v)
            var t = try r.tuple()
            return try Commitment(reader: &t)
        }
    }

    /// The visited network commits the records of one ended period: Merkle root, count and totals.
    public static func commitRecords(_ id: UInt256, _ direction: Direction, period: UInt64, root: Hash32, count: UInt64,
                                     totals: ServiceTotals) -> ContractCall<Void> {
        ContractCall(Functions.commitRecords, [
            .u256(id), .u8(direction.rawValue), .u64(period), .b32(root), .u64(count), .u64(totals.dataMB), .u64(totals.voiceMinutes),
            .u64(totals.smsMessages),
        ])
    }

    public static func acceptCommitment(_ id: UInt256, _ direction: Direction, period: UInt64) -> ContractCall<Void> {
        ContractCall(Functions.acceptCommitment, [.u256(id), .u8(direction.rawValue), .u64(period)])
    }

    /// The home network voids a commitment by proving record `leafIndex` contradicts it.
    public static func disputeRecord(_ id: UInt256, _ direction: Direction, period: UInt64, record: Record, leafIndex: UInt64,
                                     proof: [Hash32]) -> ContractCall<Void> {
        ContractCall(Functions.disputeRecord, [
            .u256(id), .u8(direction.rawValue), .u64(period), .tuple(record.abiValues), .u64(leafIndex), .array(proof.map { .b32($0) }),
        ])
    }

    public static func settle(_ id: UInt256, period: UInt64) -> ContractCall<Void> { ContractCall(Functions.settle, [.u256(id), .u64(period)]) }

    public static func settled(_ id: UInt256, period: UInt64) -> ContractCall<Bool> {
        ContractCall(Functions.settled, [.u256(id), .u64(period)], decoder: Decode.bool)
    }

    // MARK: Deposits and payments

    public static func deposit(_ amount: UInt256) -> ContractCall<Void> { ContractCall(Functions.deposit, [.u256(amount)]) }
    public static func announceWithdrawal(_ amount: UInt256) -> ContractCall<Void> { ContractCall(Functions.announceWithdrawal, [.u256(amount)]) }
    public static func withdrawDeposit(receiver: Address) -> ContractCall<Void> { ContractCall(Functions.withdrawDeposit, [.address(receiver)]) }
    public static func withdraw(receiver: Address) -> ContractCall<Void> { ContractCall(Functions.withdraw, [.address(receiver)]) }
    public static func deposits(_ who: Address) -> ContractCall<UInt256> { ContractCall(Functions.deposits, [.address(who)], decoder: Decode.uint256) }
    public static func owed(_ who: Address) -> ContractCall<UInt256> { ContractCall(Functions.owed, [.address(who)], decoder: Decode.uint256) }
    public static func withdrawalAmount(_ who: Address) -> ContractCall<UInt256> {
        ContractCall(Functions.withdrawalAmount, [.address(who)], decoder: Decode.uint256)
    }
    public static func withdrawalAvailableAt(_ who: Address) -> ContractCall<UInt256> {
        ContractCall(Functions.withdrawalAvailableAt, [.address(who)], decoder: Decode.uint256)
    }

    // MARK: Auditors and court

    public static func stake(_ amount: UInt256) -> ContractCall<Void> { ContractCall(Functions.stake, [.u256(amount)]) }
    public static func unstake(_ amount: UInt256) -> ContractCall<Void> { ContractCall(Functions.unstake, [.u256(amount)]) }
    public static func stakes(_ who: Address) -> ContractCall<UInt256> { ContractCall(Functions.stakes, [.address(who)], decoder: Decode.uint256) }
    public static func lockedStake(_ who: Address) -> ContractCall<UInt256> {
        ContractCall(Functions.lockedStake, [.address(who)], decoder: Decode.uint256)
    }
    public static func auditorCount() -> ContractCall<UInt256> { ContractCall(Functions.auditorCount, [], decoder: Decode.uint256) }
    public static func auditorAt(_ index: UInt256) -> ContractCall<Address> {
        ContractCall(Functions.auditorAt, [.u256(index)], decoder: Decode.address)
    }
    public static func caseCount() -> ContractCall<UInt256> { ContractCall(Functions.caseCount, [], decoder: Decode.uint256) }

    /// The home network takes a commitment in review to the court; returns the case id (read `CaseOpened`).
    public static func openCase(_ id: UInt256, _ direction: Direction, period: UInt64) -> ContractCall<UInt256> {
        ContractCall(Functions.openCase, [.u256(id), .u8(direction.rawValue), .u64(period)], decoder: Decode.uint256)
    }

    public static func cases(_ caseId: UInt256) -> ContractCall<Case> {
        ContractCall(Functions.cases, [.u256(caseId)]) { (v: [ABIValue]) throws(BindingError) in
            var r = ABIValueReader(values: v)
            var t = try r.tuple()
            return try Case(reader: &t)
        }
    }

    public static func drawPanel(_ caseId: UInt256) -> ContractCall<Void> { ContractCall(Functions.drawPanel, [.u256(caseId)]) }

    /// keccak256(abi.encode(caseId, round, auditor, vote, salt)) as the contract computes it.
    public static func voteCommitment(_ caseId: UInt256, round: UInt8, auditor: Address, vote: Vote, salt: Hash32) -> ContractCall<Hash32> {
        ContractCall(Functions.voteCommitment, [.u256(caseId), .u8(round), .address(auditor), .u8(vote.rawValue), .b32(salt)],
                     decoder: Decode.bytes32)
    }

    /// The same hash computed locally (the commit-vote step does not need the node to know the vote).
    public static func computeVoteCommitment(_ caseId: UInt256, round: UInt8, auditor: Address, vote: Vote, salt: Hash32) -> Hash32 {
        var bytes = caseId.bigEndianBytes + UInt256(UInt64(round)).bigEndianBytes
        bytes += [UInt8](repeating: 0, count: 12) + auditor.bytes
        bytes += UInt256(UInt64(vote.rawValue)).bigEndianBytes + salt.bytes
        return Keccak256.hash(bytes)
    }

    public static func commitVote(_ caseId: UInt256, voteHash: Hash32) -> ContractCall<Void> {
        ContractCall(Functions.commitVote, [.u256(caseId), .b32(voteHash)])
    }

    public static func revealVote(_ caseId: UInt256, vote: Vote, salt: Hash32) -> ContractCall<Void> {
        ContractCall(Functions.revealVote, [.u256(caseId), .u8(vote.rawValue), .b32(salt)])
    }

    public static func tally(_ caseId: UInt256) -> ContractCall<Void> { ContractCall(Functions.tally, [.u256(caseId)]) }
    public static func appeal(_ caseId: UInt256) -> ContractCall<Void> { ContractCall(Functions.appeal, [.u256(caseId)]) }
    public static func execute(_ caseId: UInt256) -> ContractCall<Void> { ContractCall(Functions.execute, [.u256(caseId)]) }

    // MARK: Constants

    public static func VERSION() -> ContractCall<UInt256> { ContractCall(Functions.VERSION, [], decoder: Decode.uint256) }
    public static func REGISTRY() -> ContractCall<Address> { ContractCall(Functions.REGISTRY, [], decoder: Decode.address) }
    public static func TOKEN() -> ContractCall<Address> { ContractCall(Functions.TOKEN, [], decoder: Decode.address) }
    public static func COMMIT_WINDOW() -> ContractCall<UInt256> { ContractCall(Functions.COMMIT_WINDOW, [], decoder: Decode.uint256) }
    public static func REVIEW_WINDOW() -> ContractCall<UInt256> { ContractCall(Functions.REVIEW_WINDOW, [], decoder: Decode.uint256) }
    public static func MIN_STAKE() -> ContractCall<UInt256> { ContractCall(Functions.MIN_STAKE, [], decoder: Decode.uint256) }
    public static func COURT_FEE() -> ContractCall<UInt256> { ContractCall(Functions.COURT_FEE, [], decoder: Decode.uint256) }
    public static func DRAW_DELAY() -> ContractCall<UInt256> { ContractCall(Functions.DRAW_DELAY, [], decoder: Decode.uint256) }
}
