import PropertyBased
import Testing
@testable import EthereumCore

@Suite struct Secp256k1Tests {
    @Test func privateKeyValidation() throws {
        #expect(throws: Secp256k1Error.invalidPrivateKey) { try PrivateKey([UInt8](repeating: 0, count: 32)) }
        // n itself (SEC 2 §2.4.1) is out of range.
        #expect(throws: Secp256k1Error.invalidPrivateKey) { try PrivateKey(Secp256k1Constants.order.bigEndianBytes) }
        #expect(throws: Secp256k1Error.invalidPrivateKeyLength(31)) { try PrivateKey([UInt8](repeating: 1, count: 31)) }
        let one = try PrivateKey(UInt256(1).bigEndianBytes)
        #expect(try one.address().checksummed == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
        #expect(!one.description.contains("01"))
    }

    @Test func signRecoverVerifyAndLowS() throws {
        let key = try PrivateKey.generate()
        let digest = Keccak256.hash(Array("OpenRSP".utf8))
        let sig = try key.sign(digest: digest)
        #expect(try UInt256(bigEndian: sig.s) <= Secp256k1Constants.halfOrder)
        #expect(try sig.recoverAddress(digest: digest) == key.address())
        #expect(try sig.verify(digest: digest, publicKey: key.publicKey()))
        #expect(sig.verify(digest: digest, address: try key.address()))
        let other = Keccak256.hash(Array("other".utf8))
        #expect(try !sig.verify(digest: other, publicKey: key.publicKey()))
        #expect(try Signature(rsv: sig.rsv) == sig)

        // The malleable twin (n - s, flipped parity) is rejected under EIP-2.
        let highS = try Secp256k1Constants.order.subtracting(UInt256(bigEndian: sig.s))
        #expect(throws: Secp256k1Error.highS) { try Signature(r: sig.r, s: highS.bigEndianBytes, yParity: 1 - sig.yParity) }
        #expect(throws: Secp256k1Error.invalidSignatureLength(64)) { try Signature(rsv: Array(sig.rsv.prefix(64))) }
        #expect(throws: Secp256k1Error.invalidRecoveryID(29)) { try Signature(rsv: sig.r + sig.s + [29]) }
        #expect(throws: Secp256k1Error.invalidSignature) { try Signature(r: [UInt8](repeating: 0, count: 32), s: sig.s, yParity: 0) }
        #expect(throws: Secp256k1Error.invalidPublicKey) { try sig.verify(digest: digest, publicKey: [0x04] + [UInt8](repeating: 0, count: 64)) }
    }
}

@Suite struct TransactionTests {
    /// EIP-155 example (https://eips.ethereum.org/EIPS/eip-155#example).
    @Test func eip155Example() throws {
        let tx = Transaction.legacy(LegacyTransaction(
            nonce: 9, gasPrice: 20_000_000_000, gasLimit: 21000,
            to: try Address(hex: "0x3535353535353535353535353535353535353535"),
            value: try UInt256(decimal: "1000000000000000000"), data: [], chainID: 1))
        #expect(Hex.encode(tx.signingPayload) == "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080")
        #expect(tx.signingHash.hex == "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
        let key = try PrivateKey([UInt8](repeating: 0x46, count: 32))
        let signed = try tx.sign(with: key)
        #expect(signed.legacyV == 37)
        let raw = "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
        #expect(Hex.encode(signed.rawEncoding) == raw)
        let decoded = try SignedTransaction.decode(raw: try Hex.decode(raw))
        #expect(decoded == signed)
        #expect(try decoded.sender() == key.address())
        #expect(decoded.hash == Keccak256.hash(try Hex.decode(raw)))
    }

    @Test func typedTransactionsRoundTrip() throws {
        let key = try PrivateKey.generate()
        let to = try Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        let access = [AccessListEntry(address: to, storageKeys: [Hash32.zero, Keccak256.hash([1])])]
        let txs: [Transaction] = [
            .accessList(AccessListTransaction(chainID: 31337, nonce: 3, gasPrice: 7, gasLimit: 90000, to: to, value: 5, data: [1, 2, 3], accessList: access)),
            .dynamicFee(DynamicFeeTransaction(chainID: 1, nonce: 0, maxPriorityFeePerGas: 2, maxFeePerGas: 100, gasLimit: 30000, to: nil, value: 0, data: [0x60, 0x00], accessList: access)),
            .legacy(LegacyTransaction(nonce: 1, gasPrice: 1, gasLimit: 21000, to: to, value: .max, chainID: nil)),
        ]
        for tx in txs {
            let signed = try tx.sign(with: key)
            let decoded = try SignedTransaction.decode(raw: signed.rawEncoding)
            #expect(decoded == signed)
            #expect(try decoded.sender() == key.address())
            if let type = tx.typeByte { #expect(signed.rawEncoding.first == type) }
        }
    }

    @Test func malformedRawTransactions() throws {
        #expect(throws: TransactionError.empty) { try SignedTransaction.decode(raw: []) }
        #expect(throws: TransactionError.unsupportedType(0x03)) { try SignedTransaction.decode(raw: [0x03, 0xc0]) }
        #expect(throws: TransactionError.wrongFieldCount(expected: 12, actual: 0)) { try SignedTransaction.decode(raw: [0x02, 0xc0]) }
        #expect(throws: TransactionError.rlp(.truncated(needed: 1, available: 0))) { try SignedTransaction.decode(raw: [0x02, 0xc1]) }
        // Legacy with v = 30 (neither 27/28 nor EIP-155).
        let fields: [RLPItem] = [.uint(0), .uint(1), .uint(21000), .bytes([UInt8](repeating: 1, count: 20)), .uint(0), .bytes([]),
                                 .uint(30), .uint(1), .uint(1)]
        #expect(throws: TransactionError.invalidV(30)) { try SignedTransaction.decode(raw: RLP.encode(.list(fields))) }
        var badTo = fields; badTo[3] = .bytes([1, 2]); badTo[6] = .uint(27)
        #expect(throws: TransactionError.invalidRecipient(length: 2)) { try SignedTransaction.decode(raw: RLP.encode(.list(badTo))) }
        var zeroR = fields; zeroR[6] = .uint(27); zeroR[7] = .uint(0)
        #expect(throws: TransactionError.signature(.invalidSignature)) { try SignedTransaction.decode(raw: RLP.encode(.list(zeroR))) }
    }

    @Test func oversizedAndNonCanonicalFields() throws {
        let to = RLPItem.bytes([UInt8](repeating: 1, count: 20))
        func legacy(nonce: RLPItem) -> [UInt8] {
            RLP.encode(.list([nonce, .uint(1), .uint(21000), to, .uint(0), .bytes([]), .uint(27), .uint(1), .uint(1)]))
        }
        // A 9-byte nonce does not fit UInt64; a nonce with a leading zero byte is non-canonical.
        #expect(throws: TransactionError.rlp(.integerTooLarge(maxBytes: 8))) { try SignedTransaction.decode(raw: legacy(nonce: .bytes([1] + [UInt8](repeating: 0, count: 8)))) }
        #expect(throws: TransactionError.rlp(.nonCanonicalInteger)) { try SignedTransaction.decode(raw: legacy(nonce: .bytes([0, 1]))) }
        // 33-byte value.
        let bigValue = RLP.encode(.list([.uint(0), .uint(1), .uint(21000), to, .bytes([UInt8](repeating: 1, count: 33)), .bytes([]), .uint(27), .uint(1), .uint(1)]))
        #expect(throws: TransactionError.rlp(.integerTooLarge(maxBytes: 32))) { try SignedTransaction.decode(raw: bigValue) }
        // Trailing byte after a valid typed transaction.
        let key = try PrivateKey(UInt256(1).bigEndianBytes)
        let signed = try Transaction.dynamicFee(DynamicFeeTransaction(chainID: 1, nonce: 0, maxPriorityFeePerGas: 1, maxFeePerGas: 2, gasLimit: 21000,
                                                                      to: nil, value: 0)).sign(with: key)
        #expect(throws: TransactionError.rlp(.trailingBytes(1))) { try SignedTransaction.decode(raw: signed.rawEncoding + [0]) }
    }

    /// Random bytes behind each type prefix never crash the decoder; failures are TransactionError.
    @Test func randomRawBytesNeverCrash() async {
        await propertyCheck(count: 400, input: Gen.uint8(in: 0...3), Gen.uint8().array(of: 0...120)) { prefix, body in
            let raw = prefix == 0 ? [0xc0 | UInt8(min(body.count, 55))] + body : [prefix] + body
            do { _ = try SignedTransaction.decode(raw: raw) } catch { #expect(error is TransactionError) }
        }
    }
}
