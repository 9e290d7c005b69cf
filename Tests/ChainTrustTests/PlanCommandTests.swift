// Issue 15 item 4: `openrsp plan` and `openrsp entitlement` as the MVNO and the user run them: the
// `openrsp` binary against the real devnet and contracts, with a software eUICC for the EID.
import LPAChainTrust
import SMDPChainTrust
import Settlement
import DevnetTestSupport
import EthereumCore
import Foundation
import RSPASN1
import SMDPCore
import SMDPStoreSQLite
import Settlement
import Testing

@Suite("openrsp plan / entitlement against the real devnet", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct PlanCommandTests {
    @Test("create (wrong role refused), list, show, buy from the software eUICC (insufficient balance, delisted plan refused, nothing sent), salt kept 0600 and opens the commitment, entitlement list/show/cancel (not the owner, twice refused)")
    func planLifecycle() async throws {
        try await withDevnet { devnet in try await run(devnet) }
    }

    func run(_ devnet: DevnetProcess) async throws {
        let chain = try await ChainFixture.deploy(on: devnet)
        let testbed = try await Testbed(pki: try Testbed.pki(), store: try await temporaryStore())
        defer { testbed.remove() }
        let home = testbed.root
        let keys = try devnetKeys(devnet)
        // Each role's key in a keystore of `openrsp account` (password from an environment variable).
        let environment = ["PLAN_TEST_PW": "correct horse", "PLAN_TEST_KEY": ""]
        func account(_ name: String, _ key: PrivateKey) throws -> String {
            let imported = try OpenRSPBinary.run(["account", "import", name, "--private-key-env", "PLAN_TEST_KEY", "--password-env", "PLAN_TEST_PW",
                                                  "--light-kdf", "--json"], home: home,
                                                 environment: environment.merging(["PLAN_TEST_KEY": Hex.encode(key.rawBytes)]) { $1 })
            #expect(imported.status == 0, "\(imported.stdout) \(imported.stderr)")
            return name
        }
        let mvnoKey = try account("mvno", chain.mvnoKey), mnoKey = try account("mno", chain.mnoKey)
        let userKey = try account("user", chain.user), poorKey = try account("poor", keys[4])
        let contractsFile = home.appendingPathComponent("contracts.json")
        try Data(#"{"chainId":\#(chain.chain.chainId),"contracts":{"PlanEntitlements":"\#(chain.plans.address.checksummed)"}}"#.utf8)
            .write(to: contractsFile)
        let chainArgs = ["--rpc-url", devnet.url, "--contracts", contractsFile.path, "--json"]
        func openrsp(_ arguments: [String]) throws -> OpenRSPBinary.Outcome {
            let signs = arguments.contains("--key")
            let args = arguments.map { $0 == "--key" ? "--account" : $0 } + (signs ? ["--password-env", "PLAN_TEST_PW"] : [])
            return try OpenRSPBinary.run(args + chainArgs, home: home, environment: environment)
        }
        func expectCode(_ outcome: OpenRSPBinary.Outcome, _ code: Int, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(outcome.status == (code == 0 ? 0 : 1), "\(outcome.stdout) \(outcome.stderr)", sourceLocation: sourceLocation)
            #expect(outcome.envelope?["code"] as? Int == code, "\(outcome.stdout) \(outcome.stderr)", sourceLocation: sourceLocation)
        }
        func data(_ outcome: OpenRSPBinary.Outcome) -> [String: Any] { outcome.envelope?["data"] as? [String: Any] ?? [:] }

        // The MVNO lists a plan; the MNO key (not an MVNO) is refused and nothing is listed.
        let create = ["plan", "create", "--mno", try chain.mnoKey.address().checksummed, "--data-mb", "1000", "--validity-seconds", "2592000",
                      "--price", "12000000", "--margin-bps", "1000", "--supply-cap", "5", "--refund-rule", "at-expiry-or-cancel",
                      "--smdp", chain.planSmdp.checksummed, "--profile-type", ts48ProfileType, "--activation-window-seconds", "604800"]
        expectCode(try openrsp(create + ["--key", mnoKey]), 306)
        // A wrong keystore password: the account's own code (212), before the node is contacted.
        let wrongPassword = try OpenRSPBinary.run(create + ["--account", mvnoKey, "--password-env", "PLAN_TEST_KEY"] + chainArgs, home: home,
                                                  environment: ["PLAN_TEST_KEY": "wrong"])
        expectCode(wrongPassword, 212)
        #expect(try await chain.plans.call(PlanEntitlements.planCount()) == 0)
        let created = try openrsp(create + ["--key", mvnoKey])
        expectCode(created, 0)
        let planId = try #require(data(created)["planId"] as? String)
        #expect(planId == "1")

        let listed = try openrsp(["plan", "list", "--available"])
        expectCode(listed, 0)
        let rows = listed.envelope?["data"] as? [[String: Any]] ?? []
        #expect(rows.count == 1 && rows.first?["price"] as? String == "12000000" && rows.first?["active"] as? Bool == true)
        let shown = try openrsp(["plan", "show", planId])
        #expect(data(shown)["profileType"] as? String == PlanEntitlements.profileTypeId(name: ts48ProfileType).hex)
        #expect(data(shown)["refundRule"] as? String == "at-expiry-or-cancel")
        expectCode(try openrsp(["plan", "show", "99"]), 307)
        expectCode(try openrsp(["plan", "show", "x"]), 300)

        // A buyer without tokens: refused before anything is written or sent.
        let device = home.appendingPathComponent("device")
        let poor = try keys[4].address()
        expectCode(try openrsp(["plan", "buy", planId, "--simulator", device.path, "--key", poorKey]), 309)
        #expect(try await devnet.client.getTransactionCount(poor) == 0)
        #expect(!FileManager.default.fileExists(atPath: device.appendingPathComponent("entitlements").path))

        // The user gets tokens and buys with the EID read from the software eUICC.
        let user = try chain.user.address()
        try await chain.token.send(TestStablecoin.mint(receiver: user, amount: 50_000_000), signer: chain.governance)
        let bought = try openrsp(["plan", "buy", planId, "--simulator", device.path, "--key", userKey])
        expectCode(bought, 0)
        let entitlementId = try #require(data(bought)["entitlementId"] as? String)
        #expect((data(bought)["transactions"] as? [String])?.count == 2)
        #expect(try await chain.token.call(TestStablecoin.balanceOf(user)) == 38_000_000)
        let secretPath = try #require(data(bought)["secretFile"] as? String)
        #expect(secretPath == device.appendingPathComponent("entitlements/\(entitlementId).json").path)
        let mode = try FileManager.default.attributesOfItem(atPath: secretPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let secret = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: secretPath))) as? [String: Any])
        #expect(secret["eid"] as? String == testbed.eid.digits)
        let saltHex = try #require(secret["salt"] as? String)
        #expect(!bought.stdout.contains(saltHex.dropFirst(2)))
        let salt = try EntitlementSalt(bytes: try Hex.decode(saltHex))
        let id = try EntitlementID(decimal: entitlementId)
        let onChain = try await chain.plans.call(PlanEntitlements.entitlement(tokenId: try UInt256(decimal: entitlementId)))
        #expect(onChain.commitment == (try PlanEntitlements.commitment(eid: testbed.eid.bytes, salt: try Hash32(salt.bytes))))
        #expect(onChain.owner == user)
        let pending = try FileManager.default.contentsOfDirectory(atPath: device.appendingPathComponent("entitlements").path)
        #expect(pending == ["\(entitlementId).json"])
        // A crash after the purchase was mined but before the salt file was renamed: the rerun finds the pending
        // file, sees the purchase on chain and reports it — no second purchase, no transaction.
        let commitmentHex = try #require(secret["commitment"] as? String)
        let pendingURL = device.appendingPathComponent("entitlements/pending-\(commitmentHex.dropFirst(2)).json")
        try FileManager.default.moveItem(atPath: secretPath, toPath: pendingURL.path)
        let nonceBeforeRerun = try await devnet.client.getTransactionCount(user)
        let rerun = try openrsp(["plan", "buy", planId, "--simulator", device.path, "--key", userKey])
        expectCode(rerun, 0)
        #expect(data(rerun)["entitlementId"] as? String == entitlementId)
        #expect(try await devnet.client.getTransactionCount(user) == nonceBeforeRerun)
        #expect(try await chain.plans.call(PlanEntitlements.lastId()) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: device.appendingPathComponent("entitlements").path) == ["\(entitlementId).json"])

        // The kept salt opens the commitment for the SM-DP+'s gate; another salt does not.
        let gate = try ChainEntitlementGate(rpcURL: devnet.url, entitlements: chain.plans.address, timeout: .seconds(10))
        #expect(try await gate.check(entitlement: id, eid: testbed.eid, salt: salt, profileType: ts48ProfileType) == nil)
        #expect(try await gate.check(entitlement: id, eid: testbed.eid, salt: try EntitlementSalt(bytes: [UInt8](repeating: 1, count: 32)),
                                     profileType: ts48ProfileType) == .commitmentMismatch)
        try await gate.shutdown()

        // Delisting: only the plan's MVNO; afterwards a purchase is refused with nothing sent.
        expectCode(try openrsp(["plan", "delist", planId, "--key", mnoKey]), 306)
        expectCode(try openrsp(["plan", "delist", planId, "--key", mvnoKey]), 0)
        let userNonce = try await devnet.client.getTransactionCount(user)
        expectCode(try openrsp(["plan", "buy", planId, "--eid", testbed.eid.digits, "--key", userKey]), 308)
        #expect(try await devnet.client.getTransactionCount(user) == userNonce)
        #expect(try await chain.plans.call(PlanEntitlements.lastId()) == 1)
        let afterDelist = try openrsp(["plan", "list", "--available"])
        #expect((afterDelist.envelope?["data"] as? [[String: Any]])?.isEmpty == true)

        // The owner's entitlements.
        let mine = try OpenRSPBinary.run(["entitlement", "list", "--account", userKey] + chainArgs, home: home)
        expectCode(mine, 0)
        let entitlements = mine.envelope?["data"] as? [[String: Any]] ?? []
        #expect(entitlements.count == 1 && entitlements.first?["id"] as? String == entitlementId)
        #expect(entitlements.first?["status"] as? String == "active" && entitlements.first?["live"] as? Bool == true)
        expectCode(try openrsp(["entitlement", "show", "42"]), 310)
        #expect((try openrsp(["entitlement", "list", "--owner", try chain.mvnoKey.address().checksummed]).envelope?["data"] as? [[String: Any]])?
            .isEmpty == true)

        // Cancel: not the owner refused before sending; the owner cancels; a second cancel is refused by the contract.
        let mvnoNonce = try await devnet.client.getTransactionCount(try chain.mvnoKey.address())
        expectCode(try openrsp(["entitlement", "cancel", entitlementId, "--key", mvnoKey]), 311)
        #expect(try await devnet.client.getTransactionCount(try chain.mvnoKey.address()) == mvnoNonce)
        expectCode(try openrsp(["entitlement", "cancel", entitlementId, "--key", userKey]), 0)
        let cancelled = try openrsp(["entitlement", "show", entitlementId])
        #expect(data(cancelled)["status"] as? String == "cancelled" && data(cancelled)["live"] as? Bool == false)
        expectCode(try openrsp(["entitlement", "cancel", entitlementId, "--key", userKey]), 312)
    }

    @Test("buy --gasless: the user (no ETH) signs an EIP-3009 authorization, the relayer account sends; the user's ETH and nonce unchanged, the entitlement is the user's and bound to the commitment (salt 0600), the purchase nonce is fresh randomness; a crash after the relayer's transaction was persisted resumes the same one; refused: token balance short (309), relayer wrong password (212), an authorization of another signer (314), nothing sent")
    func gaslessBuy() async throws {
        try await withDevnet { devnet in try await runGasless(devnet) }
    }

    func runGasless(_ devnet: DevnetProcess) async throws {
        let chain = try await ChainFixture.deploy(on: devnet)
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("openrsp-gasless-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let keys = try devnetKeys(devnet)
        let environment = ["PLAN_TEST_PW": "correct horse", "RELAYER_PW": "relayer pw", "WRONG_PW": "wrong", "PLAN_TEST_KEY": ""]
        func account(_ name: String, _ key: PrivateKey, password: String) throws {
            let imported = try OpenRSPBinary.run(["account", "import", name, "--private-key-env", "PLAN_TEST_KEY", "--password-env", password,
                                                  "--light-kdf", "--json"], home: home,
                                                 environment: environment.merging(["PLAN_TEST_KEY": Hex.encode(key.rawBytes)]) { $1 })
            #expect(imported.status == 0, "\(imported.stdout) \(imported.stderr)")
        }
        // The user is a fresh key: no ETH at all. The relayer is a funded devnet account.
        let userKey = try PrivateKey.generate(), relayerKey = keys[6]
        let user = try userKey.address(), relayer = try relayerKey.address()
        try account("user", userKey, password: "PLAN_TEST_PW")
        try account("relayer", relayerKey, password: "RELAYER_PW")
        #expect(try await devnet.client.getBalance(user) == .zero)

        let price: UInt256 = 12_000_000
        let listed = try await chain.plans.send(PlanEntitlements.listPlan(.init(
            mno: try chain.mnoKey.address(), dataMB: 1000, validitySeconds: 2_592_000, price: price, marginBps: 0, supplyCap: 5,
            refundRule: .none, usagePoster: .mno, smdp: chain.planSmdp, profileType: PlanEntitlements.profileTypeId(name: ts48ProfileType),
            activationWindowSeconds: 604_800)), signer: chain.mvnoKey)
        let planId = try chain.plans.event(PlanEntitlements.PlanListed.self, in: listed).planId.description

        let contractsFile = home.appendingPathComponent("contracts.json")
        try Data(#"{"chainId":\#(chain.chain.chainId),"contracts":{"PlanEntitlements":"\#(chain.plans.address.checksummed)"}}"#.utf8)
            .write(to: contractsFile)
        let chainArgs = ["--rpc-url", devnet.url, "--contracts", contractsFile.path, "--json"]
        let eid = try EID.withCheckDigits(prefix30: "890490320000000000000000054321").digits
        let gasless = ["plan", "buy", planId, "--eid", eid, "--account", "user", "--password-env", "PLAN_TEST_PW",
                       "--gasless", "--relayer-account", "relayer"]
        func openrsp(_ arguments: [String]) throws -> OpenRSPBinary.Outcome {
            try OpenRSPBinary.run(arguments + chainArgs, home: home, environment: environment)
        }
        func expectCode(_ outcome: OpenRSPBinary.Outcome, _ code: Int, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(outcome.status == (code == 0 ? 0 : 1), "\(outcome.stdout) \(outcome.stderr)", sourceLocation: sourceLocation)
            #expect(outcome.envelope?["code"] as? Int == code, "\(outcome.stdout) \(outcome.stderr)", sourceLocation: sourceLocation)
        }
        func data(_ outcome: OpenRSPBinary.Outcome) -> [String: Any] { outcome.envelope?["data"] as? [String: Any] ?? [:] }
        let entitlements = home.appendingPathComponent("entitlements/\(eid)")

        // Without tokens: refused before anything is written or sent (by the user or the relayer).
        let relayerNonce0 = try await devnet.client.getTransactionCount(relayer)
        expectCode(try openrsp(gasless + ["--relayer-password-env", "RELAYER_PW"]), 309)
        #expect(try await devnet.client.getTransactionCount(relayer) == relayerNonce0)
        #expect(!FileManager.default.fileExists(atPath: entitlements.path))
        // The relayer's wrong password: the account's code (212), before the node is contacted.
        try await chain.token.send(TestStablecoin.mint(receiver: user, amount: 60_000_000), signer: chain.governance)
        expectCode(try openrsp(gasless + ["--relayer-password-env", "WRONG_PW"]), 212)
        #expect(try await devnet.client.getTransactionCount(relayer) == relayerNonce0)
        #expect(!FileManager.default.fileExists(atPath: entitlements.path))
        // Relayer options without --gasless are refused by validation.
        #expect(try openrsp(["plan", "buy", planId, "--eid", eid, "--account", "user", "--password-env", "PLAN_TEST_PW",
                             "--relayer-account", "relayer"]).status != 0)

        // The gasless purchase.
        let relayerBalance = try await devnet.client.getBalance(relayer)
        let bought = try openrsp(gasless + ["--relayer-password-env", "RELAYER_PW"])
        expectCode(bought, 0)
        let entitlementId = try #require(data(bought)["entitlementId"] as? String)
        #expect((data(bought)["transactions"] as? [String])?.count == 1)
        #expect(data(bought)["relayer"] as? String == relayer.checksummed)
        #expect(try await devnet.client.getBalance(user) == .zero)
        #expect(try await devnet.client.getTransactionCount(user) == 0)
        #expect(try await devnet.client.getTransactionCount(relayer) == relayerNonce0 + 1)
        #expect(try await devnet.client.getBalance(relayer) < relayerBalance)
        #expect(try await chain.token.call(TestStablecoin.balanceOf(user)) == 48_000_000)
        let secretPath = try #require(data(bought)["secretFile"] as? String)
        #expect(secretPath == entitlements.appendingPathComponent("\(entitlementId).json").path)
        #expect(try FileManager.default.attributesOfItem(atPath: secretPath)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: entitlements.path) == ["\(entitlementId).json"])
        let secret = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: secretPath))) as? [String: Any])
        let saltHex = try #require(secret["salt"] as? String)
        #expect(!bought.stdout.contains(saltHex.dropFirst(2)))
        let salt = try Hash32(hex: saltHex)
        let onChain = try await chain.plans.call(PlanEntitlements.entitlement(tokenId: try UInt256(decimal: entitlementId)))
        let commitment = try PlanEntitlements.commitment(eid: try EID(digits: eid).bytes, salt: salt)
        #expect(onChain.commitment == commitment && onChain.owner == user)
        #expect(try await chain.plans.call(PlanEntitlements.isLive(tokenId: try UInt256(decimal: entitlementId), commitment: commitment)))
        // The public purchase nonce: fresh randomness, never the salt.
        let purchaseNonce = try #require(data(bought)["purchaseNonce"] as? String)
        #expect(purchaseNonce.lowercased() != saltHex.lowercased() && purchaseNonce.count == 66)
        #expect(!purchaseNonce.contains(saltHex.dropFirst(2)))
        let second = try openrsp(gasless + ["--relayer-password-env", "RELAYER_PW"])
        expectCode(second, 0)
        let secondNonce = try #require(data(second)["purchaseNonce"] as? String)
        #expect(secondNonce != purchaseNonce && data(second)["entitlementId"] as? String != entitlementId)
        #expect(try await devnet.client.getTransactionCount(user) == 0)
        #expect(try await devnet.client.getBalance(user) == .zero)

        // A crash after the relayer's transaction was signed and persisted, before its broadcast: the rerun finds the
        // pending file, reuses its authorization (same purchase nonce) and finishes the same transaction; one purchase.
        let executable = try #require(OpenRSPBinary.executable)
        let held = Process()
        held.executableURL = executable
        held.arguments = gasless + ["--relayer-password-env", "RELAYER_PW"] + chainArgs
        held.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            .merging(["OPENRSP_HOME": home.path, "OPENRSP_TEST_HOLD": "after-persist"]) { $1 }
        let heldErr = home.appendingPathComponent("held.err")
        FileManager.default.createFile(atPath: heldErr.path, contents: nil)
        held.standardError = try FileHandle(forWritingTo: heldErr)
        held.standardOutput = FileHandle.nullDevice
        try held.run()
        var holding = false
        for _ in 0..<600 where !holding {
            holding = (try? String(contentsOf: heldErr, encoding: .utf8))?.contains("holding after-persist") == true
            if !holding { try await Task.sleep(for: .milliseconds(100)) }
        }
        held.terminate()
        held.waitUntilExit()
        #expect(holding, "\((try? String(contentsOf: heldErr, encoding: .utf8)) ?? "")")
        let keptNames = try FileManager.default.contentsOfDirectory(atPath: entitlements.path).filter { $0.hasPrefix("pending-") }
        #expect(keptNames.count == 1)
        let keptName = try #require(keptNames.first)
        let kept = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: entitlements.appendingPathComponent(keptName))) as? [String: Any])
        let keptNonce = try #require((kept["gasless"] as? [String: Any])?["purchaseNonce"] as? String)
        #expect(keptNonce.lowercased() != (kept["salt"] as? String)?.lowercased())
        let relayerBeforeResume = try await devnet.client.getTransactionCount(relayer)
        let lastIdAfterResume = try await chain.plans.call(PlanEntitlements.lastId()).adding(1)
        let resumed = try openrsp(gasless + ["--relayer-password-env", "RELAYER_PW"])
        expectCode(resumed, 0)
        #expect(data(resumed)["purchaseNonce"] as? String == keptNonce)
        #expect(resumed.stderr.contains("resuming the transaction signed at"), "\(resumed.stderr)")
        #expect(try await chain.plans.call(PlanEntitlements.lastId()) == lastIdAfterResume)
        #expect(try await devnet.client.getTransactionCount(relayer) == relayerBeforeResume + 1)
        #expect(try await devnet.client.getTransactionCount(user) == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: entitlements.path).filter { $0.hasPrefix("pending-") }.isEmpty)

        // A pending purchase whose kept authorization is not the buyer's (another key signed it): the token
        // refuses it in the simulation (314), the relayer sends nothing, the pending file stays for inspection.
        let otherSalt = PlanEntitlements.newPurchaseNonce()
        let otherCommitment = try PlanEntitlements.commitment(eid: try EID(digits: eid).bytes, salt: otherSalt)
        let forged = try keys[5].sign(digest: Keccak256.hash(Array("not the buyer's authorization".utf8)))
        let pending: [String: Any] = [
            "eid": eid, "salt": otherSalt.hex, "commitment": otherCommitment.hex, "planId": planId, "chainId": chain.chain.chainId,
            "planEntitlements": chain.plans.address.checksummed,
            "gasless": ["purchaseNonce": PlanEntitlements.newPurchaseNonce().hex, "validAfter": "0", "validBefore": "4000000000",
                        "r": Hex.encode(forged.r), "s": Hex.encode(forged.s), "yParity": Int(forged.yParity)] as [String: Any],
        ]
        let pendingURL = entitlements.appendingPathComponent("pending-\(otherCommitment.hex.dropFirst(2)).json")
        try JSONSerialization.data(withJSONObject: pending).write(to: pendingURL)
        let relayerNonce = try await devnet.client.getTransactionCount(relayer)
        let lastId = try await chain.plans.call(PlanEntitlements.lastId())
        expectCode(try openrsp(gasless + ["--relayer-password-env", "RELAYER_PW"]), 314)
        #expect(try await devnet.client.getTransactionCount(relayer) == relayerNonce)
        #expect(try await chain.plans.call(PlanEntitlements.lastId()) == lastId)
        #expect(FileManager.default.fileExists(atPath: pendingURL.path))
    }

    func temporaryStore() async throws -> any SMDPStore {
        try SQLiteSMDPStore(inMemoryWith: SystemClock())
    }
}
