// The real devnet with the committed contracts deployed from Swift, for the chain-trust tests.
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import SMDPCore
import Testing

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The package root (…/Tests/ChainTrustTests/<file> → …).
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `<packageRoot>/../shared/testdata/ts48/TS48v2_SAIP2.3_NoBERTLV.der` (profileType "GSMA Generic eUICC Test Profile").
let ts48File = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata/ts48/TS48v2_SAIP2.3_NoBERTLV.der")
let ts48Available = FileManager.default.fileExists(atPath: ts48File.path)
let ts48ProfileType = "GSMA Generic eUICC Test Profile"

/// contracts/build/<Name>.json creation bytecode.
func bytecode(_ name: String) throws -> [UInt8] {
    let data = try Data(contentsOf: packageRoot.appendingPathComponent("contracts/build/\(name).json"))
    guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], let code = json["bytecode"] as? String else {
        throw FixtureError("\(name).json: no bytecode")
    }
    return try Hex.decode(code)
}

/// TestStablecoin, TrustRegistry, PlanEntitlements and UsageSettlement deployed and wired in
/// contracts/deploy.py's order, with an MNO, an MVNO the MNO approved, and the plans' SM-DP+ registered.
struct ChainFixture {
    let devnet: DevnetProcess
    let chain: Chain
    let governance: PrivateKey
    let mnoKey: PrivateKey
    let mvnoKey: PrivateKey
    let user: PrivateKey
    let smdpEntity: Address
    /// The SM-DP+ entity the fixture's plans name (registered at deploy; `smdpEntity` is registered by the tests).
    let planSmdp: Address
    /// Its key (it records deliveries: PlanEntitlements.markDelivered).
    var planSmdpKey: PrivateKey { get throws { try devnetKeys(devnet)[7] } }
    let token: Contract<TestStablecoin>
    let registry: Contract<TrustRegistry>
    let plans: Contract<PlanEntitlements>

    static func deploy(on devnet: DevnetProcess) async throws -> ChainFixture {
        let keys = try devnetKeys(devnet)
        let governance = keys[0], mnoKey = keys[1], mvnoKey = keys[2], user = keys[3]
        let chain = try await Chain.connect(devnet.client)
        let token = try await chain.deploy(TestStablecoin.self, data: try TestStablecoin.deploymentData(
            bytecode: try bytecode("TestStablecoin")), signer: governance)
        let registry = try await chain.deploy(TrustRegistry.self, data: try TrustRegistry.deploymentData(
            bytecode: try bytecode("TrustRegistry"), owner: try governance.address()), signer: governance)
        let plans = try await chain.deploy(PlanEntitlements.self, data: try PlanEntitlements.deploymentData(
            bytecode: try bytecode("PlanEntitlements"), registry: registry.address, token: token.address,
            uri: "https://openrsp.invalid/entitlement/{id}.json"), signer: governance)
        let settlement = try await chain.deploy(UsageSettlement.self, data: try UsageSettlement.deploymentData(
            bytecode: try bytecode("UsageSettlement"), registry: registry.address, entitlements: plans.address,
            token: token.address, disputeWindow: 600, postingGrace: 4200), signer: governance)
        try await plans.send(PlanEntitlements.setSettlement(settlement.address), signer: governance)
        func h(_ s: String) -> Hash32 { Keccak256.hash(Array(s.utf8)) }
        try await registry.send(TrustRegistry.register(entity: try mnoKey.address(), role: .mno, name: "MNO", spkiHash: h("mno spki"),
                                                       certHash: h("mno cert")), signer: governance)
        try await registry.send(TrustRegistry.register(entity: try mvnoKey.address(), role: .mvno, name: "MVNO", spkiHash: h("mvno spki"),
                                                       certHash: h("mvno cert")), signer: governance)
        try await registry.send(TrustRegistry.approveMvno(try mvnoKey.address(), maxMarginBps: 1000), signer: mnoKey)
        let planSmdp = try keys[7].address()
        try await registry.send(TrustRegistry.register(entity: planSmdp, role: .smdp, name: "Plans SM-DP+", spkiHash: h("plans smdp spki"),
                                                       certHash: h("plans smdp cert")), signer: governance)
        return ChainFixture(devnet: devnet, chain: chain, governance: governance, mnoKey: mnoKey, mvnoKey: mvnoKey, user: user,
                            smdpEntity: try keys[5].address(), planSmdp: planSmdp, token: token, registry: registry, plans: plans)
    }

    /// Registers the SM-DP+ entity with sha256(SPKI) of its CERT.DPauth.
    func registerSMDP(spkiSHA256: [UInt8], certificateSHA256: [UInt8]) async throws {
        try await registry.send(TrustRegistry.register(entity: smdpEntity, role: .smdp, name: "OpenRSP test SM-DP+",
                                                       spkiHash: try Hash32(spkiSHA256), certHash: try Hash32(certificateSHA256)),
                                signer: governance)
    }

    /// Lists a plan (MVNO reselling the MNO) with `validitySeconds` delivering `profileType` (activation window: the
    /// whole validity); returns its id.
    func listPlan(validitySeconds: UInt64, profileType: String = ts48ProfileType) async throws -> UInt256 {
        let listed = try await plans.send(PlanEntitlements.listPlan(.init(
            mno: try mnoKey.address(), dataMB: 100, validitySeconds: UInt256(validitySeconds), price: 1_000_000, marginBps: 1000,
            supplyCap: 10, refundRule: .atExpiry, usagePoster: .mno, smdp: planSmdp,
            profileType: PlanEntitlements.profileTypeId(name: profileType), activationWindowSeconds: UInt256(validitySeconds))),
            signer: mvnoKey)
        return try plans.event(PlanEntitlements.PlanListed.self, in: listed).planId
    }

    /// The user buys `planId` for `commitment`; returns the entitlement id.
    func buy(planId: UInt256, commitment: Hash32) async throws -> EntitlementID {
        let userAddress = try user.address()
        try await token.send(TestStablecoin.mint(receiver: userAddress, amount: 1_000_000), signer: governance)
        try await token.send(TestStablecoin.approve(spender: plans.address, amount: 1_000_000), signer: user)
        let bought = try await plans.send(PlanEntitlements.buy(planId: planId, commitment: commitment), signer: user)
        let id = try plans.event(PlanEntitlements.Purchased.self, in: bought).id
        return try EntitlementID(bytes: id.bigEndianBytes)
    }

    /// Mines a block `seconds` after the latest one (calls then see the new time).
    func advanceTime(seconds: UInt64) async throws {
        guard let latest = try await devnet.client.getBlockByNumber(.latest) else { throw FixtureError("no latest block") }
        _ = try await devnet.client.request("evm_mine", [.string(UInt256(latest.timestamp + seconds).quantityHex)], retry: .once)
    }
}

/// Runs `body` with a fresh devnet and always stops it and removes its state.
func withDevnet(_ body: (DevnetProcess) async throws -> Void) async throws {
    let devnet = try await DevnetProcess.start()
    do {
        try await body(devnet)
    } catch {
        await devnet.stop()
        devnet.removeState()
        throw error
    }
    await devnet.stop()
    devnet.removeState()
}
