// `openrsp token balance|transfer|mint` and `openrsp registry approve-mvno|revoke-mvno` against the
// real devnet: the happy paths, and the refusals (not the minter, short balance, wrong role, not an
// MVNO, not approved) with their codes and no state change.
import DevnetTestSupport
import EthereumCore
import EthereumRPC
import Foundation
import Settlement
import Testing

@Suite("openrsp token and registry approve-mvno/revoke-mvno (real devnet)", .serialized)
struct TokenAndMvnoCommandTests {
    @Test("mint (minter, devnet), balance, transfer; refusals: not minter 230, short balance 232; approve-mvno by the MNO only")
    func tokenAndApproval() async throws {
        try await FundedHome.with(chainId: 31337) { f in
            let h = f.home
            let owner = f.chain + f.signer
            try await h.ok(["contracts", "deploy", "--json"] + owner, environment: f.env)
            try await h.ok(["pki", "init", "--json"])
            let pki = h.url.appendingPathComponent("pki").path
            var address: [String: String] = [:]
            for name in ["mno", "mvno", "user"] {
                let made = try await h.ok(["account", "new", name, "--password-env", "PW", "--light-kdf", "--json"], environment: f.env)
                address[name] = try #require(made.data?["address"] as? String)
                try await h.ok(["account", "transfer", address[name]!, "--wei", "100000000000000000", "--json"] + owner, environment: f.env)
            }
            let mno = address["mno"]!, mvno = address["mvno"]!, user = address["user"]!
            func signer(_ name: String) -> [String] { ["--account", name, "--password-env", "PW"] + f.chain }

            // mint by the minter (the deployer) on a devnet chain id; balance by address and by --account.
            let minted = try await h.ok(["token", "mint", user, "--amount", "50000000", "--json"] + owner, environment: f.env)
            #expect(minted.data?["balanceAfter"] as? String == "50000000")
            let byAddress = try await h.ok(["token", "balance", user, "--json"] + f.chain)
            #expect(byAddress.data?["balance"] as? String == "50000000")
            let byAccount = try await h.ok(["token", "balance", "--account", "user", "--json"] + f.chain)
            #expect(byAccount.data?["balance"] as? String == "50000000")
            // Not the minter: 230, nothing minted.
            let notMinter = try await h.run(["token", "mint", user, "--amount", "1", "--json"] + signer("user"), environment: f.env)
            #expect(notMinter.code == 230, "\(notMinter)")
            // transfer; then more than the balance: 232, nothing sent (nonce unchanged).
            let sent = try await h.ok(["token", "transfer", mno, "--amount", "20000000", "--json"] + signer("user"), environment: f.env)
            #expect(sent.data?["balanceAfter"] as? String == "30000000")
            let userAddress = try Address(hex: user)
            let nonce = try await f.nonce(userAddress)
            let short = try await h.run(["token", "transfer", mno, "--amount", "30000001", "--json"] + signer("user"), environment: f.env)
            #expect(short.code == 232, "\(short)")
            #expect(try await f.nonce(userAddress) == nonce)
            let after = try await h.ok(["token", "balance", mno, "--json"] + f.chain)
            #expect(after.data?["balance"] as? String == "20000000")
            let bad = try await h.run(["token", "transfer", mno, "--amount", "12.5", "--json"] + signer("user"), environment: f.env)
            #expect(bad.code == 200)

            // approve-mvno: MNO and MVNO registered by governance.
            try await h.ok(["registry", "register", mno, "--role", "mno", "--name", "MNO", "--cert", "\(pki)/eum.pem", "--json"] + owner, environment: f.env)
            // Not yet an MVNO: 260.
            let notMVNO = try await h.run(["registry", "approve-mvno", mvno, "--max-margin-bps", "2000", "--json"] + signer("mno"), environment: f.env)
            #expect(notMVNO.code == 260, "\(notMVNO)")
            try await h.ok(["registry", "register", mvno, "--role", "mvno", "--name", "MVNO", "--cert", "\(pki)/ci.pem", "--json"] + owner, environment: f.env)
            // Wrong role: the MVNO cannot approve itself (258, not an active MNO).
            let wrongRole = try await h.run(["registry", "approve-mvno", mvno, "--max-margin-bps", "2000", "--json"] + signer("mvno"), environment: f.env)
            #expect(wrongRole.code == 258, "\(wrongRole)")
            let tooHigh = try await h.run(["registry", "approve-mvno", mvno, "--max-margin-bps", "10001", "--json"] + signer("mno"), environment: f.env)
            #expect(tooHigh.code == 200)
            let chain = Chain(client: f.devnet.client, chainId: 31337)
            let contracts = try JSONSerialization.jsonObject(with: Data(contentsOf: h.url.appendingPathComponent("contracts.json"))) as? [String: Any]
            let registryHex = try #require((contracts?["contracts"] as? [String: String])?["TrustRegistry"])
            let registry = chain.contract(TrustRegistry.self, at: try Address(hex: registryHex))
            #expect(try await registry.call(TrustRegistry.mvnoApproval(mno: try Address(hex: mno), mvno: try Address(hex: mvno))) == nil)
            try await h.ok(["registry", "approve-mvno", mvno, "--max-margin-bps", "2000", "--json"] + signer("mno"), environment: f.env)
            #expect(try await registry.call(TrustRegistry.mvnoApproval(mno: try Address(hex: mno), mvno: try Address(hex: mvno))) == UInt256(2000))
            try await h.ok(["registry", "revoke-mvno", mvno, "--json"] + signer("mno"), environment: f.env)
            #expect(try await registry.call(TrustRegistry.mvnoApproval(mno: try Address(hex: mno), mvno: try Address(hex: mvno))) == nil)
            // Revoking again: not approved (261).
            let again = try await h.run(["registry", "revoke-mvno", mvno, "--json"] + signer("mno"), environment: f.env)
            #expect(again.code == 261, "\(again)")
        }
    }

    @Test("mint on a chain id that is not a devnet (4242) is refused with 231 before anything is sent")
    func mintRefusedOffDevnet() async throws {
        try await FundedHome.with(chainId: 4242) { f in
            let before = try await f.nonce(f.dev)
            let refused = try await f.home.run(["token", "mint", f.dev.checksummed, "--amount", "1", "--token", f.dev.checksummed, "--json"]
                                               + f.chain + f.signer, environment: f.env)
            #expect(refused.code == 231, "\(refused)")
            #expect(try await f.nonce(f.dev) == before)
        }
    }
}
