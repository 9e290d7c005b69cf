// `openrsp roaming agreement propose|accept|show`, `roaming deposit`, `roaming withdraw`,
// `roaming balance`: the terms two MNOs clear under and the money settlements are paid from.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement

struct RoamingAgreementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Bilateral agreements: propose (party A), accept (party B), show.",
        subcommands: [RoamingAgreementProposeCommand.self, RoamingAgreementAcceptCommand.self, RoamingAgreementShowCommand.self]
    )
}

/// An agreement as the commands print it.
struct RoamingAgreementDocument: Encodable {
    let agreementId: String
    let partyA: String
    let partyB: String
    let plmnA: String
    let plmnB: String
    let rateData: String
    let rateVoice: String
    let rateSms: String
    let start: UInt64
    let periodSeconds: UInt64
    let endPeriod: String
    let status: String

    init(id: UInt256, _ a: RoamingClearing.Agreement) {
        agreementId = id.description; partyA = a.partyA.checksummed; partyB = a.partyB.checksummed
        plmnA = a.plmnA.description; plmnB = a.plmnB.description
        rateData = String(a.rates.data); rateVoice = String(a.rates.voice); rateSms = String(a.rates.sms)
        start = a.start; periodSeconds = a.periodSeconds
        endPeriod = a.endPeriod == UInt64.max ? "none" : String(a.endPeriod)
        status = a.status == .active ? "active" : a.status == .proposed ? "proposed" : "none"
    }

    var human: String {
        """
        agreement \(agreementId) (\(status)): A \(partyA) (\(plmnA)), B \(partyB) (\(plmnB))
        rates: data \(rateData)/MB, voice \(rateVoice)/min, SMS \(rateSms)/msg (base units); periods of \(periodSeconds) s from \(start)\
        \(endPeriod == "none" ? "" : ", last period \(endPeriod) (exclusive)")
        """
    }
}

struct RoamingAgreementProposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "As an active MNO (party A), propose an agreement to --partner (party B).",
        discussion: """
            Rates are token base units per MB (data), per minute (voice) and per message (SMS); at least one is non-zero. \
            Periods of --period-seconds (3600 s to 366 days) start at --start (Unix seconds, not in the past; default: \
            the next full hour). Terms never change: the partner accepts them as they are.
            """)
    @Option(name: .long, help: ArgumentHelp("Party B's MNO address.", valueName: "address")) var partner: String
    @Option(name: .long, help: ArgumentHelp("Your PLMN (MCC-MNC).", valueName: "mcc-mnc")) var plmn: String
    @Option(name: .long, help: ArgumentHelp("The partner's PLMN (MCC-MNC).", valueName: "mcc-mnc")) var partnerPlmn: String
    @Option(name: .long, help: "Data rate, base units per MB.") var rateData: UInt64 = 0
    @Option(name: .long, help: "Voice rate, base units per minute.") var rateVoice: UInt64 = 0
    @Option(name: .long, help: "SMS rate, base units per message.") var rateSms: UInt64 = 0
    @Option(name: .long, help: "First period's start, Unix seconds (default: the next full hour of chain time).") var start: UInt64?
    @Option(name: .long, help: "Period length in seconds.") var periodSeconds: UInt64 = 30 * 86_400
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let agreement: RoamingAgreementDocument
        let transaction: SubmittedTransaction
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let partnerAddress = try parseAddress(partner, "--partner")
            guard let mine = RoamingClearing.PLMN(plmn), let theirs = RoamingClearing.PLMN(partnerPlmn) else {
                throw RoamingCommandError(.invalidArgument, "--plmn and --partner-plmn are MCC-MNC, e.g. 262-01")
            }
            let rates = RoamingClearing.Rates(data: rateData, voice: rateVoice, sms: rateSms)
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                var first = start ?? 0
                if start == nil { first = (try await ctx.chainTime() / 3600 + 1) * 3600 }
                let sent = try await ctx.send(RoamingClearing.proposeAgreement(partner: partnerAddress, plmnSelf: mine, plmnPartner: theirs, rates: rates,
                                                                               start: first, periodSeconds: periodSeconds),
                                              label: "roaming agreement propose to \(partnerAddress)")
                let id = try await proposedId(ctx, sent)
                return Document(agreement: RoamingAgreementDocument(id: id, try await ctx.agreement(id)), transaction: sent)
            }
            try output.emit(document) { document.agreement.human + "\n" + document.transaction.human }
        }
    }

    /// The id from the transaction's AgreementProposed log.
    private func proposedId(_ ctx: RoamingContext, _ sent: SubmittedTransaction) async throws -> UInt256 {
        let receipt = try await ctx.connection.client.getTransactionReceipt(sent.hash)
        guard let receipt else { throw ChainCommandError(.rpc, "no receipt for \(sent.hash.hex)") }
        do { return try TransactionOutcome(receipt: receipt).event(RoamingClearing.AgreementProposed.self, from: ctx.clearing.address).agreementId } catch {
            throw ChainCommandError(.rpc, "the proposal's AgreementProposed log: \(error)")
        }
    }
}

struct RoamingAgreementAcceptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept", abstract: "As party B, accept the proposed agreement ID as it is (read it first with `agreement show`).")
    @Argument(help: "Agreement id.") var agreement: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let id = try RoamingPeriodOptions.parseId(agreement)
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let sent = try await ctx.send(RoamingClearing.acceptAgreement(id), label: "roaming agreement accept \(id)")
                return RoamingAgreementProposeCommand.Document(agreement: RoamingAgreementDocument(id: id, try await ctx.agreement(id)), transaction: sent)
            }
            try output.emit(document) { document.agreement.human + "\n" + document.transaction.human }
        }
    }
}

struct RoamingAgreementShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show agreement ID's terms and state (no account needed).")
    @Argument(help: "Agreement id.") var agreement: String
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let id = try RoamingPeriodOptions.parseId(agreement)
            let document = try await options.withClearing(home: home, signer: nil) { ctx in
                RoamingAgreementDocument(id: id, try await ctx.agreement(id))
            }
            try output.emit(document) { document.human }
        }
    }
}

extension RoamingPeriodOptions {
    static func parseId(_ text: String) throws(RoamingCommandError) -> UInt256 {
        guard let id = try? UInt256(decimal: text), !id.isZero else {
            throw RoamingCommandError(.invalidArgument, "agreement id \(text): not a positive decimal id")
        }
        return id
    }
}

/// An account's money in the clearing contract.
struct RoamingBalanceDocument: Encodable {
    let account: String
    let deposit: String
    let owed: String
    let stake: String
    let lockedStake: String
    let withdrawalAnnounced: String
    let withdrawalAvailableAt: String

    static func read(_ ctx: RoamingContext, _ who: Address) async throws -> RoamingBalanceDocument {
        RoamingBalanceDocument(
            account: who.checksummed, deposit: try await ctx.read(RoamingClearing.deposits(who), "deposits").description,
            owed: try await ctx.read(RoamingClearing.owed(who), "owed").description,
            stake: try await ctx.read(RoamingClearing.stakes(who), "stakes").description,
            lockedStake: try await ctx.read(RoamingClearing.lockedStake(who), "lockedStake").description,
            withdrawalAnnounced: try await ctx.read(RoamingClearing.withdrawalAmount(who), "withdrawalAmount").description,
            withdrawalAvailableAt: try await ctx.read(RoamingClearing.withdrawalAvailableAt(who), "withdrawalAvailableAt").description)
    }

    var human: String {
        "\(account): deposit \(deposit), owed \(owed), stake \(stake) (locked \(lockedStake))"
            + (withdrawalAnnounced == "0" ? "" : ", withdrawal of \(withdrawalAnnounced) announced (available at \(withdrawalAvailableAt))")
    }
}

struct RoamingBalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance", abstract: "Deposit, credit owed, auditor stake and announced withdrawal of ADDRESS (or --account).")
    @Argument(help: "The address (default: the --account's).") var address: String?
    @Option(name: .long, help: ArgumentHelp("A keystore name or address in $OPENRSP_HOME/keystore.", valueName: "name|address"))
    var account: String?
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let who: Address
            switch (address, account) {
            case (let text?, nil): who = try parseAddress(text, "ADDRESS")
            case (nil, let name?): who = try AccountStore(home: home).find(name).address
            default: throw ChainCommandError(.invalidArgument, "give exactly one of ADDRESS, --account")
            }
            let document = try await options.withClearing(home: home, signer: nil) { ctx in try await RoamingBalanceDocument.read(ctx, who) }
            try output.emit(document) { document.human }
        }
    }
}

/// Approves the clearing contract for `amount` of the token if the allowance is short (one more persisted transaction).
func approveClearing(_ ctx: RoamingContext, amount: UInt256) async throws -> [SubmittedTransaction] {
    guard let me = ctx.me, let submitter = ctx.submitter else { return [] }
    let tokenAddress = try await ctx.read(RoamingClearing.TOKEN(), "TOKEN()")
    let token = ctx.connection.chain.contract(TestStablecoin.self, at: tokenAddress)
    let balance = try await tokenBalance(token, me)
    guard balance >= amount else {
        throw ChainCommandError(.tokenInsufficientBalance, "\(me) holds \(balance) base units of the token, below \(amount)")
    }
    let allowance: UInt256
    do { allowance = try await token.call(TestStablecoin.allowance(owner: me, spender: ctx.clearing.address)) } catch {
        throw ChainCommandError(.rpc, "allowance on \(tokenAddress): \(error)")
    }
    guard allowance < amount else { return [] }
    return [try await submitter.send(TestStablecoin.approve(spender: ctx.clearing.address, amount: amount), to: token,
                                     label: "token approve \(amount) to RoamingClearing")]
}

struct RoamingDepositCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deposit",
        abstract: "Add --amount to the --account's deposit (what its net settlements and court fees are paid from).",
        discussion: """
            Approves the clearing contract for the amount first if the token allowance is short. --announce-withdrawal \
            starts the notice period for taking AMOUNT out instead; --take-withdrawal takes the announced amount after it.
            """)
    @Option(name: .long, help: "Amount in base units.") var amount: String?
    @Flag(name: .long, help: "Announce the withdrawal of --amount from the deposit (starts the notice period).") var announceWithdrawal = false
    @Flag(name: .long, help: "Take the announced withdrawal (after the notice period) to the account.") var takeWithdrawal = false
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let balance: RoamingBalanceDocument
        let transactions: [SubmittedTransaction]
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            guard !(announceWithdrawal && takeWithdrawal) else {
                throw RoamingCommandError(.invalidArgument, "--announce-withdrawal and --take-withdrawal exclude each other")
            }
            let value: UInt256? = try amount.map { text throws(ChainCommandError) in try tokenAmount(text, "--amount") }
            if !takeWithdrawal {
                guard let value, !value.isZero else { throw RoamingCommandError(.invalidArgument, "--amount must be a positive amount") }
            }
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                var sent: [SubmittedTransaction] = []
                if takeWithdrawal {
                    sent.append(try await ctx.send(RoamingClearing.withdrawDeposit(receiver: signer.address), label: "roaming deposit take withdrawal"))
                } else if let value, announceWithdrawal {
                    sent.append(try await ctx.send(RoamingClearing.announceWithdrawal(value), label: "roaming deposit announce withdrawal \(value)"))
                } else if let value {
                    sent += try await approveClearing(ctx, amount: value)
                    sent.append(try await ctx.send(RoamingClearing.deposit(value), label: "roaming deposit \(value)"))
                }
                return Document(balance: try await RoamingBalanceDocument.read(ctx, signer.address), transactions: sent)
            }
            try output.emit(document) { (document.transactions.map(\.human) + [document.balance.human]).joined(separator: "\n") }
        }
    }
}

struct RoamingWithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw",
        abstract: "Take everything credited to the --account (net settlements, court rewards) to it or --to (pull payment).")
    @Option(name: .long, help: ArgumentHelp("Receiver (default: the account).", valueName: "address")) var to: String?
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let amount: String
        let receiver: String
        let transaction: SubmittedTransaction
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let signer = try account.signer(home: home)
            let receiver = try to.map { text throws(ChainCommandError) in try parseAddress(text, "--to") } ?? signer.address
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let owed = try await ctx.read(RoamingClearing.owed(signer.address), "owed")
                let sent = try await ctx.send(RoamingClearing.withdraw(receiver: receiver), label: "roaming withdraw \(owed) to \(receiver)")
                return Document(amount: owed.description, receiver: receiver.checksummed, transaction: sent)
            }
            try output.emit(document) { "withdrew \(document.amount) base units to \(document.receiver)\n" + document.transaction.human }
        }
    }
}
