// X402Ledger over a JSON-RPC node and the token's EIP-3009 functions (TestStablecoin's binding; any
// EIP-3009 + EIP-5267 token has the same ABI for these calls).
import EthereumCore
import EthereumRPC
import Foundation
import Settlement

public struct ChainX402Ledger: X402Ledger {
    public let chain: Chain
    public let settlerAddress: Address
    /// Sends a settlement transaction and waits for it to be mined.
    public typealias Submit = @Sendable (ContractCall<Void>, Contract<TestStablecoin>) async throws -> TransactionOutcome
    let submit: Submit

    /// `settler` signs and pays the gas of settlement transactions.
    public init(chain: Chain, settler: PrivateKey) throws {
        self.init(chain: chain, settlerAddress: try settler.address()) { call, token in try await token.send(call, signer: settler) }
    }

    /// Settlements go through `submit`, which sends as `settlerAddress` (e.g. a persisted, exactly-once
    /// submitter that also sends other transactions for the same account, so that nonces never collide).
    public init(chain: Chain, settlerAddress: Address, submit: @escaping Submit) {
        self.chain = chain
        self.settlerAddress = settlerAddress
        self.submit = submit
    }

    public var chainId: UInt64 { chain.chainId }

    func token(_ address: Address) -> Contract<TestStablecoin> { chain.contract(TestStablecoin.self, at: address) }

    public func domain(of token: Address) async throws -> X402TokenDomain {
        let d = try await self.token(token).call(TestStablecoin.eip712Domain())
        return X402TokenDomain(d)
    }

    public func authorizationUsed(token: Address, authorizer: Address, nonce: Hash32) async throws -> Bool {
        try await self.token(token).call(TestStablecoin.authorizationState(authorizer: authorizer, nonce: nonce))
    }

    public func balance(token: Address, of owner: Address) async throws -> UInt256 {
        try await self.token(token).call(TestStablecoin.balanceOf(owner))
    }

    public func now() async throws -> UInt64 {
        let latest = try await chain.client.getBlockByNumber(.latest)?.timestamp ?? 0
        return max(latest, UInt64(Date().timeIntervalSince1970))
    }

    public func transfer(token: Address, _ a: X402ExactAuthorization) async throws -> Hash32 {
        let call = TestStablecoin.transferWithAuthorization(
            .init(sender: a.from, receiver: a.to, amount: a.value, validAfter: a.validAfter, validBefore: a.validBefore, nonce: a.nonce),
            signature: a.signature)
        return try await submit(call, self.token(token)).receipt.transactionHash
    }
}

extension X402TokenDomain {
    /// The EIP-712 domain a token reports with EIP-5267 `eip712Domain()`.
    public init(_ d: TestStablecoin.EIP712DomainInfo) {
        self.init(name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract)
    }
}
