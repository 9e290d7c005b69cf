// `openrsp roaming court open|draw|tally|appeal|execute|show` and `roaming auditor
// stake|unstake|commit-vote|reveal-vote`: the auditor court for what no single record decides.
// A panelist's vote and salt are written (0600) before the commitment is sent, so a crash never
// loses what the reveal needs, and a rerun commits the same hash.
import ArgumentParser
import EthereumCore
import Foundation
import RSPCrypto
import Settlement

struct RoamingCourtCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "court",
        abstract: "The auditor court: open (home network), draw, tally, appeal (losing party), execute, show.",
        discussion: """
            open takes the partner's commitment in review to the court (COURT_FEE from your deposit; the seed block is \
            DRAW_DELAY blocks ahead). Anyone draws the panel once the seed block is mined, tallies after the reveal \
            phase, and executes after the objection period. The randomness and its limits: docs/ROAMING.md.
            """,
        subcommands: [RoamingCourtOpenCommand.self, RoamingCourtStepCommand.self, RoamingCourtShowCommand.self]
    )
}

struct RoamingCaseDocument: Encodable {
    let caseId: String
    let agreementId: String
    let direction: String
    let period: UInt64
    let opener: String
    let state: String
    let round: UInt8
    let seedBlock: String
    let commitEnd: UInt64
    let revealEnd: UInt64
    let panel: [String]
    let votes: [String]
    let verdict: String
    let objectionEnd: UInt64
    let pot: String

    init(id: UInt256, _ c: RoamingClearing.Case) {
        caseId = id.description; agreementId = c.agreementId.description; direction = roamingDirectionName(c.direction); period = c.period
        opener = c.opener.checksummed; state = c.state.name; round = c.round; seedBlock = c.seedBlock.description
        commitEnd = c.commitEnd; revealEnd = c.revealEnd; panel = c.panel.map(\.checksummed)
        votes = zip(c.vote, c.voteHash).map { vote, hash in
            vote != 0 ? (RoamingClearing.Vote(rawValue: vote)?.name ?? "?") : hash == .zero ? "none" : "committed"
        }
        verdict = c.verdict == 0 ? "none" : (RoamingClearing.Vote(rawValue: c.verdict)?.name ?? "?")
        objectionEnd = c.objectionEnd; pot = c.pot.description
    }

    var human: String {
        "case \(caseId) (\(state), round \(round)): agreement \(agreementId) \(direction) period \(period), opened by \(opener)\n"
            + "panel: \(zip(panel, votes).map { "\($0) \($1)" }.joined(separator: ", "))\nverdict \(verdict), pot \(pot)"
    }

    static func read(_ ctx: RoamingContext, _ id: UInt256) async throws -> RoamingCaseDocument {
        let c = try await ctx.read(RoamingClearing.cases(id), "cases(\(id))")
        guard c.state != .none else { throw ChainCommandError(.roamingCourtState, "case \(id) does not exist") }
        return RoamingCaseDocument(id: id, c)
    }
}

struct RoamingCaseTransactionDocument: Encodable {
    let caseInfo: RoamingCaseDocument
    let transaction: SubmittedTransaction
}

func parseCaseId(_ text: String) throws(RoamingCommandError) -> UInt256 {
    guard let id = try? UInt256(decimal: text), !id.isZero else { throw RoamingCommandError(.invalidArgument, "case id \(text): not a positive decimal id") }
    return id
}

struct RoamingCourtOpenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open", abstract: "As the home network, take the partner's commitment of --agreement/--period to the court.")
    @OptionGroup var period: RoamingPeriodOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let (slot, _) = try await roamingSlot(ctx, period, me: signer.address, home: true)
                let sent = try await ctx.send(RoamingClearing.openCase(slot.agreementId, slot.direction, period: slot.period), label: "roaming court open \(slot)")
                let opened = try await roamingEvent(RoamingClearing.CaseOpened.self, ctx, sent)
                return RoamingCaseTransactionDocument(caseInfo: try await RoamingCaseDocument.read(ctx, opened.caseId), transaction: sent)
            }
            try output.emit(document) { document.caseInfo.human + "\n" + document.transaction.human }
        }
    }
}

/// draw, tally, appeal and execute: one transaction on a case each.
struct RoamingCourtStepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "One court step on CASE: draw (the panel), tally (after the reveal phase), appeal (the losing party), execute.",
        discussion: "Usage: openrsp roaming court step draw|tally|appeal|execute CASE --account A. Anyone may draw, tally and execute.")
    @Argument(help: "draw, tally, appeal or execute.") var step: String
    @Argument(help: "Case id.") var caseId: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let id = try parseCaseId(caseId)
            let call: ContractCall<Void>
            switch step {
            case "draw": call = RoamingClearing.drawPanel(id)
            case "tally": call = RoamingClearing.tally(id)
            case "appeal": call = RoamingClearing.appeal(id)
            case "execute": call = RoamingClearing.execute(id)
            default: throw RoamingCommandError(.invalidArgument, "step must be draw, tally, appeal or execute")
            }
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let sent = try await ctx.send(call, label: "roaming court \(step) \(id)")
                return RoamingCaseTransactionDocument(caseInfo: try await RoamingCaseDocument.read(ctx, id), transaction: sent)
            }
            try output.emit(document) { document.caseInfo.human + "\n" + document.transaction.human }
        }
    }
}

struct RoamingCourtShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show CASE: state, round, panel, votes, verdict (no account needed).")
    @Argument(help: "Case id.") var caseId: String
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try parseCaseId(caseId)
            let document = try await options.withClearing(home: DataDirectory.resolve(), signer: nil) { ctx in try await RoamingCaseDocument.read(ctx, id) }
            try output.emit(document) { document.human }
        }
    }
}

struct RoamingAuditorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auditor",
        abstract: "An auditor's steps: stake, unstake, commit-vote, reveal-vote.",
        subcommands: [RoamingAuditorStakeCommand.self, RoamingAuditorCommitVoteCommand.self, RoamingAuditorRevealVoteCommand.self]
    )
}

struct RoamingAuditorStakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stake",
        abstract: "Stake --amount of the token to serve on panels (at least MIN_STAKE free to be drawn); --unstake takes free stake back.")
    @Option(name: .long, help: "Amount in base units.") var amount: String
    @Flag(name: .long, help: "Take --amount of unlocked stake back instead.") var unstake = false
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let value = try tokenAmount(amount, "--amount")
            guard !value.isZero else { throw RoamingCommandError(.invalidArgument, "--amount must be positive") }
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                var sent: [SubmittedTransaction] = []
                if unstake {
                    sent.append(try await ctx.send(RoamingClearing.unstake(value), label: "roaming auditor unstake \(value)"))
                } else {
                    sent += try await approveClearing(ctx, amount: value)
                    sent.append(try await ctx.send(RoamingClearing.stake(value), label: "roaming auditor stake \(value)"))
                }
                return RoamingDepositCommand.Document(balance: try await RoamingBalanceDocument.read(ctx, signer.address), transactions: sent)
            }
            try output.emit(document) { (document.transactions.map(\.human) + [document.balance.human]).joined(separator: "\n") }
        }
    }
}

/// The vote and salt a panelist committed, kept until the reveal.
struct StoredVote: Codable {
    let caseId: String
    let round: UInt8
    let auditor: String
    let vote: UInt8
    let salt: String

    static func url(home: DataDirectory, caseId: UInt256, round: UInt8, auditor: Address) -> URL {
        home.url.appendingPathComponent("roaming/votes/case-\(caseId)-round-\(round)-\(auditor.checksummed).json")
    }

    static func read(_ url: URL) throws(RoamingCommandError) -> StoredVote? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = FileManager.default.contents(atPath: url.path), let v = try? JSONDecoder().decode(StoredVote.self, from: data) else {
            throw RoamingCommandError(.voteFile, "\(url.path) is not a stored vote")
        }
        return v
    }

    func write(_ url: URL) throws(RoamingCommandError) {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try SecureFileWriter.write(Array(try JSONEncoder().encode(self)), to: url, mode: 0o600)
        } catch { throw RoamingCommandError(.voteFile, "cannot write \(url.path): \(error)") }
    }
}

struct RoamingAuditorCommitVoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit-vote",
        abstract: "As a panelist of CASE, commit to --vote uphold|void (keccak256 of case, round, you, vote and a fresh salt).",
        discussion: """
            The vote and salt are written to $OPENRSP_HOME/roaming/votes (0600) before the commitment is sent; reveal-vote \
            reads them. A rerun for the same case and round reuses them (the same commitment), and refuses another --vote.
            """)
    @Argument(help: "Case id.") var caseId: String
    @Option(name: .long, help: "uphold (the commitment stands) or void.") var vote: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let caseId: String
        let round: UInt8
        let voteHash: String
        let transaction: SubmittedTransaction
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let id = try parseCaseId(caseId)
            guard let choice = RoamingClearing.Vote(name: vote) else { throw RoamingCommandError(.invalidArgument, "--vote must be uphold or void") }
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let c = try await ctx.read(RoamingClearing.cases(id), "cases(\(id))")
                guard c.state == .voting else { throw ChainCommandError(.roamingCourtState, "case \(id) is \(c.state.name), not voting") }
                let url = StoredVote.url(home: home, caseId: id, round: c.round, auditor: signer.address)
                var stored = try StoredVote.read(url)
                if let earlier = stored, earlier.vote != choice.rawValue {
                    throw RoamingCommandError(.voteFile, "you already committed to another vote in round \(c.round) of case \(id) (\(url.path))")
                }
                if stored == nil {
                    var rng = SystemRandomNumberGenerator()
                    let salt = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    stored = StoredVote(caseId: id.description, round: c.round, auditor: signer.address.checksummed, vote: choice.rawValue,
                                        salt: Hex.encode(salt))
                    try stored?.write(url)
                }
                guard let stored, let salt = try? Hash32(hex: stored.salt) else { throw RoamingCommandError(.voteFile, "\(url.path): bad salt") }
                let hash = RoamingClearing.computeVoteCommitment(id, round: c.round, auditor: signer.address, vote: choice, salt: salt)
                let sent = try await ctx.send(RoamingClearing.commitVote(id, voteHash: hash), label: "roaming auditor commit-vote case \(id) round \(c.round)")
                return Document(caseId: id.description, round: c.round, voteHash: hash.hex, transaction: sent)
            }
            try output.emit(document) { "committed a vote in case \(document.caseId) round \(document.round)\n" + document.transaction.human }
        }
    }
}

struct RoamingAuditorRevealVoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reveal-vote", abstract: "As a panelist of CASE, reveal the vote committed with commit-vote (between commitEnd and revealEnd).")
    @Argument(help: "Case id.") var caseId: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let id = try parseCaseId(caseId)
            let signer = try account.signer(home: home)
            let document = try await options.withClearing(home: home, signer: signer) { ctx in
                let c = try await ctx.read(RoamingClearing.cases(id), "cases(\(id))")
                let url = StoredVote.url(home: home, caseId: id, round: c.round, auditor: signer.address)
                guard let stored = try StoredVote.read(url), let vote = RoamingClearing.Vote(rawValue: stored.vote),
                      let salt = try? Hash32(hex: stored.salt) else {
                    throw RoamingCommandError(.voteFile, "no stored vote for case \(id) round \(c.round) at \(url.path)")
                }
                let sent = try await ctx.send(RoamingClearing.revealVote(id, vote: vote, salt: salt), label: "roaming auditor reveal-vote case \(id)")
                return RoamingCaseTransactionDocument(caseInfo: try await RoamingCaseDocument.read(ctx, id), transaction: sent)
            }
            try output.emit(document) { document.caseInfo.human + "\n" + document.transaction.human }
        }
    }
}
