// `openrsp entitlement list|show|cancel` for the owner (issue 15 item 4).
import ArgumentParser
import EthereumCore
import Foundation
import Settlement
import UsageService

struct EntitlementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entitlement",
        abstract: "Entitlements bought on PlanEntitlements: list and show (anyone), cancel (owner).",
        discussion: "Chain options as for `openrsp plan`.",
        subcommands: [EntitlementListCommand.self, EntitlementShowCommand.self, EntitlementCancelCommand.self, EntitlementCloseCommand.self,
                      EntitlementProfileStatusCommand.self]
    )
}

/// One entitlement as printed (`--json` data).
struct EntitlementDocument: Encodable {
    var id: String
    var planId: String
    var owner: String
    var status: String
    var start: String
    var end: String
    var commitment: String
    var delivered: Bool
    /// Whether `isLive(id, commitment)` holds now.
    var live: Bool

    init(id: UInt256, _ e: PlanEntitlements.Entitlement, delivered: Bool, live: Bool) {
        self.id = id.description
        planId = e.planId.description
        owner = e.owner.checksummed
        switch e.status {
        case .none: status = "none"
        case .active: status = "active"
        case .expired: status = "expired"
        case .cancelled: status = "cancelled"
        }
        start = e.start.description
        end = e.end.description
        commitment = e.commitment.hex
        self.delivered = delivered
        self.live = live
    }

    var human: String {
        "entitlement #\(id) (plan #\(planId)): \(status)\(live ? ", live" : ""), \(delivered ? "delivered" : "not delivered"), "
            + "from \(start) to \(end), owner \(owner)"
    }

    /// Reads entitlement `id`; `entitlementUnknown` if it does not exist.
    static func load(_ id: UInt256, on session: PlanChain) async throws -> (PlanEntitlements.Entitlement, EntitlementDocument) {
        let record = try await session.call(session.plans, PlanEntitlements.entitlement(tokenId: id))
        guard record.status != .none else { throw PlanCommandError.entitlementUnknown("no entitlement #\(id)") }
        let delivered = try await session.call(session.plans, PlanEntitlements.deliveryTerms(tokenId: id)).delivered
        let live = try await session.call(session.plans, PlanEntitlements.isLive(tokenId: id, commitment: record.commitment))
        return (record, EntitlementDocument(id: id, record, delivered: delivered, live: live))
    }
}

struct EntitlementListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the entitlements an address owns (reads ids 1 … lastId; linear in the number sold).")

    @Option(name: .long, help: "Owner address (default: the address of --account; no password needed).") var owner: String?
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let address: Address
            if let owner {
                address = try PlanNames.address(owner, "--owner")
            } else if let name = account.account {
                address = try AccountStore(home: DataDirectory.resolve()).find(name).address
            } else {
                throw PlanCommandError.input("give --owner ADDRESS or --account NAME|ADDRESS")
            }
            let documents: [EntitlementDocument] = try await chain.with { session in
                let last = try await session.call(session.plans, PlanEntitlements.lastId())
                var rows: [EntitlementDocument] = []
                var id = UInt256(1)
                while !(last < id) {
                    let record = try await session.call(session.plans, PlanEntitlements.entitlement(tokenId: id))
                    if record.owner == address, record.status != .none {
                        rows.append(try await EntitlementDocument.load(id, on: session).1)
                    }
                    id = try id + 1
                }
                return rows
            }
            try output.emit(documents) { documents.isEmpty ? "no entitlements of \(address.checksummed)" : documents.map(\.human).joined(separator: "\n") }
        }
    }
}

struct EntitlementShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one entitlement.")

    @Argument(help: "Entitlement id.") var entitlement: String
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try PlanNames.uint(entitlement, "ENTITLEMENT")
            let document = try await chain.with { try await EntitlementDocument.load(id, on: $0).1 }
            try output.emit(document) { document.human }
        }
    }
}

struct EntitlementCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "End an entitlement early (owner; plans with refund rule at-expiry-or-cancel).",
        discussion: "The unused part is refunded when the entitlement is settled (UsageSettlement). Checked before sending: the signer owns it.")

    @Argument(help: "Entitlement id.") var entitlement: String
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try PlanNames.uint(entitlement, "ENTITLEMENT")
            let transaction = try await chain.with(account: account) { session in
                let prepared: PreparedAction<Void>
                do {
                    prepared = try await EntitlementActions.cancel(plans: session.plans, entitlementId: id, owner: try session.signer)
                } catch let error as EntitlementActionError { throw PlanCommandError(error) }
                return try await session.send(session.plans, prepared.call, label: "cancel #\(id)")
                    .receipt.transactionHash
            }
            try output.emit(["entitlementId": id.description, "transaction": transaction.hex]) { "entitlement #\(id) cancelled (\(transaction.hex))" }
        }
    }
}

struct EntitlementCloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Close an ended entitlement in UsageSettlement: the rest of its escrow is credited (anyone may send it).",
        discussion: """
            Allowed after the entitlement's end plus the posting grace (or, if never delivered, after its activation \
            deadline) with no usage batch pending. The unused escrow is credited to the owner (refund) or, for plans \
            without refunds, to the MNO and MVNO; each then takes it with `openrsp withdraw`. The ledger is read from \
            the contract's LedgerUpdated logs.
            """)

    @Argument(help: "Entitlement id.") var entitlement: String
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try PlanNames.uint(entitlement, "ENTITLEMENT")
            let result: [String: String] = try await chain.with(account: account) { session in
                let address = try await session.call(session.plans, PlanEntitlements.settlement())
                let settlement = session.chain.contract(UsageSettlement.self, at: address)
                let prepared: PreparedAction<Void>
                do {
                    prepared = try await EntitlementActions.close(settlement: settlement, entitlementId: id, from: try session.signer)
                } catch let error as EntitlementActionError { throw PlanCommandError(error) }
                let outcome = try await session.send(settlement, prepared.call, label: "close #\(id)")
                let closed: UsageSettlement.EntitlementClosed
                do { closed = try settlement.event(UsageSettlement.EntitlementClosed.self, in: outcome) } catch { throw PlanCommandError.contract(error) }
                return ["entitlementId": id.description, "refunded": closed.refunded.description, "toMno": closed.toMno.description,
                        "toMvno": closed.toMvno.description, "transaction": outcome.receipt.transactionHash.hex]
            }
            try output.emit(result) {
                "entitlement #\(id) closed: refunded \(result["refunded"] ?? "0"), MNO \(result["toMno"] ?? "0"), MVNO \(result["toMvno"] ?? "0") "
                    + "(\(result["transaction"] ?? "")); payees take it with `openrsp withdraw`"
            }
        }
    }
}
