// `openrsp roaming` against the embedded devnet with the real binary: two MNOs agree, deposit,
// import their record files, commit through the outbox (one run killed between persist and
// broadcast), review, net and settle one period, and the creditor withdraws; refusals keep their
// codes and change nothing.
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Crypto
import Foundation
import Roaming
import Settlement
import Testing

/// Two funded, registered MNOs (A: mnoA, B: mnoB, whose key the test keeps) with an accepted
/// agreement (hourly periods, rates 2/10/5) and deposits; each with its own records database.
struct RoamingParties {
    let a: Address, b: Address
    let keyB: PrivateKey
    /// B's P-256 key registered as its spkiHash: the key an IMSI is sealed to.
    let imsiKeyB: P256.KeyAgreement.PrivateKey
    let funder: Funder
    let chain: Chain
    let clearing: Contract<RoamingClearing>
    let contracts: [String: String]
    let start: UInt64
    let dbA: [String], dbB: [String], asA: [String], asB: [String]

    static func make(_ f: FundedHome, deposit: String) async throws -> RoamingParties {
        let h = f.home
        try await h.ok(["contracts", "deploy", "--json"] + f.chain + f.signer, environment: f.env)
        let keyB = try PrivateKey.generate()
        let madeA = try await h.ok(["account", "new", "mnoA", "--password-env", "PW", "--light-kdf", "--json"], environment: f.env)
        let madeB = try await h.ok(["account", "import", "mnoB", "--private-key-env", "KEY_B", "--password-env", "PW", "--light-kdf", "--json"],
                                   environment: f.env.merging(["KEY_B": Hex.encode(keyB.rawBytes)]) { $1 })
        let a = try Address(hex: try #require(madeA.data?["address"] as? String)), b = try Address(hex: try #require(madeB.data?["address"] as? String))
        // Gas, tokens and registration through the binding (the token, account and registry CLI are tested elsewhere).
        let chain = Chain(client: f.devnet.client, chainId: f.chainId)
        let deployment = try JSONSerialization.jsonObject(with: Data(contentsOf: h.url.appendingPathComponent("contracts.json"))) as? [String: Any]
        let contracts = try #require(deployment?["contracts"] as? [String: String])
        let registry = chain.contract(TrustRegistry.self, at: try Address(hex: try #require(contracts["TrustRegistry"])))
        let clearing = chain.contract(RoamingClearing.self, at: try Address(hex: try #require(contracts["RoamingClearing"])))
        let dev = try PrivateKey(Hex.decode(try f.devnet.devKey()))
        let funder = Funder(chain: chain, token: chain.contract(TestStablecoin.self, at: try Address(hex: try #require(contracts["Token"]))), dev: dev)
        for mno in [a, b] { try await funder.fund(mno, tokens: try UInt256(decimal: deposit)) }
        let imsiKeyB = P256.KeyAgreement.PrivateKey()
        for (n, mno) in [a, b].enumerated() {
            let spki = n == 1 ? try Hash32(Array(SHA256.hash(data: imsiKeyB.publicKey.derRepresentation))) : Keccak256.hash(Array("mno \(n)".utf8))
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
        for who in [asA, asB] { try await h.ok(["roaming", "deposit", "--amount", deposit] + who, environment: f.env) }
        return RoamingParties(a: a, b: b, keyB: keyB, imsiKeyB: imsiKeyB, funder: funder, chain: chain, clearing: clearing, contracts: contracts, start: start,
                              dbA: dbA, dbB: dbB, asA: asA, asB: asB)
    }

    /// What funds accounts from the devnet's dev key (gas money and minted tokens) in setup.
    struct Funder {
        let chain: Chain
        let token: Contract<TestStablecoin>
        let dev: PrivateKey

        func fund(_ who: Address, tokens: UInt256 = .zero) async throws {
            _ = try await chain.sendValue(UInt256(100_000_000_000_000_000 as UInt64), to: who, signer: dev)
            if !tokens.isZero { try await token.send(TestStablecoin.mint(receiver: who, amount: tokens), signer: dev) }
        }
    }

    /// Mines one block at `timestamp` if the chain is behind it (block time, not the devnet clock:
    /// instant mining can put blocks ahead of the clock evm_increaseTime moves).
    func advance(_ f: FundedHome, to timestamp: UInt64) async throws {
        let now = try #require(try await f.devnet.client.getBlockByNumber(.latest)).timestamp
        if now < timestamp {
            _ = try await f.devnet.client.request("evm_mine", [.string(UInt256(timestamp).quantityHex)], retry: .once)
        }
    }
}

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
            let p = try await RoamingParties.make(f, deposit: "1000000")
            let (a, b, clearing, chain, contracts, start) = (p.a, p.b, p.clearing, p.chain, p.contracts, p.start)
            let (dbA, dbB, asA, asB) = (p.dbA, p.dbB, p.asA, p.asB)
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
            try await p.advance(f, to: start + 3601)

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

    @Test("a wrongly charged record disputed with the CLI, a court case decided through the CLI, authorisations with a replay cache")
    func disputeCourtAndAuthorisations() async throws {
        try await FundedHome.with { f in
            let h = f.home
            let p = try await RoamingParties.make(f, deposit: "300000000")   // the court fee is 100 tUSD
            // B's billing charged record 1 at 99 instead of 3 min × 10: B commits it through the binding (the CLI refuses it).
            let text = "imsi_pseudonym,service,start,end,volume,location,charge\n"
                + "\(Self.pseudonyms[0]),data,\(p.start + 60),\(p.start + 360),10,208-10,20\n"
                + "\(Self.pseudonyms[1]),voice,\(p.start + 600),\(p.start + 780),3,208-10,99\n"
            let fileB = try h.secretFile("b-served.csv", text)
            let terms = try await p.clearing.call(RoamingClearing.agreements(1))
            let slot = RoamingSlot(agreementId: 1, direction: .aOnB, period: 0)
            let placed = try RoamingSlots.place(try RoamingRecordParser().parse(Array(text.utf8), format: .csv), agreementId: 1, agreement: terms,
                                                direction: .aOnB, strict: false)
            let bad = try RoamingSlots.commitment(of: try #require(placed[slot]))
            try await p.advance(f, to: p.start + 3601)
            #expect(try await h.run(["roaming", "records", "import", fileB, "--agreement", "1", "--account", "mnoB", "--json"] + f.chain + p.dbB).code == 402)
            try await p.clearing.send(RoamingClearing.commitRecords(1, .aOnB, period: 0, root: bad.root, count: bad.count, totals: bad.totals), signer: p.keyB)
            let imported = try await h.ok(["roaming", "records", "import", fileB, "--agreement", "1", "--partner", "--account", "mnoA", "--json"]
                                          + f.chain + p.dbA)
            #expect((imported.data?["contradictions"] as? [String])?.count == 1)
            let disputed = try await h.ok(["roaming", "dispute", "--agreement", "1", "--period", "0"] + p.asA, environment: f.env)
            #expect(disputed.data?["reason"] as? Int == 6 && disputed.data?["leafIndex"] as? Int == 1)
            #expect(try await p.clearing.call(RoamingClearing.commitment(1, .aOnB, period: 0)).status == .voided)

            // A commits its records of B's subscribers; B takes them to the court; three auditors uphold them.
            let fileA = try h.secretFile("a-served.jsonl", Self.records(start: p.start, location: "262-01", services: ["sms"]))
            try await h.ok(["roaming", "records", "import", fileA, "--agreement", "1", "--account", "mnoA", "--json"] + f.chain + p.dbA)
            try await h.ok(["roaming", "commit", "--agreement", "1", "--period", "0"] + p.asA, environment: f.env)
            var auditors: [[String]] = []
            for i in 1...3 {
                let made = try await h.ok(["account", "new", "aud\(i)", "--password-env", "PW", "--light-kdf", "--json"], environment: f.env)
                try await p.funder.fund(try Address(hex: try #require(made.data?["address"] as? String)), tokens: UInt256(1_000_000_000))
                let signer = ["--account", "aud\(i)", "--password-env", "PW", "--json"] + f.chain
                try await h.ok(["roaming", "auditor", "stake", "--amount", "1000000000"] + signer, environment: f.env)
                auditors.append(signer)
            }
            let opened = try await h.ok(["roaming", "court", "open", "--agreement", "1", "--period", "0"] + p.asB, environment: f.env)
            #expect((opened.data?["caseInfo"] as? [String: Any])?["state"] as? String == "drawing")
            let early = try await h.run(["roaming", "court", "step", "draw", "1"] + p.asB, environment: f.env)
            #expect(early.code == 280, "the seed block is not mined yet: \(early)")
            for _ in 0..<6 { _ = try await f.devnet.client.request("evm_mine", [], retry: .once) }
            try await h.ok(["roaming", "court", "step", "draw", "1"] + p.asB, environment: f.env)
            for signer in auditors { try await h.ok(["roaming", "auditor", "commit-vote", "1", "--vote", "uphold"] + signer, environment: f.env) }
            let otherVote = try await h.run(["roaming", "auditor", "commit-vote", "1", "--vote", "void"] + auditors[0], environment: f.env)
            #expect(otherVote.code == 409, "a second, different vote is refused before anything is sent")
            let voting = try await h.ok(["roaming", "court", "show", "1", "--json"] + f.chain)
            try await p.advance(f, to: UInt64(try #require(voting.data?["commitEnd"] as? Int)))
            for signer in auditors { try await h.ok(["roaming", "auditor", "reveal-vote", "1"] + signer, environment: f.env) }
            try await p.advance(f, to: UInt64(try #require(voting.data?["revealEnd"] as? Int)))
            let tallied = try await h.ok(["roaming", "court", "step", "tally", "1"] + p.asB, environment: f.env)
            let decided = try #require(tallied.data?["caseInfo"] as? [String: Any])
            #expect(decided["verdict"] as? String == "uphold" && decided["state"] as? String == "decided")
            try await p.advance(f, to: UInt64(try #require(decided["objectionEnd"] as? Int)))
            try await h.ok(["roaming", "court", "step", "execute", "1"] + p.asB, environment: f.env)
            #expect(try await p.clearing.call(RoamingClearing.commitment(1, .bOnA, period: 0)).status == .accepted)

            // Roaming authorisation: A's operator key authorises a subscriber on B; B's operator key confirms once.
            for (mno, key) in [("mnoA", "opA"), ("mnoB", "opB")] {
                let made = try await h.ok(["account", "new", key, "--password-env", "PW", "--light-kdf", "--json"], environment: f.env)
                let address = try #require(made.data?["address"] as? String)
                try await p.funder.fund(try Address(hex: address))
                try await h.ok(["registry", "operator-key", "add", address, "--json", "--account", mno, "--password-env", "PW"] + f.chain, environment: f.env)
                try await h.ok(["registry", "operator-key", "accept", "--mno", (mno == "mnoA" ? p.a : p.b).checksummed, "--json", "--account", key,
                                "--password-env", "PW"] + f.chain, environment: f.env)
            }
            let pseudonymKey = try h.secretFile("pseudonym.key", String(repeating: "5a", count: 32) + "\n")
            let auth = h.url.appendingPathComponent("auth.json").path, conf = h.url.appendingPathComponent("conf.json").path
            let authorized = try await h.ok(["roaming", "authorize", "--home", p.a.checksummed, "--visited", p.b.checksummed, "--imsi", "262011234567890",
                                             "--pseudonym-key", pseudonymKey, "--out", auth, "--account", "opA", "--password-env", "PW", "--json"] + f.chain,
                                            environment: f.env)
            let expected = try IMSIPseudonym(imsi: "262011234567890", key: [UInt8](repeating: 0x5A, count: 32)).value.hex
            #expect(authorized.data?["subscriber"] as? String == expected)
            #expect(!(try String(contentsOfFile: auth, encoding: .utf8)).contains("262011234567890"), "the IMSI is not in the message")
            try await h.ok(["roaming", "verify", auth, "--visited", p.b.checksummed, "--json"] + f.chain)
            #expect(try await h.run(["roaming", "verify", auth, "--visited", p.a.checksummed, "--json"] + f.chain).code == 411)
            let confirm = ["roaming", "confirm", auth, "--visited", p.b.checksummed, "--out", conf, "--account", "opB", "--password-env", "PW", "--json"]
                + f.chain + p.dbB
            try await h.ok(confirm, environment: f.env)
            #expect(try await h.run(confirm, environment: f.env).code == 412, "the second use of an authorisation is a replay")
            let checked = try await h.ok(["roaming", "verify", conf, "--authorization", auth, "--json"] + f.chain)
            #expect(checked.data?["kind"] as? String == "ServiceConfirmation")
            // The IMSI sealed to B's registered key (HPKE): not in the file, opened only with B's key; a key the registry
            // does not list for B is refused at sealing, and another key cannot open it.
            let sealedAuth = h.url.appendingPathComponent("sealed.json").path, publicB = h.url.appendingPathComponent("b.pub.pem").path
            try p.imsiKeyB.publicKey.pemRepresentation.write(toFile: publicB, atomically: true, encoding: .utf8)
            let privateB = try h.secretFile("b.imsi.key", p.imsiKeyB.pemRepresentation)
            let sealed = try await h.ok(["roaming", "authorize", "--home", p.a.checksummed, "--visited", p.b.checksummed, "--imsi", "262011234567890",
                                         "--pseudonym-key", pseudonymKey, "--seal-imsi-to", publicB, "--out", sealedAuth, "--account", "opA",
                                         "--password-env", "PW", "--json"] + f.chain, environment: f.env)
            #expect(sealed.data?["imsiSealed"] as? Bool == true)
            #expect(!(try String(contentsOfFile: sealedAuth, encoding: .utf8)).contains("262011234567890"))
            let unsealed = try await h.ok(["roaming", "verify", sealedAuth, "--visited", p.b.checksummed, "--imsi-key", privateB, "--json"] + f.chain)
            #expect(unsealed.data?["imsi"] as? String == "262011234567890")
            let stranger = P256.KeyAgreement.PrivateKey()
            let publicOther = h.url.appendingPathComponent("other.pub.pem").path
            try stranger.publicKey.pemRepresentation.write(toFile: publicOther, atomically: true, encoding: .utf8)
            #expect(try await h.run(["roaming", "authorize", "--home", p.a.checksummed, "--visited", p.b.checksummed, "--imsi", "262011234567890",
                                     "--pseudonym-key", pseudonymKey, "--seal-imsi-to", publicOther, "--out", h.url.appendingPathComponent("refused.json").path, "--account", "opA",
                                     "--password-env", "PW", "--json"] + f.chain, environment: f.env).code == 400)
            let privateOther = try h.secretFile("other.imsi.key", stranger.pemRepresentation)
            #expect(try await h.run(["roaming", "verify", sealedAuth, "--visited", p.b.checksummed, "--imsi-key", privateOther, "--json"]
                                    + f.chain).code == 411)
            // Signed by the MNO's own address, not an operator key: refused.
            let ownKey = h.url.appendingPathComponent("own.json").path
            try await h.ok(["roaming", "authorize", "--home", p.a.checksummed, "--visited", p.b.checksummed, "--imsi", "262011234567890",
                            "--pseudonym-key", pseudonymKey, "--out", ownKey, "--account", "mnoA", "--password-env", "PW", "--json"] + f.chain,
                           environment: f.env)
            #expect(try await h.run(["roaming", "verify", ownKey, "--visited", p.b.checksummed, "--json"] + f.chain).code == 411)
            let sloppy = try h.secretFile("open.key", String(repeating: "5a", count: 32))
            _ = chmod(sloppy, 0o644)
            #expect(try await h.run(["roaming", "authorize", "--home", p.a.checksummed, "--visited", p.b.checksummed, "--imsi", "262011234567890",
                                     "--pseudonym-key", sloppy, "--out", ownKey, "--account", "opA", "--password-env", "PW", "--json"] + f.chain,
                                    environment: f.env).code == 400)
        }
    }
}
