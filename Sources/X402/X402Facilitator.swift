// The x402 facilitator for scheme `exact` on one EVM chain: checks a payment against the requirements and
// the chain (/verify) and executes it (/settle) by sending the token's transferWithAuthorization.
import EthereumCore
import EthereumRPC
import Foundation
import Settlement

/// What the facilitator needs from the chain.
public protocol X402Ledger: Sendable {
    var chainId: UInt64 { get }
    /// The settlement signer's address (`/supported` names it).
    var settlerAddress: Address { get }
    func domain(of token: Address) async throws -> X402TokenDomain
    func authorizationUsed(token: Address, authorizer: Address, nonce: Hash32) async throws -> Bool
    func balance(token: Address, of owner: Address) async throws -> UInt256
    /// The time the next block will have at least (the later of the latest block's and the wall clock).
    func now() async throws -> UInt64
    /// Sends transferWithAuthorization and waits for its receipt; the transaction hash.
    func transfer(token: Address, _ authorization: X402ExactAuthorization) async throws -> Hash32
}

public actor X402Facilitator {
    public let ledger: any X402Ledger
    /// The tokens it settles (payments in any other asset are refused).
    public let assets: Set<Address>
    /// Seconds a payment must still be valid after the check (the time to mine it).
    public let validityMargin: UInt64
    private var domains: [Address: X402TokenDomain] = [:]
    private var settling: Set<Hash32> = []

    public init(ledger: any X402Ledger, assets: Set<Address>, validityMargin: UInt64 = 6) {
        self.ledger = ledger
        self.assets = assets
        self.validityMargin = validityMargin
    }

    public nonisolated var network: X402Network { X402Network(chainId: ledger.chainId) }

    public nonisolated func supported() -> X402SupportedResponse {
        let network = network.description
        return X402SupportedResponse(kinds: [.init(x402Version: 2, scheme: "exact", network: network),
                                             .init(x402Version: 1, scheme: "exact", network: network)],
                                     signers: ["eip155:*": [ledger.settlerAddress.checksummed]])
    }

    public func verify(_ payload: X402PaymentPayload, _ requirements: X402Requirements) async -> X402VerifyResponse {
        do {
            let checked = try await check(payload, requirements)
            return X402VerifyResponse(isValid: true, payer: checked.from.checksummed)
        } catch {
            return X402VerifyResponse(isValid: false, invalidReason: error.reason.rawValue, invalidMessage: error.message,
                                      payer: Self.claimedPayer(payload))
        }
    }

    /// Verifies, then executes the transfer. Each payment settles at most once: its EIP-3009 nonce is spent by the
    /// token, and two settlements of one payment at the same time are refused here before either is sent. A payment
    /// whose nonce is already spent is refused (`invalid_exact_evm_nonce_already_used`), also when it was this
    /// facilitator that spent it, so a replayed payment never buys a second answer.
    public func settle(_ payload: X402PaymentPayload, _ requirements: X402Requirements) async -> X402SettleResponse {
        let network = network.description
        let payer = Self.claimedPayer(payload)
        func failure(_ refusal: X402Refusal) -> X402SettleResponse {
            X402SettleResponse(success: false, errorReason: refusal.reason.rawValue, errorMessage: refusal.message, payer: payer,
                               transaction: "", network: network, amount: nil)
        }
        let authorization: X402ExactAuthorization
        let token: Address
        do {
            (authorization, token) = try await checkStatic(payload, requirements)
        } catch { return failure(error) }
        let key = Keccak256.hash(authorization.from.bytes + authorization.nonce.bytes)
        guard !settling.contains(key) else {
            return failure(X402Refusal(.nonceUsed, "this payment is being settled by another request"))
        }
        settling.insert(key)
        defer { settling.remove(key) }
        do { _ = try await check(payload, requirements) } catch { return failure(error) }
        do {
            let hash = try await ledger.transfer(token: token, authorization)
            return X402SettleResponse(success: true, payer: authorization.from.checksummed, transaction: hash.hex,
                                      network: network, amount: authorization.value.description)
        } catch {
            return failure(X402Refusal(.transactionFailed, "the transfer was not executed"))
        }
    }

    /// Every check that needs no chain state.
    func checkStatic(_ payload: X402PaymentPayload, _ r: X402Requirements) async throws(X402Refusal) -> (X402ExactAuthorization, Address) {
        guard r.scheme == "exact", payload.effectiveScheme == "exact" else {
            throw X402Refusal(.unsupportedScheme, "only scheme exact is settled here")
        }
        let wanted = network
        let asked: X402Network
        do { asked = try X402Network(r.network) } catch { throw X402Refusal(.networkMismatch, error.description) }
        guard asked == wanted, let sent = payload.effectiveNetwork,
              (try? X402Network(sent, legacyNames: payload.x402Version == 1)) == wanted else {
            throw X402Refusal(.networkMismatch, "this facilitator settles on \(wanted) only")
        }
        let token: Address
        do { token = try Address(hex: r.asset) } catch { throw X402Refusal(.assetMismatch, "asset is not an address") }
        guard assets.contains(token) else { throw X402Refusal(.assetMismatch, "asset \(token) is not settled here") }
        if let accepted = payload.accepted, (try? Address(hex: accepted.asset)) != token {
            throw X402Refusal(.assetMismatch, "the payment is for another asset")
        }
        let a = try X402ExactAuthorization(payload.payload)
        let payTo: Address
        do { payTo = try Address(hex: r.payTo) } catch { throw X402Refusal(.recipientMismatch, "payTo is not an address") }
        guard a.to == payTo else { throw X402Refusal(.recipientMismatch, "the authorization pays \(a.to), not \(payTo)") }
        guard let amount = try? UInt256(decimal: r.amount), a.value == amount else {
            throw X402Refusal(.valueMismatch, "the authorization is for \(a.value), the price is \(r.amount)")
        }
        return (a, token)
    }

    /// The full check: static fields, the token's domain, the signature, time, nonce and balance.
    func check(_ payload: X402PaymentPayload, _ r: X402Requirements) async throws(X402Refusal) -> X402ExactAuthorization {
        let (a, token) = try await checkStatic(payload, r)
        let domain = try await tokenDomain(token)
        if let name = r.extraString("name"), name != domain.name {
            throw X402Refusal(.tokenNameMismatch, "the token's EIP-712 name is \(domain.name)")
        }
        if let version = r.extraString("version"), version != domain.version {
            throw X402Refusal(.tokenVersionMismatch, "the token's EIP-712 version is \(domain.version)")
        }
        guard try a.signer(domain: domain) == a.from else {
            throw X402Refusal(.invalidSignature, "the signature is not the payer's")
        }
        let now: UInt64, used: Bool, balance: UInt256
        do {
            now = try await ledger.now()
            used = try await ledger.authorizationUsed(token: token, authorizer: a.from, nonce: a.nonce)
            balance = try await ledger.balance(token: token, of: a.from)
        } catch { throw X402Refusal(.chainUnavailable, "the chain could not be read") }
        guard a.validBefore > UInt256(now + validityMargin) else {
            throw X402Refusal(.expired, "the authorization expires at \(a.validBefore), now is \(now)")
        }
        guard a.validAfter < UInt256(now) else { throw X402Refusal(.notYetValid, "the authorization is valid after \(a.validAfter)") }
        guard !used else { throw X402Refusal(.nonceUsed, "the authorization's nonce was used or cancelled") }
        guard balance >= a.value else { throw X402Refusal(.insufficientBalance, "the payer holds \(balance)") }
        return a
    }

    func tokenDomain(_ token: Address) async throws(X402Refusal) -> X402TokenDomain {
        if let known = domains[token] { return known }
        let domain: X402TokenDomain
        do { domain = try await ledger.domain(of: token) } catch {
            throw X402Refusal(.missingDomain, "the token's EIP-712 domain could not be read")
        }
        guard domain.verifyingContract == token, domain.chainId == UInt256(ledger.chainId) else {
            throw X402Refusal(.missingDomain, "the token reports a domain of another contract or chain")
        }
        domains[token] = domain
        return domain
    }

    static func claimedPayer(_ payload: X402PaymentPayload) -> String? {
        (try? Address(hex: payload.payload.authorization.from))?.checksummed
    }
}
