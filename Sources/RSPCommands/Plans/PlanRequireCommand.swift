// `openrsp plan require PLAN --predicates kyc,over18,eu` (issue 17 item 4): the plan's MVNO makes every buyer (and
// transfer receiver) hold an IdentityRegistry attestation with these predicates; PlanEntitlements checks it on
// every purchase path.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement

/// Predicate names on the command line: kyc (1), over18 (2), eu (4); "none" for no requirement.
enum PredicateNames {
    static let names: [(String, IdentityRegistry.Predicates)] = [("kyc", .kycVerified), ("over18", .ageOver18), ("eu", .euResident)]

    static func parse(_ text: String) throws(ChainCommandError) -> IdentityRegistry.Predicates {
        if text == "none" { return [] }
        var predicates: IdentityRegistry.Predicates = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            guard let found = names.first(where: { $0.0 == part }) else {
                throw ChainCommandError(.invalidArgument, "predicate \(part): use kyc, over18, eu (comma-separated) or none")
            }
            predicates.insert(found.1)
        }
        return predicates
    }

    static func describe(_ predicates: IdentityRegistry.Predicates) -> String {
        let parts = names.filter { predicates.contains($0.1) }.map(\.0)
        return parts.isEmpty ? "none" : parts.joined(separator: ",")
    }
}

struct PlanRequireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "require", abstract: "Require identity predicates of a plan's buyers (its MVNO): kyc, over18, eu, or none.",
        discussion: """
            From the next block, buy, buyWithAuthorization and buyFromDeposit revert with "identity: predicate not met" \
            unless the buyer's IdentityRegistry attestation (by an active MNO or KYC provider, unexpired, unrevoked) \
            holds every predicate. Entitlements sold before are not affected.
            """)

    @Argument(help: "Plan id.") var plan: String
    @Option(name: .long, help: "Comma-separated: kyc, over18, eu; or none.") var predicates: String
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try PlanNames.uint(plan, "PLAN")
            let required = try PredicateNames.parse(predicates)
            let transaction = try await chain.with(account: account) { session in
                try await session.send(session.plans, PlanEntitlements.setPlanRequirement(planId: id, predicates: required),
                                       label: "setPlanRequirement #\(id)").receipt.transactionHash
            }
            let names = PredicateNames.describe(required)
            try output.emit(["planId": id.description, "predicates": names, "transaction": transaction.hex]) {
                "plan #\(id) requires \(names) (\(transaction.hex))"
            }
        }
    }
}
