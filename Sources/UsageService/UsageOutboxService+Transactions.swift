// The transaction plumbing of the outbox: where a persisted transaction stands (re-broadcasting
// its same bytes when the node lost it), estimating and signing, revert reasons, chain time, and
// the store and RPC helpers the chain side shares.
import EthereumCore
import EthereumRPC
import Settlement

extension UsageOutboxService {
    // MARK: Transactions

    /// Where a persisted transaction stands; broadcasts its bytes if the node does not know them
    /// and its nonce is unused, then waits for the receipt.
    func fate(of tx: OutboxTransaction, batch: Int64, firstSend: Bool, events: inout [UsageEvent]) async throws(UsageServiceError) -> Fate {
        if let r = try await receipt(tx.hash) { return .mined(r) }
        let known = try await rpc { () async throws(EthereumRPCError) in try await self.client.getTransactionByHash(tx.hash) } != nil
        if !known {
            if try await nonceUsed(tx) {
                // Mined between the two look-ups, or really taken by another transaction.
                if let r = try await receipt(tx.hash) { return .mined(r) }
                return .consumedByOther
            }
            emit(.broadcast(batch: batch, transaction: tx.hash, nonce: tx.nonce, again: !firstSend), into: &events)
            do {
                _ = try await client.sendRawTransaction(tx.raw)
            } catch {
                if case .rpc = error {
                    if let r = try await receipt(tx.hash) { return .mined(r) }
                    if try await nonceUsed(tx) { return .consumedByOther }
                }
                throw .rpc(error)
            }
        }
        let timeout = receiptTimeout
        let r = try await rpc { () async throws(EthereumRPCError) in try await self.client.waitForReceipt(tx.hash, timeout: timeout) }
        return .mined(r)
    }

    func receipt(_ hash: Hash32) async throws(UsageServiceError) -> TransactionReceipt? {
        try await rpc { () async throws(EthereumRPCError) in try await self.client.getTransactionReceipt(hash) }
    }

    func nonceUsed(_ tx: OutboxTransaction) async throws(UsageServiceError) -> Bool {
        try await rpc { () async throws(EthereumRPCError) in try await self.client.getTransactionCount(tx.sender, at: .latest) } > tx.nonce
    }

    /// Estimates gas (a revert is `.contract(.reverted)`), picks fees and the account nonce, signs.
    /// Nothing is persisted or sent here.
    func sign<T>(_ call: ContractCall<T>, batch: Int64, purpose: OutboxTransactionPurpose) async throws(UsageServiceError) -> OutboxTransaction {
        guard let signer, let sender else { throw .noSigner }
        let data: [UInt8]
        do { data = try call.calldata() } catch { throw .binding(error) }
        let to = settlement.address
        let request = CallRequest(from: sender, to: to, value: .zero, data: data)
        let gas: UInt64
        do {
            gas = try await client.estimateGas(request)
        } catch {
            if case .executionReverted(let r) = error {
                let typed: ContractRevert
                do { typed = try ContractRevert.decode(r.data, contract: UsageSettlement.self) } catch { throw .binding(error) }
                throw .contract(.reverted(typed))
            }
            throw .rpc(error)
        }
        let base = try await rpc { () async throws(EthereumRPCError) in try await self.client.getBlockByNumber(.latest)?.baseFeePerGas }
        let tip = try await rpc { () async throws(EthereumRPCError) in try await self.client.maxPriorityFeePerGas() }
        guard let base else { throw .contract(.noBaseFee) }
        let maxFee: UInt256
        do { maxFee = try base.multiplied(by: 2).adding(tip) } catch { throw .contract(.feeOverflow) }
        // Account nonce: the node's pending count, above any of our own transactions still in flight.
        let pending = try await rpc { () async throws(EthereumRPCError) in try await self.client.getTransactionCount(sender, at: .pending) }
        let inFlight: [OutboxTransaction]
        do { inFlight = try await store.inFlightTransactions() } catch { throw .store(error) }
        let nonce = inFlight.filter { $0.sender == sender }.map { $0.nonce + 1 }.reduce(pending, max)
        let tx = Transaction.dynamicFee(DynamicFeeTransaction(
            chainID: settlement.chain.chainId, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee,
            gasLimit: gas / 10 * 12 + 10_000, to: to, value: .zero, data: data, accessList: []))
        let signed: SignedTransaction
        do { signed = try tx.sign(with: signer) } catch { throw .signing(error.description) }
        return OutboxTransaction(hash: signed.hash, batch: batch, purpose: purpose, sender: sender, nonce: nonce, raw: signed.rawEncoding)
    }

    /// The revert reason of a mined, failed transaction, by replaying it as a call on the parent block.
    func revertReason(of tx: OutboxTransaction, receipt: TransactionReceipt?) async -> String {
        guard case .dynamicFee(let t)? = try? SignedTransaction.decode(raw: tx.raw).transaction else { return "reverted" }
        let block: BlockTag = receipt.map { .number($0.blockNumber > 0 ? $0.blockNumber - 1 : 0) } ?? .latest
        do {
            _ = try await client.call(CallRequest(from: tx.sender, to: t.to, value: t.value, data: t.data), at: block)
            return "reverted (the replay succeeds: state changed since)"
        } catch {
            if case .executionReverted(let r) = error,
               let typed = try? ContractRevert.decode(r.data, contract: UsageSettlement.self) {
                return typed.description
            }
            return "reverted (\(error))"
        }
    }

    func disputeWindowSeconds() async throws(UsageServiceError) -> UInt64 {
        if let disputeWindow { return disputeWindow }
        let w = try await contractCall(UsageSettlement.DISPUTE_WINDOW())
        let seconds = w.bitWidth <= 64 ? w.w0 : UInt64.max
        disputeWindow = seconds
        return seconds
    }

    /// The latest block's timestamp.
    public func chainTime() async throws(UsageServiceError) -> UInt64 {
        let block = try await rpc { () async throws(EthereumRPCError) in try await self.client.getBlockByNumber(.latest) }
        guard let block else { throw .rpc(.malformedResponse("no latest block")) }
        return block.timestamp
    }

    /// Every `E` the settlement contract logged in `receipt`.
    func contractEvents<E: ContractEvent>(_ type: E.Type, in receipt: TransactionReceipt) throws(BindingError) -> [E] {
        var out = [E]()
        for log in receipt.logs where log.address == settlement.address && E.matches(topics: log.topics) {
            out.append(try E(topics: log.topics, data: log.data))
        }
        return out
    }

    // MARK: Store helpers

    func batches(_ states: Set<OutboxBatchState>) async throws(UsageServiceError) -> [OutboxBatch] {
        do { return try await store.batches(in: states) } catch { throw .store(error) }
    }

    func storeBatch(_ id: Int64) async throws(UsageServiceError) -> OutboxBatch? {
        do { return try await store.batch(id: id) } catch { throw .store(error) }
    }

    func storeTransactions(_ id: Int64) async throws(UsageServiceError) -> [OutboxTransaction] {
        do { return try await store.transactions(batch: id) } catch { throw .store(error) }
    }

    func apply(_ change: UsageOutboxChange) async throws(UsageServiceError) {
        do { try await store.apply(change) } catch { throw .store(error) }
    }

    func rpc<T>(_ body: () async throws(EthereumRPCError) -> T) async throws(UsageServiceError) -> T {
        do { return try await body() } catch { throw .rpc(error) }
    }
}
