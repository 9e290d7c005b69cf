// The summary of `openrsp demo --roaming`: the agreement, the disproved commitment, the court case,
// the netted settlement, gas per step, and token balances before and after (conserved).
import EthereumCore
import Foundation
import Settlement

struct RoamingDemoSummary: Codable, Sendable {
    struct Dispute: Codable, Sendable {
        var leafIndex: UInt64
        var reason: String
        var proofLength: Int
        var disputeGas: UInt64
    }

    struct Court: Codable, Sendable {
        var caseId: String
        var panel: [String]
        var votes: [String]
        var verdict: String
        var commitmentStatus: String
        /// openCase + drawPanel + tally + execute (the votes are the panelists' own transactions).
        var roundGas: UInt64
    }

    struct Netting: Codable, Sendable {
        var invoiceAOnB: String
        var invoiceBOnA: String
        var net: String
        var payer: String
        var payee: String
        var gas: UInt64
    }

    var chainId: UInt64
    var clearing: String
    var agreementId: String
    var dispute: Dispute
    var court: Court
    var settlement: Netting
    var commitGas: [UInt64]
    var balancesBefore: [String: String]
    var balancesAfter: [String: String]
    var conserved: Bool
    var transactions: [DemoSummary.TransactionRecord]

    static func build(_ state: DemoState, _ config: DemoConfiguration) async throws -> RoamingDemoSummary {
        let chain = try state.require(state.chain, "the chain")
        let roaming = try state.requireRoaming()
        let settled = try state.require(roaming.settled, "the settlement")
        let before = roaming.balancesBefore.values.reduce(UInt256.zero) { (try? $0.adding($1)) ?? $0 }
        let after = roaming.balancesAfter.values.reduce(UInt256.zero) { (try? $0.adding($1)) ?? $0 }
        let settleGas = state.transactions.last { $0.action.hasPrefix("settle") }?.gasUsed ?? 0
        return RoamingDemoSummary(
            chainId: chain.chainId, clearing: roaming.clearing.address.checksummed, agreementId: roaming.agreementId.description,
            dispute: try state.require(roaming.dispute, "the dispute"), court: try state.require(roaming.court, "the court case"),
            settlement: Netting(invoiceAOnB: settled.invoiceAOnB.description, invoiceBOnA: settled.invoiceBOnA.description,
                                   net: settled.net.description, payer: settled.payer.checksummed, payee: settled.payee.checksummed, gas: settleGas),
            commitGas: roaming.commitGas, balancesBefore: roaming.balancesBefore.mapValues(\.description),
            balancesAfter: roaming.balancesAfter.mapValues(\.description),
            conserved: before == after && roaming.balancesBefore.keys.sorted() == roaming.balancesAfter.keys.sorted(),
            transactions: state.transactions.filter { $0.step.hasPrefix("roaming") })
    }

    func humanReadable() -> String {
        var lines = ["Roaming clearing on chain \(chainId), RoamingClearing \(clearing), agreement \(agreementId)"]
        lines.append("dispute: A disproved B's commitment with record \(dispute.leafIndex) (\(dispute.reason)), a \(dispute.proofLength)-hash proof, \(dispute.disputeGas) gas")
        lines.append("court: case \(court.caseId), panel \(zip(court.panel, court.votes).map { "\($0) \($1)" }.joined(separator: ", ")) → \(court.verdict); "
                     + "A's commitment \(court.commitmentStatus); open+draw+tally+execute \(court.roundGas) gas")
        lines.append("settlement: A-on-B \(DemoSummary.tokens(settlement.invoiceAOnB)), B-on-A \(DemoSummary.tokens(settlement.invoiceBOnA)) → "
                     + "one transfer of \(DemoSummary.tokens(settlement.net)) tUSD from \(settlement.payer) to \(settlement.payee) (\(settlement.gas) gas)")
        lines.append("commit gas: \(commitGas.map(String.init).joined(separator: ", "))")
        lines.append("balances (tUSD)       before → after")
        for key in balancesBefore.keys.sorted() {
            lines.append("  \(key.padding(toLength: 12, withPad: " ", startingAt: 0)) \(DemoSummary.tokens(balancesBefore[key] ?? "0")) → \(DemoSummary.tokens(balancesAfter[key] ?? "0"))")
        }
        lines.append(conserved ? "balances conserved" : "BALANCES NOT CONSERVED")
        return lines.joined(separator: "\n")
    }
}
