// End to end over real sockets: Swift → JSON-RPC → tools/devnet (eth-tester/py-evm) → the committed
// contract bytecode. Skips when .venv is missing (run scripts/setup).
import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import Testing
import DevnetTestSupport

/// The four contracts deployed and wired from Swift in contracts/deploy.py's order.
struct DeployedSystem {
    let token: Contract<TestStablecoin>
    let registry: Contract<TrustRegistry>
    let plans: Contract<PlanEntitlements>
    let settlement: Contract<UsageSettlement>

    static let disputeWindow: UInt64 = 600
    /// At least the dispute window + 1 h (`MIN_FINAL_POST_TIME`), as the constructor requires.
    static let postingGrace: UInt64 = 4200

    static func deploy(on chain: Chain, deployer: PrivateKey, governance: Address) async throws -> DeployedSystem {
        let token = try await chain.deploy(TestStablecoin.self, data: try TestStablecoin.deploymentData(
            bytecode: try ContractArtifact("TestStablecoin").bytecode), signer: deployer)
        let registry = try await chain.deploy(TrustRegistry.self, data: try TrustRegistry.deploymentData(
            bytecode: try ContractArtifact("TrustRegistry").bytecode, owner: governance), signer: deployer)
        let plans = try await chain.deploy(PlanEntitlements.self, data: try PlanEntitlements.deploymentData(
            bytecode: try ContractArtifact("PlanEntitlements").bytecode, registry: registry.address, token: token.address,
            uri: "https://openrsp.invalid/entitlement/{id}.json"), signer: deployer)
        let settlement = try await chain.deploy(UsageSettlement.self, data: try UsageSettlement.deploymentData(
            bytecode: try ContractArtifact("UsageSettlement").bytecode, registry: registry.address, entitlements: plans.address,
            token: token.address, disputeWindow: UInt256(disputeWindow), postingGrace: UInt256(postingGrace)), signer: deployer)
        let wired = try await plans.send(PlanEntitlements.setSettlement(settlement.address), signer: deployer)
        #expect(try plans.event(PlanEntitlements.SettlementSet.self, in: wired).settlement == settlement.address)
        return DeployedSystem(token: token, registry: registry, plans: plans, settlement: settlement)
    }
}

func expectRevert<T>(_ expected: ContractRevert, _ body: () async throws -> T) async {
    do {
        _ = try await body()
        Issue.record("expected revert \(expected), call succeeded")
    } catch let ContractError.reverted(reason) {
        #expect(reason == expected)
    } catch {
        Issue.record("expected revert \(expected), got \(error)")
    }
}

@Suite("Settlement against the real devnet", .serialized, .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct DevnetSettlementTests {
    @Test("deploy, register, revoke, list, buy, post usage with the Swift Merkle root, time travel, settle, dispute, close: exact balances")
    func endToEnd() async throws {
        try await DevnetProcess.with(run)
    }

    func run(_ devnet: DevnetProcess) async throws {
        let keys = try devnetKeys(devnet)
        let governance = keys[0], mnoKey = keys[1], mvnoKey = keys[2], user = keys[3]
        let ciAddress = try keys[4].address(), smdpAddress = try keys[5].address()
        let mno = try mnoKey.address(), mvno = try mvnoKey.address(), userAddress = try user.address()
        let chain = try await Chain.connect(devnet.client)
        #expect(chain.chainId == 1337)
        let sys = try await DeployedSystem.deploy(on: chain, deployer: governance, governance: try governance.address())
        #expect(try await sys.plans.call(PlanEntitlements.settlement()) == sys.settlement.address)
        #expect(try await sys.settlement.call(UsageSettlement.DISPUTE_WINDOW()) == UInt256(DeployedSystem.disputeWindow))

        // Governance registers a CI, an SM-DP+ (by SPKI hash), an MNO and an MVNO.
        func h(_ s: String) -> Hash32 { Keccak256.hash(Array(s.utf8)) }
        let smdpSpki = h("smdp spki"), ciSpki = h("ci spki")
        let registered = try await sys.registry.send(TrustRegistry.register(
            entity: smdpAddress, role: .smdp, name: "SM-DP+ one", spkiHash: smdpSpki, certHash: h("smdp cert")), signer: governance)
        let event = try sys.registry.event(TrustRegistry.EntityRegistered.self, in: registered)
        #expect(event.entity == smdpAddress && event.role == .smdp && event.spkiHash == smdpSpki && event.name == "SM-DP+ one")
        try await sys.registry.send(TrustRegistry.register(entity: ciAddress, role: .ci, name: "Test CI", spkiHash: ciSpki,
                                                           certHash: h("ci cert")), signer: governance)
        try await sys.registry.send(TrustRegistry.register(entity: mno, role: .mno, name: "MNO", spkiHash: h("mno spki"),
                                                           certHash: h("mno cert")), signer: governance)
        try await sys.registry.send(TrustRegistry.register(entity: mvno, role: .mvno, name: "MVNO", spkiHash: h("mvno spki"),
                                                           certHash: h("mvno cert")), signer: governance)
        // The plans' SM-DP+ (the one above is revoked below), and the MNO's approval of the MVNO (at most 20 % margin).
        let planSmdpKey = keys[7], planSmdp = try keys[7].address()
        try await sys.registry.send(TrustRegistry.register(entity: planSmdp, role: .smdp, name: "Plan SM-DP+", spkiHash: h("plan smdp"),
                                                           certHash: h("plan smdp cert")), signer: governance)
        let approved = try await sys.registry.send(TrustRegistry.approveMvno(mvno, maxMarginBps: 2000), signer: mnoKey)
        #expect(try sys.registry.event(TrustRegistry.MvnoApproved.self, in: approved).maxMarginBps == 2000)
        #expect(try await sys.registry.call(TrustRegistry.mvnoApproval(mno: mno, mvno: mvno)) == 2000)
        #expect(try await sys.registry.call(TrustRegistry.VERSION()) == PlanEntitlements.bindingVersion)
        #expect(try await sys.registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: smdpSpki)))
        #expect(try await sys.registry.call(TrustRegistry.isTrusted(role: .ci, spkiHash: ciSpki)))
        #expect(try await !sys.registry.call(TrustRegistry.isTrusted(role: .ci, spkiHash: smdpSpki)))
        let entity = try #require(try await sys.registry.call(TrustRegistry.entities(smdpAddress)))
        #expect(entity.role == .smdp && entity.status == .active && entity.name == "SM-DP+ one")
        // A typed revert from a real node: the same address twice, and a non-owner registering.
        await expectRevert(.trustRegistry(.entityAlreadyRegistered)) {
            try await sys.registry.send(TrustRegistry.register(entity: mno, role: .mno, name: "again", spkiHash: h("x"), certHash: h("y")),
                                        signer: governance)
        }
        await expectRevert(.trustRegistry(.notOwner)) {
            try await sys.registry.send(TrustRegistry.register(entity: userAddress, role: .ci, name: "rogue", spkiHash: h("r"), certHash: h("s")),
                                        signer: user)
        }
        let revoked = try await sys.registry.send(TrustRegistry.revoke(entity: smdpAddress, reasonCode: 7), signer: governance)
        let expectedRevoked = try revokedEvent(smdpAddress, 7)
        #expect(try sys.registry.event(TrustRegistry.EntityRevoked.self, in: revoked) == expectedRevoked)
        #expect(try await !sys.registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: smdpSpki)))
        #expect(try await sys.registry.call(TrustRegistry.statusOf(entity: smdpAddress)) == .revoked)

        // The MVNO lists a plan reselling the MNO: 100 MB, 30 days, 12.345678 tUSD, 15% margin, delivered by the
        // plan SM-DP+ as one profile type within 7 days. Above the MNO's maximum margin it is refused.
        let price: UInt256 = 12_345_678, marginBps: UInt256 = 1500, dataMB: UInt256 = 100
        let profileType = PlanEntitlements.profileTypeId(name: "OpenRSP Test Profile")
        var terms = PlanEntitlements.PlanTerms(
            mno: mno, dataMB: dataMB, validitySeconds: 2_592_000, price: price, marginBps: 2001, supplyCap: 10,
            refundRule: .atExpiry, usagePoster: .mno, smdp: planSmdp, profileType: profileType, activationWindowSeconds: 604_800)
        await expectRevert(.planEntitlements(.marginAboveTheMNOsMaximum)) {
            try await sys.plans.send(PlanEntitlements.listPlan(terms), signer: mvnoKey)
        }
        terms.marginBps = marginBps
        let listed = try await sys.plans.send(PlanEntitlements.listPlan(terms), signer: mvnoKey)
        let planEvent = try sys.plans.event(PlanEntitlements.PlanListed.self, in: listed)
        #expect(planEvent.planId == 1 && planEvent.mvno == mvno && planEvent.mno == mno && planEvent.price == price)
        let plan = try #require(try await sys.plans.call(PlanEntitlements.plans(planId: planEvent.planId)))
        #expect(plan.active && plan.marginBps == marginBps && plan.refundRule == .atExpiry && plan.usagePoster == .mno)
        #expect(plan.soulbound && plan.smdp == planSmdp && plan.profileType == profileType && planEvent.profileType == profileType)

        // The user gets test stablecoin, approves, and buys for an EID commitment.
        try await sys.token.send(TestStablecoin.mint(receiver: userAddress, amount: 50_000_000), signer: governance)
        await expectRevert(.testStablecoin(.mintNotMinter)) {
            try await sys.token.send(TestStablecoin.mint(receiver: userAddress, amount: 1), signer: user)
        }
        await expectRevert(.testStablecoin(.insufficientAllowance)) {
            try await sys.plans.send(PlanEntitlements.buy(planId: planEvent.planId, commitment: h("c")), signer: user)
        }
        try await sys.token.send(TestStablecoin.approve(spender: sys.plans.address, amount: price), signer: user)
        let eid: [UInt8] = [0x89, 0x04, 0x90, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]
        let salt = h("a secret salt")
        let commitment = try PlanEntitlements.commitment(eid: eid, salt: salt)
        let bought = try await sys.plans.send(PlanEntitlements.buy(planId: planEvent.planId, commitment: commitment), signer: user)
        let purchase = try sys.plans.event(PlanEntitlements.Purchased.self, in: bought)
        #expect(purchase.buyer == userAddress && purchase.commitment == commitment && purchase.price == price)
        let transfers = try sys.token.events(TestStablecoin.Transfer.self, in: bought)
        let expectedTransfer = try transferEvent(userAddress, sys.settlement.address, price)
        #expect(transfers == [expectedTransfer])
        let id = purchase.id
        #expect(try await sys.plans.call(PlanEntitlements.isLive(tokenId: id, commitment: commitment)))
        #expect(try await !sys.plans.call(PlanEntitlements.isLive(tokenId: id, commitment: try PlanEntitlements.commitment(eid: eid, salt: h("wrong")))))
        let ent = try await sys.plans.call(PlanEntitlements.entitlement(tokenId: id))
        #expect(ent.status == .active && ent.owner == userAddress && ent.planId == planEvent.planId)
        #expect(try await sys.settlement.call(UsageSettlement.escrowOf(entitlementId: id, ledger: .empty)) == price)
        #expect(try await sys.settlement.currentLedger(entitlementId: id) == .empty)
        #expect(try await sys.settlement.call(UsageSettlement.EMPTY_LEDGER_HASH()) == UsageSettlement.Ledger.empty.hash)

        // No usage before delivery; the plan's SM-DP+ records it with the install result's hash.
        await expectRevert(.usageSettlement(.usageNotDelivered)) {
            try await sys.settlement.send(UsageSettlement.postUsage(
                entitlementId: id, ledger: .empty, root: h("r"), totalBytes: 1, firstSeq: 1, lastSeq: 1, nonce: 1), signer: mnoKey)
        }
        await expectRevert(.planEntitlements(.callerNotThePlansSMDP)) {
            try await sys.plans.send(PlanEntitlements.markDelivered(tokenId: id, installResultHash: h("pir")), signer: mnoKey)
        }
        let delivered = try await sys.plans.send(PlanEntitlements.markDelivered(tokenId: id, installResultHash: h("pir")),
                                                 signer: planSmdpKey)
        let record = try sys.plans.event(PlanEntitlements.Delivered.self, in: delivered)
        #expect(record.id == id && record.smdp == planSmdp && record.installResultHash == h("pir"))
        let deliveryTerms = try await sys.plans.call(PlanEntitlements.deliveryTerms(tokenId: id))
        let deadline = try purchase.start + UInt256(604_800)
        #expect(deliveryTerms.delivered && deliveryTerms.profileType == profileType && deliveryTerms.smdp == planSmdp
                && deliveryTerms.activationDeadline == deadline)

        // The MNO posts three CDRs under the Swift Merkle root; the contract agrees on leaves and proofs.
        let start = try u64(purchase.start), period = start + 60
        let usageBytes: [UInt64] = [12_000_000, 7_654_321, 3_000_001]
        let cdrs = usageBytes.enumerated().map { i, b in
            CDR(entitlementId: id, sequence: UInt64(i + 1), bytes: b, periodStart: period + UInt64(i) * 600,
                periodEnd: period + UInt64(i) * 600 + 599, cdrHash: h("cdr \(i + 1)"))
        }
        let usageBatch = try UsageBatch(cdrs: cdrs)
        let tree = usageBatch.tree
        for (i, cdr) in cdrs.enumerated() {
            #expect(try await sys.settlement.call(UsageSettlement.cdrLeaf(cdr)) == cdr.leaf)
            #expect(try await sys.settlement.call(UsageSettlement.verifyCdr(
                root: tree.root, cdr: cdr, index: UInt256(UInt64(i)), count: 3, proof: try tree.proof(index: i))))
        }
        let total = usageBytes.reduce(0, +)
        #expect(usageBatch.totalBytes == total && usageBatch.firstSeq == 1 && usageBatch.lastSeq == 3)
        // CDRs describe the past: post after the last CDR of both batches ends (one ending later would be contradiction 5).
        _ = try await devnet.client.request("evm_mine", [.string(UInt256(period + 4300).quantityHex)], retry: .once)
        let posted = try await sys.settlement.send(usageBatch.postUsage(ledger: .empty, nonce: 1), signer: mnoKey)
        let batch = try sys.settlement.event(UsageSettlement.BatchPosted.self, in: posted)
        #expect(batch.batchId == UsageSettlement.computeBatchId(entitlementId: id, nonce: 1) && batch.root == tree.root && batch.totalBytes == total)
        #expect(try await sys.settlement.call(UsageSettlement.batchId(entitlementId: id, nonce: 1)) == batch.batchId)
        // The new ledger is in LedgerUpdated, hashes to ledgerHash(id) on chain and the Swift hash agrees with hashLedger.
        let ledger1 = try sys.settlement.event(UsageSettlement.LedgerUpdated.self, in: posted).ledger
        #expect(ledger1 == UsageSettlement.Ledger(settledBytes: 0, lastSeq: 3, nonce: 1, closed: false, pendingRoot: tree.root,
                                                  pendingBytes: total, pendingFirstSeq: 1, pendingPostedAt: batch.postedAt))
        #expect(try await sys.settlement.call(UsageSettlement.ledgerHash(entitlementId: id)) == ledger1.hash)
        #expect(try await sys.settlement.call(UsageSettlement.hashLedger(ledger1)) == ledger1.hash)
        #expect(try await sys.settlement.currentLedger(entitlementId: id) == ledger1)
        // A stale ledger (the one before the post) and a second batch while one is pending are refused.
        await expectRevert(.usageSettlement(.ledgerStale)) {
            try await sys.settlement.send(UsageSettlement.postUsage(
                entitlementId: id, ledger: .empty, root: tree.root, totalBytes: 1, firstSeq: 4, lastSeq: 4, nonce: 2), signer: mnoKey)
        }
        await expectRevert(.usageSettlement(.usageBatchPending)) {
            try await sys.settlement.send(UsageSettlement.postUsage(
                entitlementId: id, ledger: ledger1, root: tree.root, totalBytes: 1, firstSeq: 4, lastSeq: 4, nonce: 2), signer: mnoKey)
        }
        await expectRevert(.usageSettlement(.batchDisputeWindowOpen)) {
            try await sys.settlement.send(UsageSettlement.settle(entitlementId: id, ledger: ledger1), signer: user)
        }

        // Past the dispute window, anyone settles; balances are exact to the base unit.
        let closes = batch.postedAt + DeployedSystem.disputeWindow
        // Time travel by mining blocks at chosen times (calls and gas estimates run on top of the latest
        // block; this devnet executes them in a child block one second later, geth at the latest block's
        // time). Half-way through the window settling still reverts; once a block at the closing time exists it passes.
        _ = try await devnet.client.request("evm_mine", [.string(UInt256(closes - DeployedSystem.disputeWindow / 2).quantityHex)], retry: .once)
        await expectRevert(.usageSettlement(.batchDisputeWindowOpen)) {
            try await sys.settlement.send(UsageSettlement.settle(entitlementId: id, ledger: ledger1), signer: user)
        }
        _ = try await devnet.client.request("evm_mine", [.string(UInt256(closes).quantityHex)], retry: .once)
        let settled = try await sys.settlement.send(UsageSettlement.settle(entitlementId: id, ledger: ledger1), signer: user)
        let ledger2 = try sys.settlement.event(UsageSettlement.LedgerUpdated.self, in: settled).ledger
        #expect(ledger2 == UsageSettlement.Ledger(settledBytes: total, lastSeq: 3, nonce: 1))
        let paid = try sys.settlement.event(UsageSettlement.BatchSettled.self, in: settled)
        let planBytes = try dataMB * 1_000_000
        let pay = try (price * UInt256(total)).divided(by: planBytes)
        let toMvno = try (pay * marginBps).divided(by: 10_000)
        let toMno = try pay - toMvno
        #expect(pay == 2_796_829 && toMvno == 419_524) // 12,345,678 × 22,654,322 // 100,000,000; × 1500 // 10000
        #expect(paid.toMno == toMno && paid.toMvno == toMvno && paid.totalBytes == total)
        // Pull payments: settle credits the MNO and the MVNO; each withdraws its own share.
        let credits = try sys.settlement.events(UsageSettlement.Credited.self, in: settled)
        #expect(credits.map(\.payee) == [mno, mvno] && credits.map(\.amount) == [toMno, toMvno])
        #expect(try await sys.settlement.call(UsageSettlement.owed(mno)) == toMno)
        for (key, payee, amount) in [(mnoKey, mno, toMno), (mvnoKey, mvno, toMvno)] {
            let took = try await sys.settlement.send(UsageSettlement.withdraw(receiver: payee), signer: key)
            let w = try sys.settlement.event(UsageSettlement.Withdrawn.self, in: took)
            #expect(w.payee == payee && w.receiver == payee && w.amount == amount)
            #expect(try await sys.token.call(TestStablecoin.balanceOf(payee)) == amount)
        }
        await expectRevert(.usageSettlement(.withdrawNothingOwed)) {
            try await sys.settlement.send(UsageSettlement.withdraw(receiver: mno), signer: mnoKey)
        }
        let escrow = try await sys.token.call(TestStablecoin.balanceOf(sys.settlement.address))
        #expect(escrow == (try price - pay))
        #expect(try escrow + toMno + toMvno == price)
        #expect(try await sys.token.call(TestStablecoin.balanceOf(userAddress)) == (try 50_000_000 - price))
        #expect(try await sys.settlement.call(UsageSettlement.escrowOf(entitlementId: id, ledger: ledger2)) == escrow)
        #expect(try await sys.settlement.finality(ofBatch: batch.batchId) == .settled)
        // Settling again: the old ledger is stale, and the current one has nothing pending.
        await expectRevert(.usageSettlement(.ledgerStale)) {
            try await sys.settlement.send(UsageSettlement.settle(entitlementId: id, ledger: ledger1), signer: user)
        }
        await expectRevert(.usageSettlement(.batchNonePending)) {
            try await sys.settlement.send(UsageSettlement.settle(entitlementId: id, ledger: ledger2), signer: user)
        }

        // A second batch whose first CDR claims more bytes than the batch total: the owner proves that
        // CDR with the Swift proof and voids the batch; a consistent CDR of the same batch cannot.
        let second = [
            CDR(entitlementId: id, sequence: 4, bytes: 5_000_000, periodStart: period + 3000, periodEnd: period + 3599, cdrHash: h("cdr 4")),
            CDR(entitlementId: id, sequence: 5, bytes: 1_000, periodStart: period + 3600, periodEnd: period + 4199, cdrHash: h("cdr 5")),
        ]
        let secondTree = try UsageMerkleTree(cdrs: second)
        // totalBytes is deliberately below the first CDR's bytes, so this batch is posted by hand, not via UsageBatch.
        let posted2 = try await sys.settlement.send(UsageSettlement.postUsage(
            entitlementId: id, ledger: ledger2, root: secondTree.root, totalBytes: 1_000_000, firstSeq: 4, lastSeq: 5, nonce: 2), signer: mnoKey)
        let batch2 = try sys.settlement.event(UsageSettlement.BatchPosted.self, in: posted2)
        let ledger3 = try await sys.settlement.currentLedger(entitlementId: id)
        #expect(ledger3.pendingBatchId(entitlementId: id) == batch2.batchId && ledger3.settledBytes == total)
        #expect(try await sys.settlement.finality(ofBatch: batch2.batchId) == nil)
        await expectRevert(.usageSettlement(.disputeNoContradiction)) {
            try await sys.settlement.send(UsageSettlement.dispute(entitlementId: id, ledger: ledger3, cdr: second[1], leafIndex: 1,
                                                                  proof: try secondTree.proof(index: 1)), signer: user)
        }
        await expectRevert(.usageSettlement(.disputeNotEntitlementOwner)) {
            try await sys.settlement.send(UsageSettlement.dispute(entitlementId: id, ledger: ledger3, cdr: second[0], leafIndex: 0,
                                                                  proof: try secondTree.proof(index: 0)), signer: mvnoKey)
        }
        let disputed = try await sys.settlement.send(try UsageBatch(cdrs: second).dispute(ledger: ledger3, leafIndex: 0), signer: user)
        let voided = try sys.settlement.event(UsageSettlement.BatchVoided.self, in: disputed)
        #expect(voided.batchId == batch2.batchId && voided.reason == .unitsExceedBatch && voided.leafIndex == 0)
        #expect(try await sys.settlement.finality(ofBatch: batch2.batchId) == .voided)
        // Voiding frees the bytes, keeps the sequences and the nonce used.
        let ledger4 = try await sys.settlement.currentLedger(entitlementId: id)
        #expect(ledger4 == UsageSettlement.Ledger(settledBytes: total, lastSeq: 5, nonce: 2))
        #expect(try await sys.token.call(TestStablecoin.balanceOf(sys.settlement.address)) == escrow)

        // After expiry + posting grace anyone closes; the unused escrow is refunded to the owner (REFUND_AT_EXPIRY).
        let closeAt = try u64(ent.end) + DeployedSystem.postingGrace
        _ = try await devnet.client.request("evm_mine", [.string(UInt256(closeAt).quantityHex)], retry: .once)
        let closed = try await sys.settlement.send(UsageSettlement.close(entitlementId: id, ledger: ledger4), signer: mvnoKey)
        let closing = try sys.settlement.event(UsageSettlement.EntitlementClosed.self, in: closed)
        #expect(closing.refunded == escrow && closing.receiver == userAddress && closing.toMno == 0 && closing.toMvno == 0
                && closing.delivered)
        #expect(try await sys.settlement.call(UsageSettlement.owed(userAddress)) == escrow)
        try await sys.settlement.send(UsageSettlement.withdraw(receiver: userAddress), signer: user)
        #expect(try await sys.token.call(TestStablecoin.balanceOf(sys.settlement.address)) == 0)
        let userBalance = try await sys.token.call(TestStablecoin.balanceOf(userAddress))
        #expect(userBalance == (try 50_000_000 - pay))
        #expect(try userBalance + toMno + toMvno == 50_000_000)
        #expect(try await sys.token.call(TestStablecoin.totalSupply()) == 50_000_000)
        let ledger5 = try await sys.settlement.currentLedger(entitlementId: id)
        #expect(ledger5.closed && ledger5.settledBytes == total)
        #expect(try await sys.settlement.call(UsageSettlement.escrowOf(entitlementId: id, ledger: ledger5)) == 0)
        await expectRevert(.usageSettlement(.entitlementClosed)) {
            try await sys.settlement.send(UsageSettlement.close(entitlementId: id, ledger: ledger5), signer: user)
        }
    }
}

func revokedEvent(_ entity: Address, _ code: UInt16) throws -> TrustRegistry.EntityRevoked {
    let e = TrustRegistry.EntityRevoked.event
    return try TrustRegistry.EntityRevoked(
        topics: [e.topic0, try Hash32([UInt8](repeating: 0, count: 12) + entity.bytes)],
        data: try ABI.encode([.uint(16)], [.uint(UInt256(UInt64(code)))]))
}

func transferEvent(_ from: Address, _ to: Address, _ value: UInt256) throws -> TestStablecoin.Transfer {
    let e = TestStablecoin.Transfer.event
    return try TestStablecoin.Transfer(
        topics: [e.topic0, try Hash32([UInt8](repeating: 0, count: 12) + from.bytes), try Hash32([UInt8](repeating: 0, count: 12) + to.bytes)],
        data: value.bigEndianBytes)
}

func u64(_ x: UInt256) throws -> UInt64 {
    guard x.bitWidth <= 64 else { throw FixtureError("\(x) does not fit in UInt64") }
    return x.w0
}
