// Sends one transaction so that a crash never makes a second one: estimate (a revert stops here,
// nothing signed), fees from eth_feeHistory, sign, PERSIST the signed bytes, broadcast, wait for
// --confirmations with progress on stderr, then move the record to done/. A rerun first finishes
// the account's persisted transactions: the same bytes are re-broadcast, never re-signed.
import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import Settlement

/// What to send: a contract call, a deployment (`to` nil) or a value transfer.
struct TransactionRequest: Sendable {
    var to: Address?
    var data: [UInt8]
    var value: UInt256
    /// Shown in progress lines and kept with the persisted transaction.
    var label: String
    /// The contract whose revert reasons apply.
    var binding: any ContractBinding.Type

    init(to: Address?, data: [UInt8], value: UInt256 = .zero, label: String, binding: any ContractBinding.Type) {
        self.to = to; self.data = data; self.value = value; self.label = label; self.binding = binding
    }
}

/// A transaction that has its confirmations.
struct SubmittedTransaction: Sendable, Encodable {
    let hash: Hash32
    let nonce: UInt64
    let blockNumber: UInt64
    let gasUsed: UInt64
    let confirmations: UInt64
    /// True when a persisted transaction of an earlier run was finished instead of signing a new one.
    let resumed: Bool
    let contractAddress: Address?
    let label: String

    enum CodingKeys: String, CodingKey { case hash, nonce, blockNumber, gasUsed, confirmations, resumed, contractAddress, label }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hash.hex, forKey: .hash)
        try c.encode(nonce, forKey: .nonce)
        try c.encode(blockNumber, forKey: .blockNumber)
        try c.encode(gasUsed, forKey: .gasUsed)
        try c.encode(confirmations, forKey: .confirmations)
        try c.encode(resumed, forKey: .resumed)
        try c.encodeIfPresent(contractAddress?.checksummed, forKey: .contractAddress)
        try c.encode(label, forKey: .label)
    }

    /// One human line: "label: 0x… (block N, G gas)".
    var human: String {
        "\(label): \(hash.hex) (block \(blockNumber), \(gasUsed) gas\(resumed ? ", resumed" : ""))"
    }
}

/// Signs and sends through a persisted-transaction store; see the file comment.
struct TransactionSubmitter: Sendable {
    let connection: ChainConnection
    let signer: any TransactionSigner
    let store: PendingTransactionStore
    let progress: @Sendable (String) -> Void
    var pollInterval: Duration = .milliseconds(300)

    /// Progress lines go to stderr (stdout holds the result or the JSON envelope).
    static let stderrProgress: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    init(connection: ChainConnection, signer: any TransactionSigner, store: PendingTransactionStore,
                progress: @escaping @Sendable (String) -> Void = TransactionSubmitter.stderrProgress) {
        self.connection = connection
        self.signer = signer
        self.store = store
        self.progress = progress
    }

    /// Persists under `$OPENRSP_HOME/transactions/<chainId>`.
    init(connection: ChainConnection, signer: any TransactionSigner, home: DataDirectory,
                progress: @escaping @Sendable (String) -> Void = TransactionSubmitter.stderrProgress) {
        self.init(connection: connection, signer: signer, store: PendingTransactionStore(home: home, chainId: connection.chainId),
                  progress: progress)
    }

    var client: RPCClient { connection.client }

    // MARK: Entry points

    /// Calls `call` on `contract` in a transaction.
    func send<B: ContractBinding, T>(_ call: ContractCall<T>, to contract: Contract<B>, value: UInt256 = .zero,
                                            label: String) async throws(ChainCommandError) -> SubmittedTransaction {
        let data: [UInt8]
        do { data = try call.calldata() } catch { throw ChainCommandError(.invalidArgument, "\(label): \(error)") }
        return try await submit(TransactionRequest(to: contract.address, data: data, value: value, label: label, binding: B.self))
    }

    /// Finishes the persisted transaction of exactly this call if one is pending (a run that crashed
    /// after persisting it); nil if there is none. Lets an outbox check the chain only after its own
    /// earlier transaction is settled.
    func resumeIfPending<B: ContractBinding, T>(_ call: ContractCall<T>, to contract: Contract<B>) async throws(ChainCommandError) -> SubmittedTransaction? {
        let data: [UInt8]
        do { data = try call.calldata() } catch { throw ChainCommandError(.invalidArgument, "\(error)") }
        let intent = PersistedTransaction.intent(chainId: connection.chainId, sender: signer.address, to: contract.address, value: .zero, data: data)
        guard let earlier = try store.pending(sender: signer.address).first(where: { $0.intent == intent }) else { return nil }
        progress("\(earlier.label): resuming the transaction signed at \(earlier.signedAt) (\(earlier.hash.hex))")
        return try await finish(earlier, binding: B.self, resumed: true)
    }

    /// Deploys `B` with creation `data`; the result's `contractAddress` is set.
    func deploy<B: ContractBinding>(_ binding: B.Type, data: [UInt8], label: String) async throws(ChainCommandError) -> SubmittedTransaction {
        let sent = try await submit(TransactionRequest(to: nil, data: data, label: label, binding: B.self))
        guard sent.contractAddress != nil else {
            throw ChainCommandError(.transactionFailed, "\(label): the receipt of \(sent.hash.hex) has no contract address")
        }
        return sent
    }

    /// Finishes this account's persisted transactions (the same request's is the result), then, if
    /// none was this request, estimates, signs, persists, broadcasts and waits.
    func submit(_ request: TransactionRequest) async throws(ChainCommandError) -> SubmittedTransaction {
        let sender = signer.address
        let chainId = connection.chainId
        let intent = PersistedTransaction.intent(chainId: chainId, sender: sender, to: request.to, value: request.value, data: request.data)
        for earlier in try store.pending(sender: sender) {
            if earlier.intent == intent {
                progress("\(request.label): resuming the transaction signed at \(earlier.signedAt) (\(earlier.hash.hex))")
                return try await finish(earlier, binding: request.binding, resumed: true)
            }
            progress("finishing an earlier transaction of \(sender): \(earlier.label) (\(earlier.hash.hex))")
            do {
                _ = try await finish(earlier, binding: request.binding, resumed: true)
            } catch where error.kind == .transactionFailed || error.kind == .nonceTaken {
                progress("  \(error.description)")
            }
        }
        let tx = try await sign(request, sender: sender, intent: intent)
        try store.persist(tx)
        try await Self.testHold("after-persist", progress)
        return try await finish(tx, binding: request.binding, resumed: false, firstBroadcast: true)
    }

    // MARK: Steps

    /// Estimates gas (a revert throws, nothing is signed), checks the balance, picks EIP-1559 fees
    /// from eth_feeHistory and the account nonce, signs.
    func sign(_ request: TransactionRequest, sender: Address, intent: Hash32) async throws(ChainCommandError) -> PersistedTransaction {
        let balance = try await rpc("eth_getBalance") { () async throws(EthereumRPCError) in try await self.client.getBalance(sender) }
        guard balance >= request.value else {
            throw ChainCommandError(.insufficientFunds, "\(request.label): \(sender) holds \(balance) wei, the transaction sends \(request.value)")
        }
        let call = CallRequest(from: sender, to: request.to, value: request.value, data: request.data)
        let gas: UInt64
        do { gas = try await client.estimateGas(call) } catch {
            if case .executionReverted(let r) = error {
                guard let typed = try? ContractRevert.decode(r.data, contract: request.binding) else {
                    throw ChainCommandError(.reverted, "\(request.label): reverted (\(r))")
                }
                throw ChainCommandError.revert(typed, request.label)
            }
            throw ChainCommandError.rpc(error, "\(request.label): estimating gas")
        }
        let gasLimit = gas / 10 * 12 + 10_000
        let fees = try await Self.fees(client)
        do {
            let needed = try UInt256(gasLimit).multiplied(by: fees.maxFee).adding(request.value)
            guard balance >= needed else {
                throw ChainCommandError(.insufficientFunds, "\(request.label): \(sender) holds \(balance) wei, needs up to \(needed) wei (gas \(gasLimit) × max fee \(fees.maxFee) + value)")
            }
        } catch let e as ChainCommandError { throw e } catch { throw ChainCommandError(.invalidArgument, "fee computation overflows") }
        let nonce = try await rpc("eth_getTransactionCount") { () async throws(EthereumRPCError) in
            try await self.client.getTransactionCount(sender, at: .pending)
        }
        let unsigned = Transaction.dynamicFee(DynamicFeeTransaction(
            chainID: connection.chainId, nonce: nonce, maxPriorityFeePerGas: fees.tip, maxFeePerGas: fees.maxFee,
            gasLimit: gasLimit, to: request.to, value: request.value, data: request.data, accessList: []))
        let signed: SignedTransaction
        do { signed = try await signer.sign(unsigned) } catch { throw ChainCommandError(.signing, "\(request.label): \(error)") }
        guard (try? signed.sender()) == sender else {
            throw ChainCommandError(.signing, "\(request.label): the signer returned a signature of another account")
        }
        return PersistedTransaction(hash: signed.hash, chainId: connection.chainId, sender: sender, nonce: nonce, intent: intent,
                                    label: request.label, raw: Hex.encode(signed.rawEncoding), signedAt: Date(), outcome: nil)
    }

    /// Brings a persisted transaction to its confirmations: broadcasts its bytes if the node does
    /// not know them and its nonce is free, waits, and moves it to done/.
    func finish(_ tx: PersistedTransaction, binding: any ContractBinding.Type, resumed: Bool,
                firstBroadcast: Bool = false) async throws(ChainCommandError) -> SubmittedTransaction {
        if try await receipt(tx.hash) == nil {
            let known = try await rpc("eth_getTransactionByHash") { () async throws(EthereumRPCError) in
                try await self.client.getTransactionByHash(tx.hash)
            } != nil
            if !known {
                let used = try await rpc("eth_getTransactionCount") { () async throws(EthereumRPCError) in
                    try await self.client.getTransactionCount(tx.sender, at: .latest)
                }
                if used > tx.nonce, try await receipt(tx.hash) == nil {
                    try store.finish(tx, outcome: "dropped: nonce \(tx.nonce) used by another transaction")
                    throw ChainCommandError(.nonceTaken, "\(tx.label): nonce \(tx.nonce) of \(tx.sender) was used by another transaction; \(tx.hash.hex) is dropped")
                }
                progress("\(tx.label): broadcasting \(tx.hash.hex) (nonce \(tx.nonce))\(firstBroadcast ? "" : " again, same bytes")")
                do { _ = try await client.sendRawTransaction(tx.rawBytes) } catch {
                    if case .rpc = error, try await receipt(tx.hash) == nil {
                        let usedNow = try await rpc("eth_getTransactionCount") { () async throws(EthereumRPCError) in
                            try await self.client.getTransactionCount(tx.sender, at: .latest)
                        }
                        if usedNow > tx.nonce {
                            try store.finish(tx, outcome: "dropped: nonce \(tx.nonce) used by another transaction")
                            throw ChainCommandError(.nonceTaken, "\(tx.label): nonce \(tx.nonce) of \(tx.sender) was used by another transaction; \(tx.hash.hex) is dropped")
                        }
                        // The node refused the bytes outright: nothing is on chain, so do not keep retrying them.
                        try store.finish(tx, outcome: "rejected: \(error)")
                        throw ChainCommandError.rpc(error, "\(tx.label): the node rejected \(tx.hash.hex)")
                    }
                    if case .rpc = error {} else { throw ChainCommandError.rpc(error, "\(tx.label): broadcasting (kept; rerun to resume)") }
                }
                try await Self.testHold("after-broadcast", progress)
            }
        }
        let r = try await waitForConfirmations(tx)
        guard r.succeeded else {
            let reason = await revertReason(tx, receipt: r, binding: binding)
            try store.finish(tx, outcome: "failed")
            throw ChainCommandError(.transactionFailed, "\(tx.label): \(tx.hash.hex) failed in block \(r.blockNumber)\(reason.map { ": \($0)" } ?? "")")
        }
        try store.finish(tx, outcome: "mined")
        return SubmittedTransaction(hash: tx.hash, nonce: tx.nonce, blockNumber: r.blockNumber, gasUsed: r.gasUsed,
                                    confirmations: connection.confirmations, resumed: resumed, contractAddress: r.contractAddress,
                                    label: tx.label)
    }

    /// Polls until the receipt is `--confirmations` blocks deep, reporting each new depth on stderr.
    func waitForConfirmations(_ tx: PersistedTransaction) async throws(ChainCommandError) -> TransactionReceipt {
        let wanted = connection.confirmations
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: connection.receiptTimeout)
        var reported: UInt64 = 0
        var announcedWait = false
        while true {
            if let r = try await receipt(tx.hash) {
                let head = try await rpc("eth_blockNumber") { () async throws(EthereumRPCError) in try await self.client.blockNumber() }
                let depth = head >= r.blockNumber ? head - r.blockNumber + 1 : 0
                if depth != reported, wanted > 1 || depth >= 1 {
                    reported = depth
                    progress("\(tx.label): \(tx.hash.hex) in block \(r.blockNumber), \(min(depth, wanted))/\(wanted) confirmation(s)")
                }
                if depth >= wanted { return r }
            } else if !announcedWait {
                announcedWait = true
                progress("\(tx.label): waiting for \(tx.hash.hex) to be mined")
            }
            guard clock.now < deadline else {
                throw ChainCommandError(.timeout, "\(tx.label): \(tx.hash.hex) has \(reported)/\(wanted) confirmation(s) after \(connection.receiptTimeout); it stays persisted, rerun the command to resume")
            }
            do { try await Task.sleep(for: pollInterval) } catch { throw ChainCommandError(.timeout, "\(tx.label): cancelled") }
        }
    }

    func receipt(_ hash: Hash32) async throws(ChainCommandError) -> TransactionReceipt? {
        try await rpc("eth_getTransactionReceipt") { () async throws(EthereumRPCError) in try await self.client.getTransactionReceipt(hash) }
    }

    /// The revert reason of a mined failure, by replaying the call on the parent block.
    func revertReason(_ tx: PersistedTransaction, receipt: TransactionReceipt, binding: any ContractBinding.Type) async -> String? {
        guard case .dynamicFee(let t)? = try? SignedTransaction.decode(raw: tx.rawBytes).transaction else { return nil }
        do {
            _ = try await client.call(CallRequest(from: tx.sender, to: t.to, value: t.value, data: t.data),
                                      at: .number(receipt.blockNumber > 0 ? receipt.blockNumber - 1 : 0))
            return nil
        } catch {
            guard case .executionReverted(let r) = error, let typed = try? ContractRevert.decode(r.data, contract: binding) else { return "\(error)" }
            return typed.description
        }
    }

    func rpc<T>(_ what: String, _ body: () async throws(EthereumRPCError) -> T) async throws(ChainCommandError) -> T {
        do { return try await body() } catch { throw ChainCommandError.rpc(error, what) }
    }

    // MARK: Fees

    /// EIP-1559 fees from the last 20 blocks: tip = median of the blocks' median tips (the node's
    /// eth_maxPriorityFeePerGas when the blocks paid none), max fee = 2 × next base fee + tip.
    static func fees(_ client: any EthereumClient) async throws(ChainCommandError) -> (maxFee: UInt256, tip: UInt256) {
        let history: FeeHistory
        do { history = try await client.feeHistory(blockCount: 20, newest: .latest, rewardPercentiles: [50]) } catch {
            throw ChainCommandError.rpc(error, "eth_feeHistory")
        }
        guard let nextBase = history.baseFeePerGas.last else { throw ChainCommandError(.noBaseFee, "eth_feeHistory returned no base fee") }
        let tips = history.reward.compactMap(\.first).filter { !$0.isZero }.sorted()
        var tip: UInt256
        if tips.isEmpty {
            do { tip = try await client.maxPriorityFeePerGas() } catch { tip = UInt256(1_000_000_000) }
        } else {
            tip = tips[tips.count / 2]
        }
        do { return (try nextBase.multiplied(by: 2).adding(tip), tip) } catch {
            throw ChainCommandError(.noBaseFee, "fee computation overflows 256 bits")
        }
    }

    // MARK: Crash tests

    /// OPENRSP_TEST_HOLD=after-persist|after-broadcast[#N]: stop here forever, at the Nth time this
    /// process reaches the point (default the first); the crash tests SIGKILL the process while it
    /// holds. Unset in normal use.
    static func testHold(_ point: String, _ progress: @Sendable (String) -> Void) async throws(ChainCommandError) {
        guard let wanted = ProcessInfo.processInfo.environment["OPENRSP_TEST_HOLD"], wanted.hasPrefix(point) else { return }
        let nth = Int(wanted.dropFirst(point.count).drop { $0 == "#" }) ?? 1
        guard TestHoldCounter.shared.next(point) == nth else { return }
        progress("OPENRSP_TEST_HOLD: holding \(point)")
        while true {
            do { try await Task.sleep(for: .seconds(3600)) } catch { throw ChainCommandError(.timeout, "cancelled while holding") }
        }
    }
}

/// How often each hold point was reached in this process (OPENRSP_TEST_HOLD=…#N).
final class TestHoldCounter: @unchecked Sendable {
    static let shared = TestHoldCounter()
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func next(_ point: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        counts[point, default: 0] += 1
        return counts[point] ?? 0
    }
}
