// The entitlement owner's other settlement actions, shared by the CLI (`entitlement cancel|close`,
// `withdraw`) and the portal: each reads what it needs, simulates the call from the account (a revert is
// a typed refusal and nothing is signed) and returns the transaction for the account to sign and send.
import EthereumCore
import Foundation
import Settlement

public enum EntitlementActions {
    /// PlanEntitlements.cancel by `owner`: the entitlement exists and is theirs; the contract's own checks
    /// (refund rule at-expiry-or-cancel, not expired, not already cancelled) are the simulation's.
    public static func cancel(plans: Contract<PlanEntitlements>, entitlementId id: UInt256,
                              owner: Address) async throws(EntitlementActionError) -> PreparedAction<Void> {
        let record = try await EntitlementActionError.read("entitlement(#\(id))") { () async throws(ContractError) in
            try await plans.call(PlanEntitlements.entitlement(tokenId: id))
        }
        guard record.status != .none else { throw EntitlementActionError(.entitlementUnknown, "no entitlement #\(id)") }
        guard record.owner == owner else {
            throw EntitlementActionError(.notOwner, "entitlement #\(id) belongs to \(record.owner.checksummed), not \(owner.checksummed)")
        }
        return try await simulated(plans, PlanEntitlements.cancel(tokenId: id), from: owner, "cancel #\(id)")
    }

    /// UsageSettlement.close with the entitlement's current ledger (from its LedgerUpdated logs); anyone may
    /// send it once the entitlement has ended plus the posting grace, with no batch pending.
    public static func close(settlement: Contract<UsageSettlement>, entitlementId id: UInt256,
                             from sender: Address) async throws(EntitlementActionError) -> PreparedAction<Void> {
        let plansAddress = try await EntitlementActionError.read("ENTITLEMENTS()") { () async throws(ContractError) in
            try await settlement.call(UsageSettlement.ENTITLEMENTS())
        }
        let record = try await EntitlementActionError.read("entitlement(#\(id))") { () async throws(ContractError) in
            try await settlement.chain.contract(PlanEntitlements.self, at: plansAddress).call(PlanEntitlements.entitlement(tokenId: id))
        }
        guard record.status != .none else { throw EntitlementActionError(.entitlementUnknown, "no entitlement #\(id)") }
        let ledger = try await EntitlementActionError.read("ledger of #\(id)") { () async throws(ContractError) in
            try await settlement.currentLedger(entitlementId: id)
        }
        return try await simulated(settlement, UsageSettlement.close(entitlementId: id, ledger: ledger), from: sender, "close #\(id)")
    }

    /// The payee's credit in UsageSettlement (`owed`).
    public static func credit(settlement: Contract<UsageSettlement>, payee: Address) async throws(EntitlementActionError) -> UInt256 {
        try await EntitlementActionError.read("owed(\(payee.checksummed))") { () async throws(ContractError) in
            try await settlement.call(UsageSettlement.owed(payee))
        }
    }

    /// UsageSettlement.withdraw(receiver) by `payee`: refused with `.nothingOwed` when its credit is zero.
    public static func withdraw(settlement: Contract<UsageSettlement>, payee: Address,
                                receiver: Address? = nil) async throws(EntitlementActionError) -> (amount: UInt256, transaction: PreparedAction<Void>) {
        let owed = try await credit(settlement: settlement, payee: payee)
        guard owed != .zero else { throw EntitlementActionError(.nothingOwed, "\(payee.checksummed) is owed nothing") }
        let call = UsageSettlement.withdraw(receiver: receiver ?? payee)
        return (owed, try await simulated(settlement, call, from: payee, "withdraw \(owed)"))
    }

    static func simulated<B: ContractBinding>(_ contract: Contract<B>, _ call: ContractCall<Void>, from: Address,
                                              _ what: String) async throws(EntitlementActionError) -> PreparedAction<Void> {
        do { _ = try await contract.call(call, from: from) } catch { throw EntitlementActionError.from(error, "\(what) would revert") }
        return PreparedAction(to: contract.address, call: call)
    }
}
