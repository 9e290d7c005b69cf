// `openrsp entitlement profile-status ID --smdp ADDRESS`: the holder reads the state of the profile its entitlement released.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement
import X402

struct EntitlementProfileStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-status",
        abstract: "Ask the SM-DP+ for the state of the profile this entitlement released (holder only; pays with x402 if asked).",
        discussion: """
            Signs an EIP-712 ProfileStatusRequest(entitlementId, smdpAddress, issuedAt, nonce) with --account, which must own the \
            entitlement, and POSTs it to the SM-DP+ (docs/X402.md). When the SM-DP+ answers 402, the lookup is paid with x402 \
            (scheme exact: an EIP-3009 transfer of PlanEntitlements' token signed by --account) only if the price is at most \
            --pay-up-to; otherwise nothing is paid and the price is printed. The SM-DP+'s TLS certificate must chain to the CI \
            certificate in $OPENRSP_HOME/pki or a --tls-ca root.
            """)

    @Argument(help: "Entitlement id.") var entitlement: String

    @Option(name: .long, help: ArgumentHelp("The SM-DP+ address as in the activation code (host[:port]); the request is signed for it.",
                                            valueName: "address"))
    var smdp: String

    @Option(name: .long, help: ArgumentHelp("Where to send the request (default https://ADDRESS/openrsp/v1/profile-status).", valueName: "url"))
    var url: String?

    @Option(name: .customLong("pay-up-to"), help: ArgumentHelp("The most to pay for the lookup, in base units of the token (default 0: never pay).",
                                                               valueName: "units"))
    var payUpTo: String = "0"

    @OptionGroup var trust: ES9TrustOptions
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try PlanNames.uint(entitlement, "ENTITLEMENT")
            let limit = try PlanNames.uint(payUpTo, "--pay-up-to")
            let key = try account.privateKey(home: DataDirectory.resolve())
            let target = url ?? "https://\(smdp)/openrsp/v1/profile-status"
            let roots: [[UInt8]] = target.hasPrefix("https://") ? try trust.trustRootsDER() : []
            let context = try await chain.with { session in
                let domain = try await session.call(session.token, TestStablecoin.eip712Domain())
                return ProfileStatusClient.Chain(
                    chainId: session.chain.chainId, entitlements: session.plans.address,
                    token: X402TokenDomain(domain))
            }
            let outcome = try await ProfileStatusClient(url: target, smdpAddress: smdp, chain: context, maxPayment: limit,
                                                        trustRootsDER: roots).fetch(entitlement: id, key: key)
            try output.emit(outcome) {
                let s = outcome.status
                let paid = outcome.payment.map { ", paid \($0.amount ?? "?") (\($0.transaction))" } ?? ""
                return "entitlement #\(s.entitlementId): profile \(s.iccid) \(s.state) since \(s.updatedAt)\(paid)"
            }
        }
    }
}
