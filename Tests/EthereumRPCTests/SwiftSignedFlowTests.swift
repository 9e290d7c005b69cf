import EthereumCore
import Foundation
import Testing
import DevnetTestSupport

@testable import EthereumRPC

/// End to end: EthereumCore signs an EIP-1559 contract creation, EthereumRPC sends it to the real
/// devnet, waits for the receipt and reads the constructor's event back with eth_getLogs.
@Suite(.serialized, .enabled(if: DevnetProcess.isAvailable, "needs .venv with the devnet: run scripts/setup"))
struct SwiftSignedFlowTests {
    /// Dev account 1 of the devnet's public "test … junk" mnemonic (DEVNET ONLY key).
    static let key = try! PrivateKey(DataHex(hex: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d").bytes)
    /// tools/devnet/conftest.py INIT_CODE: constructor LOG2(uint256(42), 0x11…11, deployer).
    static let initCode = try! DataHex(hex: "0x602a600052337f" + String(repeating: "11", count: 32)
        + "60206000a2601a6038600039601a6000f3" + "3660006000373615600f57366000fd5b602a60005260206000f3").bytes

    @Test func signSendReceiptAndDecodeEvent() async throws {
        try await DevnetProcess.with { node in
            defer { node.removeState() }
            let c = node.client
            let sender = try Self.key.address()
            #expect(sender.checksummed == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
            let nonces = NonceManager(client: c)
            let chainID = try await c.chainId()
            let tip = try await c.maxPriorityFeePerGas()
            let base = try #require(try await c.getBlockByNumber(.latest)?.baseFeePerGas)
            let maxFee = try base * UInt256(2) + tip
            let gas = try await c.estimateGas(CallRequest(from: sender, to: nil, data: Self.initCode))
            let hash = try await nonces.withNonce(for: sender) { nonce in
                let tx = Transaction.dynamicFee(DynamicFeeTransaction(
                    chainID: chainID, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee,
                    gasLimit: gas, to: nil, value: UInt256(0), data: Self.initCode, accessList: []))
                let signed = try tx.sign(with: Self.key)
                let sent = try await c.sendRawTransaction(signed.rawEncoding)
                #expect(sent == signed.hash)
                return sent
            }
            let receipt = try await c.waitForReceipt(hash, timeout: .seconds(60), pollInterval: .milliseconds(50))
            #expect(receipt.succeeded)
            let contract = try #require(receipt.contractAddress)
            let logs = try await c.getLogs(LogFilter(fromBlock: .number(receipt.blockNumber), toBlock: .number(receipt.blockNumber),
                                                     addresses: [contract]))
            let log = try #require(logs.first)
            #expect(logs.count == 1)
            #expect(log.topics[0] == (try Hash32([UInt8](repeating: 0x11, count: 32))))
            #expect(try Address(Array(log.topics[1].bytes.suffix(20))) == sender)
            #expect(try UInt256(bigEndian: log.data) == UInt256(42))
            #expect(try await c.getTransactionCount(sender) == 1)
        }
    }
}
