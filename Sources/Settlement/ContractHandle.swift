// A deployed contract (address + binding) on a chain reached through EthereumRPC's `EthereumClient`:
// typed `eth_call`s and signed EIP-1559 transactions, one line each for domain code.
import EthereumCore
import EthereumRPC

/// Errors from calling or transacting with a contract.
public enum ContractError: Error, Sendable, CustomStringConvertible {
    /// `eth_call` / gas estimation reverted; the reason is typed where the contract declares it.
    case reverted(ContractRevert)
    /// The transaction was mined but failed (status 0); `reason` is from replaying it as a call, if it reverts there.
    case transactionFailed(hash: Hash32, reason: ContractRevert?)
    case rpc(EthereumRPCError)
    case binding(BindingError)
    case signing(TransactionError)
    /// A deployment receipt without a contract address.
    case noContractAddress(Hash32)
    /// The node has no EIP-1559 base fee (pre-London chain).
    case noBaseFee
    /// 2 × base fee + tip does not fit in 256 bits.
    case feeOverflow
    /// No `LedgerUpdated` log of the entitlement up to `block` hashes to the contract's
    /// `ledgerHash` (the node's log index is incomplete or pruned, or `fromBlock` is too late).
    case ledgerNotInLogs(entitlementId: UInt256, ledgerHash: Hash32, block: UInt64)

    public var description: String {
        switch self {
        case .reverted(let r): return r.description
        case .transactionFailed(let h, let r): return "transaction \(h.hex) failed" + (r.map { ": \($0)" } ?? "")
        case .rpc(let e): return e.description
        case .binding(let e): return e.description
        case .signing(let e): return e.description
        case .noContractAddress(let h): return "deployment \(h.hex) has no contract address"
        case .noBaseFee: return "the chain reports no base fee; EIP-1559 transactions need one"
        case .feeOverflow: return "fee computation overflows 256 bits"
        case .ledgerNotInLogs(let id, let h, let b):
            return "no LedgerUpdated log of entitlement \(id) up to block \(b) matches its ledger hash \(h.hex)"
        }
    }
}

/// A chain: the client, its chain id, and one nonce manager shared by every sender using it.
public struct Chain: Sendable {
    public let client: any EthereumClient
    public let chainId: UInt64
    public let nonces: NonceManager
    /// How long `send`/`deploy` wait for a receipt.
    public var receiptTimeout: Duration = .seconds(120)

    public init(client: any EthereumClient, chainId: UInt64, nonces: NonceManager? = nil) {
        self.client = client
        self.chainId = chainId
        self.nonces = nonces ?? NonceManager(client: client)
    }

    /// Reads the chain id from the node.
    public static func connect(_ client: any EthereumClient) async throws(ContractError) -> Chain {
        do { return Chain(client: client, chainId: try await client.chainId()) } catch { throw .rpc(error) }
    }

    /// Binds a deployed contract.
    public func contract<B: ContractBinding>(_ binding: B.Type, at address: Address) -> Contract<B> {
        Contract(address: address, chain: self)
    }

    /// Deploys `B` with creation `data` (bytecode ‖ constructor args, see `B.deploymentData`) and returns its handle.
    public func deploy<B: ContractBinding>(_ binding: B.Type, data: [UInt8], signer: PrivateKey) async throws(ContractError) -> Contract<B> {
        let outcome = try await transact(to: nil, data: data, value: .zero, signer: signer, binding: B.self)
        guard let address = outcome.receipt.contractAddress else { throw .noContractAddress(outcome.receipt.transactionHash) }
        return Contract(address: address, chain: self)
    }

    /// Estimates gas, signs an EIP-1559 transaction with the next nonce of `signer`, sends it and waits for the receipt.
    func transact<B: ContractBinding>(to: Address?, data: [UInt8], value: UInt256, signer: PrivateKey,
                                      binding: B.Type) async throws(ContractError) -> TransactionOutcome {
        let from: Address
        do { from = try signer.address() } catch { throw .signing(.signature(error)) }
        let request = CallRequest(from: from, to: to, value: value, data: data)
        let gas: UInt64
        do {
            gas = try await client.estimateGas(request)
        } catch {
            throw Self.mapRevert(error, binding: B.self)
        }
        let base: UInt256?, tip: UInt256
        do {
            base = try await client.getBlockByNumber(.latest)?.baseFeePerGas
            tip = try await client.maxPriorityFeePerGas()
        } catch {
            throw .rpc(error)
        }
        guard let base else { throw .noBaseFee }
        // maxFee = 2 × base fee + tip: stays includable through several blocks of base-fee growth.
        let maxFee: UInt256
        do { maxFee = try base.multiplied(by: 2).adding(tip) } catch { throw .feeOverflow }
        // Headroom for state that changes between estimate and inclusion.
        let gasLimit = gas / 10 * 12 + 10_000
        let chainId = self.chainId, client = self.client
        let hash: Hash32
        do {
            hash = try await nonces.withNonce(for: from) { nonce in
                let tx = Transaction.dynamicFee(DynamicFeeTransaction(
                    chainID: chainId, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee, gasLimit: gasLimit,
                    to: to, value: value, data: data, accessList: []))
                let signed = try tx.sign(with: signer)
                return try await client.sendRawTransaction(signed.rawEncoding)
            }
        } catch let e as EthereumRPCError {
            throw .rpc(e)
        } catch let e as TransactionError {
            throw .signing(e)
        } catch {
            throw .rpc(.transport("\(error)"))
        }
        let receipt: TransactionReceipt
        do { receipt = try await client.waitForReceipt(hash, timeout: receiptTimeout) } catch { throw .rpc(error) }
        guard receipt.succeeded else {
            // Replay against the parent block's state to recover the revert reason, if any.
            var reason: ContractRevert?
            do {
                _ = try await client.call(request, at: .number(receipt.blockNumber > 0 ? receipt.blockNumber - 1 : 0))
            } catch {
                if case .reverted(let r) = Self.mapRevert(error, binding: B.self) { reason = r }
            }
            throw .transactionFailed(hash: hash, reason: reason)
        }
        return TransactionOutcome(receipt: receipt)
    }

    static func mapRevert<B: ContractBinding>(_ error: EthereumRPCError, binding: B.Type) -> ContractError {
        guard case .executionReverted(let r) = error else { return .rpc(error) }
        do { return .reverted(try ContractRevert.decode(r.data, contract: B.self)) } catch { return .binding(error) }
    }
}

/// A mined, successful transaction.
public struct TransactionOutcome: Sendable {
    public let receipt: TransactionReceipt

    /// A successful receipt fetched elsewhere (e.g. by an outbox that sent the transaction itself).
    public init(receipt: TransactionReceipt) {
        self.receipt = receipt
    }

    /// Every log of event `E` emitted by `address` in this transaction, decoded.
    public func events<E: ContractEvent>(_ type: E.Type, from address: Address) throws(BindingError) -> [E] {
        var out = [E]()
        for log in receipt.logs where log.address == address && E.matches(topics: log.topics) {
            out.append(try E(topics: log.topics, data: log.data))
        }
        return out
    }

    /// Exactly one `E` from `address`; throws if there is none or more than one.
    public func event<E: ContractEvent>(_ type: E.Type, from address: Address) throws(BindingError) -> E {
        let all = try events(type, from: address)
        guard all.count == 1, let e = all.first else {
            throw .unexpectedValue(field: E.event.name, expected: "exactly one event in the receipt (found \(all.count))")
        }
        return e
    }
}

/// A deployed contract of binding `B` at `address`.
public struct Contract<B: ContractBinding>: Sendable {
    public let address: Address
    public let chain: Chain

    public init(address: Address, chain: Chain) {
        self.address = address
        self.chain = chain
    }

    /// `eth_call` of a typed call; reverts are `ContractError.reverted` with `B`'s typed reason.
    public func call<T>(_ call: ContractCall<T>, from: Address? = nil, at block: BlockTag = .latest) async throws(ContractError) -> T {
        let data: [UInt8]
        do { data = try call.calldata() } catch { throw .binding(error) }
        let output: [UInt8]
        do {
            output = try await chain.client.call(CallRequest(from: from, to: address, data: data), at: block)
        } catch {
            throw Chain.mapRevert(error, binding: B.self)
        }
        do { return try call.decodeOutput(output) } catch { throw .binding(error) }
    }

    /// Signs, sends and waits for a transaction calling `call`.
    @discardableResult
    public func send<T>(_ call: ContractCall<T>, signer: PrivateKey, value: UInt256 = .zero) async throws(ContractError) -> TransactionOutcome {
        let data: [UInt8]
        do { data = try call.calldata() } catch { throw .binding(error) }
        return try await chain.transact(to: address, data: data, value: value, signer: signer, binding: B.self)
    }

    /// Events of type `E` emitted by this contract in `outcome`.
    public func events<E: ContractEvent>(_ type: E.Type, in outcome: TransactionOutcome) throws(BindingError) -> [E] {
        try outcome.events(type, from: address)
    }

    /// Exactly one event of type `E` emitted by this contract in `outcome`.
    public func event<E: ContractEvent>(_ type: E.Type, in outcome: TransactionOutcome) throws(BindingError) -> E {
        try outcome.event(type, from: address)
    }

    /// Every log of event `E` this contract emitted in blocks `from...to` whose first indexed topic
    /// is `topic1` (any, if nil), oldest first, decoded; logs the node marks removed are skipped.
    public func logs<E: ContractEvent>(_ type: E.Type, topic1: Hash32? = nil, from: BlockTag = .earliest,
                                       to: BlockTag = .latest) async throws(ContractError) -> [(log: Log, event: E)] {
        let filter = LogFilter(fromBlock: from, toBlock: to, addresses: [address],
                               topics: [[E.event.topic0]] + (topic1.map { [[$0]] } ?? []))
        let found: [Log]
        do { found = try await chain.client.getLogs(filter) } catch { throw .rpc(error) }
        var out = [(log: Log, event: E)]()
        for log in found where !log.removed {
            do { out.append((log, try E(topics: log.topics, data: log.data))) } catch { throw .binding(error) }
        }
        return out
    }
}
