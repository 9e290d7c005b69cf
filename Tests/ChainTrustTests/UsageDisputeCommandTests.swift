// Issue 15 item 5: `openrsp usage dispute` and `openrsp withdraw` as the user and the MVNO run them:
// the `openrsp` binary against the real devnet; the MNO posts batches with its own key.
import DevnetTestSupport
import EthereumCore
import Foundation
import SMDPCore
import SMDPStoreSQLite
import Settlement
import Testing

@Suite("openrsp usage dispute / withdraw against the real devnet", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct UsageDisputeCommandTests {
    @Test("dispute: no pending batch, not the owner, a CDR file that is not the batch, an invalid proof, no contradiction and a closed window are refused with nothing sent; the owner voids a batch with a misplaced sequence from the CDR file; withdraw pays the MVNO its credit; entitlement close (too early refused) credits the refund the user withdraws")
    func disputeAndWithdraw() async throws {
        try await withDevnet { devnet in try await run(devnet) }
    }

    func run(_ devnet: DevnetProcess) async throws {
        let chain = try await ChainFixture.deploy(on: devnet)
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("dispute-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let settlement = chain.chain.contract(UsageSettlement.self, at: try await chain.plans.call(PlanEntitlements.settlement()))

        // A delivered entitlement of the user, a few hours into its period.
        let plan = try await chain.listPlan(validitySeconds: 30 * 86400)
        let entitlement = try await chain.buy(planId: plan, commitment: Keccak256.hash(Array("dispute commitment".utf8)))
        let id = try UInt256(bigEndian: entitlement.bytes)
        try await chain.plans.send(PlanEntitlements.markDelivered(tokenId: id, installResultHash: Keccak256.hash(Array("installed".utf8))),
                                   signer: try chain.planSmdpKey)
        let start = try await chain.plans.call(PlanEntitlements.entitlement(tokenId: id)).start.w0
        try await chain.advanceTime(seconds: 4 * 3600)

        let environment = ["DISPUTE_PW": "pw", "DISPUTE_KEY": ""]
        for (name, key) in [("user", chain.user), ("mvno", chain.mvnoKey)] {
            let imported = try OpenRSPBinary.run(["account", "import", name, "--private-key-env", "DISPUTE_KEY", "--password-env", "DISPUTE_PW",
                                                  "--light-kdf", "--json"], home: home,
                                                 environment: environment.merging(["DISPUTE_KEY": Hex.encode(key.rawBytes)]) { $1 })
            #expect(imported.status == 0, "\(imported.stdout) \(imported.stderr)")
        }
        let contractsFile = home.appendingPathComponent("contracts.json")
        try Data(#"{"chainId":\#(chain.chain.chainId),"contracts":{"UsageSettlement":"\#(settlement.address.checksummed)","PlanEntitlements":"\#(chain.plans.address.checksummed)"}}"#.utf8)
            .write(to: contractsFile)
        func openrsp(_ arguments: [String], as account: String) throws -> OpenRSPBinary.Outcome {
            try OpenRSPBinary.run(arguments + ["--account", account, "--password-env", "DISPUTE_PW", "--rpc-url", devnet.url,
                                               "--contracts", contractsFile.path, "--json"], home: home, environment: environment)
        }
        func expectCode(_ outcome: OpenRSPBinary.Outcome, _ code: Int, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(outcome.status == (code == 0 ? 0 : 1), "\(outcome.stdout) \(outcome.stderr)", sourceLocation: sourceLocation)
            #expect(outcome.envelope?["code"] as? Int == code, "\(outcome.stdout) \(outcome.stderr)", sourceLocation: sourceLocation)
        }
        let user = try chain.user.address()
        func writeCDRs(_ cdrs: [CDR], _ name: String) throws -> String {
            let lines = cdrs.map {
                #"{"entitlementId":"\#($0.entitlementId)","sequence":\#($0.sequence),"bytes":\#($0.bytes),"periodStart":\#($0.periodStart),"periodEnd":\#($0.periodEnd),"cdrHash":"\#($0.cdrHash.hex)"}"#
            }
            let url = home.appendingPathComponent(name)
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
            return url.path
        }
        func cdr(_ sequence: UInt64, _ offset: UInt64) -> CDR {
            CDR(entitlementId: id, sequence: sequence, bytes: 1000 + sequence, periodStart: start + offset, periodEnd: start + offset + 600,
                cdrHash: Keccak256.hash(Array("cdr \(sequence)".utf8)))
        }
        let dispute = ["usage", "dispute", "--entitlement", id.description]

        // Nothing posted yet.
        expectCode(try openrsp(dispute + ["--cdr-file", try writeCDRs([cdr(1, 60)], "none.jsonl")], as: "user"), 321)

        // The MNO posts CDRs 1, 2 and 4 as sequences 1…3: leaf 2 is out of place.
        let batch = [cdr(1, 60), cdr(2, 1200), cdr(4, 2400)]
        let tree = try UsageMerkleTree(leaves: batch.map(\.leaf))
        try await settlement.send(UsageSettlement.postUsage(entitlementId: id, ledger: .empty, root: tree.root, totalBytes: 3007,
                                                            firstSeq: 1, lastSeq: 3, nonce: 1), signer: chain.mnoKey)
        let batchFile = try writeCDRs(batch, "batch.jsonl")
        let userNonce = try await devnet.client.getTransactionCount(user)

        // Refusals, none of which sends anything.
        expectCode(try openrsp(dispute + ["--cdr-file", batchFile], as: "mvno"), 322)
        expectCode(try openrsp(dispute + ["--cdr-file", try writeCDRs(Array(batch.prefix(2)), "short.jsonl")], as: "user"), 323)
        func proofFile(_ leaf: CDR, index: Int, _ name: String) throws -> String {
            let proof = try tree.proof(index: index).map { "\"\($0.hex)\"" }.joined(separator: ",")
            let json = #"{"outboxBatch":1,"state":"posted","cdr":{"entitlementId":"\#(leaf.entitlementId)","sequence":\#(leaf.sequence),"bytes":\#(leaf.bytes),"periodStart":\#(leaf.periodStart),"periodEnd":\#(leaf.periodEnd),"cdrHash":"\#(leaf.cdrHash.hex)"},"leaf":"\#(leaf.leaf.hex)","leafIndex":\#(index),"leafCount":3,"proof":[\#(proof)],"root":"\#(tree.root.hex)","verifiesLocally":true}"#
            let url = home.appendingPathComponent(name)
            try Data(json.utf8).write(to: url)
            return url.path
        }
        expectCode(try openrsp(dispute + ["--proof-file", try proofFile(batch[0], index: 0, "leaf0.json")], as: "user"), 325)
        var tampered = batch[0]
        tampered.bytes += 1
        expectCode(try openrsp(dispute + ["--proof-file", try proofFile(tampered, index: 0, "tampered.json")], as: "user"), 324)
        #expect(try await devnet.client.getTransactionCount(user) == userNonce)
        #expect(try await settlement.currentLedger(entitlementId: id).hasPendingBatch)

        // The owner voids the batch from the CDR file: leaf 2, wrong sequence.
        let voided = try openrsp(dispute + ["--cdr-file", batchFile], as: "user")
        expectCode(voided, 0)
        let data = voided.envelope?["data"] as? [String: Any] ?? [:]
        #expect(data["leafIndex"] as? Int == 2 && data["reason"] as? String == "wrong sequence")
        let afterVoid = try await settlement.currentLedger(entitlementId: id)
        #expect(!afterVoid.hasPendingBatch && afterVoid.lastSeq == 3 && afterVoid.settledBytes == 0)
        let voidLogs = try await settlement.logs(UsageSettlement.BatchVoided.self, topic1: nil)
        #expect(voidLogs.count == 1 && voidLogs.first?.1.reason == .wrongSequence && voidLogs.first?.1.leafIndex == 2)

        // A correct second batch; after the dispute window it cannot be disputed, and it settles.
        let second = [cdr(4, 3000), cdr(5, 3600)]
        let secondTree = try UsageMerkleTree(cdrs: second)
        try await settlement.send(UsageSettlement.postUsage(entitlementId: id, ledger: afterVoid, root: secondTree.root, totalBytes: 2009,
                                                            firstSeq: 4, lastSeq: 5, nonce: 2), signer: chain.mnoKey)
        try await chain.advanceTime(seconds: 700)
        expectCode(try openrsp(dispute + ["--cdr-file", try writeCDRs(second, "second.jsonl")], as: "user"), 326)
        try await settlement.send(UsageSettlement.settle(entitlementId: id, ledger: try await settlement.currentLedger(entitlementId: id)),
                                  signer: chain.mnoKey)

        // The MVNO pulls its margin; the user has no credit yet (nothing sent).
        let mvno = try chain.mvnoKey.address()
        let owed = try await settlement.call(UsageSettlement.owed(mvno))
        #expect(owed > .zero)
        let before = try await chain.token.call(TestStablecoin.balanceOf(mvno))
        let withdrew = try openrsp(["withdraw"], as: "mvno")
        expectCode(withdrew, 0)
        #expect((withdrew.envelope?["data"] as? [String: Any])?["amount"] as? String == owed.description)
        #expect(try await chain.token.call(TestStablecoin.balanceOf(mvno)) == (try before + owed))
        #expect(try await settlement.call(UsageSettlement.owed(mvno)) == .zero)
        let nonceBefore = try await devnet.client.getTransactionCount(user)
        let nothing = try openrsp(["withdraw"], as: "user")
        expectCode(nothing, 0)
        #expect((nothing.envelope?["data"] as? [String: Any])?["amount"] as? String == "0")
        #expect(try await devnet.client.getTransactionCount(user) == nonceBefore)

        // Close: refused while the posting window is open (nothing sent); after end + posting grace the rest of
        // the escrow is credited to the user (refund at expiry), who withdraws it.
        expectCode(try openrsp(["entitlement", "close", id.description], as: "user"), 313)
        #expect(try await devnet.client.getTransactionCount(user) == nonceBefore)
        try await chain.advanceTime(seconds: 31 * 86400)
        let closed = try openrsp(["entitlement", "close", id.description], as: "user")
        expectCode(closed, 0)
        let refunded = try #require((closed.envelope?["data"] as? [String: Any])?["refunded"] as? String)
        #expect(try UInt256(decimal: refunded) > .zero)
        #expect(try await settlement.call(UsageSettlement.owed(user)).description == refunded)
        expectCode(try openrsp(["entitlement", "close", id.description], as: "user"), 313)
        let userBefore = try await chain.token.call(TestStablecoin.balanceOf(user))
        let refund = try openrsp(["withdraw"], as: "user")
        expectCode(refund, 0)
        #expect(try await chain.token.call(TestStablecoin.balanceOf(user)) == (try userBefore + UInt256(decimal: refunded)))
    }
}
