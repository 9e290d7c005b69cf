import EUICC
import EUICCSimulator
import EthereumCore
import Foundation
import LPAClient
import RSPASN1
import RSPCrypto
import Settlement

/// The software eUICC of this run (demo/euicc): created from the PKI's eUICC identity; reads its EID.
struct PrepareEUICCStep: DemoStep {
    let name = "euicc"
    let title = "create the software eUICC"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let dir = env.config.euiccDirectory
        try SoftEUICCProvisioning.provisionIdentity(from: env.config.pkiDirectory, into: dir.appendingPathComponent("pki", isDirectory: true))
        let eid = try await DemoEUICC.withES10(dir) { try await $0.getEID() }
        state.eid = eid
        env.progress("EID \(eid.digits), state in \(dir.path)")
    }
}

/// Opening the demo's software eUICC over the in-process APDU transport.
enum DemoEUICC {
    static func withES10<T: Sendable>(_ directory: URL, _ body: (ES10Client) async throws -> T) async throws -> T {
        try await ES10Access.with(InProcessTransport(card: try DeviceOptions.softEUICC(at: directory)), body)
    }
}

/// The MVNO lists a plan reselling the MNO: 1000 MB for 30 days at 12 tUSD, 15 % margin, refund at expiry,
/// usage posted by the MNO, soulbound, delivered by the demo's SM-DP+ as the imported profile's type
/// (keccak256 of its name) within 7 days, else refunded in full.
struct ListPlanStep: DemoStep {
    let name = "plan-list"
    let title = "list a plan (MVNO)"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let accounts = try state.require(state.accounts, "the accounts")
        let plans = try state.require(state.contracts, "the contracts").plans
        let profileType = try await DemoProfileType.of(state)
        let terms = PlanEntitlements.PlanTerms(
            mno: try accounts.mno.address(), dataMB: 1000, validitySeconds: 2_592_000, price: 12_000_000, marginBps: 1500,
            supplyCap: 100, refundRule: .atExpiry, usagePoster: .mno, smdp: try accounts.smdp.address(),
            profileType: PlanEntitlements.profileTypeId(name: profileType), activationWindowSeconds: 604_800)
        let outcome = try await plans.send(PlanEntitlements.listPlan(terms), signer: accounts.mvno)
        let listed = try plans.event(PlanEntitlements.PlanListed.self, in: outcome)
        state.record(name, "listPlan", outcome)
        state.planId = listed.planId
        state.plan = terms
        env.progress("plan #\(listed.planId): \(DemoSummary.tokens(terms.price.description)) tUSD, \(terms.dataMB) MB, margin \(terms.marginBps) bps, "
            + "profile type \"\(profileType)\" from SM-DP+ \(terms.smdp)")
    }
}

/// The profile type of the imported profile (what the plan delivers and the order asks for).
enum DemoProfileType {
    static func of(_ state: DemoState) async throws -> String {
        let smdp = try state.require(state.smdp, "the SM-DP+")
        let iccid = try state.require(state.iccid, "the ICCID")
        guard let profile = try await smdp.store.profile(iccid: iccid), let type = profile.profileType, !type.isEmpty else {
            throw DemoError.invalid("the imported profile \(iccid.digits) has no profile type")
        }
        return type
    }
}

/// The user gets test stablecoin (faucet mint by the minter), approves the price and buys the plan for
/// commitment = keccak256(EID ‖ salt) with a random 32-byte salt, kept in demo/euicc/entitlement.json (0600).
struct BuyPlanStep: DemoStep {
    let name = "plan-buy"
    let title = "mint test stablecoin and buy the plan for the EID commitment"
    static let faucetAmount: UInt256 = 50_000_000

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let accounts = try state.require(state.accounts, "the accounts")
        let contracts = try state.require(state.contracts, "the contracts")
        let planId = try state.require(state.planId, "the plan")
        let price = try state.require(state.plan, "the plan terms").price
        let eid = try state.require(state.eid, "the EID")
        let user = try accounts.user.address()

        var rng = SystemRandomNumberGenerator()
        let salt = try Hash32((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        let commitment = try PlanEntitlements.commitment(eid: eid.bytes, salt: salt)

        let minted = try await contracts.token.send(TestStablecoin.mint(receiver: user, amount: Self.faucetAmount), signer: accounts.deployer)
        state.record(name, "mint (faucet)", minted)
        state.balancesBefore = try await state.balances()
        let approved = try await contracts.token.send(TestStablecoin.approve(spender: contracts.plans.address, amount: price), signer: accounts.user)
        state.record(name, "approve", approved)
        let bought = try await contracts.plans.send(PlanEntitlements.buy(planId: planId, commitment: commitment), signer: accounts.user)
        let purchase = try contracts.plans.event(PlanEntitlements.Purchased.self, in: bought)
        state.record(name, "buy", bought)
        guard try await contracts.plans.call(PlanEntitlements.isLive(tokenId: purchase.id, commitment: commitment)) else {
            throw DemoError.invalid("entitlement #\(purchase.id) is not live right after the purchase")
        }
        state.commitment = commitment
        state.salt = salt
        state.entitlementId = purchase.id
        guard purchase.start.bitWidth <= 64 else { throw DemoError.invalid("entitlement start does not fit 64 bits") }
        state.entitlementStart = purchase.start.w0
        try saveSecret(eid: eid, salt: salt, commitment: commitment, id: purchase.id, planId: planId, state: state, env: env)
        env.progress("entitlement #\(purchase.id) for commitment \(commitment.hex) (price \(DemoSummary.tokens(purchase.price.description)) tUSD → escrow)")
    }

    /// The EID and salt never go on chain; the user keeps them beside the eUICC state.
    private func saveSecret(eid: EID, salt: Hash32, commitment: Hash32, id: UInt256, planId: UInt256, state: DemoState,
                            env: DemoEnvironment) throws {
        let contracts = try state.require(state.contracts, "the contracts")
        let document: [String: Any] = [
            "eid": eid.digits, "salt": salt.hex, "commitment": commitment.hex, "entitlementId": id.description,
            "planId": planId.description, "chainId": Int(state.chain?.chainId ?? 0), "planEntitlements": contracts.plans.address.checksummed,
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try SecureFileWriter.write(Array(data) + [0x0A], to: Self.secretFile(env), mode: 0o600)
    }

    static func secretFile(_ env: DemoEnvironment) -> URL {
        env.config.euiccDirectory.appendingPathComponent("entitlement.json")
    }
}
