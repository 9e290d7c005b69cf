import EthereumCore
import EthereumRPC
import Foundation
import RSPASN1
import RSPCrypto
import SMDPChainTrust
import SMDPCore
import SMDPServer
import SMDPStoreSQLite
import Settlement

/// The chain accounts of the demo's parties. The deployer is also the TrustRegistry governance and
/// the TestStablecoin minter; MNO, MVNO, user and SM-DP+ (delivery records) transact; the CI is a registry identity only.
struct DemoAccounts: Sendable {
    var deployer: PrivateKey
    var mno: PrivateKey
    var mvno: PrivateKey
    var user: PrivateKey
    var ci: PrivateKey
    var smdp: PrivateKey
}

/// The four deployed contracts.
struct DemoContracts: Sendable {
    var token: Contract<TestStablecoin>
    var registry: Contract<TrustRegistry>
    var plans: Contract<PlanEntitlements>
    var settlement: Contract<UsageSettlement>
    /// nil when the deploy JSON names no RoamingClearing.
    var clearing: Contract<RoamingClearing>? = nil
}

/// The running SM-DP+: its address (as in activation codes), store and ES2+ order service.
struct DemoSMDP: Sendable {
    var address: String
    var port: Int
    var pki: SMDPServerPKI
    var store: SQLiteSMDPStore
    /// What the running SM-DP+ is made of (`SMDPProcess.serviceNames`, the same as `smdp serve`).
    var services: [String]
}

/// What the steps produce and later steps (and the summary) read. Filled in step order.
struct DemoState: Sendable {
    var chain: Chain?
    var rpcURL = ""
    var embeddedDevnet = false
    var accounts: DemoAccounts?
    var contracts: DemoContracts?
    var pkiCreated = false
    var registered: [DemoSummary.RegistryEntry] = []
    var smdp: DemoSMDP?
    /// The SM-DP+'s on-chain delivery recorder (markDelivered at HandleNotification).
    var deliveryRecorder: ChainDeliveryRecorder?
    /// The delivery record on chain: the install result's hash and the markDelivered transaction.
    var delivery: DemoSummary.Delivery?
    /// Pull payments taken after settlement (MNO through the outbox, MVNO directly).
    var withdrawals: [DemoSummary.Withdrawal] = []
    var iccid: ICCID?
    var profileSource = ""
    var planId: UInt256?
    var plan: PlanEntitlements.PlanTerms?
    var eid: EID?
    var commitment: Hash32?
    /// The commitment's salt: the user gives it (with the entitlement id) to the SM-DP+ only.
    var salt: Hash32?
    /// The entitlement order's grant as the SM-DP+ recorded it (entitlement id ↔ ICCID, EID).
    var entitlementGrant: EntitlementGrant?
    var entitlementId: UInt256?
    var entitlementStart: UInt64 = 0
    var activationCode: String?
    var matchingId: String?
    var registryTrustsSMDP: Bool?
    var download: DemoSummary.Download?
    var notificationsDelivered: [Int] = []
    var enabled = false
    var usage: UsageBatch?
    var posted: UsageSettlement.BatchPosted?
    /// The contract accepted the outbox's Merkle proof of the batch's first CDR (verifyCdr).
    var proofVerified = false
    var timeAdvancedBy: UInt64?
    var settled: UsageSettlement.BatchSettled?
    var settlementNote: String?
    var balancesBefore: DemoSummary.Balances?
    var balancesAfter: DemoSummary.Balances?
    var transactions: [DemoSummary.TransactionRecord] = []
    /// `demo --roaming` only.
    var roaming: RoamingDemoState?

    func require<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw DemoError.missing("\(what) is not available (an earlier step did not provide it)") }
        return value
    }

    /// Records a mined transaction for the summary.
    mutating func record(_ step: String, _ action: String, _ sent: SubmittedTransaction) {
        transactions.append(.init(step: step, action: action, hash: sent.hash.hex, gasUsed: sent.gasUsed, block: sent.blockNumber))
    }

    mutating func record(_ step: String, _ action: String, _ outcome: TransactionOutcome) {
        let r = outcome.receipt
        transactions.append(.init(step: step, action: action, hash: r.transactionHash.hex, gasUsed: r.gasUsed,
                                  block: r.blockNumber))
    }

    /// Stablecoin balances of user, escrow, MNO and MVNO now.
    func balances() async throws -> DemoSummary.Balances {
        let c = try require(contracts, "the contracts")
        let a = try require(accounts, "the accounts")
        func balance(_ who: Address) async throws -> UInt256 { try await c.token.call(TestStablecoin.balanceOf(who)) }
        return DemoSummary.Balances(
            user: try await balance(try a.user.address()).description,
            escrow: try await balance(c.settlement.address).description,
            mno: try await balance(try a.mno.address()).description,
            mvno: try await balance(try a.mvno.address()).description)
    }
}
