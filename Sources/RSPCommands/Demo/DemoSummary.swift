import Foundation

/// The result of `openrsp demo`: what `--json` prints as the envelope's data, and the human summary.
/// Token amounts are decimal strings in base units (TestStablecoin has 6 decimals).
struct DemoSummary: Codable, Sendable {
    struct Chain: Codable, Sendable {
        var rpcUrl: String
        var chainId: UInt64
        var embeddedDevnet: Bool
    }

    struct RegistryEntry: Codable, Sendable {
        var role: String
        var name: String
        var address: String
        var spkiSha256: String
        var certificateSha256: String
        var trusted: Bool
    }

    struct Download: Codable, Sendable {
        var iccid: String
        var isdpAid: String
        var notificationSeqNumber: Int
        var notificationDeliveredDuringDownload: Bool
    }

    struct Profile: Codable, Sendable {
        var iccid: String
        var source: String
        var activationCode: String
        var smdpState: String
        var euiccState: String
        var registryTrustsSMDP: Bool?
        var notificationsDelivered: [Int]
    }

    struct Plan: Codable, Sendable {
        var planId: String
        var price: String
        var dataMB: String
        var validitySeconds: String
        var marginBps: String
        var mno: String
        var mvno: String
    }

    struct Entitlement: Codable, Sendable {
        var id: String
        var commitment: String
        var owner: String
        /// Where the EID and salt are kept (never on chain).
        var saltFile: String
        /// The ICCID the SM-DP+ released against this entitlement (its recorded grant), if any.
        var grantedICCID: String?
        /// The SM-DP+'s delivery record on chain (PlanEntitlements.markDelivered), if any.
        var delivery: Delivery?
    }

    /// `Delivered(id, smdp, installResultHash)`: SHA-256 of the eUICC-signed ProfileInstallationResult.
    struct Delivery: Codable, Sendable {
        var smdp: String
        var installResultHash: String
        var transaction: String
        var profileType: String
    }

    /// A payee took its credit from UsageSettlement (`withdraw`).
    struct Withdrawal: Codable, Sendable {
        var payee: String
        var amount: String
        var transaction: String
    }

    struct Usage: Codable, Sendable {
        var cdrCount: Int
        var totalBytes: UInt64
        var root: String
        var batchId: String
        var poster: String
        var postedAt: UInt64
        /// The contract's verifyCdr accepted the outbox's Merkle proof of the first CDR.
        var firstCDRProofVerifiesOnChain: Bool
        var timeAdvancedSeconds: UInt64?
        var status: String
        var toMno: String?
        var toMvno: String?
        var note: String?
    }

    struct TransactionRecord: Codable, Sendable {
        var step: String
        var action: String
        var hash: String
        var gasUsed: UInt64
        var block: UInt64
    }

    struct Balances: Codable, Sendable, Equatable {
        var user: String
        var escrow: String
        var mno: String
        var mvno: String

        var values: [String] { [user, escrow, mno, mvno] }
    }

    struct BalanceReport: Codable, Sendable {
        /// After the faucet mint, before the purchase.
        var before: Balances
        /// At the end of the run.
        var after: Balances
        var totalBefore: String
        var totalAfter: String
        var conserved: Bool
    }

    var chain: Chain
    var contracts: [String: String]
    var accounts: [String: String]
    var registry: [RegistryEntry]
    var smdpUrl: String
    /// The parts of the running SM-DP+ (the same `SMDPProcess` as `openrsp smdp serve`).
    var smdpServices: [String]
    var profile: Profile
    var plan: Plan
    var entitlement: Entitlement
    var usage: Usage
    var withdrawals: [Withdrawal]
    var balances: BalanceReport
    var transactions: [TransactionRecord]
    var totalGasUsed: UInt64
    var dataDirectory: String
    var contractsFile: String

    /// Base units (6 decimals) as `12.345678`.
    static func tokens(_ baseUnits: String) -> String {
        let digits = baseUnits.count <= 6 ? String(repeating: "0", count: 7 - baseUnits.count) + baseUnits : baseUnits
        return "\(digits.dropLast(6)).\(digits.suffix(6))"
    }

    func humanReadable() -> String {
        var lines: [String] = []
        lines.append("OpenRSP demo — summary")
        lines.append("chain        \(chain.rpcUrl) (chain id \(chain.chainId)\(chain.embeddedDevnet ? ", embedded devnet" : ""))")
        for name in contracts.keys.sorted() { lines.append("  \(name.padding(toLength: 17, withPad: " ", startingAt: 0)) \(contracts[name] ?? "")") }
        lines.append("registry")
        for e in registry {
            lines.append("  \(e.role.padding(toLength: 6, withPad: " ", startingAt: 0)) \(e.address)  \(e.name)  spki sha256 \(e.spkiSha256.prefix(18))…  trusted \(e.trusted)")
        }
        lines.append("SM-DP+       \(smdpUrl) (\(smdpServices.joined(separator: ", ")))")
        lines.append("plan         #\(plan.planId): \(Self.tokens(plan.price)) tUSD, \(plan.dataMB) MB, \(plan.validitySeconds) s, margin \(plan.marginBps) bps")
        lines.append("entitlement  #\(entitlement.id) commitment \(entitlement.commitment) (EID + salt in \(entitlement.saltFile))")
        lines.append("  SM-DP+ released against it: " + (entitlement.grantedICCID.map { "ICCID \($0)" } ?? "nothing"))
        lines.append("  delivery on chain: " + (entitlement.delivery.map {
            "install result sha256 \($0.installResultHash) by SM-DP+ \($0.smdp) (profile type \"\($0.profileType)\", tx \($0.transaction))"
        } ?? "not recorded"))
        lines.append("profile      ICCID \(profile.iccid) (\(profile.source))")
        lines.append("  eUICC: \(profile.euiccState)   SM-DP+: \(profile.smdpState)   registry trusts SM-DP+: \(profile.registryTrustsSMDP.map { "\($0)" } ?? "not checked")")
        lines.append("usage        \(usage.cdrCount) CDRs, \(usage.totalBytes) bytes, root \(usage.root)")
        lines.append("  posted once through the outbox; Merkle proof of CDR 1 verifies on chain: \(usage.firstCDRProofVerifiesOnChain)")
        lines.append("  batch \(usage.batchId): \(usage.status)"
            + (usage.toMno.map { " → MNO \(Self.tokens($0)), MVNO \(Self.tokens(usage.toMvno ?? "0")) tUSD" } ?? "")
            + (usage.timeAdvancedSeconds.map { " (devnet time advanced \($0) s)" } ?? ""))
        if let note = usage.note { lines.append("  \(note)") }
        for w in withdrawals { lines.append("withdraw     \(w.payee) took \(Self.tokens(w.amount)) tUSD (pull payment, tx \(w.transaction))") }
        lines.append("balances (tUSD)   user          escrow        MNO           MVNO          total")
        func row(_ label: String, _ b: Balances, _ total: String) -> String {
            ([label.padding(toLength: 17, withPad: " ", startingAt: 0)] + (b.values + [total]).map { Self.tokens($0).padding(toLength: 13, withPad: " ", startingAt: 0) })
                .joined(separator: " ")
        }
        lines.append(row("  before", balances.before, balances.totalBefore))
        lines.append(row("  after", balances.after, balances.totalAfter))
        lines.append("  conserved: \(balances.conserved)")
        lines.append("transactions (\(transactions.count), \(totalGasUsed) gas)")
        for t in transactions {
            lines.append("  \(t.step.padding(toLength: 14, withPad: " ", startingAt: 0)) \(t.action.padding(toLength: 30, withPad: " ", startingAt: 0)) \(String(t.gasUsed).padding(toLength: 8, withPad: " ", startingAt: 0)) \(t.hash)")
        }
        lines.append("data         \(dataDirectory) (contract addresses in \(contractsFile))")
        return lines.joined(separator: "\n")
    }
}
