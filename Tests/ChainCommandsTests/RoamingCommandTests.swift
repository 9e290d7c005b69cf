// `openrsp roaming` against the embedded devnet with the real binary: two MNOs agree, deposit,
// import their record files, commit through the outbox (one run killed between persist and
// broadcast), review, net and settle one period, and the creditor withdraws; refusals keep their
// codes and change nothing.
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import Testing

@Suite("openrsp roaming: agreement, records, commit outbox, review, netting (real devnet)", .serialized)
struct RoamingCommandTests {
    static let pseudonyms = (1...4).map { "0x" + String(repeating: String(format: "%02x", $0), count: 32) }

    /// A record file of `n` records in [start, start + 3000) at `location`, every value a string (JSON lines).
    static func records(start: UInt64, location: String, services: [String]) -> String {
        services.enumerated().map { i, service in
            let begin = start + 60 + UInt64(i) * 600
            return "{\"imsi_pseudonym\":\"\(pseudonyms[i % 4])\",\"service\":\"\(service)\",\"start\":\"\(begin)\",\"end\":\"\(begin + 300)\","
                + "\"volume\":\"\(10 + i)\",\"location\":\"\(location)\"}\n"
        }.joined()
    }

    @Test("two MNOs clear one period: outbox exactly once across a kill, accept, net settlement, pull payment; refusals typed")
    func clearOnePeriod() async throws {
        try await FundedHome.with { f in
            let h = f.home
            try await h.ok(["contracts", "deploy", "--json"] + f.chain + f.signer, environment: f.env)
            var address: [String: Address] = [:]
            for name in ["mnoA", "mnoB"] {
                let made = try await h.ok(["account", "new", name, "--password-env", "PW", "--light-kdf", "--json"], environment: f.env)
                address[name] = try Address(hex: try #require(made.data?["address"] as? String))
                try await h.ok(["account", "transfer", address[name]!.checksummed, "--wei", "100000000000000000", "--json"] + f.chain + f.signer,
                               environment: f.env)
                try await h.ok(["token", "mint", address[name]!.checksummed, "--amount", "5000000", "--json"] + f.chain + f.signer, environment: f.env)
            }
            let a = try #require(address["mnoA"]), b = try #require(address["mnoB"])
            // Both MNOs registered and active (through the binding: the registry CLI is tested elsewhere).
            let chain = Chain(client: f.devnet.client, chainId: f.chainId)
            let deployment = try JSONSerialization.jsonObject(with: Data(contentsOf: h.url.appendingPathComponent("contracts.json"))) as? [String: Any]
            let contracts = try #require(deployment?["contracts"] as? [String: String])
            let registry = chain.contract(TrustRegistry.self, at: try Address(hex: try #require(contracts["TrustRegistry"])))
            let clearing = chain.contract(RoamingClearing.self, at: try Address(hex: try #require(contracts["RoamingClearing"])))
            let dev = try PrivateKey(Hex.decode(try f.devnet.devKey()))
            for (n, mno) in [a, b].enumerated() {
                let spki = Keccak256.hash(Array("mno \(n)".utf8))
                try await registry.send(TrustRegistry.register(entity: mno, role: .mno, name: "MNO \(n)", spkiHash: spki, certHash: spki), signer: dev)
            }
            // Each MNO keeps its own records database (as it would in its own data directory).
            let dbA = ["--database", h.url.appendingPathComponent("a.sqlite").path], dbB = ["--database", h.url.appendingPathComponent("b.sqlite").path]
            let asA = ["--account", "mnoA", "--password-env", "PW", "--json"] + f.chain + dbA
            let asB = ["--account", "mnoB", "--password-env", "PW", "--json"] + f.chain + dbB

            // Agreement: A proposes, B accepts.
            let proposed = try await h.ok(["roaming", "agreement", "propose", "--partner", b.checksummed, "--plmn", "262-01", "--partner-plmn", "208-10",
                                           "--rate-data", "2", "--rate-voice", "10", "--rate-sms", "5", "--period-seconds", "3600"] + asA, environment: f.env)
            let agreement = try #require(proposed.data?["agreement"] as? [String: Any])
            #expect(agreement["agreementId"] as? String == "1" && agreement["status"] as? String == "proposed")
            let start = UInt64(try #require(agreement["start"] as? Int))
            let notPartner = try await h.run(["roaming", "agreement", "accept", "1"] + asA, environment: f.env)
            #expect(notPartner.code == 270, "\(notPartner)")
            try await h.ok(["roaming", "agreement", "accept", "1"] + asB, environment: f.env)
            let shown = try await h.ok(["roaming", "agreement", "show", "1", "--json"] + f.chain)
            #expect(shown.data?["status"] as? String == "active" && shown.data?["plmnB"] as? String == "208-10")
            for who in [asA, asB] { try await h.ok(["roaming", "deposit", "--amount", "1000000"] + who, environment: f.env) }

            // Record files: B served A's subscribers (at 208-10), A served B's (at 262-01).
            let fileB = try h.secretFile("b-served.jsonl", Self.records(start: start, location: "208-10", services: ["data", "voice", "sms", "data"]))
            let fileA = try h.secretFile("a-served.jsonl", Self.records(start: start, location: "262-01", services: ["voice"]))
            // Refusals, each with its code and nothing stored: a bad file (401), a foreign location (402).
            let badHeader = try h.secretFile("bad.csv", "imsi,service\n")
            #expect(try await h.run(["roaming", "records", "import", badHeader, "--agreement", "1", "--account", "mnoB", "--json"] + f.chain + dbB).code == 401)
            #expect(try await h.run(["roaming", "records", "import", fileA, "--agreement", "1", "--account", "mnoB", "--json"] + f.chain + dbB).code == 402)
            #expect(try await h.run(["roaming", "records", "import", fileB, "--agreement", "1", "--account", "dev", "--json"] + f.chain + dbB).code == 406)
            let emptyList = try await h.ok(["roaming", "records", "list", "--json"] + dbB)
            #expect(try #require(emptyList.list).isEmpty)
            try await h.ok(["roaming", "records", "import", fileB, "--agreement", "1", "--account", "mnoB", "--json"] + f.chain + dbB)
            try await h.ok(["roaming", "records", "import", fileA, "--agreement", "1", "--account", "mnoA", "--json"] + f.chain + dbA)
            let again = try await h.run(["roaming", "records", "import", fileB, "--agreement", "1", "--account", "mnoB", "--json"] + f.chain + dbB)
            #expect(again.code == 400, "a held slot is replaced only with --replace")

            // Before the period ends the contract refuses the commitment: typed, nothing signed.
            let early = try await h.run(["roaming", "commit", "--agreement", "1", "--period", "0"] + asB, environment: f.env)
            #expect(early.code == 272, "\(early)")
            let now = try #require(try await f.devnet.client.getBlockByNumber(.latest)).timestamp
            _ = try await f.devnet.client.request("evm_increaseTime", [.string(UInt256(start + 3601 - now).quantityHex)], retry: .once)
            _ = try await f.devnet.client.request("evm_mine", [], retry: .once)

            // B's commit killed after the signed bytes are persisted, before broadcast; the rerun sends those bytes.
            let commitB = ["roaming", "commit", "--agreement", "1", "--period", "0"] + asB
            let (process, _, err) = try h.start(commitB, environment: f.env.merging(["OPENRSP_TEST_HOLD": "after-persist"]) { $1 })
            let deadline = ContinuousClock.now.advanced(by: .seconds(120))
            while ContinuousClock.now < deadline, (try? String(contentsOf: err, encoding: .utf8))?.contains("holding after-persist") != true {
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(try await clearing.call(RoamingClearing.commitment(1, .aOnB, period: 0)).status == .none, "killed before broadcast")
            let resumed = try await h.ok(commitB, environment: f.env)
            let tx = try #require(resumed.data?["transaction"] as? [String: Any])
            #expect(tx["resumed"] as? Bool == true)
            let third = try await h.ok(commitB, environment: f.env)
            #expect(third.data?["alreadyCommitted"] as? Bool == true && third.data?["transaction"] == nil)
            let committed = try await clearing.call(RoamingClearing.commitment(1, .aOnB, period: 0))
            #expect(committed.status == .committed && committed.version == 1 && committed.count == 4)
            #expect(committed.totals == RoamingClearing.ServiceTotals(dataMB: 10 + 13, voiceMinutes: 11, smsMessages: 12))
            try await h.ok(["roaming", "commit", "--agreement", "1", "--period", "0"] + asA, environment: f.env)

            // A holds B's committed records: nothing contradicts, so it accepts; B accepts A's.
            try await h.ok(["roaming", "records", "import", fileB, "--agreement", "1", "--partner", "--account", "mnoA", "--json"] + f.chain + dbA)
            let noCase = try await h.run(["roaming", "dispute", "--agreement", "1", "--period", "0"] + asA, environment: f.env)
            #expect(noCase.code == 408, "\(noCase)")
            let notFinal = try await h.run(["roaming", "settle", "--agreement", "1", "--period", "0"] + asA, environment: f.env)
            #expect(notFinal.code == 275, "\(notFinal)")
            try await h.ok(["roaming", "accept", "--agreement", "1", "--period", "0"] + asA, environment: f.env)
            try await h.ok(["roaming", "accept", "--agreement", "1", "--period", "0"] + asB, environment: f.env)

            // Invoice: A owes 23×2 + 11×10 + 12×5 = 216 on B's network, B owes 10×10 = 100 on A's: A pays 116 net.
            let invoice = try await h.ok(["roaming", "invoice", "--agreement", "1", "--period", "0", "--json"] + f.chain)
            #expect(invoice.data?["net"] as? String == "116" && invoice.data?["payer"] as? String == a.checksummed)
            let token = chain.contract(TestStablecoin.self, at: try Address(hex: try #require(contracts["Token"])))
            func tokens(_ who: Address) async throws -> UInt256 { try await token.call(TestStablecoin.balanceOf(who)) }
            let held = try await tokens(clearing.address)
            let settled = try await h.ok(["roaming", "settle", "--agreement", "1", "--period", "0", "--account", "dev", "--password-env", "PW", "--json"]
                                         + f.chain, environment: f.env)
            #expect(settled.data?["net"] as? String == "116" && settled.data?["payee"] as? String == b.checksummed)
            #expect(try await tokens(clearing.address) == held, "settling moves credit inside the contract only")
            let twice = try await h.run(["roaming", "settle", "--agreement", "1", "--period", "0"] + asA, environment: f.env)
            #expect(twice.code == 276)
            let before = try await tokens(b)
            try await h.ok(["roaming", "withdraw"] + asB, environment: f.env)
            #expect(try await tokens(b) == (try before.adding(UInt256(116))))
            #expect(try await clearing.call(RoamingClearing.deposits(a)) == UInt256(1_000_000 - 116))
            #expect(try await tokens(clearing.address) == UInt256(2_000_000 - 116))
            let nothing = try await h.run(["roaming", "withdraw"] + asB, environment: f.env)
            #expect(nothing.code == 282)
        }
    }
}
