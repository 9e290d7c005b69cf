// `smdp serve --profile-status [--x402-price N --x402-pay-to ADDR --x402-settler-key FILE]`: the entitlement holders'
// profile-status lookup, optionally paid per request with x402 (docs/X402.md).
import ArgumentParser
import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import Logging
import SMDPChainTrust
import SMDPCore
import Settlement
import X402

struct SMDPProfileStatusOptions: ParsableArguments {
    @Flag(name: .customLong("profile-status"), help: ArgumentHelp(
        "Serve POST /openrsp/v1/profile-status: an entitlement's holder reads its profile's state (needs --rpc-url).",
        discussion: "The request is an EIP-712 signature of the entitlement's current owner (PlanEntitlements.ownerOf); anyone else gets 403."))
    var profileStatus = false

    @Option(name: .customLong("x402-price"), help: ArgumentHelp(
        "With --profile-status: price per lookup in base units of PlanEntitlements' token, paid with x402 (scheme exact, EIP-3009).",
        valueName: "units"))
    var price: String?

    @Option(name: .customLong("x402-pay-to"), help: ArgumentHelp("With --x402-price: the address paid.", valueName: "address"))
    var payTo: String?

    @Option(name: .customLong("x402-settler-key"), help: ArgumentHelp(
        "With --x402-price: key file (hex or V3 keystore) of the account that sends the settlement transactions and pays their gas.",
        valueName: "file"))
    var settlerKey: String?

    @Option(name: .customLong("x402-settler-key-password-env"), help: "Environment variable holding the --x402-settler-key keystore password.")
    var settlerKeyPasswordEnv: String = "OPENRSP_KEY_PASSWORD"

    func validate() throws {
        let paid = [price, payTo, settlerKey].compactMap { $0 }.count
        guard paid == 0 || paid == 3 else { throw ValidationError("give --x402-price, --x402-pay-to and --x402-settler-key together") }
        if paid > 0, !profileStatus { throw ValidationError("--x402-price needs --profile-status") }
    }

    /// The route's holder check and paywall, and the RPC client they own (shut it down when done); nil without --profile-status.
    func build(gate: ChainEntitlementGate?, rpcURL: String, smdpAddress: String,
               logger: Logger) async throws -> (holders: any EntitlementHolderCheck, paywall: X402Paywall?, client: RPCClient)? {
        guard profileStatus else { return nil }
        guard let gate else { throw SMDPCommandError.invalidArgument("--profile-status needs the entitlement gate (--rpc-url or --entitlements)") }
        let client: RPCClient
        do { client = try RPCClient(url: rpcURL) } catch { throw SMDPCommandError.invalidArgument("--rpc-url: \(error)") }
        do {
            let chain = try await Chain.connect(client)
            let plans = chain.contract(PlanEntitlements.self, at: gate.entitlements.address)
            let holders = ChainHolderCheck(entitlements: plans, smdpAddress: smdpAddress, logger: logger)
            guard let price, let payTo, let settlerKey else { return (holders, nil, client) }
            let amount: UInt256, payee: Address, settler: PrivateKey
            do { amount = try UInt256(decimal: price) } catch { throw SMDPCommandError.invalidArgument("--x402-price must be a decimal integer") }
            guard !amount.isZero else { throw SMDPCommandError.invalidArgument("--x402-price must be positive") }
            do { payee = try Address(hex: payTo) } catch { throw SMDPCommandError.invalidArgument("--x402-pay-to: \(error)") }
            do { settler = try loadSigningKey(path: settlerKey, passwordEnv: settlerKeyPasswordEnv) } catch {
                throw SMDPCommandError.invalidArgument("--x402-settler-key: \(error)")
            }
            let token = try await plans.call(PlanEntitlements.TOKEN())
            let domain = try await chain.contract(TestStablecoin.self, at: token).call(TestStablecoin.eip712Domain())
            let facilitator = X402Facilitator(ledger: try ChainX402Ledger(chain: chain, settler: settler), assets: [token])
            let paywall = X402Paywall(
                resource: X402Resource(url: "https://\(smdpAddress)/openrsp/v1/profile-status",
                                       description: "State of the profile an entitlement released", mimeType: "application/json"),
                price: amount, asset: token, tokenName: domain.name, tokenVersion: domain.version, payTo: payee, facilitator: facilitator)
            logger.info("profile status lookup on, paid with x402", metadata: [
                "price": "\(amount)", "asset": "\(token)", "payTo": "\(payee)", "network": "\(facilitator.network)"])
            return (holders, paywall, client)
        } catch let error as SMDPCommandError {
            try? await client.shutdown()
            throw error
        } catch {
            try? await client.shutdown()
            throw SMDPCommandError.invalidArgument("--profile-status: cannot read the chain: \(error)")
        }
    }
}
