// Disputing a pending usage batch (UsageSettlement.dispute), shared by `openrsp usage dispute` and the
// portal: the evidence (a CDR of the batch with its Merkle proof) is taken from the batch's CDR file or
// from a `usage prove --json` proof, checked against the chain exactly as the contract checks it, and
// only then turned into the transaction. Nothing here signs or sends.
import EthereumCore
import EthereumRPC
import Foundation
import Settlement

/// Why a dispute, cancel, close or withdrawal is refused before anything is signed (nothing changes).
public struct EntitlementActionError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The CDR file or proof document is unreadable, or an argument is invalid.
        case input
        /// No entitlement with this id.
        case entitlementUnknown
        /// The entitlement has no pending usage batch.
        case noPendingBatch
        /// The account does not own the entitlement.
        case notOwner
        /// The CDR file does not reproduce the pending batch's Merkle root.
        case batchMismatch
        /// The proof's CDR is not a leaf of the pending batch.
        case proofInvalid
        /// The evidence agrees with the batch.
        case noContradiction
        /// The pending batch's dispute window is over.
        case windowClosed
        /// The account has no credit in UsageSettlement.
        case nothingOwed
        /// The contract refuses the transaction (`revert`); simulated, not sent.
        case refused
        /// A JSON-RPC call failed.
        case rpc
    }

    public let kind: Kind
    /// For logs and the CLI; may name files and RPC details.
    public let description: String
    /// The contract's typed reason when `kind == .refused`.
    public let revert: ContractRevert?

    public init(_ kind: Kind, _ description: String, revert: ContractRevert? = nil) {
        self.kind = kind; self.description = description; self.revert = revert
    }

    /// A failed read or simulation: a revert is `.refused` with its reason, anything else `.rpc`.
    static func from(_ error: ContractError, _ what: String) -> EntitlementActionError {
        switch error {
        case .reverted(let r), .transactionFailed(_, let r?): EntitlementActionError(.refused, "\(what): \(r)", revert: r)
        default: EntitlementActionError(.rpc, "\(what): \(error)")
        }
    }

    /// Runs a chain read; its failures become `from(_:_:)`.
    static func read<T>(_ what: String, _ body: () async throws(ContractError) -> T) async throws(EntitlementActionError) -> T {
        do { return try await body() } catch { throw from(error, what) }
    }
}

/// A checked transaction for the account to sign: `call` on the contract at `to`.
public struct PreparedAction<Output: Sendable>: Sendable {
    public let to: Address
    public let call: ContractCall<Output>

    /// The transaction's `data`.
    public var data: [UInt8] { (try? call.calldata()) ?? [] }
}

/// UsageSettlement.dispute's contradiction rules, in its order; nil when the CDR agrees with the batch.
public enum UsageDisputeRules {
    public static func contradiction(_ cdr: CDR, index: UInt64, entitlementId: UInt256, ledger: UsageSettlement.Ledger,
                                     terms: PlanEntitlements.SettlementTerms) -> String? {
        if cdr.entitlementId != entitlementId { return "wrong entitlement" }
        if cdr.sequence != ledger.pendingFirstSeq &+ index { return "wrong sequence" }
        if cdr.periodStart > cdr.periodEnd || UInt256(cdr.periodStart) < terms.start || terms.end < UInt256(cdr.periodEnd) { return "bad period" }
        if cdr.bytes > ledger.pendingBytes { return "units exceed batch" }
        if cdr.periodEnd > ledger.pendingPostedAt { return "after posting" }
        return nil
    }
}

/// What the disputer brings: the batch's CDR file, or one CDR with its proof (`usage prove --json`).
public enum UsageDisputeSource: Sendable {
    /// The CDR file's bytes, its format and a name for messages.
    case cdrs([UInt8], CDRFileFormat, name: String)
    /// The proof document's bytes (the `--json` envelope or its data) and a name for messages.
    case proof([UInt8], name: String)
}

/// A checked dispute: the contradicting CDR, its leaf index, why it contradicts, and the transaction.
public struct UsageDisputePlan: Sendable {
    public let entitlementId: UInt256
    public let batchId: Hash32?
    public let cdr: CDR
    public let leafIndex: UInt64
    public let proof: [Hash32]
    public let reason: String
    public let transaction: PreparedAction<Void>
}

public enum UsageDispute {
    /// Checks everything UsageSettlement.dispute checks, from `disputer`'s point of view, and simulates the
    /// call from it: a pending batch, the disputer owns the entitlement, the window is open, the evidence
    /// is a leaf of the pending batch and contradicts it. Throws the first failed check; sends nothing.
    public static func prepare(settlement: Contract<UsageSettlement>, entitlementId id: UInt256, disputer: Address,
                               source: UsageDisputeSource) async throws(EntitlementActionError) -> UsageDisputePlan {
        let plansAddress = try await EntitlementActionError.read("ENTITLEMENTS()") { () async throws(ContractError) in
            try await settlement.call(UsageSettlement.ENTITLEMENTS())
        }
        let plans = settlement.chain.contract(PlanEntitlements.self, at: plansAddress)
        let ledger = try await EntitlementActionError.read("ledger of #\(id)") { () async throws(ContractError) in
            try await settlement.currentLedger(entitlementId: id)
        }
        guard ledger.hasPendingBatch else { throw EntitlementActionError(.noPendingBatch, "entitlement #\(id) has no pending batch") }
        let terms = try await EntitlementActionError.read("settlementTerms(#\(id))") { () async throws(ContractError) in
            try await plans.call(PlanEntitlements.settlementTerms(tokenId: id))
        }
        guard terms.owner == disputer else {
            throw EntitlementActionError(.notOwner, "entitlement #\(id) belongs to \(terms.owner.checksummed), not \(disputer.checksummed)")
        }
        let window = try await EntitlementActionError.read("DISPUTE_WINDOW()") { () async throws(ContractError) in
            try await settlement.call(UsageSettlement.DISPUTE_WINDOW())
        }
        let latest: Block?
        do { latest = try await settlement.chain.client.getBlockByNumber(.latest) } catch {
            throw EntitlementActionError(.rpc, "latest block: \(error)")
        }
        if let now = latest?.timestamp, let closes = try? UInt256(ledger.pendingPostedAt) + window, !(UInt256(now) < closes) {
            throw EntitlementActionError(.windowClosed, "the batch posted at \(ledger.pendingPostedAt) could be disputed for \(window) s; chain time is \(now)")
        }
        let evidence: Evidence
        switch source {
        case .cdrs(let bytes, let format, let name):
            evidence = try Evidence.fromCDRs(bytes, format: format, name: name, entitlementId: id, ledger: ledger, terms: terms)
        case .proof(let bytes, let name):
            evidence = try Evidence.fromProof(bytes, name: name, ledger: ledger)
        }
        guard let reason = UsageDisputeRules.contradiction(evidence.cdr, index: evidence.index, entitlementId: id, ledger: ledger, terms: terms) else {
            throw EntitlementActionError(.noContradiction, "CDR sequence \(evidence.cdr.sequence) (leaf \(evidence.index)) agrees with the batch")
        }
        let call = UsageSettlement.dispute(entitlementId: id, ledger: ledger, cdr: evidence.cdr, leafIndex: UInt256(evidence.index),
                                           proof: evidence.proof)
        do { _ = try await settlement.call(call, from: disputer) } catch { throw EntitlementActionError.from(error, "dispute would revert") }
        return UsageDisputePlan(entitlementId: id, batchId: ledger.pendingBatchId(entitlementId: id), cdr: evidence.cdr,
                                leafIndex: evidence.index, proof: evidence.proof, reason: reason,
                                transaction: PreparedAction(to: settlement.address, call: call))
    }

    /// A CDR of the pending batch with its Merkle proof.
    public struct Evidence: Sendable {
        public let cdr: CDR
        public let index: UInt64
        public let proof: [Hash32]

        /// The batch rebuilt from the CDR file (all its CDRs in file order, else those of this entitlement) and
        /// its first CDR that contradicts the batch.
        public static func fromCDRs(_ bytes: [UInt8], format: CDRFileFormat, name: String, entitlementId id: UInt256,
                                    ledger: UsageSettlement.Ledger, terms: PlanEntitlements.SettlementTerms) throws(EntitlementActionError) -> Evidence {
            let all: [CDR]
            do { all = try CDRParser().parse(bytes, format: format) } catch { throw EntitlementActionError(.input, "\(name): \(error)") }
            let count = ledger.lastSeq - ledger.pendingFirstSeq + 1
            for candidate in [all, all.filter { $0.entitlementId == id }] where UInt64(candidate.count) == count {
                guard let tree = try? UsageMerkleTree(leaves: candidate.map(\.leaf)), tree.root == ledger.pendingRoot else { continue }
                for (index, cdr) in candidate.enumerated()
                where UsageDisputeRules.contradiction(cdr, index: UInt64(index), entitlementId: id, ledger: ledger, terms: terms) != nil {
                    let proof: [Hash32]
                    do { proof = try tree.proof(index: index) } catch { throw EntitlementActionError(.input, "proof of leaf \(index): \(error)") }
                    return Evidence(cdr: cdr, index: UInt64(index), proof: proof)
                }
                throw EntitlementActionError(.noContradiction, "every CDR of the batch (\(count)) agrees with it")
            }
            throw EntitlementActionError(.batchMismatch, "\(name) does not reproduce the pending batch (\(count) CDRs, root \(ledger.pendingRoot.hex))")
        }

        /// The operator's proof (`usage prove --json`: the envelope or its data), checked against the pending batch.
        public static func fromProof(_ bytes: [UInt8], name: String, ledger: UsageSettlement.Ledger) throws(EntitlementActionError) -> Evidence {
            var body = Data(bytes)
            if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
               let payload = object["payload"] as? [String: Any], let inner = payload["data"],
               let data = try? JSONSerialization.data(withJSONObject: inner) {
                body = data
            }
            let document: UsageProofDocument
            let cdr: CDR
            let proof: [Hash32]
            do {
                document = try JSONDecoder().decode(UsageProofDocument.self, from: body)
                cdr = try document.cdr.typed()
                proof = try document.typedProof()
            } catch {
                throw EntitlementActionError(.input, "\(name) is not a `usage prove --json` proof: \(error)")
            }
            let count = ledger.lastSeq - ledger.pendingFirstSeq + 1
            guard document.leafIndex < count,
                  UsageMerkleTree.verify(root: ledger.pendingRoot, leaf: cdr.leaf, index: document.leafIndex, count: count, proof: proof) else {
                throw EntitlementActionError(.proofInvalid, "the proof's CDR is not leaf \(document.leafIndex) of the pending batch (root \(ledger.pendingRoot.hex))")
            }
            return Evidence(cdr: cdr, index: document.leafIndex, proof: proof)
        }
    }
}
