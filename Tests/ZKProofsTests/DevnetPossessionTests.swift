// A Swift-made possession proof of an entitlement's Pedersen EID commitment, sent to
// PedersenVerifier.provePossession on the real devnet: the whole system deployed from the committed
// bytecode, a plan listed and bought with keccak256(abi.encode(C)), the proof bound to the devnet's
// chain id, the verifier's address, the entitlement, a fresh nonce and the sender. Skips when .venv
// is missing (run scripts/setup).
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
@testable import Settlement
import Testing
import ZKProofs

let provePossession = ABIFunction(name: "provePossession",
                                  inputs: [.uint256, pointType, .b32, .tuple([.uint256, .uint256, .uint256])])
let nonceUsed = ABIFunction(name: "nonceUsed", inputs: [.uint256, .b32], outputs: [.bool])

func artifactBytecode(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("contracts/build/\(name).json")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    return try Hex.decode(json["bytecode"] as! String)
}

func randomNonce() -> [UInt8] {
    var rng = SystemRandomNumberGenerator()
    return (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

@Suite("Possession proofs from Swift against PedersenVerifier on the real devnet", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct DevnetPossessionTests {
    @Test("a Swift opening proof of a bought entitlement's EID commitment is accepted once; replays and other chains are refused")
    func possessionOnChain() async throws {
        try await DevnetProcess.with(run)
    }

    func run(_ devnet: DevnetProcess) async throws {
        let keys = try devnetKeys(devnet)
        let gov = keys[0], mnoKey = keys[1], mvnoKey = keys[2], userKey = keys[3]
        let mno = try mnoKey.address(), mvno = try mvnoKey.address(), user = try userKey.address(), smdp = try keys[4].address()
        func h(_ s: String) -> Hash32 { Keccak256.hash(Array(s.utf8)) }
        let chain = try await Chain.connect(devnet.client)

        // the system, wired as contracts/deploy.py does, and one plan
        let token = try await chain.deploy(TestStablecoin.self, data: try TestStablecoin.deploymentData(
            bytecode: try artifactBytecode("TestStablecoin")), signer: gov)
        let registry = try await chain.deploy(TrustRegistry.self, data: try TrustRegistry.deploymentData(
            bytecode: try artifactBytecode("TrustRegistry"), owner: try gov.address()), signer: gov)
        let plans = try await chain.deploy(PlanEntitlements.self, data: try PlanEntitlements.deploymentData(
            bytecode: try artifactBytecode("PlanEntitlements"), registry: registry.address, token: token.address,
            uri: "https://openrsp.invalid/entitlement/{id}.json"), signer: gov)
        let settlement = try await chain.deploy(UsageSettlement.self, data: try UsageSettlement.deploymentData(
            bytecode: try artifactBytecode("UsageSettlement"), registry: registry.address, entitlements: plans.address,
            token: token.address, disputeWindow: 600, postingGrace: 4200), signer: gov)
        try await plans.send(PlanEntitlements.setSettlement(settlement.address), signer: gov)
        try await registry.send(TrustRegistry.register(entity: mno, role: .mno, name: "MNO", spkiHash: h("mno spki"),
                                                       certHash: h("mno cert")), signer: gov)
        try await registry.send(TrustRegistry.register(entity: mvno, role: .mvno, name: "MVNO", spkiHash: h("mvno spki"),
                                                       certHash: h("mvno cert")), signer: gov)
        try await registry.send(TrustRegistry.register(entity: smdp, role: .smdp, name: "SM-DP+", spkiHash: h("smdp spki"),
                                                       certHash: h("smdp cert")), signer: gov)
        try await registry.send(TrustRegistry.approveMvno(mvno, maxMarginBps: 2000), signer: mnoKey)
        let terms = PlanEntitlements.PlanTerms(
            mno: mno, dataMB: 100, validitySeconds: 2_592_000, price: 1_000_000, marginBps: 1500, supplyCap: 10,
            refundRule: .atExpiry, usagePoster: .mno, smdp: smdp,
            profileType: PlanEntitlements.profileTypeId(name: "OpenRSP Test Profile"), activationWindowSeconds: 604_800)
        let listed = try await plans.send(PlanEntitlements.listPlan(terms), signer: mvnoKey)
        let planId = try plans.event(PlanEntitlements.PlanListed.self, in: listed).planId
        try await token.send(TestStablecoin.mint(receiver: user, amount: 1_000_000), signer: gov)
        try await token.send(TestStablecoin.approve(spender: plans.address, amount: 1_000_000), signer: userKey)

        // the user buys with a Pedersen commitment to the EID: the chain sees keccak256(abi.encode(C)) only
        let eid = Pedersen.eidValue(try Hex.decode("89049032123451234512345678901235"))!
        let blinding = Pedersen.randomScalar()
        let c = Pedersen.commit(value: eid, blinding: blinding)
        let bought = try await plans.send(PlanEntitlements.buy(planId: planId, commitment: try Hash32(Pedersen.commitmentHash(c))),
                                          signer: userKey)
        let id = try plans.event(PlanEntitlements.Purchased.self, in: bought).id

        let verifier = try await chain.deploy(PedersenVerifierDeployment.self, data: try PedersenVerifierDeployment.constructor
            .deploymentData(bytecode: try artifactBytecode("PedersenVerifier"), arguments: [.address(plans.address)]),
            signer: gov)

        func prove(_ context: PossessionContext) async throws(ContractError) -> TransactionOutcome {
            let proof = OpeningProof.prove(context, value: eid, blinding: blinding)
            let calldata: [UInt8]
            do {
                calldata = try provePossession.encodeCall([
                    .uint(id), try abiPoint(c), .fixedBytes(context.nonce),
                    .tuple([try abiScalar(proof.e), try abiScalar(proof.z1), try abiScalar(proof.z2)]),
                ])
            } catch {
                throw .binding(.unexpectedValue(field: "provePossession", expected: "encodable arguments"))
            }
            return try await chain.transact(to: verifier.address, data: calldata, value: .zero, signer: userKey,
                                            binding: PedersenVerifierDeployment.self)
        }
        func expectRefused(_ reason: String, _ context: PossessionContext) async {
            do {
                _ = try await prove(context)
                Issue.record("provePossession accepted a proof that should fail with \(reason)")
            } catch ContractError.reverted(let revert) {
                // by its text: "proof: invalid" is also one of UsageSettlement's typed reasons, which
                // ContractRevert.decode looks up for any contract
                #expect(revert.description.hasSuffix("reverted: \(reason)"), "\(revert)")
            } catch {
                Issue.record("expected revert \(reason), got \(error)")
            }
        }

        let context = PossessionContext(chainId: UInt256(chain.chainId), verifier: verifier.address, entitlementId: id,
                                        nonce: randomNonce(), prover: user)
        let outcome = try await prove(context)
        let topic = Keccak256.hash(Array("PossessionProven(uint256,address,bytes32)".utf8))
        let logs = outcome.receipt.logs.filter { $0.address == verifier.address && $0.topics.first == topic }
        #expect(logs.count == 1 && logs.first?.data == context.nonce)
        let used = try await devnet.client.call(CallRequest(to: verifier.address, data: try nonceUsed.encodeCall(
            [.uint(id), .fixedBytes(context.nonce)])))
        #expect(try nonceUsed.decodeOutput(used) == [.bool(true)])

        await expectRefused("nonce: already used", context)
        var otherChain = context
        otherChain.chainId = UInt256(1)
        otherChain.nonce = randomNonce()
        await expectRefused("proof: invalid", otherChain)
        var otherProver = context
        otherProver.prover = mvno
        otherProver.nonce = randomNonce()
        await expectRefused("proof: invalid", otherProver)
    }
}
