// `profile download --trust chain|both` and `smdp serve --rpc-url` check the node's chain id too.
import DevnetTestSupport
import Foundation
import Testing

@Suite("--chain-id on the LPA's and the SM-DP+'s chain options (real devnet)", .serialized)
struct ChainIdCheckTests {
    static let registry = "0x00000000000000000000000000000000000000a1"
    static let code = "LPA:1$smdp.example$MATCHING-ID-1"

    @Test("profile download --trust chain refuses a node on another chain (203) before anything else; the right chain id passes the check and a later failure closes the registry client (no trap)")
    func profileDownload() async throws {
        try await DevnetProcess.with(chainId: nil) { devnet in
            let home = try CLIHome()
            defer { home.remove(); devnet.removeState() }
            let simulator = home.url.appendingPathComponent("euicc").path
            let base = ["profile", "download", "-a", Self.code, "--trust", "chain", "--rpc-url", devnet.url,
                        "--registry", Self.registry, "--simulator", simulator, "--json"]
            let wrong = try await home.run(base + ["--chain-id", "31337"])
            #expect(wrong.code == 203, "\(wrong)")
            #expect(wrong.stdout.contains("is chain 1337"), "\(wrong)")
            #expect(!FileManager.default.fileExists(atPath: simulator), "the eUICC was opened before the chain check")

            let right = try await home.run(base + ["--chain-id", "1337"])
            #expect(right.code != nil && right.code != 0 && right.code != 203, "the right chain id must pass the check: \(right)")
        }
    }

    @Test("smdp serve --rpc-url --chain-id of another chain refuses to start with code 203 (a startup error is reported, not trapped)")
    func serve() async throws {
        try await DevnetProcess.with(chainId: nil) { devnet in
            let home = try CLIHome()
            defer { home.remove(); devnet.removeState() }
            try await home.ok(["pki", "init", "--json"])
            let wrong = try await home.run(["smdp", "serve", "--port", "0", "--rpc-url", devnet.url, "--entitlements", Self.registry,
                                            "--chain-id", "31337", "--json"], timeout: .seconds(60))
            #expect(wrong.status != 0, "\(wrong)")
            // A startup failure is reported with its code (it used to trap reading an unparsed --json).
            #expect(wrong.code == 203, "\(wrong)")
            #expect((wrong.stderr + wrong.stdout).contains("is chain 1337"), "\(wrong)")
        }
    }
}
