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
                let plans = connection.chain.contract(PlanEntitlements.self, at: try await Self.read { try await contract.call(UsageSettlement.ENTITLEMENTS()) })
                let ledger = try await Self.read { try await contract.currentLedger(entitlementId: id) }
                guard ledger.hasPendingBatch else { throw DisputeCommandError(.noPendingBatch, "entitlement #\(id) has no pending batch") }
                let terms = try await Self.read { try await plans.call(PlanEntitlements.settlementTerms(tokenId: id)) }
                guard terms.owner == signer.address else {
                    throw DisputeCommandError(.notOwner, "entitlement #\(id) belongs to \(terms.owner.checksummed), not \(signer.address.checksummed)")
                }
                let window = try await Self.read { try await contract.call(UsageSettlement.DISPUTE_WINDOW()) }
                let latest = try await Self.read { try await connection.client.getBlockByNumber(.latest) }
                if let now = latest?.timestamp, !(UInt256(now) < (try UInt256(ledger.pendingPostedAt) + window)) {
                    throw DisputeCommandError(.windowClosed, "the batch posted at \(ledger.pendingPostedAt) could be disputed for \(window) s; chain time is \(now)")
                }
                let evidence = try cdrFile != nil ? evidenceFromCDRs(id: id, ledger: ledger, terms: terms) : evidenceFromProof(ledger: ledger)
                guard let reason = DisputeRules.contradiction(evidence.cdr, index: evidence.index, entitlementId: id, ledger: ledger, terms: terms) else {
                    throw DisputeCommandError(.noContradiction, "CDR sequence \(evidence.cdr.sequence) (leaf \(evidence.index)) agrees with the batch")
                }
                let call = UsageSettlement.dispute(entitlementId: id, ledger: ledger, cdr: evidence.cdr, leafIndex: UInt256(evidence.index),
                                                   proof: evidence.proof)
                do { _ = try await contract.call(call, from: signer.address) } catch {
                    throw DisputeCommandError(.reverted, "dispute would revert: \(error)")
                }
                let sent = try await TransactionSubmitter(connection: connection, signer: signer, home: home)
                    .send(call, to: contract, label: "dispute entitlement #\(id)")
                let batchId = ledger.pendingBatchId(entitlementId: id)?.hex ?? ""
                return Report(entitlementId: id.description, batchId: batchId, leafIndex: evidence.index, reason: reason,
                              transaction: sent.hash.hex)
            }
            try output.emit(report) {
                "batch \(report.batchId) of entitlement #\(report.entitlementId) voided: leaf \(report.leafIndex), \(report.reason) (\(report.transaction))"
            }
        }
    }

    struct Evidence {
        let cdr: CDR
        let index: UInt64
        let proof: [Hash32]
    }

    /// The batch rebuilt from the CDR file: all its CDRs in file order, else those of this entitlement.
    func evidenceFromCDRs(id: UInt256, ledger: UsageSettlement.Ledger, terms: PlanEntitlements.SettlementTerms) throws -> Evidence {
        guard let path = cdrFile, let format = CDRFileFormat.infer(fromPath: path) else {
            throw DisputeCommandError(.input, "--cdr-file must end in .csv, .jsonl, .ndjson or .json")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw DisputeCommandError(.input, "cannot read \(path)") }
        let all: [CDR]
        do { all = try CDRParser().parse(Array(data), format: format) } catch { throw DisputeCommandError(.input, "\(path): \(error)") }
        let count = ledger.lastSeq - ledger.pendingFirstSeq + 1
        for candidate in [all, all.filter { $0.entitlementId == id }] where UInt64(candidate.count) == count {
            guard let tree = try? UsageMerkleTree(leaves: candidate.map(\.leaf)), tree.root == ledger.pendingRoot else { continue }
            for (index, cdr) in candidate.enumerated()
            where DisputeRules.contradiction(cdr, index: UInt64(index), entitlementId: id, ledger: ledger, terms: terms) != nil {
                let proof: [Hash32]
                do { proof = try tree.proof(index: index) } catch { throw DisputeCommandError(.input, "proof of leaf \(index): \(error)") }
                return Evidence(cdr: cdr, index: UInt64(index), proof: proof)
            }
            throw DisputeCommandError(.noContradiction, "every CDR of the batch (\(count)) agrees with it")
        }
        throw DisputeCommandError(.batchMismatch, "\(path) does not reproduce the pending batch (\(count) CDRs, root \(ledger.pendingRoot.hex))")
    }

    /// The operator's proof (`usage prove --json`), checked against the pending batch.
    func evidenceFromProof(ledger: UsageSettlement.Ledger) throws -> Evidence {
        guard let path = proofFile, let data = FileManager.default.contents(atPath: path) else {
            throw DisputeCommandError(.input, "cannot read --proof-file \(proofFile ?? "")")
        }
        var body = data
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let payload = object["payload"] as? [String: Any], let inner = payload["data"] {
            body = (try? JSONSerialization.data(withJSONObject: inner)) ?? data
        }
        let document: UsageProofDocument
        let cdr: CDR
        let proof: [Hash32]
        do {
            document = try JSONDecoder().decode(UsageProofDocument.self, from: body)
            cdr = try document.cdr.typed()
            proof = try document.typedProof()
        } catch {
            throw DisputeCommandError(.input, "\(path) is not a `usage prove --json` proof: \(error)")
        }
        let count = ledger.lastSeq - ledger.pendingFirstSeq + 1
        guard document.leafIndex < count,
              UsageMerkleTree.verify(root: ledger.pendingRoot, leaf: cdr.leaf, index: document.leafIndex, count: count, proof: proof) else {
            throw DisputeCommandError(.proofInvalid, "the proof's CDR is not leaf \(document.leafIndex) of the pending batch (root \(ledger.pendingRoot.hex))")
        }
        return Evidence(cdr: cdr, index: document.leafIndex, proof: proof)
    }

    /// A read; failures are `.rpc`.
    static func read<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw DisputeCommandError(.rpc, "\(error)") }
    }
}

/// UsageSettlement.dispute's contradiction rules, in its order.
enum DisputeRules {
    static func contradiction(_ cdr: CDR, index: UInt64, entitlementId: UInt256, ledger: UsageSettlement.Ledger,
                              terms: PlanEntitlements.SettlementTerms) -> String? {
        if cdr.entitlementId != entitlementId { return "wrong entitlement" }
        if cdr.sequence != ledger.pendingFirstSeq &+ index { return "wrong sequence" }
        if cdr.periodStart > cdr.periodEnd || UInt256(cdr.periodStart) < terms.start || terms.end < UInt256(cdr.periodEnd) { return "bad period" }
        if cdr.bytes > ledger.pendingBytes { return "units exceed batch" }
        if cdr.periodEnd > ledger.pendingPostedAt { return "after posting" }
        return nil
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
                let owed = try await UsageDisputeCommand.read { try await contract.call(UsageSettlement.owed(signer.address)) }
                guard owed != .zero else { return ["amount": "0"] }
                let target = receiver ?? signer.address
                let sent = try await TransactionSubmitter(connection: connection, signer: signer, home: home)
                    .send(UsageSettlement.withdraw(receiver: target), to: contract, label: "withdraw \(owed)")
                return ["amount": owed.description, "receiver": target.checksummed, "transaction": sent.hash.hex]
            }
            try output.emit(result) {
                result["transaction"].map { "withdrew \(result["amount"] ?? "") to \(result["receiver"] ?? "") (\($0))" } ?? "nothing owed"
            }
        }
    }
}
