// Accounts, chain-id checks, confirmations and crash resume of `openrsp account …` against the
// real devnet (tools/devnet), on chain id 1337 and 31337. The CLI runs as a child process.
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
import Testing

/// A devnet and a home with the funded dev account imported as "dev" (password in PW).
struct FundedHome {
    let devnet: DevnetProcess
    let home: CLIHome
    let dev: Address
    let chainId: UInt64
    static let password = "correct horse battery staple"
    var env: [String: String] { ["PW": Self.password] }
    /// --rpc-url/--chain-id for every chain command.
    var chain: [String] { ["--rpc-url", devnet.url, "--chain-id", String(chainId)] }
    var signer: [String] { ["--account", "dev", "--password-env", "PW"] }

    static func with(chainId: UInt64 = 1337, _ body: (FundedHome) async throws -> Void) async throws {
        try await DevnetProcess.with(chainId: chainId == 1337 ? nil : chainId) { devnet in
            let home = try CLIHome()
            defer { home.remove(); devnet.removeState() }
            let key = try devnet.devKey()
            let imported = try await home.ok(["account", "import", "dev", "--private-key-env", "DEV_KEY", "--password-env", "PW",
                                              "--light-kdf", "--json"], environment: ["DEV_KEY": key, "PW": password])
            let dev = try Address(hex: try #require(imported.data?["address"] as? String))
            try await body(FundedHome(devnet: devnet, home: home, dev: dev, chainId: chainId))
        }
    }

    func nonce(_ address: Address) async throws -> UInt64 { try await devnet.client.getTransactionCount(address, at: .latest) }
    func balance(_ address: Address) async throws -> UInt256 { try await devnet.client.getBalance(address) }

    /// Files under transactions/<chainId>/<sub>.
    func persisted(_ sub: String) -> [URL] {
        let dir = home.url.appendingPathComponent("transactions/\(chainId)/\(sub)")
        return ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" && !$0.lastPathComponent.hasPrefix(".") }
    }
}

func posixMode(_ path: String) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

@Suite("openrsp account: keystores, chain id, confirmations, crash resume (real devnet)", .serialized)
struct FoundationTests {
    @Test("account new/import/list/show: keystores 0600 in a 0700 directory, no secret in output; duplicates and a wrong password refused",
          arguments: [UInt64(1337), 31337])
    func accounts(chainId: UInt64) async throws {
        try await FundedHome.with(chainId: chainId) { f in
            let pwFile = try f.home.secretFile("alice.pw", "alice's password\n")
            let created = try await f.home.ok(["account", "new", "alice", "--password-file", pwFile, "--light-kdf", "--json"])
            let alice = try #require(created.data?["address"] as? String)
            let path = try #require(created.data?["path"] as? String)
            #expect(path == f.home.url.appendingPathComponent("keystore/alice.json").path)
            #expect(try posixMode(path) == 0o600)
            #expect(try posixMode(f.home.url.appendingPathComponent("keystore").path) == 0o700)
            let devKey = try f.devnet.devKey()
            let devFile = try String(contentsOfFile: f.home.url.appendingPathComponent("keystore/dev.json").path, encoding: .utf8)
            #expect(!devFile.lowercased().contains(String(devKey.dropFirst(2)).lowercased()), "the keystore holds the key in clear")

            let listed = try await f.home.ok(["account", "list", "--json"])
            #expect(Set(try #require(listed.list).compactMap { $0["name"] as? String }) == ["alice", "dev"])
            let shown = try await f.home.ok(["account", "show", alice, "--json"])
            #expect(shown.data?["name"] as? String == "alice")
            let onChain = try await f.home.ok(["account", "show", "dev", "--json"] + f.chain)
            #expect(onChain.data?["chainId"] as? Int == Int(chainId))
            #expect((onChain.data?["balanceWei"] as? String ?? "0") != "0")

            // The same key again, or the same name: 211, nothing written.
            let again = try await f.home.run(["account", "import", "dev2", "--private-key-env", "DEV_KEY", "--password-env", "PW",
                                              "--light-kdf", "--json"], environment: ["DEV_KEY": devKey, "PW": "x"])
            #expect(again.code == 211)
            let sameName = try await f.home.run(["account", "new", "alice", "--password-env", "PW", "--light-kdf", "--json"], environment: f.env)
            #expect(sameName.code == 211)
            #expect(!FileManager.default.fileExists(atPath: f.home.url.appendingPathComponent("keystore/dev2.json").path))
            let unknown = try await f.home.run(["account", "show", "bob", "--json"])
            #expect(unknown.code == 210)

            // Wrong password: 212, and the account sent nothing.
            let before = try await f.nonce(f.dev)
            let wrong = try await f.home.run(["account", "transfer", alice, "--wei", "1", "--account", "dev", "--password-env", "PW", "--json"] + f.chain,
                                             environment: ["PW": "not the password"])
            #expect(wrong.code == 212, "\(wrong)")
            #expect(!wrong.stdout.contains("not the password") && !wrong.stderr.contains("not the password"))
            #expect(try await f.nonce(f.dev) == before)
            // An account without gas money: 222 before anything is signed or persisted.
            let poor = try await f.home.run(["account", "transfer", f.dev.checksummed, "--wei", "1", "--account", "alice", "--password-file", pwFile,
                                             "--json"] + f.chain)
            #expect(poor.code == 222, "\(poor)")
            #expect(f.persisted("pending").isEmpty && f.persisted("done").isEmpty)
            // No password source and no terminal: 213.
            let none = try await f.home.run(["account", "transfer", alice, "--wei", "1", "--account", "dev", "--json"] + f.chain, detached: true)
            #expect(none.code == 213, "\(none)")
        }
    }

    @Test("a transfer lands on chain 1337 and 31337; a --chain-id the node does not report is refused before signing",
          arguments: [UInt64(1337), 31337])
    func chainIdChecked(chainId: UInt64) async throws {
        try await FundedHome.with(chainId: chainId) { f in
            let receiver = try PrivateKey.generate().address()
            let other: UInt64 = chainId == 1337 ? 31337 : 1337
            let refused = try await f.home.run(["account", "transfer", receiver.checksummed, "--wei", "5", "--json", "--rpc-url", f.devnet.url,
                                                "--chain-id", String(other)] + f.signer, environment: f.env)
            #expect(refused.code == 203, "\(refused)")
            #expect(f.persisted("pending").isEmpty && f.persisted("done").isEmpty)
            // No chain id at all (no --chain-id, no deploy JSON): 204 before signing.
            let unknown = try await f.home.run(["account", "transfer", receiver.checksummed, "--wei", "5", "--json", "--rpc-url", f.devnet.url]
                                               + f.signer, environment: f.env)
            #expect(unknown.code == 204)
            #expect(try await f.balance(receiver) == .zero)

            let sent = try await f.home.ok(["account", "transfer", receiver.checksummed, "--wei", "12345", "--json"] + f.chain + f.signer,
                                           environment: f.env)
            let tx = try #require(sent.data?["transaction"] as? [String: Any])
            #expect(tx["resumed"] as? Bool == false)
            #expect(try await f.balance(receiver) == UInt256(12345))
            let hash = try Hash32(hex: try #require(tx["hash"] as? String))
            // EIP-1559, for this chain id; max fee = 2 × the base fee of its block + tip (1 gwei on the devnet).
            let mined = try #require(try await f.devnet.client.getTransactionByHash(hash))
            let blockNumber = try #require(mined.blockNumber)
            let block = try #require(try await f.devnet.client.getBlockByNumber(.number(blockNumber)))
            let base = try #require(block.baseFeePerGas)
            #expect(mined.type == 2 && mined.chainId == chainId)
            #expect(mined.maxPriorityFeePerGas == UInt256(1_000_000_000))
            #expect(mined.maxFeePerGas == (try base.multiplied(by: 2).adding(UInt256(1_000_000_000))))
            #expect(f.persisted("pending").isEmpty && f.persisted("done").count == 1)
            #expect(try posixMode(f.persisted("done")[0].path) == 0o600)
        }
    }

    @Test("--confirmations 3 waits for two more blocks, with progress on stderr")
    func confirmations() async throws {
        try await FundedHome.with { f in
            let receiver = try PrivateKey.generate().address()
            let (process, out, err) = try f.home.start(["account", "transfer", receiver.checksummed, "--wei", "7", "--confirmations", "3", "--json"]
                                                      + f.chain + f.signer, environment: f.env)
            // The devnet mines one block per transaction: wait until it is mined, then mine two empty blocks.
            let deadline = ContinuousClock.now.advanced(by: .seconds(120))
            while try await f.balance(receiver) == .zero, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            try await Task.sleep(for: .milliseconds(800))
            #expect(process.isRunning, "the command returned before 3 confirmations")
            try await f.devnet.mine()
            try await Task.sleep(for: .milliseconds(500))
            try await f.devnet.mine()
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(process.terminationStatus == 0)
            let stderr = try String(contentsOf: err, encoding: .utf8)
            #expect(stderr.contains("1/3 confirmation") && stderr.contains("3/3 confirmation"), "\(stderr)")
            let stdout = try String(contentsOf: out, encoding: .utf8)
            #expect(stdout.contains("\"confirmations\":3"))
        }
    }

    @Test("SIGKILL after persisting (before broadcast) or after broadcast: the rerun sends the same bytes, one transaction lands",
          arguments: ["after-persist", "after-broadcast"])
    func crashResume(point: String) async throws {
        try await FundedHome.with(chainId: 31337) { f in
            let receiver = try PrivateKey.generate().address()
            let command = ["account", "transfer", receiver.checksummed, "--wei", "1000", "--json"] + f.chain + f.signer
            let nonceBefore = try await f.nonce(f.dev)
            let (process, _, err) = try f.home.start(command, environment: f.env.merging(["OPENRSP_TEST_HOLD": point]) { $1 })
            let deadline = ContinuousClock.now.advanced(by: .seconds(120))
            while ContinuousClock.now < deadline {
                if (try? String(contentsOf: err, encoding: .utf8))?.contains("holding \(point)") == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(process.isRunning)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            let pending = f.persisted("pending")
            try #require(pending.count == 1)
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: pending[0])) as? [String: Any]
            let hash = try Hash32(hex: try #require(record?["hash"] as? String))
            let known = try await f.devnet.client.getTransactionByHash(hash)
            if point == "after-persist" {
                #expect(known == nil, "killed before broadcast, yet the node knows the transaction")
                #expect(try await f.nonce(f.dev) == nonceBefore)
            } else {
                #expect(known != nil)
            }

            let rerun = try await f.home.ok(command, environment: f.env)
            let tx = try #require(rerun.data?["transaction"] as? [String: Any])
            #expect(tx["hash"] as? String == hash.hex, "the rerun signed another transaction")
            #expect(tx["resumed"] as? Bool == true)
            #expect(try await f.nonce(f.dev) == nonceBefore + 1)
            #expect(try await f.balance(receiver) == UInt256(1000))
            #expect(f.persisted("pending").isEmpty && f.persisted("done").count == 1)
            // A third run is a new transfer (the first is done): it pays again, with the next nonce.
            let third = try await f.home.ok(command, environment: f.env)
            #expect((third.data?["transaction"] as? [String: Any])?["hash"] as? String != hash.hex)
            #expect(try await f.balance(receiver) == UInt256(2000))
        }
    }
}
