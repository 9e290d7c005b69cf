import EthereumCore
import Foundation
import Testing
import DevnetTestSupport

@testable import EthereumRPC
import EthereumRPCHTTP

/// Sending, receipts, logs, calls and reverts against the real devnet, with transactions signed
/// beforehand by eth-account (Python) for chain 1337 from dev account 0 (RFC 6979 signatures are
/// deterministic, so the bytes are fixed). The contract is tools/devnet/conftest.py's INIT_CODE:
/// the constructor emits LOG2(data = uint256(42), topic0 = 0x11…11, topic1 = deployer); the runtime
/// returns uint256(42) for empty calldata and reverts with the calldata otherwise.
@Suite(.serialized, .enabled(if: DevnetProcess.isAvailable, "needs .venv with the devnet: run scripts/setup"))
struct DevnetTransactionTests {
    static let dev0 = try! Address(hex: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    static let contract = try! Address(hex: "0x5FbDB2315678afecb367f032d93F642f64180aa3")
    static let topic0 = try! Hash32(hex: "0x" + String(repeating: "11", count: 32))
    /// EIP-1559, nonce 0, gas 200000, maxFee 10 gwei, tip 1 gwei: deploys the contract.
    static let deployRaw = try! DataHex(hex: "0x02f8ad82053980843b9aca008502540be40083030d408080b852602a600052337f111111111111111111111111111111111111111111111111111111111111111160206000a2601a6038600039601a6000f33660006000373615600f57366000fd5b602a60005260206000f3c080a07a332f4f206e143ceffae8035cbc35d00435a3959199743c10b1506ef8223236a0168c514f152b49d96a22500d560d7d186102fa979749ece6a050440e6ee0300c").bytes
    /// EIP-1559, nonce 1: 1 wei to dev account 1.
    static let transferRaw = try! DataHex(hex: "0x02f86d82053901843b9aca008502540be4008252089470997970c51812dc3a010c7d01b50e0d17dc79c80180c080a0aa419e8de8a2b8d52c40f5e31712f7158b3603e713ee5794c0b06cc9335473b4a025dec9337970b64b03781f1ace6af01ab3e2bff0362af75ecfb99c7a119b4210").bytes

    @Test func deployReceiptLogsCallsAndReverts() async throws {
        let node = try await DevnetProcess.start()
        defer { node.removeState() }
        do {
            try await exercise(node.client)
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
    }

    func exercise(_ c: RPCClient) async throws {
        let hash = try await c.sendRawTransaction(Self.deployRaw)
        #expect(hash == Keccak256.hash(Self.deployRaw))
        let receipt = try await c.waitForReceipt(hash, timeout: .seconds(60), pollInterval: .milliseconds(50))
        #expect(receipt.succeeded && receipt.contractAddress == Self.contract && receipt.from == Self.dev0)
        #expect(receipt.blockNumber == 1 && receipt.logsBloom.count == 256)

        // The SAME bytes again: the node says "already known"; the client confirms the hash and succeeds.
        #expect(try await c.sendRawTransaction(Self.deployRaw) == hash)

        let tx = try #require(try await c.getTransactionByHash(hash))
        #expect(tx.nonce == 0 && tx.to == nil && tx.type == 2 && tx.chainId == 1337)

        let logs = try await c.getLogs(LogFilter(fromBlock: .earliest, toBlock: .latest,
                                                 addresses: [Self.contract], topics: [[Self.topic0]]))
        #expect(logs.count == 1)
        let log = try #require(logs.first)
        #expect(log.topics.count == 2 && log.topics[0] == Self.topic0)
        #expect(log.topics[1].bytes == [UInt8](repeating: 0, count: 12) + Self.dev0.bytes)
        #expect(try UInt256(bigEndian: log.data) == UInt256(42))
        #expect(log.transactionHash == hash && log.blockNumber == 1)
        let none = try await c.getLogs(LogFilter(fromBlock: .earliest, topics: [nil, [Self.topic0]]))
        #expect(none.isEmpty)

        #expect(try await c.getCode(Self.contract).count == 26)
        #expect(try await c.call(CallRequest(to: Self.contract)) == [UInt8](repeating: 0, count: 31) + [42])
        do {
            _ = try await c.call(CallRequest(to: Self.contract, data: [0xde, 0xad, 0xbe, 0xef]))
            Issue.record("call did not revert")
        } catch {
            guard case .executionReverted(let revert) = error else { throw error }
            #expect(revert.data == [0xde, 0xad, 0xbe, 0xef])
        }
        do {
            _ = try await c.estimateGas(CallRequest(from: Self.dev0, to: Self.contract, data: [0x01]))
            Issue.record("estimate did not revert")
        } catch {
            guard case .executionReverted(let revert) = error else { throw error }
            #expect(revert.data == [0x01])
        }
        #expect(try await c.estimateGas(CallRequest(from: Self.dev0, to: Self.contract)) >= 21_000)

        // Confirmation depth: the transfer lands in block 2; 3 confirmations need blocks 3 and 4.
        let transfer = try await c.sendRawTransaction(Self.transferRaw)
        await #expect(throws: EthereumRPCError.self) {
            _ = try await c.waitForReceipt(transfer, confirmations: 3, timeout: .milliseconds(300), pollInterval: .milliseconds(50))
        }
        _ = try await c.request("evm_mine", [], retry: .once)
        _ = try await c.request("evm_mine", [], retry: .once)
        let confirmed = try await c.waitForReceipt(transfer, confirmations: 3, timeout: .seconds(30), pollInterval: .milliseconds(50))
        #expect(confirmed.blockNumber == 2)
        #expect(try await c.getTransactionCount(Self.dev0) == 2)

        // Different bytes (tampered signature) are rejected, never mistaken for an earlier send.
        do {
            _ = try await c.sendRawTransaction(Self.deployRaw.dropLast(1) + [Self.deployRaw.last! ^ 1])
            Issue.record("tampered transaction accepted")
        } catch {
            guard case .rpc = error else { throw error }
        }
    }

    @Test func nonceManagerHandsOutDistinctConsecutiveNonces() async throws {
        try await DevnetProcess.with { node in
            defer { node.removeState() }
            let manager = NonceManager(client: node.client)
            let nonces = try await withThrowingTaskGroup(of: UInt64.self) { group in
                for _ in 0..<8 { group.addTask { try await manager.reserve(for: Self.dev0) } }
                var out: [UInt64] = []
                for try await n in group { out.append(n) }
                return out
            }
            #expect(nonces.sorted() == Array(0..<8))
            // Nothing was sent: a resync returns to the node's pending count.
            try await manager.resync(Self.dev0)
            #expect(try await manager.reserve(for: Self.dev0) == 0)
            struct SendFailed: Error {}
            await #expect(throws: SendFailed.self) {
                _ = try await manager.withNonce(for: Self.dev0) { (_: UInt64) async throws -> Int in throw SendFailed() }
            }
            #expect(try await manager.reserve(for: Self.dev0) == 0)
        }
    }

    @Test func stateSurvivesRestart() async throws {
        let (hash, before, stateDir) = try await DevnetProcess.with { node in
            let hash = try await node.client.sendRawTransaction(Self.deployRaw)
            return (hash, try #require(try await node.client.getBlockByNumber(.latest)), node.stateDir)
        }
        defer { try? FileManager.default.removeItem(at: stateDir) }
        let (after, receipt) = try await DevnetProcess.with(stateDir: stateDir) { node in
            (try #require(try await node.client.getBlockByNumber(.latest)), try await node.client.getTransactionReceipt(hash))
        }
        #expect(after.hash == before.hash && after.number == 1)
        #expect(receipt?.contractAddress == Self.contract)
    }
}
