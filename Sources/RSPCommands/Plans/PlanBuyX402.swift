// `plan buy --x402 URL`: the purchase paid with x402 (docs/X402.md). The buyer's key signs only the x402 payment,
// an EIP-3009 TransferWithAuthorization of the plan price to the purchase's deposit address, which this client
// computes on chain (PlanEntitlements.depositAddress) and requires the portal to name as payTo; the portal
// settles it and sends buyFromDeposit. The purchase nonce is kept in the pending file first, so a rerun asks
// for the same deposit and the portal finishes (or reports) that purchase, never a second one.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement
import X402

/// `--x402 URL` and its trust roots.
struct X402PurchaseOptions: ParsableArguments {
    @Option(name: .customLong("x402"), help: ArgumentHelp("Buy through this portal's x402 purchase API (https://HOST:PORT): --account signs only the payment; the portal pays the gas.",
                                                          valueName: "url"))
    var url: String?

    @Option(name: .customLong("x402-trust-root"), help: ArgumentHelp("PEM CA certificate the portal's TLS certificate must chain to (repeatable; default: the system's).",
                                                                     valueName: "file"))
    var trustRoots: [String] = []

    init() {}

    func validate() throws {
        if let url {
            guard url.count <= 2048, let parsed = URL(string: url), ["https", "http"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ValidationError("--x402 must be an https:// URL (http:// only to a loopback portal)")
            }
            if parsed.scheme == "http", !["127.0.0.1", "::1", "localhost"].contains(parsed.host ?? "") {
                throw ValidationError("--x402 takes plain http:// only for a loopback portal; use https://")
            }
        } else if !trustRoots.isEmpty {
            throw ValidationError("--x402-trust-root goes with --x402")
        }
    }

    func trustRootsDER() throws -> [[UInt8]] {
        do { return try TLSCredentialFiles.certificates(trustRoots) } catch { throw PlanCommandError.input("--x402-trust-root: \(error)") }
    }
}

/// The purchase nonce of an x402 purchase while pending (public: it is in the portal request).
struct X402PendingPurchase: Codable {
    var purchaseNonce: String
    var url: String
}

extension PlanBuyCommand {
    struct PortalAnswer: Decodable {
        var tokenId: String
        var transaction: String?
    }

    func buyX402(url: String, session: PlanChain, buyerKey: PrivateKey, buyer: Address, planId: UInt256, price: UInt256,
                 commitment: Hash32, salt: Hash32, secret: EntitlementSecret, secrets: EntitlementSecretStore, pending: URL) async throws -> Report {
        var secret = secret
        var purchaseNonce = try secret.x402.map { earlier -> Hash32 in
            do { return try Hash32(hex: earlier.purchaseNonce) } catch { throw PlanCommandError.secret("the pending purchase's nonce is unreadable: \(error)") }
        } ?? PlanEntitlements.newPurchaseNonce()
        while purchaseNonce == salt { purchaseNonce = PlanEntitlements.newPurchaseNonce() }   // never the salt
        secret.x402 = X402PendingPurchase(purchaseNonce: purchaseNonce.hex, url: url)
        _ = try secrets.writePending(secret)
        let deposit = try await session.call(session.plans, PlanEntitlements.depositAddress(
            buyer: buyer, planId: planId, commitment: commitment, purchaseNonce: purchaseNonce))
        let domain = try await session.call(session.token, TestStablecoin.eip712Domain())
        guard domain.verifyingContract == session.token.address, domain.chainId == UInt256(session.chain.chainId) else {
            throw PlanCommandError.chain("the token \(session.token.address) reports an EIP-712 domain for another contract or chain")
        }
        let payer = X402PayingClient(chainId: session.chain.chainId,
                                     token: X402TokenDomain(domain),
                                     trustRootsDER: try x402.trustRootsDER(), service: "the portal")
        let endpoint = (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/api/x402/plans/\(planId)/purchase"
        let body = try JSONEncoder().encode(["buyer": buyer.checksummed, "commitment": commitment.hex, "purchaseNonce": purchaseNonce.hex])
        let (data, settlement) = try await payer.withHTTPClient { client -> (Data, X402SettleResponse?) in
            var (status, headers, data) = try await payer.post(endpoint, body, header: nil, client: client)
            var settlement: X402SettleResponse?
            if status == 402 {
                let (required, offer, amount, payTo) = try payer.offer(headers)
                guard payTo == deposit else {
                    throw PlanCommandError.paymentRequired("the portal asks for payment to \(payTo.checksummed), not to this purchase's deposit address \(deposit.checksummed) (PlanEntitlements.depositAddress); nothing was paid")
                }
                guard amount == price else {
                    throw PlanCommandError.paymentRequired("the portal asks for \(amount), plan #\(planId) costs \(price) on chain; nothing was paid")
                }
                let payment = try payer.pay(offer, amount: amount, payTo: payTo, resource: required.resource, key: buyerKey)
                (status, headers, data) = try await payer.post(endpoint, body, header: (X402Header.paymentSignature, X402Codec.encodeHeader(payment)),
                                                               client: client)
                if status == 200 { settlement = try payer.settlement(headers) }
            }
            guard status == 200 else { throw Self.portalRefusal(status, data) }
            return (data, settlement)
        }
        guard let answer = try? JSONDecoder().decode(PortalAnswer.self, from: data), let id = try? UInt256(decimal: answer.tokenId) else {
            throw PlanCommandError.portalRefused("the portal answered 200 without an entitlement id")
        }
        // The portal's word is checked on chain: the entitlement is this buyer's, for this plan and commitment.
        let entitlement = try await session.call(session.plans, PlanEntitlements.entitlement(tokenId: id))
        guard entitlement.owner == buyer, entitlement.commitment == commitment, entitlement.planId == planId else {
            throw PlanCommandError.chain("the portal answered entitlement #\(id), which on chain is not this buyer's purchase of plan #\(planId) for this commitment")
        }
        secret.entitlementId = id.description
        secret.x402 = nil
        let file = try secrets.commit(secret, pending: pending)
        return Report(entitlementId: id.description, planId: planId.description, commitment: commitment.hex, price: price.description,
                      expiry: entitlement.end.description, secretFile: file.path,
                      transactions: [settlement?.transaction, answer.transaction].compactMap { $0 }, purchaseNonce: purchaseNonce.hex,
                      deposit: deposit.checksummed)
    }

    /// The portal's refusal as it worded it (`{"error": {"code", "message", "requestId"}}`, or x402's 402 body).
    static func portalRefusal(_ status: Int, _ body: Data) -> PlanCommandError {
        let fields = (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        if status == 402 {
            return .paymentRequired("the portal refused the payment: \(fields["error"] as? String ?? "payment required"); nothing was minted")
        }
        let error = fields["error"] as? [String: Any] ?? [:]
        let code = error["code"] as? String ?? "http-\(status)"
        let message = error["message"] as? String ?? ""
        return .portalRefused("HTTP \(status) \(code)\(message.isEmpty ? "" : ": \(message)")")
    }
}

/// `plan withdraw-deposit`: the buyer takes back what an x402 purchase's deposit address holds.
struct PlanWithdrawDepositCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw-deposit", abstract: "Take back what an x402 purchase's deposit address holds (the buyer; pays the gas).",
        discussion: """
            A payment to a purchase's deposit address that bought nothing (the plan sold out or was delisted before \
            the portal sent the purchase), or more than the price, stays there. The buyer (--account) takes all of it \
            with PlanEntitlements.withdrawDeposit; before a purchase this closes the deposit, so it can no longer buy. \
            --commitment and --purchase-nonce are in the pending purchase file of `plan buy --x402` \
            (commitment, x402.purchaseNonce). Checked before sending: the deposit holds something.
            """)

    @Argument(help: "Plan id.") var plan: String
    @Option(name: .long, help: "The purchase's EID commitment (0x + 64 hex).") var commitment: String
    @Option(name: .customLong("purchase-nonce"), help: "The purchase nonce (0x + 64 hex).") var purchaseNonce: String
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let planId = try PlanNames.uint(plan, "PLAN")
            let commitment: Hash32, nonce: Hash32
            do { commitment = try Hash32(hex: self.commitment); nonce = try Hash32(hex: purchaseNonce) } catch {
                throw PlanCommandError.input("--commitment and --purchase-nonce take 32 bytes of hex")
            }
            let (deposit, amount, transaction) = try await chain.with(account: account) { session in
                let buyer = try session.signer
                let deposit = try await session.call(session.plans, PlanEntitlements.depositAddress(
                    buyer: buyer, planId: planId, commitment: commitment, purchaseNonce: nonce))
                let amount = try await session.call(session.token, TestStablecoin.balanceOf(deposit))
                guard amount > .zero else {
                    throw PlanCommandError.input("the deposit address \(deposit.checksummed) of this purchase by \(buyer.checksummed) holds nothing; nothing was sent")
                }
                let sent = try await session.send(session.plans, PlanEntitlements.withdrawDeposit(planId: planId, commitment: commitment, purchaseNonce: nonce),
                                                  label: "withdrawDeposit plan #\(planId)")
                return (deposit, amount, sent.receipt.transactionHash)
            }
            try output.emit(["deposit": deposit.checksummed, "amount": amount.description, "transaction": transaction.hex]) {
                "\(amount) withdrawn from deposit \(deposit.checksummed) (\(transaction.hex))"
            }
        }
    }
}
