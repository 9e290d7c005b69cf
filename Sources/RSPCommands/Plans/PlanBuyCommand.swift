// `openrsp plan buy`: the user buys a plan for keccak256(EID ‖ salt) and keeps the salt beside the device.
import ArgumentParser
import EthereumCore
import EthereumRPC
import Foundation
import RSPASN1
import RSPCrypto
import Settlement

struct PlanBuyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buy", abstract: "Buy a plan for this device's EID (approve + buy); prints the entitlement id.",
        discussion: """
            The EID is read from the device (--simulator DIR, default $OPENRSP_HOME/euicc, or --reader NAME) or given \
            with --eid. A fresh random 32-byte salt makes the commitment keccak256(EID ‖ salt); only the commitment \
            goes on chain. The salt is written (mode 0600) before any transaction to the device's data directory: \
            DIR/entitlements for a software eUICC, else $OPENRSP_HOME/entitlements/<EID>; first as pending-<commitment>.json, \
            renamed to <entitlement id>.json once the purchase is mined. A rerun after a crash finds the pending file and \
            finishes that purchase with the same salt (or reports it if it was mined), never a second one. Give that file to the operator with \
            `smdp order create --salt-file`. The plan must be active and the buyer's balance at least the price \
            (checked before anything is sent); the price is approved to PlanEntitlements if the allowance is short. \
            With --gasless --relayer-account NAME the user's account (--account) pays no gas and needs no ETH: it \
            signs an EIP-3009 ReceiveWithAuthorization of the price to PlanEntitlements whose nonce is \
            authorizationNonce(plan, commitment, purchaseNonce), with a fresh random public purchaseNonce (never the \
            salt), and the relayer account (another local keystore, --relayer-password-file/--relayer-password-env) \
            submits buyWithAuthorization and pays the gas. The authorization is kept in the pending file, so a rerun \
            after a crash resumes the relayer's same transaction (an expired one is replaced by a fresh authorization); \
            a kept authorization the token refuses (used, or signed by another key) is 314, nothing sent. \
            With --x402 https://PORTAL the purchase goes through the portal's x402 API (docs/X402.md): --account signs only \
            an x402 payment (EIP-3009 TransferWithAuthorization) of the plan's on-chain price to the purchase's deposit \
            address, PlanEntitlements.depositAddress(buyer, plan, commitment, purchaseNonce), which this command computes \
            on chain and requires as the portal's payTo (else 316, nothing paid); the portal settles it and sends \
            buyFromDeposit, and the answer is checked on chain. The purchase nonce is kept in the pending file first: a \
            rerun asks for the same deposit, and the portal finishes that purchase without a second payment.
            """)

    @Argument(help: "Plan id.") var plan: String
    @Option(name: .long, help: "Buy for this EID (32 digits) instead of reading it from the device.") var eid: String?
    @OptionGroup var device: DeviceOptions
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var relayer: RelayerOptions
    @OptionGroup var x402: X402PurchaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if eid != nil, device.reader != nil || device.simulator != nil { throw ValidationError("--eid excludes --reader and --simulator") }
        try relayer.validate()
        try x402.validate()
        if x402.url != nil, relayer.gasless { throw ValidationError("--x402 and --gasless are two ways to buy: give one") }
    }

    struct Report: Encodable {
        var entitlementId: String
        var planId: String
        var commitment: String
        var price: String
        var expiry: String
        var secretFile: String
        var transactions: [String]
        /// Gasless purchases only: the account that sent (and paid the gas of) buyWithAuthorization.
        var relayer: String? = nil
        /// Gasless and x402 purchases: the public purchase nonce (fresh randomness, not the salt).
        var purchaseNonce: String? = nil
        /// x402 purchases only: the deposit address the payment went to.
        var deposit: String? = nil
    }

    func run() async throws {
        try await output.reportingErrors {
            let planId = try PlanNames.uint(plan, "PLAN")
            let eidValue = try await readEID()
            let secrets = EntitlementSecretStore(directory: secretDirectory(eidValue))
            let home = DataDirectory.resolve()
            // Gasless: the user's key only signs the authorization; the relayer's account sends. Both unlock
            // before the node is contacted (a wrong password fails first, nothing is sent).
            // x402: the user's key only signs the payment; the portal sends (the session signs nothing).
            let buyerKey: PrivateKey? = relayer.gasless || x402.url != nil ? try account.privateKey(home: home) : nil
            let relayerSigner: (any TransactionSigner)? = try relayer.signer(home: home)
            let signer: (any TransactionSigner)?
            if let relayerSigner { signer = relayerSigner } else if x402.url != nil { signer = nil } else { signer = try account.signer(home: home) }
            let report: Report = try await chain.with(signer: signer) { session in
                let terms = try await PlanNames.plan(planId, on: session)
                guard terms.active else { throw PlanCommandError.planNotAvailable("plan #\(planId) is delisted") }
                guard terms.sold < terms.supplyCap else { throw PlanCommandError.planNotAvailable("plan #\(planId) is sold out") }
                let buyer: Address
                if let buyerKey {
                    do { buyer = try buyerKey.address() } catch { throw ChainCommandError(.signing, "\(error)") }
                } else {
                    buyer = try session.signer
                }
                // A purchase an earlier run left pending (crash) is finished with its salt, never bought twice.
                let earlier = secrets.pending(eid: eidValue.digits, planId: planId.description, chainId: session.chain.chainId,
                                              planEntitlements: session.plans.address.checksummed)
                // (An x402 purchase resumed may have paid already: the portal is asked again, not the balance.)
                if x402.url == nil || earlier?.secret.x402 == nil {
                    let balance = try await session.call(session.token, TestStablecoin.balanceOf(buyer))
                    guard !(balance < terms.price) else {
                        throw PlanCommandError.insufficientFunds("\(buyer.checksummed) holds \(balance), plan #\(planId) costs \(terms.price)")
                    }
                }
                let salt = try earlier.map { try EntitlementSecretStore.salt(of: $0.secret) } ?? EntitlementSecretStore.freshSalt()
                let commitment: Hash32
                do { commitment = try PlanEntitlements.commitment(eid: eidValue.bytes, salt: salt) } catch {
                    throw PlanCommandError.input("commitment: \(error)")
                }
                var secret = EntitlementSecret(eid: eidValue.digits, salt: "0x" + salt.hex.dropHexPrefix, commitment: commitment.hex,
                                               entitlementId: nil, planId: planId.description, chainId: session.chain.chainId,
                                               planEntitlements: session.plans.address.checksummed)
                if relayer.gasless { secret.gasless = earlier?.secret.gasless }
                if x402.url != nil { secret.x402 = earlier?.secret.x402 }
                let pending: URL
                if let earlier {
                    pending = earlier.url
                    FileHandle.standardError.write(Data("resuming the purchase left pending in \(earlier.url.path)\n".utf8))
                    let logs: [(log: Log, event: PlanEntitlements.Purchased)]
                    do { logs = try await session.plans.logs(PlanEntitlements.Purchased.self) } catch { throw PlanCommandError.contract(error) }
                    if let done = logs.last(where: { $0.event.commitment == commitment && $0.event.planId == planId && $0.event.buyer == buyer }) {
                        secret.entitlementId = done.event.id.description
                        secret.gasless = nil
                        secret.x402 = nil
                        let file = try secrets.commit(secret, pending: pending)
                        return Report(entitlementId: done.event.id.description, planId: planId.description, commitment: commitment.hex,
                                      price: done.event.price.description, expiry: done.event.expiry.description, secretFile: file.path,
                                      transactions: done.log.transactionHash.map { [$0.hex] } ?? [])
                    }
                } else if !relayer.gasless, x402.url == nil {
                    pending = try secrets.writePending(secret)
                } else {
                    pending = secrets.pendingURL(commitment: secret.commitment)
                }
                if let buyerKey, let url = x402.url {
                    return try await buyX402(url: url, session: session, buyerKey: buyerKey, buyer: buyer, planId: planId, price: terms.price,
                                             commitment: commitment, salt: salt, secret: secret, secrets: secrets, pending: pending)
                }
                if let buyerKey {
                    return try await buyGasless(session: session, buyerKey: buyerKey, buyer: buyer, planId: planId, price: terms.price,
                                                commitment: commitment, salt: salt, secret: secret, secrets: secrets, pending: pending)
                }
                var transactions: [String] = []
                let allowance = try await session.call(session.token, TestStablecoin.allowance(owner: buyer, spender: session.plans.address))
                if allowance < terms.price {
                    let approved = try await session.send(session.token, TestStablecoin.approve(spender: session.plans.address, amount: terms.price),
                                                          label: "approve \(terms.price)")
                    transactions.append(approved.receipt.transactionHash.hex)
                }
                let bought = try await session.send(session.plans, PlanEntitlements.buy(planId: planId, commitment: commitment),
                                                    label: "buy plan #\(planId)")
                transactions.append(bought.receipt.transactionHash.hex)
                let purchase: PlanEntitlements.Purchased
                do { purchase = try session.plans.event(PlanEntitlements.Purchased.self, in: bought) } catch {
                    throw PlanCommandError.contract(error)
                }
                secret.entitlementId = purchase.id.description
                let file = try secrets.commit(secret, pending: pending)
                return Report(entitlementId: purchase.id.description, planId: planId.description, commitment: commitment.hex,
                              price: purchase.price.description, expiry: purchase.expiry.description, secretFile: file.path,
                              transactions: transactions)
            }
            try output.emit(report) {
                "entitlement #\(report.entitlementId) bought (plan #\(report.planId), price \(report.price), expires at \(report.expiry))\n"
                    + "salt kept in \(report.secretFile) (give it to the operator: smdp order create --salt-file)"
            }
        }
    }

    /// The gasless purchase: the buyer's EIP-3009 authorization (kept in the pending file before anything is
    /// sent, reused by a rerun unless expired), then the relayer's buyWithAuthorization.
    func buyGasless(session: PlanChain, buyerKey: PrivateKey, buyer: Address, planId: UInt256, price: UInt256, commitment: Hash32,
                    salt: Hash32, secret: EntitlementSecret, secrets: EntitlementSecretStore, pending: URL) async throws -> Report {
        var secret = secret
        let now = UInt256(UInt64(Date().timeIntervalSince1970))
        var authorization = secret.gasless.flatMap { earlier -> GaslessAuthorization? in
            guard let before = try? UInt256(decimal: earlier.validBefore), now < before else { return nil }
            return earlier
        }
        if authorization == nil {
            var purchaseNonce = PlanEntitlements.newPurchaseNonce()
            while purchaseNonce == salt { purchaseNonce = PlanEntitlements.newPurchaseNonce() }   // never the salt
            let validBefore: UInt256
            do { validBefore = try now.adding(UInt256(UInt64(relayer.authorizationValidFor))) } catch {
                throw PlanCommandError.input("--authorization-valid-for: \(error)")
            }
            let nonce = try await session.call(session.plans, PlanEntitlements.authorizationNonce(
                planId: planId, commitment: commitment, purchaseNonce: purchaseNonce))
            let digest = try await GaslessAuthorization.digest(session: session, from: buyer, to: session.plans.address, value: price,
                                                               validAfter: .zero, validBefore: validBefore, nonce: nonce)
            let signature: Signature
            do { signature = try buyerKey.sign(digest: digest) } catch { throw ChainCommandError(.signing, "authorization: \(error)") }
            authorization = GaslessAuthorization(purchaseNonce: purchaseNonce.hex, validAfter: "0", validBefore: validBefore.description,
                                                 r: Hex.encode(signature.r), s: Hex.encode(signature.s), yParity: signature.yParity)
        }
        guard let authorization else { throw PlanCommandError.input("no authorization") }
        secret.gasless = authorization
        _ = try secrets.writePending(secret)
        let call = try authorization.call(planId: planId, commitment: commitment, buyer: buyer)
        let relayerAddress = try session.signer
        let bought = try await session.send(session.plans, call, label: "buyWithAuthorization plan #\(planId) (relayer \(relayerAddress.checksummed))")
        let purchase: PlanEntitlements.Purchased
        do { purchase = try session.plans.event(PlanEntitlements.Purchased.self, in: bought) } catch {
            throw PlanCommandError.contract(error)
        }
        secret.entitlementId = purchase.id.description
        secret.gasless = nil
        let file = try secrets.commit(secret, pending: pending)
        return Report(entitlementId: purchase.id.description, planId: planId.description, commitment: commitment.hex,
                      price: purchase.price.description, expiry: purchase.expiry.description, secretFile: file.path,
                      transactions: [bought.receipt.transactionHash.hex], relayer: relayerAddress.checksummed,
                      purchaseNonce: authorization.purchaseNonce)
    }

    func readEID() async throws -> EID {
        if let eid {
            do { return try EID(digits: eid) } catch { throw PlanCommandError.input("--eid: \(error)") }
        }
        do { return try await withES10(device) { try await $0.getEID() } } catch let error as PlanCommandError { throw error } catch {
            throw PlanCommandError.device("cannot read the EID: \(error)")
        }
    }

    func secretDirectory(_ eid: EID) -> URL {
        if self.eid == nil, device.reader == nil {
            return device.simulatorDirectory().appendingPathComponent("entitlements", isDirectory: true)
        }
        return DataDirectory.resolve().url.appendingPathComponent("entitlements/\(eid.digits)", isDirectory: true)
    }
}

extension String {
    /// Without a leading 0x.
    var dropHexPrefix: String { hasPrefix("0x") ? String(dropFirst(2)) : self }
}

/// What `plan buy` keeps about one purchase (the commitment's opening). Secret: mode 0600.
struct EntitlementSecret: Codable {
    var eid: String
    var salt: String
    var commitment: String
    var entitlementId: String?
    var planId: String
    var chainId: UInt64
    var planEntitlements: String
    /// Gasless purchases while pending: the buyer's signed authorization (public once sent).
    var gasless: GaslessAuthorization? = nil
    /// x402 purchases while pending: the purchase nonce (its deposit address) and the portal.
    var x402: X402PendingPurchase? = nil
}

/// The device's entitlement secrets: `<directory>/<id>.json`, `pending-<commitment>.json` while buying.
struct EntitlementSecretStore {
    let directory: URL

    static func freshSalt() -> Hash32 {
        var rng = SystemRandomNumberGenerator()
        // 32 random bytes always make a Hash32.
        return try! Hash32((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
    }

    func pendingURL(commitment: String) -> URL {
        directory.appendingPathComponent("pending-\(commitment.dropHexPrefix).json")
    }

    func writePending(_ secret: EntitlementSecret) throws -> URL {
        let url = pendingURL(commitment: secret.commitment)
        try write(secret, to: url)
        return url
    }

    /// Writes `<id>.json` and removes the pending file.
    func commit(_ secret: EntitlementSecret, pending: URL) throws -> URL {
        let url = directory.appendingPathComponent("\(secret.entitlementId ?? "unknown").json")
        try write(secret, to: url)
        try? FileManager.default.removeItem(at: pending)
        return url
    }

    /// A purchase left pending (written, not committed) for this EID, plan and contract, if any.
    func pending(eid: String, planId: String, chainId: UInt64, planEntitlements: String) -> (url: URL, secret: EntitlementSecret)? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return nil }
        for name in names.sorted() where name.hasPrefix("pending-") && name.hasSuffix(".json") {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path),
                  let secret = try? JSONDecoder().decode(EntitlementSecret.self, from: data) else { continue }
            if secret.eid == eid, secret.planId == planId, secret.chainId == chainId,
               secret.planEntitlements.lowercased() == planEntitlements.lowercased() {
                return (url, secret)
            }
        }
        return nil
    }

    static func salt(of secret: EntitlementSecret) throws -> Hash32 {
        do { return try Hash32(hex: secret.salt) } catch { throw PlanCommandError.secret("the pending purchase's salt is unreadable: \(error)") }
    }

    /// The secret of entitlement `id`, nil if this device has none.
    func secret(entitlementId id: String) -> EntitlementSecret? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("\(id).json").path) else { return nil }
        return try? JSONDecoder().decode(EntitlementSecret.self, from: data)
    }

    private func write(_ secret: EntitlementSecret, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try SecureFileWriter.write(Array(try encoder.encode(secret)) + [0x0A], to: url, mode: 0o600)
        } catch {
            throw PlanCommandError.secret("cannot write \(url.path): \(error)")
        }
    }
}
