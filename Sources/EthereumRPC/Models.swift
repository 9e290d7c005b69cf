// Typed Ethereum JSON-RPC objects (execution-apis: receipt, log, block, transaction, fee history).

import EthereumCore

/// `eth_getTransactionReceipt` result.
public struct TransactionReceipt: Sendable, Hashable, Decodable {
    public let transactionHash: Hash32
    public let transactionIndex: UInt64
    public let blockHash: Hash32
    public let blockNumber: UInt64
    public let from: Address
    public let to: Address?
    public let cumulativeGasUsed: UInt64
    public let gasUsed: UInt64
    public let effectiveGasPrice: UInt256
    public let contractAddress: Address?
    public let logs: [Log]
    public let logsBloom: [UInt8]
    /// 1 success, 0 failure (post-Byzantium).
    public let status: UInt64
    public let type: UInt64

    public var succeeded: Bool { status == 1 }

    enum CodingKeys: String, CodingKey {
        case transactionHash, transactionIndex, blockHash, blockNumber, from, to, cumulativeGasUsed
        case gasUsed, effectiveGasPrice, contractAddress, logs, logsBloom, status, type
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionHash = try c.hash32(.transactionHash)
        transactionIndex = try c.uint64(.transactionIndex)
        blockHash = try c.hash32(.blockHash)
        blockNumber = try c.uint64(.blockNumber)
        from = try c.decode(Address.self, forKey: .from)
        to = try c.decodeIfPresent(Address.self, forKey: .to)
        cumulativeGasUsed = try c.uint64(.cumulativeGasUsed)
        gasUsed = try c.uint64(.gasUsed)
        effectiveGasPrice = try c.decode(Quantity.self, forKey: .effectiveGasPrice).value
        contractAddress = try c.decodeIfPresent(Address.self, forKey: .contractAddress)
        logs = try c.decode([Log].self, forKey: .logs)
        logsBloom = try c.decode(DataHex.self, forKey: .logsBloom).bytes
        status = try c.uint64(.status)
        type = try c.decodeIfPresent(Quantity.self, forKey: .type).map { try $0.uint64() } ?? 0
    }
}

/// An event log entry.
public struct Log: Sendable, Hashable, Decodable {
    public let address: Address
    public let topics: [Hash32]
    public let data: [UInt8]
    public let blockNumber: UInt64?
    public let blockHash: Hash32?
    public let transactionHash: Hash32?
    public let transactionIndex: UInt64?
    public let logIndex: UInt64?
    public let removed: Bool

    enum CodingKeys: String, CodingKey {
        case address, topics, data, blockNumber, blockHash, transactionHash, transactionIndex, logIndex, removed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        address = try c.decode(Address.self, forKey: .address)
        topics = try c.decode([String].self, forKey: .topics).map { try Hash32(hex: $0) }
        guard topics.count <= 4 else {
            throw DecodingError.dataCorruptedError(forKey: .topics, in: c, debugDescription: "more than 4 topics")
        }
        data = try c.decode(DataHex.self, forKey: .data).bytes
        blockNumber = try c.optionalUInt64(.blockNumber)
        blockHash = try c.optionalHash32(.blockHash)
        transactionHash = try c.optionalHash32(.transactionHash)
        transactionIndex = try c.optionalUInt64(.transactionIndex)
        logIndex = try c.optionalUInt64(.logIndex)
        removed = try c.decodeIfPresent(Bool.self, forKey: .removed) ?? false
    }
}

/// `eth_getTransactionByHash` result (and full transactions inside a block).
public struct TransactionInfo: Sendable, Hashable, Decodable {
    public let hash: Hash32
    public let type: UInt64
    public let nonce: UInt64
    public let blockHash: Hash32?
    public let blockNumber: UInt64?
    public let transactionIndex: UInt64?
    public let from: Address
    public let to: Address?
    public let value: UInt256
    public let gas: UInt64
    public let gasPrice: UInt256?
    public let maxFeePerGas: UInt256?
    public let maxPriorityFeePerGas: UInt256?
    public let input: [UInt8]
    public let chainId: UInt64?

    enum CodingKeys: String, CodingKey {
        case hash, type, nonce, blockHash, blockNumber, transactionIndex, from, to, value, gas, gasPrice
        case maxFeePerGas, maxPriorityFeePerGas, input, chainId
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hash = try c.hash32(.hash)
        type = try c.optionalUInt64(.type) ?? 0
        nonce = try c.uint64(.nonce)
        blockHash = try c.optionalHash32(.blockHash)
        blockNumber = try c.optionalUInt64(.blockNumber)
        transactionIndex = try c.optionalUInt64(.transactionIndex)
        from = try c.decode(Address.self, forKey: .from)
        to = try c.decodeIfPresent(Address.self, forKey: .to)
        value = try c.decode(Quantity.self, forKey: .value).value
        gas = try c.uint64(.gas)
        gasPrice = try c.decodeIfPresent(Quantity.self, forKey: .gasPrice)?.value
        maxFeePerGas = try c.decodeIfPresent(Quantity.self, forKey: .maxFeePerGas)?.value
        maxPriorityFeePerGas = try c.decodeIfPresent(Quantity.self, forKey: .maxPriorityFeePerGas)?.value
        input = try c.decode(DataHex.self, forKey: .input).bytes
        chainId = try c.optionalUInt64(.chainId)
    }
}

/// `eth_getBlockByNumber` result. `transactions` holds hashes or full objects, as requested.
public struct Block: Sendable, Hashable, Decodable {
    public enum Transactions: Sendable, Hashable {
        case hashes([Hash32])
        case full([TransactionInfo])
    }

    public let number: UInt64
    public let hash: Hash32
    public let parentHash: Hash32
    public let timestamp: UInt64
    public let gasLimit: UInt64
    public let gasUsed: UInt64
    public let baseFeePerGas: UInt256?
    public let miner: Address
    public let transactions: Transactions

    enum CodingKeys: String, CodingKey {
        case number, hash, parentHash, timestamp, gasLimit, gasUsed, baseFeePerGas, miner, transactions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.uint64(.number)
        hash = try c.hash32(.hash)
        parentHash = try c.hash32(.parentHash)
        timestamp = try c.uint64(.timestamp)
        gasLimit = try c.uint64(.gasLimit)
        gasUsed = try c.uint64(.gasUsed)
        baseFeePerGas = try c.decodeIfPresent(Quantity.self, forKey: .baseFeePerGas)?.value
        miner = try c.decode(Address.self, forKey: .miner)
        if let hashes = try? c.decode([String].self, forKey: .transactions) {
            transactions = .hashes(try hashes.map { try Hash32(hex: $0) })
        } else {
            transactions = .full(try c.decode([TransactionInfo].self, forKey: .transactions))
        }
    }
}

/// `eth_feeHistory` result.
public struct FeeHistory: Sendable, Hashable, Decodable {
    public let oldestBlock: UInt64
    /// One entry per block plus the next block's base fee.
    public let baseFeePerGas: [UInt256]
    public let gasUsedRatio: [Double]
    /// Per block, the priority fee at each requested percentile.
    public let reward: [[UInt256]]

    enum CodingKeys: String, CodingKey { case oldestBlock, baseFeePerGas, gasUsedRatio, reward }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        oldestBlock = try c.uint64(.oldestBlock)
        baseFeePerGas = try c.decode([Quantity].self, forKey: .baseFeePerGas).map(\.value)
        gasUsedRatio = try c.decode([Double].self, forKey: .gasUsedRatio)
        reward = try c.decodeIfPresent([[Quantity]].self, forKey: .reward)?.map { $0.map(\.value) } ?? []
        guard baseFeePerGas.count == gasUsedRatio.count + 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .baseFeePerGas, in: c, debugDescription: "expected one base fee per block plus one")
        }
    }
}

/// The transaction object of `eth_call` / `eth_estimateGas`.
public struct CallRequest: Sendable, Hashable, Encodable {
    public var from: Address?
    public var to: Address?
    public var gas: UInt64?
    public var gasPrice: UInt256?
    public var maxFeePerGas: UInt256?
    public var maxPriorityFeePerGas: UInt256?
    public var value: UInt256?
    public var data: [UInt8]

    public init(from: Address? = nil, to: Address?, gas: UInt64? = nil, gasPrice: UInt256? = nil,
                maxFeePerGas: UInt256? = nil, maxPriorityFeePerGas: UInt256? = nil,
                value: UInt256? = nil, data: [UInt8] = []) {
        self.from = from
        self.to = to
        self.gas = gas
        self.gasPrice = gasPrice
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.value = value
        self.data = data
    }

    enum CodingKeys: String, CodingKey { case from, to, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas, value, data }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(from, forKey: .from)
        try c.encodeIfPresent(to, forKey: .to)
        try c.encodeIfPresent(gas.map { Quantity($0) }, forKey: .gas)
        try c.encodeIfPresent(gasPrice.map { Quantity($0) }, forKey: .gasPrice)
        try c.encodeIfPresent(maxFeePerGas.map { Quantity($0) }, forKey: .maxFeePerGas)
        try c.encodeIfPresent(maxPriorityFeePerGas.map { Quantity($0) }, forKey: .maxPriorityFeePerGas)
        try c.encodeIfPresent(value.map { Quantity($0) }, forKey: .value)
        if !data.isEmpty { try c.encode(DataHex(data), forKey: .data) }
    }
}

/// `eth_getLogs` filter. `topics[i] == nil` matches anything at position i; a list matches any of it.
public struct LogFilter: Sendable, Hashable, Encodable {
    public var fromBlock: BlockTag?
    public var toBlock: BlockTag?
    public var addresses: [Address]
    public var topics: [[Hash32]?]
    public var blockHash: Hash32?

    public init(fromBlock: BlockTag? = nil, toBlock: BlockTag? = nil, addresses: [Address] = [],
                topics: [[Hash32]?] = [], blockHash: Hash32? = nil) {
        self.fromBlock = fromBlock
        self.toBlock = toBlock
        self.addresses = addresses
        self.topics = topics
        self.blockHash = blockHash
    }

    enum CodingKeys: String, CodingKey { case fromBlock, toBlock, address, topics, blockHash }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(fromBlock, forKey: .fromBlock)
        try c.encodeIfPresent(toBlock, forKey: .toBlock)
        if !addresses.isEmpty { try c.encode(addresses, forKey: .address) }
        if !topics.isEmpty {
            try c.encode(topics.map { $0.map { $0.map(\.hex) } }, forKey: .topics)
        }
        try c.encodeIfPresent(blockHash?.hex, forKey: .blockHash)
    }
}

extension KeyedDecodingContainer {
    func uint64(_ key: Key) throws -> UInt64 {
        let q = try decode(Quantity.self, forKey: key)
        do { return try q.uint64() } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.description)
        }
    }

    func optionalUInt64(_ key: Key) throws -> UInt64? {
        try contains(key) && !decodeNil(forKey: key) ? uint64(key) : nil
    }

    func hash32(_ key: Key) throws -> Hash32 {
        let text = try decode(String.self, forKey: key)
        do { return try Hash32(hex: text) } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.description)
        }
    }

    func optionalHash32(_ key: Key) throws -> Hash32? {
        try contains(key) && !decodeNil(forKey: key) ? hash32(key) : nil
    }
}
