// `openrsp usage dispute` (the entitlement owner voids a contradicted pending batch) and
// `openrsp withdraw` (any payee takes its UsageSettlement credit) — issue 15 item 5.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement
import UsageService

/// Failures of `usage dispute` and `withdraw` (codes 320–329, docs/CLI-ERRORS.md).
struct DisputeCommandError: KindedCommandError {
    let kind: Kind
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    enum Kind: Int, CLIErrorKind {
        case input = 320, noPendingBatch, notOwner, batchMismatch, proofInvalid, noContradiction, windowClosed, reverted, rpc

        var meaning: String {
            switch self {
            case .input: "usage dispute/withdraw: an argument, the CDR file or the proof file is invalid"
            case .noPendingBatch: "usage dispute: the entitlement has no pending batch; nothing was sent"
            case .notOwner: "usage dispute: the account does not own the entitlement; nothing was sent"
            case .batchMismatch: "usage dispute: the CDR file does not reproduce the pending batch's Merkle root; nothing was sent"
            case .proofInvalid: "usage dispute: the proof file's CDR is not a leaf of the pending batch; nothing was sent"
            case .noContradiction: "usage dispute: no CDR contradicts the pending batch; nothing was sent"
            case .windowClosed: "usage dispute: the dispute window of the pending batch is closed; nothing was sent"
            case .reverted: "usage dispute/withdraw: UsageSettlement refused the transaction (reason in the message)"
            case .rpc: "usage dispute/withdraw: a JSON-RPC call failed"
            }
        }
    }
}

/// `--settlement`: UsageSettlement overriding the deploy JSON.
struct SettlementAddressOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("UsageSettlement address (overrides the deploy JSON).", valueName: "address"))
    var settlement: String?
}

struct UsageDisputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispute", abstract: "Void the entitlement's pending usage batch by proving a contradicting CDR (entitlement owner).",
        discussion: """
            With --cdr-file (the batch's CDRs as the operator gave them, CSV or JSON lines) the command rebuilds the \
            batch's Merkle tree, checks that its root is the pending batch's root, finds the first CDR that contradicts \
            the batch the way UsageSettlement.dispute checks it (another entitlement, a sequence out of place, a period \
            outside the entitlement or reversed, more bytes than the batch, a period ending after the posting) and \
            submits it with its proof. With --proof-file (the JSON of `usage prove --json`, from the operator) it \
            submits that CDR and proof after checking them against the chain. Every check is made before anything is \
            signed; the account must own the entitlement and the dispute window must be open.
            """)

    @Option(name: .long, help: "Entitlement id.") var entitlement: String
    @Option(name: .customLong("cdr-file"), help: "The batch's CDRs (.csv, .jsonl).") var cdrFile: String?
    @Option(name: .customLong("proof-file"), help: "A proof from `usage prove --json` (the envelope or its data).") var proofFile: String?
    @OptionGroup var settlement: SettlementAddressOption
    @OptionGroup var chain: ChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if (cdrFile == nil) == (proofFile == nil) { throw ValidationError("give exactly one of --cdr-file and --proof-file") }
    }

    struct Report: Encodable {
        var entitlementId: String
        var batchId: String
        var leafIndex: UInt64
        var reason: String
        var transaction: String
    }

    func run() async throws {
        try await output.reportingErrors {
            let id: UInt256
            do { id = try UInt256(decimal: entitlement) } catch { throw DisputeCommandError(.input, "--entitlement: not a decimal number") }
            let home = DataDirectory.resolve()
            let signer = try account.signer(home: home)
            let report: Report = try await chain.withConnection(home: home, signing: true) { connection in
                let contract = try connection.contract(UsageSettlement.self, override: settlement.settlement)
                let plan: UsageDisputePlan
                do {
                    plan = try await UsageDispute.prepare(settlement: contract, entitlementId: id, disputer: signer.address, source: try source())
                } catch let error as EntitlementActionError { throw DisputeCommandError(error) }
                let sent = try await TransactionSubmitter(connection: connection, signer: signer, home: home)
                    .send(plan.transaction.call, to: contract, label: "dispute entitlement #\(id)")
                return Report(entitlementId: id.description, batchId: plan.batchId?.hex ?? "", leafIndex: plan.leafIndex, reason: plan.reason,
                              transaction: sent.hash.hex)
            }
            try output.emit(report) {
                "batch \(report.batchId) of entitlement #\(report.entitlementId) voided: leaf \(report.leafIndex), \(report.reason) (\(report.transaction))"
            }
        }
    }

    /// The evidence file: --cdr-file (format from its extension) or --proof-file.
    func source() throws -> UsageDisputeSource {
        if let path = cdrFile {
            guard let format = CDRFileFormat.infer(fromPath: path) else {
                throw DisputeCommandError(.input, "--cdr-file must end in .csv, .jsonl, .ndjson or .json")
            }
            guard let data = FileManager.default.contents(atPath: path) else { throw DisputeCommandError(.input, "cannot read \(path)") }
            return .cdrs(Array(data), format, name: path)
        }
        guard let path = proofFile, let data = FileManager.default.contents(atPath: path) else {
            throw DisputeCommandError(.input, "cannot read --proof-file \(proofFile ?? "")")
        }
        return .proof(Array(data), name: path)
    }
}

extension DisputeCommandError {
    /// The shared checks' refusal with this command's code.
    init(_ error: EntitlementActionError) {
        let kind: Kind = switch error.kind {
        case .input, .entitlementUnknown, .nothingOwed: .input
        case .noPendingBatch: .noPendingBatch
        case .notOwner: .notOwner
        case .batchMismatch: .batchMismatch
        case .proofInvalid: .proofInvalid
        case .noContradiction: .noContradiction
        case .windowClosed: .windowClosed
        case .refused: .reverted
        case .rpc: .rpc
        }
        self.init(kind, error.description)
    }
}

struct WithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw", abstract: "Take the tokens UsageSettlement credited to this account (refunds, MVNO and MNO shares).",
        discussion: """
            Settlements and closes only credit balances (`owed`); each payee — the user for refunds, the MVNO for \
            its margin, the MNO for its share — pulls its own. Prints nothing-owed (code 0) without sending when the \
            credit is zero. The operator-side `usage withdraw` does the same from the usage outbox.
            """)

    @Option(name: .long, help: "Receiver (default: the account's address).") var to: String?
    @OptionGroup var settlement: SettlementAddressOption
    @OptionGroup var chain: ChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let receiver: Address?
            do { receiver = try to.map { try Address(hex: $0) } } catch { throw DisputeCommandError(.input, "--to: \(error)") }
            let home = DataDirectory.resolve()
            let signer = try account.signer(home: home)
            let result: [String: String] = try await chain.withConnection(home: home, signing: true) { connection in
                let contract = try connection.contract(UsageSettlement.self, override: settlement.settlement)
                let prepared: (amount: UInt256, transaction: PreparedAction<Void>)
                do {
                    prepared = try await EntitlementActions.withdraw(settlement: contract, payee: signer.address, receiver: receiver)
                } catch let error as EntitlementActionError {
                    if error.kind == .nothingOwed { return ["amount": "0"] }
                    throw DisputeCommandError(error)
                }
                let (owed, target) = (prepared.amount, receiver ?? signer.address)
                let sent = try await TransactionSubmitter(connection: connection, signer: signer, home: home)
                    .send(prepared.transaction.call, to: contract, label: "withdraw \(owed)")
                return ["amount": owed.description, "receiver": target.checksummed, "transaction": sent.hash.hex]
            }
            try output.emit(result) {
                result["transaction"].map { "withdrew \(result["amount"] ?? "") to \(result["receiver"] ?? "") (\($0))" } ?? "nothing owed"
            }
        }
    }
}
