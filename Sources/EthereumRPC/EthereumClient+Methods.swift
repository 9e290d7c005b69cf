// Typed Ethereum JSON-RPC methods for every `EthereumClient`.

import EthereumCore

extension EthereumClient {
    /// A read that may be retried on transport errors, decoded as `T`.
    func read<T: Decodable>(_ method: String, _ params: [JSONValue], as type: T.Type) async throws(EthereumRPCError) -> T {
        try await request(method, params, retry: .idempotentRead).decode(T.self, context: method)
    }

    func readUInt64(_ method: String, _ params: [JSONValue] = []) async throws(EthereumRPCError) -> UInt64 {
        let q = try await read(method, params, as: Quantity.self)
        do { return try q.uint64() } catch { throw .malformedResponse("\(method): \(error)") }
    }

    public func chainId() async throws(EthereumRPCError) -> UInt64 {
        try await readUInt64("eth_chainId")
    }

    public func blockNumber() async throws(EthereumRPCError) -> UInt64 {
        try await readUInt64("eth_blockNumber")
    }

    public func getBalance(_ address: Address, at block: BlockTag = .latest) async throws(EthereumRPCError) -> UInt256 {
        try await read("eth_getBalance", [.string(address.checksummed), .string(block.rpcValue)], as: Quantity.self).value
    }

    /// The account nonce; `.pending` includes transactions the node has accepted but not mined.
    public func getTransactionCount(_ address: Address, at block: BlockTag = .pending) async throws(EthereumRPCError) -> UInt64 {
        try await readUInt64("eth_getTransactionCount", [.string(address.checksummed), .string(block.rpcValue)])
    }

    public func getCode(_ address: Address, at block: BlockTag = .latest) async throws(EthereumRPCError) -> [UInt8] {
        try await read("eth_getCode", [.string(address.checksummed), .string(block.rpcValue)], as: DataHex.self).bytes
    }

    public func gasPrice() async throws(EthereumRPCError) -> UInt256 {
        try await read("eth_gasPrice", [], as: Quantity.self).value
    }

    public func maxPriorityFeePerGas() async throws(EthereumRPCError) -> UInt256 {
        try await read("eth_maxPriorityFeePerGas", [], as: Quantity.self).value
    }

    public func feeHistory(blockCount: UInt64, newest: BlockTag = .latest, rewardPercentiles: [Double] = []) async throws(EthereumRPCError) -> FeeHistory {
        try await read("eth_feeHistory", [.string(Quantity(blockCount).hex), .string(newest.rpcValue),
                                          .array(rewardPercentiles.map { .number($0) })], as: FeeHistory.self)
    }

    /// `eth_estimateGas`; a revert throws `.executionReverted` with the revert bytes.
    public func estimateGas(_ call: CallRequest, at block: BlockTag = .latest) async throws(EthereumRPCError) -> UInt64 {
        do {
            return try await readUInt64("eth_estimateGas", [try JSONValue.from(call), .string(block.rpcValue)])
        } catch {
            throw Self.revertOrSame(error)
        }
    }

    /// `eth_call`; a revert throws `.executionReverted` carrying the raw revert bytes.
    public func call(_ call: CallRequest, at block: BlockTag = .latest) async throws(EthereumRPCError) -> [UInt8] {
        do {
            return try await read("eth_call", [try JSONValue.from(call), .string(block.rpcValue)], as: DataHex.self).bytes
        } catch {
            throw Self.revertOrSame(error)
        }
    }

    /// Maps a node's revert answer (geth: code 3; others: -32000 "execution reverted…") with
    /// hex `data` to `.executionReverted`.
    static func revertOrSame(_ error: EthereumRPCError) -> EthereumRPCError {
        guard case .rpc(let obj) = error else { return error }
        let looksLikeRevert = obj.code == 3 || obj.message.lowercased().hasPrefix("execution reverted")
        guard looksLikeRevert else { return error }
        var data: [UInt8] = []
        if case .string(let hex)? = obj.data {
            guard let parsed = try? DataHex(hex: hex) else {
                return .malformedResponse("revert data is not DATA hex: \(hex.prefix(80))")
            }
            data = parsed.bytes
        }
        return .executionReverted(ExecutionReverted(message: obj.message, data: data))
    }

    public func getTransactionReceipt(_ hash: Hash32) async throws(EthereumRPCError) -> TransactionReceipt? {
        try await read("eth_getTransactionReceipt", [.string(hash.hex)], as: TransactionReceipt?.self)
    }

    public func getTransactionByHash(_ hash: Hash32) async throws(EthereumRPCError) -> TransactionInfo? {
        try await read("eth_getTransactionByHash", [.string(hash.hex)], as: TransactionInfo?.self)
    }

    public func getBlockByNumber(_ block: BlockTag, fullTransactions: Bool = false) async throws(EthereumRPCError) -> Block? {
        try await read("eth_getBlockByNumber", [.string(block.rpcValue), .bool(fullTransactions)], as: Block?.self)
    }

    public func getLogs(_ filter: LogFilter) async throws(EthereumRPCError) -> [Log] {
        try await read("eth_getLogs", [try JSONValue.from(filter)], as: [Log].self)
    }

    /// Sends signed transaction bytes and returns their hash (Keccak-256 of the bytes).
    /// Transport failures resend the SAME bytes. A node answer "already known" or
    /// "nonce too low" counts as success only if the node knows a transaction with this hash.
    public func sendRawTransaction(_ raw: [UInt8]) async throws(EthereumRPCError) -> Hash32 {
        guard !raw.isEmpty else { throw .invalidArgument("empty raw transaction") }
        let expected = Keccak256.hash(raw)
        let returned: [UInt8]
        do {
            let value = try await request("eth_sendRawTransaction", [.string(DataHex(raw).hex)], retry: .resendSameRawTransaction)
            returned = try value.decode(DataHex.self, context: "eth_sendRawTransaction").bytes
        } catch {
            guard case .rpc(let obj) = error else { throw error }
            let message = obj.message.lowercased()
            let maybeOurs = message.contains("already known") || message.contains("known transaction")
                || message.contains("nonce too low") || message.contains("already imported")
            guard maybeOurs, try await getTransactionByHash(expected) != nil else { throw error }
            return expected
        }
        guard returned == expected.bytes else {
            throw .malformedResponse("node returned hash \(DataHex(returned).hex), the bytes hash to \(expected.hex)")
        }
        return expected
    }

    /// Polls for the receipt of `hash` until it has `confirmations` blocks (1 = mined in the
    /// latest block) or `timeout` elapses.
    public func waitForReceipt(_ hash: Hash32, confirmations: UInt64 = 1, timeout: Duration = .seconds(120),
                               pollInterval: Duration = .milliseconds(250)) async throws(EthereumRPCError) -> TransactionReceipt {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if let receipt = try await getTransactionReceipt(hash) {
                let head = try await blockNumber()
                if head >= receipt.blockNumber, head - receipt.blockNumber + 1 >= max(1, confirmations) {
                    return receipt
                }
            }
            guard clock.now.advanced(by: pollInterval) < deadline else {
                throw .timeout("receipt of \(hash.hex) with \(confirmations) confirmation(s) after \(timeout)")
            }
            do { try await Task.sleep(for: pollInterval) } catch { throw .timeout("cancelled waiting for \(hash.hex)") }
        }
    }
}
