// `openrsp plan list|show|create|delist|buy` (issue 15 item 4; contracts/README.md "Plans and entitlements").
import ArgumentParser
import Catalog
import EthereumCore
import Foundation
import Portal
import Settlement

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Data plans on PlanEntitlements: list and show (anyone), create and delist (MVNO), buy (user).",
        discussion: """
            The chain comes from --rpc-url and the PlanEntitlements address from --plans or the deploy JSON \
            (--contracts, default $OPENRSP_HOME/contracts.json); the stablecoin is the one PlanEntitlements names. \
            Transactions are signed by --account (a keystore of `openrsp account`) and sent through the persisted \
            submitter (EIP-1559 fees from eth_feeHistory, --confirmations, a rerun after a crash finishes the same \
            transaction). Amounts are token base units. Each transaction is simulated first: a contract refusal \
            gets its own code and nothing is signed.
            """,
        subcommands: [PlanListCommand.self, PlanShowCommand.self, PlanCreateCommand.self, PlanSetMetadataCommand.self, PlanRequireCommand.self, PlanDelistCommand.self, PlanWithdrawDepositCommand.self,
                      PlanBuyCommand.self]
    )
}

/// One plan as printed (`--json` data).
struct PlanDocument: Encodable {
    var id: String
    var mvno: String
    var mno: String
    var dataMB: String
    var validitySeconds: String
    var price: String
    var marginBps: String
    var supplyCap: String
    var sold: String
    var active: Bool
    var transferable: Bool
    var refundRule: String
    var usagePoster: String
    var smdp: String
    var profileType: String
    var activationWindowSeconds: String
    /// The verified metadata document (with --catalog): coverage and names.
    var metadata: PlanMetadata?

    init(id: UInt256, _ p: PlanEntitlements.Plan, metadata: PlanMetadata? = nil) {
        self.metadata = metadata
        self.id = id.description
        mvno = p.mvno.checksummed
        mno = p.mno.checksummed
        dataMB = p.dataMB.description
        validitySeconds = p.validity.description
        price = p.price.description
        marginBps = p.marginBps.description
        supplyCap = p.supplyCap.description
        sold = p.sold.description
        active = p.active
        transferable = !p.soulbound
        refundRule = PlanNames.refundRule(p.refundRule)
        usagePoster = p.usagePoster == .mno ? "mno" : "mvno"
        smdp = p.smdp.checksummed
        profileType = p.profileType.hex
        activationWindowSeconds = p.activationWindow.description
    }

    var human: String {
        """
        plan #\(id) (\(active ? "active" : "delisted")): \(dataMB) MB for \(validitySeconds) s at \(price), margin \(marginBps) bps, \
        sold \(sold)/\(supplyCap), refund \(refundRule), usage posted by \(usagePoster), \(transferable ? "transferable" : "soulbound")
          MVNO \(mvno)  MNO \(mno)  SM-DP+ \(smdp)
          profile type \(profileType), delivery within \(activationWindowSeconds) s
        """ + (metadata.map { "\n  \($0.name): countries \($0.countries.joined(separator: " ")), networks \($0.networks.joined(separator: " "))" } ?? "")
    }
}

enum PlanNames {
    static func refundRule(_ rule: RefundRule) -> String {
        switch rule {
        case .none: "none"
        case .atExpiry: "at-expiry"
        case .atExpiryOrCancel: "at-expiry-or-cancel"
        }
    }

    static func uint(_ text: String, _ option: String) throws -> UInt256 {
        do { return try UInt256(decimal: text) } catch { throw PlanCommandError.input("\(option): not a decimal number: \(text)") }
    }

    static func address(_ text: String, _ option: String) throws -> Address {
        do { return try Address(hex: text) } catch { throw PlanCommandError.input("\(option): \(error)") }
    }

    /// The plan `id`, or `planUnknown`.
    static func plan(_ id: UInt256, on session: PlanChain) async throws -> PlanEntitlements.Plan {
        guard let plan = try await session.call(session.plans, PlanEntitlements.plans(planId: id)) else {
            throw PlanCommandError.planUnknown("no plan #\(id)")
        }
        return plan
    }
}

struct PlanListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the plans (1 … planCount), optionally by country or network.",
        discussion: """
            With --catalog DIR each plan's metadata document (DIR/<id>.json) is checked against the hash and terms on \
            chain and shown; --country and --network then keep only plans whose verified document covers them.
            """)

    @Flag(name: .long, help: "Only plans that can be bought now (active and not sold out).") var available = false
    @OptionGroup var catalogOptions: PlanCatalogOptions
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let catalog = try catalogOptions.catalog.map { dir in (dir: dir, names: try catalogOptions.names()) }
            let filters = try catalog.map { try catalogOptions.filters($0.names) }
            let filtering = filters.map { $0.country != nil || $0.network != nil } ?? false
            let documents: [PlanDocument] = try await chain.with { session in
                var verified: [UInt256: PlanMetadata] = [:]
                if let catalog {
                    let loaded = try await CatalogLoader.load(plans: session.plans, directory: catalog.dir, names: catalog.names) { id, error in
                        FileHandle.standardError.write(Data("plan #\(id): \(error.message) [\(error.code.rawValue)]\n".utf8))
                    }
                    for plan in loaded { verified[plan.id] = plan.metadata }
                }
                let count = try await session.call(session.plans, PlanEntitlements.planCount())
                var rows: [PlanDocument] = []
                var id = UInt256(1)
                while !(count < id) {
                    if let plan = try await session.call(session.plans, PlanEntitlements.plans(planId: id)),
                       !available || (plan.active && plan.sold < plan.supplyCap) {
                        let metadata = verified[id]
                        if !filtering || (metadata.map { CatalogEntry(planId: id, metadata: $0).matches(country: filters?.country, network: filters?.network) } ?? false) {
                            rows.append(PlanDocument(id: id, plan, metadata: metadata))
                        }
                    }
                    id = try id + 1
                }
                return rows
            }
            try output.emit(documents) { documents.isEmpty ? "no plans" : documents.map(\.human).joined(separator: "\n") }
        }
    }
}

struct PlanShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one plan; with --catalog, check its metadata document against the chain.")

    @Argument(help: "Plan id.") var plan: String
    @OptionGroup var catalogOptions: PlanCatalogOptions
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try PlanNames.uint(plan, "PLAN")
            let names = try catalogOptions.catalog.map { _ in try catalogOptions.names() }
            let document = try await chain.with { session in
                let onChain = try await PlanNames.plan(id, on: session)
                guard let dir = catalogOptions.catalog, let names else { return PlanDocument(id: id, onChain) }
                let metadata = try await CatalogCommandError.mapping {
                    let bytes = try CatalogDirectory.document(planId: id, in: dir)
                    return try PlanMetadataCheck.verify(bytes, against: try await CatalogLoader.onChain(id, onChain, plans: session.plans), names: names)
                }
                return PlanDocument(id: id, onChain, metadata: metadata)
            }
            try output.emit(document) { document.human }
        }
    }
}

struct PlanCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "List a new plan (signed by an active MVNO the MNO approved).",
        discussion: """
            The MVNO resells --mno's network: --price (token base units) for --data-mb over --validity-seconds, \
            keeping --margin-bps of it. --smdp is the registered SM-DP+ that delivers --profile-type (the profile \
            type name; keccak256 of it goes on chain) within --activation-window-seconds, else the buyer is refunded \
            in full. Prints the plan id.
            """)

    @Option(name: .long, help: "The MNO (registry address) whose network the plan uses.") var mno: String
    @Option(name: .customLong("data-mb"), help: "Data allowance in MB.") var dataMB: String
    @Option(name: .customLong("validity-seconds"), help: "Validity after purchase, in seconds.") var validitySeconds: String
    @Option(name: .long, help: "Price in token base units.") var price: String
    @Option(name: .customLong("margin-bps"), help: "MVNO margin in basis points (≤ the MNO's maximum).") var marginBps: String
    @Option(name: .customLong("supply-cap"), help: "How many entitlements may be sold.") var supplyCap: String
    @Option(name: .customLong("refund-rule"), help: "none, at-expiry or at-expiry-or-cancel.") var refundRule = "at-expiry"
    @Option(name: .customLong("usage-poster"), help: "Who posts usage: mno or mvno.") var usagePoster = "mno"
    @Option(name: .long, help: "The SM-DP+ entity (registry address) that delivers the profile.") var smdp: String
    @Option(name: .customLong("profile-type"), help: "Profile type name the plan delivers.") var profileType: String
    @Option(name: .customLong("activation-window-seconds"), help: "Delivery deadline after purchase (≤ validity).") var activationWindowSeconds: String
    @Flag(name: .long, help: "Entitlements may be transferred (default: soulbound).") var transferable = false
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let rule: RefundRule
            switch refundRule {
            case "none": rule = .none
            case "at-expiry": rule = .atExpiry
            case "at-expiry-or-cancel": rule = .atExpiryOrCancel
            default: throw PlanCommandError.input("--refund-rule is none, at-expiry or at-expiry-or-cancel")
            }
            guard usagePoster == "mno" || usagePoster == "mvno" else { throw PlanCommandError.input("--usage-poster is mno or mvno") }
            guard !profileType.isEmpty else { throw PlanCommandError.input("--profile-type is empty") }
            let terms = PlanEntitlements.PlanTerms(
                mno: try PlanNames.address(mno, "--mno"), dataMB: try PlanNames.uint(dataMB, "--data-mb"),
                validitySeconds: try PlanNames.uint(validitySeconds, "--validity-seconds"), price: try PlanNames.uint(price, "--price"),
                marginBps: try PlanNames.uint(marginBps, "--margin-bps"), supplyCap: try PlanNames.uint(supplyCap, "--supply-cap"),
                transferable: transferable, refundRule: rule, usagePoster: usagePoster == "mno" ? .mno : .mvno,
                smdp: try PlanNames.address(smdp, "--smdp"), profileType: PlanEntitlements.profileTypeId(name: profileType),
                activationWindowSeconds: try PlanNames.uint(activationWindowSeconds, "--activation-window-seconds"))
            let (id, transaction) = try await chain.with(account: account) { session in
                let outcome = try await session.send(session.plans, PlanEntitlements.listPlan(terms), label: "listPlan")
                let listed: PlanEntitlements.PlanListed
                do { listed = try session.plans.event(PlanEntitlements.PlanListed.self, in: outcome) } catch {
                    throw PlanCommandError.contract(error)
                }
                return (listed.planId, outcome.receipt.transactionHash)
            }
            try output.emit(["planId": id.description, "transaction": transaction.hex]) { "plan #\(id) listed (\(transaction.hex))" }
        }
    }
}

struct PlanDelistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delist", abstract: "Stop selling a plan (its MVNO only); sold entitlements stay valid.")

    @Argument(help: "Plan id.") var plan: String
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try PlanNames.uint(plan, "PLAN")
            let transaction = try await chain.with(account: account) { session in
                _ = try await PlanNames.plan(id, on: session)
                return try await session.send(session.plans, PlanEntitlements.delistPlan(planId: id), label: "delistPlan #\(id)")
                    .receipt.transactionHash
            }
            try output.emit(["planId": id.description, "transaction": transaction.hex]) { "plan #\(id) delisted (\(transaction.hex))" }
        }
    }
}
