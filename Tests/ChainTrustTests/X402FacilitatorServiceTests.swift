// The facilitator's HTTP API (/supported, /verify, /settle) driven by x402's official Python facilitator client with
// a payment made by x402's official client: a real devnet, real TestStablecoin, a real Hummingbird server.
import DevnetTestSupport
import EthereumCore
import Foundation
import Hummingbird
import Logging
import Settlement
import Testing
import X402
import X402HTTP

@Suite("x402 facilitator service against the official x402 clients", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"))
struct X402FacilitatorServiceTests {
    @Test("supported names the chain; verify then settle move exactly the amount once; the spent payment is refused on both; no token, no service")
    func officialClientsAgainstFacilitator() async throws {
        try await withDevnet { devnet in
            let keys = try devnetKeys(devnet)
            let chain = try await Chain.connect(devnet.client)
            let token = try await chain.deploy(TestStablecoin.self, data: try TestStablecoin.deploymentData(bytecode: try bytecode("TestStablecoin")),
                                               signer: keys[0])
            let payer = keys[3], payee = try keys[8].address(), payerAddress = try keys[3].address()
            try await token.send(TestStablecoin.mint(receiver: payerAddress, amount: 1_000_000), signer: keys[0])
            let domain = try await token.call(TestStablecoin.eip712Domain())
            let requirements = X402Requirements(scheme: "exact", network: "eip155:\(chain.chainId)", asset: token.address.checksummed,
                                                amount: "1234", payTo: payee.checksummed, maxTimeoutSeconds: 300,
                                                extra: ["name": .string(domain.name), "version": .string(domain.version)])
            let facilitator = X402Facilitator(ledger: try ChainX402Ledger(chain: chain, settler: keys[9]), assets: [token.address])
            let secret = "facilitator-test-token"
            let router = Router()
            FacilitatorRoutes(facilitator: facilitator, tokenHashes: [FacilitatorToken.hash(secret)]).register(on: router)
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            var logger = Logger(label: "test.x402.facilitator")
            logger.logLevel = .notice
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { channel in
                                      continuation.yield(channel.localAddress?.port ?? 0)
                                      continuation.finish()
                                  }, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.run() }
                defer { group.cancelAll() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let work = FileManager.default.temporaryDirectory.appendingPathComponent("x402f-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: work) }
                func file(_ name: String, _ content: Data) throws -> String {
                    let url = work.appendingPathComponent(name)
                    try content.write(to: url)
                    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
                    return url.path
                }
                let base = "http://127.0.0.1:\(port)"
                let keyFile = try file("payer.key", Data(Hex.encode(payer.rawBytes).utf8))
                let requirementsFile = try file("requirements.json", try JSONEncoder().encode(requirements))
                let wrongToken = try file("wrong.token", Data("not-the-token".utf8))
                // Without the right bearer token the official client's /verify fails and nothing moves.
                await #expect(throws: (any Error).self) {
                    _ = try await runPython(["tools/x402client/facilitator_check.py", "--url", base, "--token-file", wrongToken,
                                             "--key-file", keyFile, "--requirements-file", requirementsFile])
                }
                #expect(try await token.call(TestStablecoin.balanceOf(payee)) == .zero)

                let output = try await runPython(["tools/x402client/facilitator_check.py", "--url", base,
                                            "--token-file", try file("token", Data(secret.utf8)),
                                            "--key-file", keyFile, "--requirements-file", requirementsFile])
                let result = try #require(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
                let kinds = try #require(result["supported"]?["kinds"] as? [[String: Any]])
                #expect(kinds.contains { $0["network"] as? String == "eip155:\(chain.chainId)" && $0["scheme"] as? String == "exact"
                    && $0["x402Version"] as? Int == 2 })
                #expect(result["verify"]?["isValid"] as? Bool == true)
                #expect(result["verify"]?["payer"] as? String == payerAddress.checksummed)
                #expect(result["settle"]?["success"] as? Bool == true)
                let transaction = try Hash32(hex: try #require(result["settle"]?["transaction"] as? String))
                #expect(try await devnet.client.getTransactionReceipt(transaction)?.succeeded == true)
                #expect(result["verifyAgain"]?["isValid"] as? Bool == false)
                #expect(result["verifyAgain"]?["invalidReason"] as? String == X402Reason.nonceUsed.rawValue)
                #expect(result["settleAgain"]?["success"] as? Bool == false)
                #expect(try await token.call(TestStablecoin.balanceOf(payee)) == 1234)
                #expect(try await token.call(TestStablecoin.balanceOf(payerAddress)) == 1_000_000 - 1234)
            }
        }
    }
}
