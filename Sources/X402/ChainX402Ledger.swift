// X402Ledger over a JSON-RPC node and the token's EIP-3009 functions (TestStablecoin's binding; any
// EIP-3009 + EIP-5267 token has the same ABI for these calls).
import EthereumCore
import EthereumRPC
import Foundation
import Settlement

public struct ChainX402Ledger: X402Ledger {
    public let chain: Chain
    let settler: PrivateKey
    public let settlerAddress: Address

    /// `settler` signs and pays the gas of settlement transactions.
    public init(chain: Chain, settler: PrivateKey) throws {
        self.chain = chain
        self.settler = settler
        self.settlerAddress = try settler.address()
    }

    public var chainId: UInt64 { chain.chainId }

    func token(_ address: Address) -> Contract<TestStablecoin> { chain.contract(TestStablecoin.self, at: address) }

    public func domain(of token: Address) async throws -> X402TokenDomain {
        let d = try await self.token(token).call(TestStablecoin.eip712Domain())
        return X402TokenDomain(name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract)
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
        return try await self.token(token).send(call, signer: settler).receipt.transactionHash
    }
}
