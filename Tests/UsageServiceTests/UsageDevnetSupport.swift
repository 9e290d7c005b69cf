// A real devnet with the four contracts deployed from the committed bytecode, an MNO, an MVNO (approved
// by the MNO) and the plan's SM-DP+ registered, a cancellable plan listed (usage posted by the MNO) and
// two entitlements bought by a user and delivered (each entitlement has at most one batch pending on
// chain; two let batches be pending side by side). The chain clock then moves on by `usageHours`, so
// the usage CDRs lie in the past (a CDR ending after its batch's posting time is disputable).
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import Testing
import UsageService
import UsageStoreSQLite

struct SupportError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The package root (…/Tests/UsageServiceTests/<file> → …).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func bytecode(_ name: String) throws -> [UInt8] {
    let url = packageRoot.appendingPathComponent("contracts/build/\(name).json")
    guard let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any],
          let code = obj["bytecode"] as? String else { throw SupportError("\(name).json: no bytecode") }
    return try Hex.decode(code)
}

/// A temporary SQLite file path (removed by `cleanup`).
func temporaryDatabase() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("openrsp-usage-\(UUID().uuidString).sqlite")
}

func removeDatabase(_ url: URL) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: url.path + suffix) }
}

/// Everything a usage test needs on chain.
struct UsageWorld {
    static let disputeWindow: UInt64 = 600
    /// The dispute window + 1 h, the least the contract accepts.
    static let postingGrace: UInt64 = 4200
    static let planMB: UInt64 = 100
    static let usageHours: UInt64 = 4

    let devnet: DevnetProcess
    let chain: Chain
    let settlement: Contract<UsageSettlement>
    let token: Contract<TestStablecoin>
    let plans: Contract<PlanEntitlements>
    let mnoKey: PrivateKey
    let mno: Address
    let user: PrivateKey
    let entitlementId: UInt256
    let secondEntitlementId: UInt256
    let start: UInt64
    let end: UInt64
    /// Chain time after setup: every generated CDR ends by then.
    var usageUntil: UInt64 { start + Self.usageHours * 3600 }

    static func make(_ devnet: DevnetProcess) async throws -> UsageWorld {
        let keys = try devnetKeys(devnet)
        let governance = keys[0], mnoKey = keys[1], mvnoKey = keys[2], user = keys[3]
        let mno = try mnoKey.address(), mvno = try mvnoKey.address(), userAddress = try user.address()
        let chain = try await Chain.connect(devnet.client)
        let token = try await chain.deploy(TestStablecoin.self, data: try TestStablecoin.deploymentData(
            bytecode: try bytecode("TestStablecoin")), signer: governance)
        let registry = try await chain.deploy(TrustRegistry.self, data: try TrustRegistry.deploymentData(
            bytecode: try bytecode("TrustRegistry"), owner: try governance.address()), signer: governance)
        let plans = try await chain.deploy(PlanEntitlements.self, data: try PlanEntitlements.deploymentData(
            bytecode: try bytecode("PlanEntitlements"), registry: registry.address, token: token.address,
            uri: "https://openrsp.invalid/entitlement/{id}.json"), signer: governance)
        let settlement = try await chain.deploy(UsageSettlement.self, data: try UsageSettlement.deploymentData(
            bytecode: try bytecode("UsageSettlement"), registry: registry.address, entitlements: plans.address, token: token.address,
            disputeWindow: UInt256(disputeWindow), postingGrace: UInt256(postingGrace)), signer: governance)
        try await plans.send(PlanEntitlements.setSettlement(settlement.address), signer: governance)
        func h(_ s: String) -> Hash32 { Keccak256.hash(Array(s.utf8)) }
        try await registry.send(TrustRegistry.register(entity: mno, role: .mno, name: "MNO", spkiHash: h("mno spki"),
                                                       certHash: h("mno cert")), signer: governance)
        try await registry.send(TrustRegistry.register(entity: mvno, role: .mvno, name: "MVNO", spkiHash: h("mvno spki"),
                                                       certHash: h("mvno cert")), signer: governance)
        let smdpKey = keys[5]
        try await registry.send(TrustRegistry.register(entity: try smdpKey.address(), role: .smdp, name: "SM-DP+", spkiHash: h("smdp spki"),
                                                       certHash: h("smdp cert")), signer: governance)
        try await registry.send(TrustRegistry.approveMvno(mvno, maxMarginBps: 1500), signer: mnoKey)
        let price: UInt256 = 10_000_000
        let listed = try await plans.send(PlanEntitlements.listPlan(.init(
            mno: mno, dataMB: UInt256(planMB), validitySeconds: 30 * 86400, price: price, marginBps: 1500, supplyCap: 10,
            refundRule: .atExpiryOrCancel, usagePoster: .mno, smdp: try smdpKey.address(),
            profileType: PlanEntitlements.profileTypeId(name: "Test Profile"), activationWindowSeconds: 86400)), signer: mvnoKey)
        let planId = try plans.event(PlanEntitlements.PlanListed.self, in: listed).planId
        try await token.send(TestStablecoin.mint(receiver: userAddress, amount: try price * 2), signer: governance)
        try await token.send(TestStablecoin.approve(spender: plans.address, amount: try price * 2), signer: user)
        let bought = try await plans.send(PlanEntitlements.buy(planId: planId, commitment: h("commitment")), signer: user)
        let purchase = try plans.event(PlanEntitlements.Purchased.self, in: bought)
        let boughtSecond = try await plans.send(PlanEntitlements.buy(planId: planId, commitment: h("second commitment")), signer: user)
        let second = try plans.event(PlanEntitlements.Purchased.self, in: boughtSecond)
        // The SM-DP+ records both deliveries (no usage can be posted before).
        for id in [purchase.id, second.id] {
            try await plans.send(PlanEntitlements.markDelivered(tokenId: id, installResultHash: h("install result \(id)")), signer: smdpKey)
        }
        let world = UsageWorld(devnet: devnet, chain: chain, settlement: settlement, token: token, plans: plans, mnoKey: mnoKey, mno: mno,
                               user: user, entitlementId: purchase.id, secondEntitlementId: second.id,
                               start: max(purchase.start.w0, second.start.w0), end: min(purchase.expiry.w0, second.expiry.w0))
        try await mine(devnet.client, at: world.usageUntil)
        return world
    }

    /// A service on `database` for the MNO, bound to `settlement` (possibly on a restarted node).
    func service(database: URL, settlement: Contract<UsageSettlement>? = nil,
                 events: EventLog? = nil) throws -> UsageOutboxService {
        let store = try SQLiteUsageOutboxStore(path: database.path)
        var progress: (@Sendable (UsageEvent) -> Void)?
        if let events { progress = { event in events.append(event) } }
        return try UsageOutboxService(store: store, settlement: settlement ?? self.settlement, signer: mnoKey, progress: progress)
    }

    /// Demo CDRs for the first entitlement (or `entitlement`) inside its period.
    func cdrs(count: Int, first: UInt64 = 1, seed: UInt64 = 7, entitlement: UInt256? = nil) -> [CDR] {
        CDRGenerator(seed: seed, entitlementId: entitlement ?? entitlementId, firstSequence: first, periodStart: start + 10,
                     bytesRange: 1_000...50_000, latestEnd: usageUntil).generate(count: count)
    }

    /// Every BatchPosted log of the settlement contract.
    func postedLogs(on client: any EthereumClient, settlement: Contract<UsageSettlement>? = nil) async throws -> [UsageSettlement.BatchPosted] {
        let address = (settlement ?? self.settlement).address
        let logs = try await client.getLogs(LogFilter(fromBlock: .earliest, toBlock: .latest, addresses: [address],
                                                      topics: [[UsageSettlement.BatchPosted.event.topic0]]))
        return try logs.map { try UsageSettlement.BatchPosted(topics: $0.topics, data: $0.data) }
    }

    func settledLogs(on client: any EthereumClient, settlement: Contract<UsageSettlement>? = nil) async throws -> [UsageSettlement.BatchSettled] {
        let address = (settlement ?? self.settlement).address
        let logs = try await client.getLogs(LogFilter(fromBlock: .earliest, toBlock: .latest, addresses: [address],
                                                      topics: [[UsageSettlement.BatchSettled.event.topic0]]))
        return try logs.map { try UsageSettlement.BatchSettled(topics: $0.topics, data: $0.data) }
    }

    /// Mines an empty block at `timestamp` (time travel past the dispute window).
    static func mine(_ client: any EthereumClient, at timestamp: UInt64) async throws {
        _ = try await client.request("evm_mine", [.string(UInt256(timestamp).quantityHex)], retry: .once)
    }
}

/// Collects the service's progress events (thread-safe).
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [UsageEvent] = []
    func append(_ e: UsageEvent) { lock.lock(); items.append(e); lock.unlock() }
    var all: [UsageEvent] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Runs `body` with a fresh devnet and world; always stops the devnet and removes its state.
func withWorld(_ body: (UsageWorld) async throws -> Void) async throws {
    let devnet = try await DevnetProcess.start()
    do {
        try await body(try await UsageWorld.make(devnet))
    } catch {
        await devnet.stop(); devnet.removeState()
        throw error
    }
    await devnet.stop(); devnet.removeState()
}
