// Ethereum transactions as one typed envelope (EIP-2718):
//   legacy (with EIP-155 replay protection), type 1 EIP-2930 (access list), type 2 EIP-1559 (dynamic fee).

/// Errors from building, decoding and recovering transactions.
public enum TransactionError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case rlp(RLPError)
    case unsupportedType(UInt8)
    case wrongFieldCount(expected: Int, actual: Int)
    case invalidRecipient(length: Int)
    /// Legacy v that is neither 27/28 nor chainID*2 + 35/36.
    case invalidV(UInt256)
    case invalidYParity(UInt256)
    case signature(Secp256k1Error)

    public var description: String {
        switch self {
        case .empty: return "transaction: no input"
        case .rlp(let e): return "transaction: \(e)"
        case .unsupportedType(let t): return "transaction: unsupported type 0x\(String(t, radix: 16))"
        case .wrongFieldCount(let e, let a): return "transaction: expected \(e) fields, found \(a)"
        case .invalidRecipient(let n): return "transaction: recipient must be empty or 20 bytes, got \(n)"
        case .invalidV(let v): return "transaction: invalid legacy v \(v)"
        case .invalidYParity(let v): return "transaction: y-parity must be 0 or 1, got \(v)"
        case .signature(let e): return "transaction: \(e)"
        }
    }
}

/// EIP-2930 access list entry.
public struct AccessListEntry: Sendable, Hashable {
    public var address: Address
    public var storageKeys: [Hash32]
    public init(address: Address, storageKeys: [Hash32]) { self.address = address; self.storageKeys = storageKeys }
}

/// Legacy transaction. With `chainID` set it signs per EIP-155, without it as pre-EIP-155 (v = 27/28).
public struct LegacyTransaction: Sendable, Hashable {
    public var nonce: UInt64
    public var gasPrice: UInt256
    public var gasLimit: UInt64
    /// nil creates a contract.
    public var to: Address?
    public var value: UInt256
    public var data: [UInt8]
    public var chainID: UInt64?

    public init(nonce: UInt64, gasPrice: UInt256, gasLimit: UInt64, to: Address?, value: UInt256, data: [UInt8] = [], chainID: UInt64?) {
        self.nonce = nonce; self.gasPrice = gasPrice; self.gasLimit = gasLimit; self.to = to
        self.value = value; self.data = data; self.chainID = chainID
    }
}

/// EIP-2930 transaction (type 0x01).
public struct AccessListTransaction: Sendable, Hashable {
    public var chainID: UInt64
    public var nonce: UInt64
    public var gasPrice: UInt256
    public var gasLimit: UInt64
    public var to: Address?
    public var value: UInt256
    public var data: [UInt8]
    public var accessList: [AccessListEntry]

    public init(chainID: UInt64, nonce: UInt64, gasPrice: UInt256, gasLimit: UInt64, to: Address?, value: UInt256,
                data: [UInt8] = [], accessList: [AccessListEntry] = []) {
        self.chainID = chainID; self.nonce = nonce; self.gasPrice = gasPrice; self.gasLimit = gasLimit
        self.to = to; self.value = value; self.data = data; self.accessList = accessList
    }
}

/// EIP-1559 transaction (type 0x02).
public struct DynamicFeeTransaction: Sendable, Hashable {
    public var chainID: UInt64
    public var nonce: UInt64
    public var maxPriorityFeePerGas: UInt256
    public var maxFeePerGas: UInt256
    public var gasLimit: UInt64
    public var to: Address?
    public var value: UInt256
    public var data: [UInt8]
    public var accessList: [AccessListEntry]

    public init(chainID: UInt64, nonce: UInt64, maxPriorityFeePerGas: UInt256, maxFeePerGas: UInt256, gasLimit: UInt64,
                to: Address?, value: UInt256, data: [UInt8] = [], accessList: [AccessListEntry] = []) {
        self.chainID = chainID; self.nonce = nonce; self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxFeePerGas = maxFeePerGas; self.gasLimit = gasLimit; self.to = to; self.value = value
        self.data = data; self.accessList = accessList
    }
}

/// An unsigned transaction of any supported type.
public enum Transaction: Sendable, Hashable {
    case legacy(LegacyTransaction)
    case accessList(AccessListTransaction)
    case dynamicFee(DynamicFeeTransaction)

    /// EIP-2718 type byte; nil for legacy.
    public var typeByte: UInt8? {
        switch self {
        case .legacy: return nil
        case .accessList: return 0x01
        case .dynamicFee: return 0x02
        }
    }

    /// The fields that are signed, in RLP order (without the signature).
    var unsignedFields: [RLPItem] {
        switch self {
        case .legacy(let t):
            return [.uint(t.nonce), .uint(t.gasPrice), .uint(t.gasLimit), .bytes(t.to?.bytes ?? []), .uint(t.value), .bytes(t.data)]
        case .accessList(let t):
            return [.uint(t.chainID), .uint(t.nonce), .uint(t.gasPrice), .uint(t.gasLimit), .bytes(t.to?.bytes ?? []),
                    .uint(t.value), .bytes(t.data), Self.encode(t.accessList)]
        case .dynamicFee(let t):
            return [.uint(t.chainID), .uint(t.nonce), .uint(t.maxPriorityFeePerGas), .uint(t.maxFeePerGas), .uint(t.gasLimit),
                    .bytes(t.to?.bytes ?? []), .uint(t.value), .bytes(t.data), Self.encode(t.accessList)]
        }
    }

    /// The bytes whose Keccak-256 is signed: EIP-155 appends (chainID, 0, 0) to legacy fields;
    /// typed transactions are type || rlp(fields).
    public var signingPayload: [UInt8] {
        switch self {
        case .legacy(let t):
            var fields = unsignedFields
            if let chainID = t.chainID { fields += [.uint(chainID), .bytes([]), .bytes([])] }
            return RLP.encode(.list(fields))
        case .accessList, .dynamicFee:
            return [typeByte ?? 0] + RLP.encode(.list(unsignedFields))
        }
    }

    public var signingHash: Hash32 { Keccak256.hash(signingPayload) }

    public func sign(with key: PrivateKey) throws(TransactionError) -> SignedTransaction {
        do { return SignedTransaction(transaction: self, signature: try key.sign(digest: signingHash)) } catch { throw .signature(error) }
    }

    static func encode(_ list: [AccessListEntry]) -> RLPItem {
        .list(list.map { .list([.bytes($0.address.bytes), .list($0.storageKeys.map { .bytes($0.bytes) })]) })
    }
}

/// A transaction with its signature: raw encoding, hash, sender recovery, decoding.
public struct SignedTransaction: Sendable, Hashable {
    public let transaction: Transaction
    public let signature: Signature

    public init(transaction: Transaction, signature: Signature) {
        self.transaction = transaction; self.signature = signature
    }

    /// Legacy v: 27/28 without chain ID, chainID*2 + 35 + yParity with EIP-155.
    public var legacyV: UInt256 {
        if case .legacy(let t) = transaction, let chainID = t.chainID {
            // 2·chainID + 35 + yParity < 2^66: computed exactly in two limbs.
            let (lo, carry) = (chainID << 1).addingReportingOverflow(35 + UInt64(signature.yParity))
            return UInt256(limbs: lo, (chainID >> 63) + (carry ? 1 : 0), 0, 0)
        }
        return UInt256(UInt64(27 + signature.yParity))
    }

    /// Raw bytes for eth_sendRawTransaction.
    public var rawEncoding: [UInt8] {
        let r = RLPItem.bytes(Array(signature.r.drop(while: { $0 == 0 })))
        let s = RLPItem.bytes(Array(signature.s.drop(while: { $0 == 0 })))
        switch transaction {
        case .legacy:
            return RLP.encode(.list(transaction.unsignedFields + [.uint(legacyV), r, s]))
        case .accessList, .dynamicFee:
            return [transaction.typeByte ?? 0] + RLP.encode(.list(transaction.unsignedFields + [.uint(UInt64(signature.yParity)), r, s]))
        }
    }

    /// Transaction hash: Keccak-256 of the raw encoding.
    public var hash: Hash32 { Keccak256.hash(rawEncoding) }

    /// Recovers the sender address from the signature.
    public func sender() throws(TransactionError) -> Address {
        do { return try signature.recoverAddress(digest: transaction.signingHash) } catch { throw .signature(error) }
    }

    /// Decodes a raw signed transaction (legacy RLP list, or 0x01 / 0x02 typed envelope).
    public static func decode(raw: [UInt8]) throws(TransactionError) -> SignedTransaction {
        guard let first = raw.first else { throw .empty }
        do {
            if first >= 0xc0 { return try decodeLegacy(RLP.decode(raw).asList()) }
            let body = try RLP.decode(Array(raw.dropFirst())).asList()
            switch first {
            case 0x01:
                try expectCount(body, 11)
                let tx = AccessListTransaction(
                    chainID: try body[0].asUInt64(), nonce: try body[1].asUInt64(), gasPrice: try body[2].asUInt256(),
                    gasLimit: try body[3].asUInt64(), to: try recipient(body[4]), value: try body[5].asUInt256(),
                    data: try body[6].asBytes(), accessList: try accessList(body[7]))
                return SignedTransaction(transaction: .accessList(tx), signature: try signature(parity: body[8], r: body[9], s: body[10]))
            case 0x02:
                try expectCount(body, 12)
                let tx = DynamicFeeTransaction(
                    chainID: try body[0].asUInt64(), nonce: try body[1].asUInt64(),
                    maxPriorityFeePerGas: try body[2].asUInt256(), maxFeePerGas: try body[3].asUInt256(),
                    gasLimit: try body[4].asUInt64(), to: try recipient(body[5]), value: try body[6].asUInt256(),
                    data: try body[7].asBytes(), accessList: try accessList(body[8]))
                return SignedTransaction(transaction: .dynamicFee(tx), signature: try signature(parity: body[9], r: body[10], s: body[11]))
            default:
                throw TransactionError.unsupportedType(first)
            }
        } catch let e as TransactionError {
            throw e
        } catch let e as RLPError {
            throw .rlp(e)
        } catch {
            throw .rlp(.expectedBytes) // unreachable: only RLPError and TransactionError are thrown above
        }
    }

    static func decodeLegacy(_ f: [RLPItem]) throws -> SignedTransaction {
        try expectCount(f, 9)
        let v = try f[6].asUInt256()
        let parity: UInt8, chainID: UInt64?
        if v == 27 || v == 28 {
            parity = UInt8(v.w0 - 27); chainID = nil
        } else if v >= 35, v.bitWidth <= 64 {
            parity = UInt8((v.w0 - 35) % 2); chainID = (v.w0 - 35) / 2
        } else {
            throw TransactionError.invalidV(v)
        }
        let tx = LegacyTransaction(nonce: try f[0].asUInt64(), gasPrice: try f[1].asUInt256(), gasLimit: try f[2].asUInt64(),
                                   to: try recipient(f[3]), value: try f[4].asUInt256(), data: try f[5].asBytes(), chainID: chainID)
        return SignedTransaction(transaction: .legacy(tx), signature: try signature(parity: .uint(UInt64(parity)), r: f[7], s: f[8]))
    }

    static func expectCount(_ f: [RLPItem], _ n: Int) throws(TransactionError) {
        guard f.count == n else { throw .wrongFieldCount(expected: n, actual: f.count) }
    }

    static func recipient(_ item: RLPItem) throws -> Address? {
        let b = try item.asBytes()
        if b.isEmpty { return nil }
        guard b.count == 20 else { throw TransactionError.invalidRecipient(length: b.count) }
        return Address(unchecked: b)
    }

    static func accessList(_ item: RLPItem) throws -> [AccessListEntry] {
        try item.asList().map { entry in
            let pair = try entry.asList()
            guard pair.count == 2 else { throw TransactionError.wrongFieldCount(expected: 2, actual: pair.count) }
            let a = try pair[0].asBytes()
            guard a.count == 20 else { throw TransactionError.invalidRecipient(length: a.count) }
            let keys = try pair[1].asList().map { k in
                let b = try k.asBytes()
                guard b.count == 32 else { throw RLPError.wrongByteLength(expected: 32, actual: b.count) }
                return Hash32(unchecked: b)
            }
            return AccessListEntry(address: Address(unchecked: a), storageKeys: keys)
        }
    }

    static func signature(parity: RLPItem, r: RLPItem, s: RLPItem) throws -> Signature {
        let p = try parity.asUInt256()
        guard p <= 1 else { throw TransactionError.invalidYParity(p) }
        let rv = try r.asUInt256(), sv = try s.asUInt256()
        do { return try Signature(r: rv.bigEndianBytes, s: sv.bigEndianBytes, yParity: UInt8(p.w0)) } catch {
            throw TransactionError.signature(error)
        }
    }
}
