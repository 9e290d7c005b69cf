// The gasless purchase path on the real devnet: the buyer signs an EIP-3009 ReceiveWithAuthorization
// (EIP-712 digest built here from the binding's eip712Domain/DOMAIN_SEPARATOR/authorizationNonce), a
// relayer submits buyWithAuthorization. The public purchase nonce is fresh randomness, never the
// commitment's salt (issue 20 finding 3: the salt in calldata makes the EID searchable).
import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import Testing
import DevnetTestSupport

@Suite("Gasless purchase against the real devnet", .serialized, .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct DevnetGaslessPurchaseTests {
    @Test("a relayer submits the buyer's ReceiveWithAuthorization; the entitlement is the buyer's; a replay reverts")
    func gaslessPurchase() async throws {
        try await DevnetProcess.with(run)
    }

    func run(_ devnet: DevnetProcess) async throws {
        let keys = try devnetKeys(devnet)
        let governance = keys[0], mnoKey = keys[1], mvnoKey = keys[2], buyer = keys[3], relayer = keys[6]
        let mno = try mnoKey.address(), mvno = try mvnoKey.address(), buyerAddress = try buyer.address()
        let chain = try await Chain.connect(devnet.client)
        let sys = try await DeployedSystem.deploy(on: chain, deployer: governance, governance: try governance.address())
        func h(_ s: String) -> Hash32 { Keccak256.hash(Array(s.utf8)) }
        try await sys.registry.send(TrustRegistry.register(entity: mno, role: .mno, name: "MNO", spkiHash: h("mno"), certHash: h("mno c")),
                                    signer: governance)
        try await sys.registry.send(TrustRegistry.register(entity: mvno, role: .mvno, name: "MVNO", spkiHash: h("mvno"), certHash: h("mvno c")),
                                    signer: governance)
        let smdp = try keys[5].address()
        try await sys.registry.send(TrustRegistry.register(entity: smdp, role: .smdp, name: "SM-DP+", spkiHash: h("smdp"), certHash: h("smdp c")),
                                    signer: governance)
        try await sys.registry.send(TrustRegistry.approveMvno(mvno, maxMarginBps: 0), signer: mnoKey)
        let price: UInt256 = 3_000_000
        let listed = try await sys.plans.send(PlanEntitlements.listPlan(.init(
            mno: mno, dataMB: 10, validitySeconds: 86400, price: price, marginBps: 0, supplyCap: 5,
            refundRule: .none, usagePoster: .mno, smdp: smdp, profileType: PlanEntitlements.profileTypeId(name: "Test"),
            activationWindowSeconds: 3600)), signer: mvnoKey)
        let planId = try sys.plans.event(PlanEntitlements.PlanListed.self, in: listed).planId
        try await sys.token.send(TestStablecoin.mint(receiver: buyerAddress, amount: price), signer: governance)

        // EIP-712 domain from the contract (EIP-5267), checked against its DOMAIN_SEPARATOR.
        let domain = try await sys.token.call(TestStablecoin.eip712Domain())
        #expect(domain.name == "OpenRSP Test USD" && domain.version == "1" && domain.chainId == 1337 && domain.verifyingContract == sys.token.address)
        let domainTypeHash = h("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
        let separator = Keccak256.hash(try ABI.encode(
            [.fixedBytes(32), .fixedBytes(32), .fixedBytes(32), .uint(256), .address],
            [.fixedBytes(domainTypeHash.bytes), .fixedBytes(h(domain.name).bytes), .fixedBytes(h(domain.version).bytes),
             .uint(domain.chainId), .address(domain.verifyingContract)]))
        #expect(try await sys.token.call(TestStablecoin.DOMAIN_SEPARATOR()) == separator)

        let eid: [UInt8] = [0x89, 0x04, 0x90, 0x32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x15]
        let salt = h("gasless salt")
        let commitment = try PlanEntitlements.commitment(eid: eid, salt: salt)
        let purchaseNonce = PlanEntitlements.newPurchaseNonce()
        #expect(purchaseNonce != salt && purchaseNonce != PlanEntitlements.newPurchaseNonce())
        let nonce = try await sys.plans.call(PlanEntitlements.authorizationNonce(planId: planId, commitment: commitment,
                                                                                 purchaseNonce: purchaseNonce))
        let validBefore: UInt256 = 4_000_000_000
        let receiveTypeHash = h("ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
        let structHash = Keccak256.hash(try ABI.encode(
            [.fixedBytes(32), .address, .address, .uint(256), .uint(256), .uint(256), .fixedBytes(32)],
            [.fixedBytes(receiveTypeHash.bytes), .address(buyerAddress), .address(sys.plans.address), .uint(price), .uint(0),
             .uint(validBefore), .fixedBytes(nonce.bytes)]))
        let digest = Keccak256.hash([0x19, 0x01] + separator.bytes + structHash.bytes)
        let signature = try buyer.sign(digest: digest)

        let call = PlanEntitlements.buyWithAuthorization(planId: planId, commitment: commitment, purchaseNonce: purchaseNonce, buyer: buyerAddress,
                                                         validAfter: 0, validBefore: validBefore, signature: signature)
        let bought = try await sys.plans.send(call, signer: relayer)
        let purchase = try sys.plans.event(PlanEntitlements.Purchased.self, in: bought)
        #expect(purchase.buyer == buyerAddress && purchase.commitment == commitment && purchase.price == price)
        #expect(try await sys.plans.call(PlanEntitlements.ownerOf(tokenId: purchase.id)) == buyerAddress)
        #expect(try await sys.plans.call(PlanEntitlements.isLive(tokenId: purchase.id, commitment: commitment)))
        let used = try sys.token.event(TestStablecoin.AuthorizationUsed.self, in: bought)
        #expect(used.authorizer == buyerAddress && used.nonce == nonce)
        #expect(try await sys.token.call(TestStablecoin.balanceOf(buyerAddress)) == 0)
        #expect(try await sys.token.call(TestStablecoin.balanceOf(sys.settlement.address)) == price)
        #expect(try await sys.token.call(TestStablecoin.authorizationState(authorizer: buyerAddress, nonce: nonce)))

        // The same authorization cannot buy twice (the token's reason bubbles up through PlanEntitlements).
        await expectRevert(.testStablecoin(.authorizationUsedOrCanceled)) {
            try await sys.plans.send(call, signer: relayer)
        }
        // A soulbound entitlement cannot move.
        await expectRevert(.planEntitlements(.soulbound)) {
            try await sys.plans.send(PlanEntitlements.safeTransferFrom(sender: buyerAddress, receiver: mvno, id: purchase.id, amount: 1),
                                     signer: buyer)
        }
    }
}
