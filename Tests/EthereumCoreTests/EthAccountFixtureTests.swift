import Foundation
import Testing
@testable import EthereumCore

/// Reproduces Fixtures/eth-account-vectors.json, written by tools/ethvectors/generate.py with eth-account
/// (tools/ethvectors/test_fixture.py proves the committed file is eth-account's output).
@Suite struct EthAccountFixtureTests {
    static func fixture() throws -> [String: Any] { try loadFixture("eth-account-vectors.json") }

    static func uint(_ fields: [String: Any], _ key: String) throws -> UInt256 {
        try UInt256(decimal: try string(fields[key], key))
    }

    static func uint64(_ fields: [String: Any], _ key: String) throws -> UInt64 {
        let v = try uint(fields, key)
        guard v.bitWidth <= 64 else { throw FixtureError(description: "\(key) exceeds 64 bits") }
        return v.w0
    }

    static func recipient(_ fields: [String: Any]) throws -> Address? {
        guard let to = fields["to"] as? String else { return nil }
        return try Address(hex: to)
    }

    static func accessList(_ fields: [String: Any]) throws -> [AccessListEntry] {
        guard let list = fields["accessList"] as? [[String: Any]] else { throw FixtureError(description: "accessList missing") }
        return try list.map { entry in
            let keys = try #require(entry["storageKeys"] as? [String])
            return AccessListEntry(address: try Address(hex: try string(entry["address"], "address")),
                                   storageKeys: try keys.map { try Hash32(hex: $0) })
        }
    }

    static func transaction(kind: String, _ f: [String: Any]) throws -> Transaction {
        let data = try Hex.decode(try string(f["data"], "data"))
        switch kind {
        case "legacy":
            return .legacy(LegacyTransaction(nonce: try uint64(f, "nonce"), gasPrice: try uint(f, "gasPrice"), gasLimit: try uint64(f, "gas"),
                                             to: try recipient(f), value: try uint(f, "value"), data: data, chainID: try uint64(f, "chainId")))
        case "eip2930":
            return .accessList(AccessListTransaction(chainID: try uint64(f, "chainId"), nonce: try uint64(f, "nonce"), gasPrice: try uint(f, "gasPrice"),
                                                     gasLimit: try uint64(f, "gas"), to: try recipient(f), value: try uint(f, "value"),
                                                     data: data, accessList: try accessList(f)))
        case "eip1559":
            return .dynamicFee(DynamicFeeTransaction(chainID: try uint64(f, "chainId"), nonce: try uint64(f, "nonce"),
                                                     maxPriorityFeePerGas: try uint(f, "maxPriorityFeePerGas"), maxFeePerGas: try uint(f, "maxFeePerGas"),
                                                     gasLimit: try uint64(f, "gas"), to: try recipient(f), value: try uint(f, "value"),
                                                     data: data, accessList: try accessList(f)))
        default:
            throw FixtureError(description: "unknown transaction kind \(kind)")
        }
    }

    @Test func signedTransactionsMatchEthAccount() throws {
        let txs = try #require(try Self.fixture()["transactions"] as? [[String: Any]])
        #expect(txs.count == 7)
        for entry in txs {
            let name = try string(entry["name"], "name")
            let key = try PrivateKey(try Hex.decode(try string(entry["privateKey"], "privateKey")))
            let fields = try #require(entry["fields"] as? [String: Any])
            let tx = try Self.transaction(kind: try string(entry["kind"], "kind"), fields)
            let signed = try tx.sign(with: key)
            let raw = try string(entry["raw"], "raw")
            #expect(Hex.encode(signed.rawEncoding) == raw, "\(name)")
            #expect(signed.hash.hex == (try string(entry["hash"], "hash")), "\(name)")
            let decoded = try SignedTransaction.decode(raw: try Hex.decode(raw))
            #expect(decoded == signed, "\(name)")
            #expect(try decoded.sender().checksummed == (try string(entry["sender"], "sender")), "\(name)")
        }
    }

    @Test func personalSignMatchesEthAccount() throws {
        let entries = try #require(try Self.fixture()["personalSign"] as? [[String: Any]])
        #expect(entries.count == 4)
        for entry in entries {
            let key = try PrivateKey(try Hex.decode(try string(entry["privateKey"], "privateKey")))
            let message = try Hex.decode(try string(entry["message"], "message"))
            #expect(PersonalMessage.hash(message).hex == (try string(entry["messageHash"], "messageHash")))
            let sig = try PersonalMessage.sign(message, with: key)
            #expect(Hex.encode(sig.rsv) == (try string(entry["signature"], "signature")))
            let parsed = try Signature(rsv: try Hex.decode(try string(entry["signature"], "signature")))
            #expect(try PersonalMessage.recoverAddress(message, signature: parsed).checksummed == (try string(entry["address"], "address")))
        }
    }

    @Test func typedDataMatchesEthAccount() throws {
        let entries = try #require(try Self.fixture()["typedData"] as? [[String: Any]])
        #expect(entries.count == 2)
        for entry in entries {
            let key = try PrivateKey(try Hex.decode(try string(entry["privateKey"], "privateKey")))
            let json = try JSONSerialization.data(withJSONObject: try #require(entry["typedData"]))
            let typed = try JSONDecoder().decode(TypedData.self, from: json)
            #expect(try typed.signingHash().hex == (try string(entry["signingHash"], "signingHash")), "\(typed.primaryType)")
            let sig = try typed.sign(with: key)
            #expect(Hex.encode(sig.rsv) == (try string(entry["signature"], "signature")), "\(typed.primaryType)")
            #expect(try typed.verify(signature: sig, signer: Address(hex: try string(entry["address"], "address"))))
        }
    }
}
