// The entitlement owner's settlement actions (docs/PORTAL.md): the portal checks each against the chain
// with the CLI's own code (UsageService: UsageDispute, EntitlementActions) and answers the transaction
// `{from, to, data}`; the browser's wallet signs and sends it (eth_sendTransaction). The portal signs nothing.
//   POST /api/entitlements/{id}/dispute {from, evidence: "proof"|"cdrs", format?: "jsonl"|"csv", content}
//   POST /api/entitlements/{id}/cancel  {from}
//   POST /api/entitlements/{id}/close   {from}
//   POST /api/withdraw                  {from}
import EthereumCore
import Foundation
import Hummingbird
import Settlement
import SMDPServer
import UsageService

struct PortalActions: Sendable {
    let state: PortalState
    /// Largest dispute body: a batch's CDR file (about 200 bytes a CDR as JSON lines) or a proof.
    static let maxDisputeBodyBytes = 1 << 20

    struct AccountRequest: Decodable { let from: String }
    struct DisputeRequest: Decodable {
        let from: String
        /// "proof" (`openrsp usage prove --json`) or "cdrs" (the batch's CDR file).
        let evidence: String
        /// For "cdrs": "jsonl" (default) or "csv".
        let format: String?
        let content: String
    }
    /// A transaction for the wallet's eth_sendTransaction.
    struct Transaction: Encodable {
        let from: String
        let to: String
        let data: String
    }
    struct DisputeAnswer: Encodable {
        let transaction: Transaction
        let batchId: String
        let leafIndex: UInt64
        let sequence: UInt64
        let reason: String
    }
    struct ActionAnswer: Encodable { let transaction: Transaction }
    struct WithdrawAnswer: Encodable {
        let transaction: Transaction
        /// Base units, and with the token's decimals and symbol.
        let amount: String
        let amountText: String
    }

    func register(on router: Router<SMDPRequestContext>) {
        router.post("/api/entitlements/:id/dispute") { request, context -> Response in
            await PortalPurchaseAPI.answer(context) { try await dispute(request, context) }
        }
        router.post("/api/entitlements/:id/cancel") { request, context -> Response in
            await PortalPurchaseAPI.answer(context) { try await cancel(request, context) }
        }
        router.post("/api/entitlements/:id/close") { request, context -> Response in
            await PortalPurchaseAPI.answer(context) { try await close(request, context) }
        }
        router.post("/api/withdraw") { request, context -> Response in
            await PortalPurchaseAPI.answer(context) { try await withdraw(request, context) }
        }
    }

    func settlement() async throws -> Contract<UsageSettlement> {
        let plans = state.configuration.plans
        do { return plans.chain.contract(UsageSettlement.self, at: try await plans.call(PlanEntitlements.settlement())) } catch {
            throw PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
    }

    static func account(_ text: String) throws -> Address {
        guard text.count <= 42, let value = try? Address(hex: text) else { throw PortalError(.badRequest, "from is not an address.") }
        return value
    }

    static func transaction(_ prepared: PreparedAction<Void>, from: Address) -> Transaction {
        Transaction(from: from.checksummed, to: prepared.to.checksummed, data: Hex.encode(prepared.data, prefix: true))
    }

    func dispute(_ request: Request, _ context: SMDPRequestContext) async throws -> DisputeAnswer {
        let id = try PortalPages.id(context, "entitlement")
        let input = try await PortalPurchaseAPI(state: state).body(request, DisputeRequest.self, limit: Self.maxDisputeBodyBytes)
        let from = try Self.account(input.from)
        let bytes = Array(input.content.utf8)
        guard !bytes.isEmpty else { throw PortalError(.evidenceInvalid, "Paste or choose the proof or the batch's CDR file.") }
        let source: UsageDisputeSource
        switch (input.evidence, input.format ?? "jsonl") {
        case ("proof", _): source = .proof(bytes, name: "the proof")
        case ("cdrs", let format):
            guard let parsed = CDRFileFormat(rawValue: format) else { throw PortalError(.evidenceInvalid, "format is jsonl or csv.") }
            source = .cdrs(bytes, parsed, name: "the CDR file")
        default: throw PortalError(.evidenceInvalid, "evidence is proof or cdrs.")
        }
        let plan: UsageDisputePlan
        do { plan = try await UsageDispute.prepare(settlement: try await settlement(), entitlementId: id, disputer: from, source: source) } catch {
            throw Self.refusal(error)
        }
        context.logger.info("portal dispute prepared", metadata: ["entitlement": "\(id)", "leaf": "\(plan.leafIndex)", "reason": "\(plan.reason)"])
        return DisputeAnswer(transaction: Self.transaction(plan.transaction, from: from), batchId: plan.batchId?.hex ?? "",
                             leafIndex: plan.leafIndex, sequence: plan.cdr.sequence, reason: plan.reason)
    }

    func cancel(_ request: Request, _ context: SMDPRequestContext) async throws -> ActionAnswer {
        let id = try PortalPages.id(context, "entitlement")
        let from = try Self.account(try await PortalPurchaseAPI(state: state).body(request, AccountRequest.self).from)
        do {
            let prepared = try await EntitlementActions.cancel(plans: state.configuration.plans, entitlementId: id, owner: from)
            return ActionAnswer(transaction: Self.transaction(prepared, from: from))
        } catch { throw Self.refusal(error) }
    }

    func close(_ request: Request, _ context: SMDPRequestContext) async throws -> ActionAnswer {
        let id = try PortalPages.id(context, "entitlement")
        let from = try Self.account(try await PortalPurchaseAPI(state: state).body(request, AccountRequest.self).from)
        do {
            let prepared = try await EntitlementActions.close(settlement: try await settlement(), entitlementId: id, from: from)
            return ActionAnswer(transaction: Self.transaction(prepared, from: from))
        } catch { throw Self.refusal(error) }
    }

    func withdraw(_ request: Request, _ context: SMDPRequestContext) async throws -> WithdrawAnswer {
        let from = try Self.account(try await PortalPurchaseAPI(state: state).body(request, AccountRequest.self).from)
        do {
            let (amount, prepared) = try await EntitlementActions.withdraw(settlement: try await settlement(), payee: from)
            return WithdrawAnswer(transaction: Self.transaction(prepared, from: from), amount: amount.description, amountText: state.price(amount))
        } catch { throw Self.refusal(error) }
    }

    /// The shared checks' refusal as the portal's public error: fixed texts and the contract's own revert
    /// reason (public, from its source); the detail (files, RPC errors) only in the log.
    static func refusal(_ error: any Error) -> PortalError {
        if let error = error as? PortalError { return error }
        guard let error = error as? EntitlementActionError else {
            return PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: "\(error)")
        }
        let detail = error.description
        return switch error.kind {
        case .input: PortalError(.evidenceInvalid, "The evidence is neither a `usage prove --json` proof nor a CDR file (CSV or JSON lines).", detail: detail)
        case .entitlementUnknown: PortalError(.notFound, "No such entitlement.", detail: detail)
        case .noPendingBatch: PortalError(.nothingToDispute, "This entitlement has no pending usage batch.", detail: detail)
        case .notOwner: PortalError(.notOwner, "The connected wallet does not own this entitlement.", detail: detail)
        case .batchMismatch: PortalError(.evidenceMismatch, "The CDR file does not reproduce the pending batch (its Merkle root differs).", detail: detail)
        case .proofInvalid: PortalError(.evidenceMismatch, "The proof's CDR is not a leaf of the pending batch.", detail: detail)
        case .noContradiction: PortalError(.noContradiction, "No CDR of the evidence contradicts the pending batch.", detail: detail)
        case .windowClosed: PortalError(.disputeWindowClosed, "The dispute window of the pending batch is over.", detail: detail)
        case .nothingOwed: PortalError(.nothingOwed, "UsageSettlement owes the connected wallet nothing.", detail: detail)
        case .refused:
            PortalError(.actionRefused, "The contract refuses it: \(error.revert.map(PortalPurchaseAPI.reason) ?? "the contract refused it").",
                        detail: detail)
        case .rpc: PortalError(.chainUnavailable, "The chain does not answer; try again shortly.", detail: detail)
        }
    }
}
