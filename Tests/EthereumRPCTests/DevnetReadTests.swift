import EthereumCore
import Foundation
import Testing
import DevnetTestSupport

@testable import EthereumRPC
import EthereumRPCHTTP

/// Reads, batches and error paths against the real devnet.
@Suite(.serialized, .enabled(if: DevnetProcess.isAvailable, "needs .venv with the devnet: run scripts/setup"))
struct DevnetReadTests {
    static let dev0 = try! Address(hex: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")

    @Test func readMethodsAnswerTypedValues() async throws {
        let node = try await DevnetProcess.start()
        defer { node.removeState() }
        do {
            let c = node.client
            #expect(try await c.chainId() == 1337)
            #expect(try await c.blockNumber() == 0)
            #expect(try await c.getBalance(Self.dev0) == UInt256(decimal: "1000000000000000000000000"))
            #expect(try await c.getTransactionCount(Self.dev0, at: .pending) == 0)
            #expect(try await c.getCode(Self.dev0) == [])
            #expect(try await c.gasPrice() > UInt256(0))
            #expect(try await c.maxPriorityFeePerGas() == UInt256(1_000_000_000))
            let history = try await c.feeHistory(blockCount: 1, rewardPercentiles: [50])
            #expect(history.oldestBlock == 0 && history.baseFeePerGas.count == 2 && history.reward.count == 1)
            let block = try #require(try await c.getBlockByNumber(.latest))
            #expect(block.number == 0 && block.transactions == .hashes([]))
            #expect(try await c.getBlockByNumber(.number(99)) == nil)
            #expect(try await c.getTransactionReceipt(Hash32(hex: "0x" + String(repeating: "ab", count: 32))) == nil)
            #expect(try await c.getTransactionByHash(Hash32(hex: "0x" + String(repeating: "cd", count: 32))) == nil)
            #expect(try await c.getLogs(LogFilter(fromBlock: .earliest, toBlock: .latest)) == [])
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
    }

    @Test func batchReturnsResultsAndErrorsInRequestOrder() async throws {
        let node = try await DevnetProcess.start()
        defer { node.removeState() }
        let out = try await node.client.batch([
            (method: "eth_chainId", params: []),
            (method: "eth_noSuchMethod", params: []),
            (method: "eth_getBalance", params: [.string("0x1234"), .string("latest")]),
            (method: "eth_blockNumber", params: []),
        ])
        await node.stop()
        #expect(out.count == 4)
        #expect(out[0] == .success(.string("0x539")))
        guard case .failure(let missing) = out[1], case .failure(let invalid) = out[2] else {
            Issue.record("expected errors, got \(out)")
            return
        }
        #expect(missing.code == -32601)
        #expect(invalid.code == -32602)
        #expect(out[3] == .success(.string("0x0")))
    }

    @Test func errorsAreTyped() async throws {
        let node = try await DevnetProcess.start()
        defer { node.removeState() }
        let c = node.client
        // A string result decoded as QUANTITY: a malformed answer for this call.
        let wrongType = await captureError {
            _ = try await c.request("web3_clientVersion", [], retry: .idempotentRead).decode(Quantity.self, context: "x")
        }
        let invalidParams = await captureError {
            _ = try await c.request("eth_getBalance", [.string("0x00"), .string("latest")], retry: .once)
        }
        let url = node.url
        await node.stop()
        // Connection refused after the node stopped: a transport error once retries are spent.
        let closed = try RPCClient(url: url, retry: RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(10)))
        let refused = await captureError { _ = try await closed.chainId() }
        try await closed.shutdown()

        guard case .malformedResponse? = wrongType else { Issue.record("wrong error \(String(describing: wrongType))"); return }
        guard case .rpc(let obj)? = invalidParams else { Issue.record("wrong error \(String(describing: invalidParams))"); return }
        #expect(obj.code == -32602)
        guard case .transport? = refused else { Issue.record("wrong error \(String(describing: refused))"); return }
    }

    func captureError(_ body: () async throws -> Void) async -> EthereumRPCError? {
        do {
            try await body()
            return nil
        } catch let error as EthereumRPCError {
            return error
        } catch {
            Issue.record("not an EthereumRPCError: \(error)")
            return nil
        }
    }

    @Test func plainHTTPToRemoteHostIsRefused() {
        #expect(throws: EthereumRPCError.insecureURL("http://192.0.2.1:8545")) { try RPCClient(url: "http://192.0.2.1:8545") }
    }
}
