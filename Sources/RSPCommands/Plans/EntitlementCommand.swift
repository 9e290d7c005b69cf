// `openrsp entitlement list|show|cancel` for the owner (issue 15 item 4).
import ArgumentParser
import EthereumCore
import Foundation
import Settlement

struct EntitlementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entitlement",
        abstract: "Entitlements bought on PlanEntitlements: list and show (anyone), cancel (owner).",
        discussion: """
            Chain options as for `openrsp plan`. `close` (UsageSettlement.close with the ledger from logs) is not \
            available from the CLI yet.
            """,
        subcommands: [EntitlementListCommand.self, EntitlementShowCommand.self, EntitlementCancelCommand.self]
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
                let (record, _) = try await EntitlementDocument.load(id, on: session)
                let caller = try session.signer
                guard record.owner == caller else {
                    throw PlanCommandError.notOwner("entitlement #\(id) belongs to \(record.owner.checksummed), not \(caller.checksummed)")
                }
                return try await session.send(session.plans, PlanEntitlements.cancel(tokenId: id), label: "cancel #\(id)")
                    .receipt.transactionHash
            }
            try output.emit(["entitlementId": id.description, "transaction": transaction.hex]) { "entitlement #\(id) cancelled (\(transaction.hex))" }
        }
    }
}
