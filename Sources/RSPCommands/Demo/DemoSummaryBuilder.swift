import EUICC
import EthereumCore
import Foundation
import RSPASN1
import Settlement

/// Reads the final state back (profile state on the eUICC and in the SM-DP+, batch state on chain,
/// balances) and assembles the summary.
enum DemoSummaryBuilder {
    static func build(_ state: DemoState, _ config: DemoConfiguration) async throws -> DemoSummary {
        let chain = try state.require(state.chain, "the chain")
        let contracts = try state.require(state.contracts, "the contracts")
        let accounts = try state.require(state.accounts, "the accounts")
        let smdp = try state.require(state.smdp, "the SM-DP+")
        let iccid = try state.require(state.iccid, "the ICCID")
        let terms = try state.require(state.plan, "the plan")
        let posted = try state.require(state.posted, "the posted batch")
        let batch = try state.require(state.usage, "the usage batch")
        let before = try state.require(state.balancesBefore, "the balances before")
        let after = try state.require(state.balancesAfter, "the balances after")

        let euiccState = try await DemoEUICC.withES10(config.euiccDirectory) { es10 -> String in
            guard case let .ok(list) = try await es10.getProfilesInfo() else { return "unreadable" }
            return list.first { $0.iccid == iccid }?.profileState?.description ?? "not installed"
        }
        let smdpState = try await smdp.store.profile(iccid: iccid)?.state.rawValue ?? "not in the inventory"
        let batchStatus: String
        if let finality = try await contracts.settlement.finality(ofBatch: posted.batchId) {
            batchStatus = finality.rawValue
        } else {
            let ledger = try await contracts.settlement.currentLedger(entitlementId: posted.entitlementId)
            batchStatus = ledger.pendingBatchId(entitlementId: posted.entitlementId) == posted.batchId ? "pending" : "unknown"
        }
        let entitlement = try await contracts.plans.call(PlanEntitlements.entitlement(tokenId: try state.require(state.entitlementId, "the entitlement")))
        func total(_ b: DemoSummary.Balances) throws -> UInt256 {
            try b.values.reduce(UInt256.zero) { try $0 + (try UInt256(decimal: $1)) }
        }
        let totalBefore = try total(before), totalAfter = try total(after)

        return DemoSummary(
            chain: .init(rpcUrl: state.rpcURL, chainId: chain.chainId, embeddedDevnet: state.embeddedDevnet),
            contracts: [
                "TestStablecoin": contracts.token.address.checksummed, "TrustRegistry": contracts.registry.address.checksummed,
                "PlanEntitlements": contracts.plans.address.checksummed, "UsageSettlement": contracts.settlement.address.checksummed,
            ],
            accounts: [
                "deployer": try accounts.deployer.address().checksummed, "mno": try accounts.mno.address().checksummed,
                "mvno": try accounts.mvno.address().checksummed, "user": try accounts.user.address().checksummed,
                "ci": try accounts.ci.address().checksummed, "smdp": try accounts.smdp.address().checksummed,
            ],
            registry: state.registered,
            smdpUrl: "https://\(smdp.address)", smdpServices: smdp.services,
            profile: .init(iccid: iccid.digits, source: state.profileSource, activationCode: state.activationCode ?? "",
                           smdpState: smdpState, euiccState: euiccState, registryTrustsSMDP: state.registryTrustsSMDP,
                           notificationsDelivered: state.notificationsDelivered),
            plan: .init(planId: try state.require(state.planId, "the plan").description, price: terms.price.description,
                        dataMB: terms.dataMB.description, validitySeconds: terms.validitySeconds.description,
                        marginBps: terms.marginBps.description, mno: terms.mno.checksummed,
                        mvno: try accounts.mvno.address().checksummed),
            entitlement: .init(id: try state.require(state.entitlementId, "the entitlement").description,
                               commitment: try state.require(state.commitment, "the commitment").hex,
                               owner: entitlement.owner.checksummed,
                               saltFile: config.euiccDirectory.appendingPathComponent("entitlement.json").path,
                               grantedICCID: state.entitlementGrant?.iccid.digits, delivery: state.delivery),
            usage: .init(cdrCount: batch.cdrs.count, totalBytes: batch.totalBytes, root: batch.root.hex, batchId: posted.batchId.hex,
                         poster: posted.poster.checksummed, postedAt: posted.postedAt,
                         firstCDRProofVerifiesOnChain: state.proofVerified, timeAdvancedSeconds: state.timeAdvancedBy,
                         status: batchStatus, toMno: state.settled?.toMno.description, toMvno: state.settled?.toMvno.description,
                         note: state.settlementNote),
            withdrawals: state.withdrawals,
            balances: .init(before: before, after: after, totalBefore: totalBefore.description, totalAfter: totalAfter.description,
                            conserved: totalBefore == totalAfter),
            transactions: state.transactions,
            totalGasUsed: state.transactions.reduce(0) { $0 + $1.gasUsed },
            dataDirectory: config.demoDirectory.path,
            contractsFile: config.contractsFile.path)
    }
}
