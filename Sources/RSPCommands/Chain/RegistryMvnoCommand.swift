// `openrsp registry approve-mvno|revoke-mvno`: an MNO's self-service resale approvals
// (TrustRegistry.approveMvno / revokeMvnoApproval, contracts v2). Sent by the MNO's account.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement

struct RegistryApproveMvnoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve-mvno",
        abstract: "Let an MVNO list plans reselling this MNO, at margins up to --max-margin-bps (sent by an active MNO).",
        discussion: "Replaces an earlier approval; plans already listed keep their terms. The MVNO must be registered with role mvno.")
    @Argument(help: "The MVNO's chain address.") var mvno: String
    @Option(name: .long, help: "Highest margin the MVNO may list, in basis points (0–10000).") var maxMarginBps: UInt64
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var parsed: Address?
        try await output.reportingErrors {
            guard maxMarginBps <= 10_000 else { throw ChainCommandError(.invalidArgument, "--max-margin-bps \(maxMarginBps): above 10000") }
            parsed = try parseAddress(mvno, "MVNO")
        }
        guard let address = parsed else { return }
        try await sendRegistryTransaction(TrustRegistry.approveMvno(address, maxMarginBps: UInt256(maxMarginBps)),
                                          action: "approve-mvno (max \(maxMarginBps) bps)", entity: address,
                                          options: options, account: account, output: output)
    }
}

struct RegistryRevokeMvnoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-mvno",
        abstract: "Stop an MVNO's new listings reselling this MNO (sent by the MNO, also while suspended).")
    @Argument(help: "The MVNO's chain address.") var mvno: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(mvno, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.revokeMvnoApproval(address), action: "revoke-mvno", entity: address,
                                          options: options, account: account, output: output)
    }
}
