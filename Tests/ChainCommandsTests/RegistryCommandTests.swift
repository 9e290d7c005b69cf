// `openrsp contracts deploy` and `openrsp registry …` against the real devnet (chain 1337 and 31337):
// deployment and wiring, every governance action, certificate hashes as the trust oracle computes
// them, operator keys, and the refusals (non-owner, suspended entity, revoked, wrong nominee).
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
import RSPCrypto
import Settlement
import Testing

@Suite("openrsp contracts deploy and registry governance (real devnet)", .serialized)
struct RegistryCommandTests {
    /// sha256(SPKI) of a PKI file, computed the way RegistrySMDPTrustOracle does.
    func spkiHash(_ path: String) throws -> Hash32 {
        try Hash32(try CertificateDigests.spkiSHA256(try PKIDecoder.certificate(Array(try Data(contentsOf: URL(fileURLWithPath: path))))))
    }

    @Test("deploy writes contracts.json v2 and wires the contracts; registry commands govern it; refusals change nothing",
          arguments: [UInt64(1337), 31337])
    func deployAndGovern(chainId: UInt64) async throws {
        try await FundedHome.with(chainId: chainId) { f in
            let h = f.home
            // Deploy, in Swift, from contracts/build.
            let deployed = try await h.ok(["contracts", "deploy", "--json"] + f.chain + f.signer, environment: f.env)
            let addresses = try #require(deployed.data?["contracts"] as? [String: String])
            #expect(Set(addresses.keys) == ["TestStablecoin", "Token", "TrustRegistry", "PlanEntitlements", "UsageSettlement", "RoamingClearing", "IdentityRegistry"])
            let file = try JSONSerialization.jsonObject(with: Data(contentsOf: h.url.appendingPathComponent("contracts.json"))) as? [String: Any]
            #expect(file?["chainId"] as? Int == Int(chainId) && file?["version"] as? Int == 2 && file?["registryPointsHere"] as? Bool == true)
            let gasLabels = Set(((file?["gasUsed"] as? [String: Any]) ?? [:]).keys)
            #expect(gasLabels.isSuperset(of: ["setSettlement(address)", "deploy TrustRegistry"]))
            let chain = Chain(client: f.devnet.client, chainId: chainId)
            let registry = chain.contract(TrustRegistry.self, at: try Address(hex: try #require(addresses["TrustRegistry"])))
            #expect(try await registry.call(TrustRegistry.owner()) == f.dev)
            #expect(try await registry.call(TrustRegistry.deploymentVersion()) == 2)
            #expect(try await registry.call(TrustRegistry.deploymentSettlement()) == (try Address(hex: try #require(addresses["UsageSettlement"]))))
            #expect(try await registry.call(TrustRegistry.deploymentEntitlements()) == (try Address(hex: try #require(addresses["PlanEntitlements"]))))
            #expect(!FileManager.default.fileExists(atPath: h.url.appendingPathComponent("contracts.json.partial.json").path))
            // A second deploy would replace the addresses: refused without --force.
            let again = try await h.run(["contracts", "deploy", "--json"] + f.chain + f.signer, environment: f.env)
            #expect(again.code == 242)

            // The usage commands load --account through the same code: a wrong password is 212 there too.
            let db = h.url.appendingPathComponent("usage.sqlite").path
            let usageWrong = try await h.run(["usage", "withdraw", "--database", db, "--rpc-url", f.devnet.url, "--account", "dev",
                                              "--password-env", "PW", "--json"], environment: ["PW": "wrong"])
            #expect(usageWrong.code == 212, "\(usageWrong)")
            let usageBoth = try await h.run(["usage", "withdraw", "--database", db, "--rpc-url", f.devnet.url, "--account", "dev",
                                             "--key", "/nonexistent", "--json"], environment: f.env)
            #expect(usageBoth.code == 43)
            let usageOtherChain = try await h.run(["usage", "withdraw", "--database", db, "--rpc-url", f.devnet.url, "--account", "dev",
                                                   "--password-env", "PW", "--chain-id", chainId == 1337 ? "31337" : "1337", "--json"],
                                                  environment: f.env)
            #expect(usageOtherChain.code == 203, "\(usageOtherChain)")

            // Parties: an SM-DP+ and an MNO (with gas money), and an operator key.
            try await h.ok(["pki", "init", "--json"])
            let pki = h.url.appendingPathComponent("pki").path
            var address: [String: String] = [:]
            for name in ["smdp", "mno", "opkey"] {
                let made = try await h.ok(["account", "new", name, "--password-env", "PW", "--light-kdf", "--json"], environment: f.env)
                address[name] = try #require(made.data?["address"] as? String)
            }
            for name in ["mno", "opkey"] {
                try await h.ok(["account", "transfer", address[name]!, "--wei", "100000000000000000", "--json"] + f.chain + f.signer, environment: f.env)
            }
            let owner = f.chain + f.signer
            let smdp = address["smdp"]!, mno = address["mno"]!, opkey = address["opkey"]!
            let smdpAddress = try Address(hex: smdp)

            // register: the hashes are the oracle's; the SM-DP+ is trusted.
            let registered = try await h.ok(["registry", "register", smdp, "--role", "smdp", "--name", "Test SM-DP+", "--cert", "\(pki)/dp-auth.pem", "--json"] + owner,
                                            environment: f.env)
            let authSpki = try spkiHash("\(pki)/dp-auth.pem")
            #expect((registered.data?["certificate"] as? [String: Any])?["spkiHash"] as? String == authSpki.hex)
            #expect(try await registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: authSpki)))
            try await h.ok(["registry", "register", mno, "--role", "mno", "--name", "Test MNO", "--cert", "\(pki)/eum.pem", "--json"] + owner, environment: f.env)
            // A DER certificate works the same; the same key twice is refused (256).
            let dup = try await h.run(["registry", "register", opkey, "--role", "smdp", "--name", "dup", "--cert", "\(pki)/dp-auth.der", "--json"] + owner,
                                      environment: f.env)
            #expect(dup.code == 256, "\(dup)")
            let badCert = try await h.run(["registry", "register", opkey, "--role", "smdp", "--name", "x", "--cert", "\(pki)/dp-auth.key.pem", "--json"] + owner,
                                          environment: f.env)
            #expect(badCert.code == 250)

            // Certificates: add the TLS key, find it, remove it.
            let tlsSpki = try spkiHash("\(pki)/dp-tls.pem")
            try await h.ok(["registry", "add-cert", smdp, "--cert", "\(pki)/dp-tls.pem", "--json"] + owner, environment: f.env)
            #expect(try await registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: tlsSpki)))
            let byCert = try await h.ok(["registry", "show", "--cert", "\(pki)/dp-tls.pem", "--role", "smdp", "--json"] + f.chain)
            #expect(byCert.data?["address"] as? String == smdpAddress.checksummed)
            try await h.ok(["registry", "remove-cert", smdp, "--cert", "\(pki)/dp-tls.pem", "--json"] + owner, environment: f.env)
            #expect(try await !registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: tlsSpki)))
            let primary = try await h.run(["registry", "remove-cert", smdp, "--spki-hash", authSpki.hex, "--json"] + owner, environment: f.env)
            #expect(primary.code == 220, "\(primary)")

            // Wrong role: the MNO is not the registry owner (251); nothing changes.
            let notOwner = try await h.run(["registry", "suspend", smdp, "--json", "--account", "mno", "--password-env", "PW"] + f.chain, environment: f.env)
            #expect(notOwner.code == 251, "\(notOwner)")
            #expect(try await registry.call(TrustRegistry.statusOf(entity: smdpAddress)) == .active)

            // Suspend: untrusted; suspending again is refused (253); reinstate: trusted again.
            try await h.ok(["registry", "suspend", smdp, "--reason", "7", "--json"] + owner, environment: f.env)
            #expect(try await !registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: authSpki)))
            let shown = try await h.ok(["registry", "show", smdp, "--json"] + f.chain)
            #expect(shown.data?["status"] as? String == "suspended" && shown.data?["reasonCode"] as? Int == 7 && shown.data?["trusted"] as? Bool == false)
            let twice = try await h.run(["registry", "suspend", smdp, "--json"] + owner, environment: f.env)
            #expect(twice.code == 253)
            try await h.ok(["registry", "reinstate", smdp, "--json"] + owner, environment: f.env)
            #expect(try await registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: authSpki)))
            let notSuspended = try await h.run(["registry", "reinstate", smdp, "--json"] + owner, environment: f.env)
            #expect(notSuspended.code == 254)

            // Operator keys: the MNO offers, the key accepts, list shows it usable.
            let mnoSigner = ["--account", "mno", "--password-env", "PW"] + f.chain
            try await h.ok(["registry", "operator-key", "add", opkey, "--json"] + mnoSigner, environment: f.env)
            let offered = try await h.ok(["registry", "operator-key", "list", "--mno", mno, "--json"] + f.chain)
            #expect(offered.list?.first?["state"] as? String == "offered")
            try await h.ok(["registry", "operator-key", "accept", "--mno", mno, "--json", "--account", "opkey", "--password-env", "PW"] + f.chain,
                           environment: f.env)
            let active = try await h.ok(["registry", "operator-key", "list", "--mno", mno, "--json"] + f.chain)
            #expect(active.list?.first?["state"] as? String == "active" && active.list?.first?["usable"] as? Bool == true)
            // A suspended MNO cannot offer keys (258), but may revoke them.
            try await h.ok(["registry", "suspend", mno, "--json"] + owner, environment: f.env)
            let suspendedMNO = try await h.run(["registry", "operator-key", "add", smdp, "--json"] + mnoSigner, environment: f.env)
            #expect(suspendedMNO.code == 258, "\(suspendedMNO)")
            try await h.ok(["registry", "operator-key", "revoke", opkey, "--json"] + mnoSigner, environment: f.env)
            let revokedKey = try await h.ok(["registry", "operator-key", "list", "--mno", mno, "--json"] + f.chain)
            #expect(revokedKey.list?.first?["state"] as? String == "revoked")
            let revokeAgain = try await h.run(["registry", "operator-key", "revoke", opkey, "--json"] + mnoSigner, environment: f.env)
            #expect(revokeAgain.code == 259)

            // list, revoke (final).
            let listed = try await h.ok(["registry", "list", "--json"] + f.chain)
            #expect(listed.list?.count == 2)
            let onlyMNO = try await h.ok(["registry", "list", "--role", "mno", "--json"] + f.chain)
            #expect(onlyMNO.list?.first?["status"] as? String == "suspended" && onlyMNO.list?.count == 1)
            try await h.ok(["registry", "revoke", smdp, "--reason", "9", "--json"] + owner, environment: f.env)
            let revoked = try await h.run(["registry", "reinstate", smdp, "--json"] + owner, environment: f.env)
            #expect(revoked.code == 254)
            #expect(try await registry.call(TrustRegistry.statusOf(entity: smdpAddress)) == .revoked)

            // set-deployment (governance names the current deployment): the owner may, the MNO may not (251).
            let named = try await h.ok(["registry", "set-deployment", "--json"] + owner, environment: f.env)
            #expect((named.data?["transaction"] as? [String: Any])?["hash"] != nil)
            let notGovernance = try await h.run(["registry", "set-deployment", "--json"] + mnoSigner, environment: f.env)
            #expect(notGovernance.code == 251)

            // Ownership in two steps; only the nominee may accept (252).
            try await h.ok(["registry", "transfer-ownership", mno, "--json"] + owner, environment: f.env)
            let wrongNominee = try await h.run(["registry", "accept-ownership", "--json", "--account", "opkey", "--password-env", "PW"] + f.chain,
                                               environment: f.env)
            #expect(wrongNominee.code == 252)
            try await h.ok(["registry", "accept-ownership", "--json"] + mnoSigner, environment: f.env)
            #expect(try await registry.call(TrustRegistry.owner()) == (try Address(hex: mno)))
            let summary = try await h.ok(["registry", "show", "--json"] + f.chain)
            #expect(summary.data?["owner"] as? String == (try Address(hex: mno)).checksummed)
            // The former owner is no longer the owner (251).
            let former = try await h.run(["registry", "suspend", opkey, "--json"] + owner, environment: f.env)
            #expect(former.code == 251)
            #expect(f.persisted("pending").isEmpty)
        }
    }
}

@Suite("openrsp contracts deploy: SIGKILL half way, rerun finishes without deploying anything twice (real devnet)")
struct DeployResumeTests {
    @Test("killed after persisting the third transaction (IdentityRegistry): the rerun resumes it and sends exactly nine in all")
    func killedMidway() async throws {
        try await FundedHome.with(chainId: 31337) { f in
            let command = ["contracts", "deploy", "--json"] + f.chain + f.signer
            let before = try await f.nonce(f.dev)
            let (process, _, err) = try f.home.start(command, environment: f.env.merging(["OPENRSP_TEST_HOLD": "after-persist#3"]) { $1 })
            let deadline = ContinuousClock.now.advanced(by: .seconds(180))
            while ContinuousClock.now < deadline, process.isRunning {
                if (try? String(contentsOf: err, encoding: .utf8))?.contains("holding after-persist") == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            try #require(process.isRunning, "deploy did not hold: \((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Two deployments mined (TestStablecoin, TrustRegistry), the third signed and persisted only.
            #expect(try await f.nonce(f.dev) == before + 2)
            let journalURL = f.home.url.appendingPathComponent("contracts.json.partial.json")
            let journal = try JSONSerialization.jsonObject(with: Data(contentsOf: journalURL)) as? [String: Any]
            let steps = try #require(journal?["steps"] as? [String: String])
            #expect(Set(steps.keys) == ["deploy TestStablecoin", "deploy TrustRegistry"])
            #expect(f.persisted("pending").count == 1)
            #expect(!FileManager.default.fileExists(atPath: f.home.url.appendingPathComponent("contracts.json").path))

            let rerun = try await f.home.ok(command, environment: f.env)
            let contracts = try #require(rerun.data?["contracts"] as? [String: String])
            #expect(contracts["TrustRegistry"] == steps["deploy TrustRegistry"] && contracts["TestStablecoin"] == steps["deploy TestStablecoin"])
            let sent = try #require(rerun.data?["transactions"] as? [[String: Any]])
            #expect(sent.count == 7 && sent.first?["resumed"] as? Bool == true)
            #expect(try await f.nonce(f.dev) == before + 9,
                    "nine transactions in all (six deployments, setSettlement, setIdentityRegistry, setDeployment): nothing deployed twice")
            #expect(f.persisted("pending").isEmpty && !FileManager.default.fileExists(atPath: journalURL.path))
        }
    }
}
