// Deployment with its receipt, and plain value transfers: for callers that report transaction
// hashes and gas (the `openrsp demo` summary) or fund fresh accounts.
import EthereumCore
import EthereumRPC

extension Chain {
    /// Deploys `B` like `deploy(_:data:signer:)` and also returns the mined deployment transaction.
    public func deployWithOutcome<B: ContractBinding>(_ binding: B.Type, data: [UInt8], signer: PrivateKey)
        async throws(ContractError) -> (contract: Contract<B>, outcome: TransactionOutcome) {
        let outcome = try await transact(to: nil, data: data, value: .zero, signer: signer, binding: B.self)
        guard let address = outcome.receipt.contractAddress else { throw .noContractAddress(outcome.receipt.transactionHash) }
        return (Contract(address: address, chain: self), outcome)
    }

    /// Sends `value` wei from `signer` to `receiver` (no calldata) and waits for the receipt.
    /// A failure carries no typed revert reason (there is no contract to decode one).
    public func sendValue(_ value: UInt256, to receiver: Address, signer: PrivateKey) async throws(ContractError) -> TransactionOutcome {
        try await transact(to: receiver, data: [], value: value, signer: signer, binding: NoContract.self)
    }
}

/// The binding of "no contract": an account without code (value transfers).
enum NoContract: ContractBinding {
    static let contractName = "(account)"
    static let functions: [ABIFunction] = []
    static let events: [ABIEvent] = []
    static let constructor = ContractConstructor(inputs: [])
}
