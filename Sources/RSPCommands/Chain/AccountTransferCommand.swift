// `openrsp account transfer TO --wei N`: native currency from an account (gas money for the
// accounts of the other roles), through the persisted TransactionSubmitter.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement

/// The "binding" of a plain value transfer: no contract, no revert reasons.
enum PlainTransfer: ContractBinding {
    static let contractName = "(account)"
    static let functions: [ABIFunction] = []
    static let events: [ABIEvent] = []
    static let constructor = ContractConstructor(inputs: [])
}

struct AccountTransferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Send native currency from --account to ADDRESS (e.g. gas money for another role's account).",
        discussion: """
            The signed transaction is persisted in $OPENRSP_HOME/transactions/<chainId> before it is broadcast; \
            rerunning the same command after a crash re-broadcasts the same bytes instead of paying twice.
            """
    )

    @Argument(help: "Receiving address.") var to: String
    @Option(name: .long, help: ArgumentHelp("Amount in wei (decimal).", valueName: "amount")) var wei: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var chain: ChainOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let from: String
        let to: String
        let wei: String
        let transaction: SubmittedTransaction
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let receiver: Address
            do { receiver = try Address(hex: to) } catch { throw ChainCommandError(.invalidArgument, "ADDRESS \(to): \(error)") }
            let amount: UInt256
            do { amount = try UInt256(decimal: wei) } catch { throw ChainCommandError(.invalidArgument, "--wei \(wei): \(error)") }
            let signer = try account.signer(home: home)
            let sent = try await chain.withConnection(home: home, signing: true) { connection in
                try await TransactionSubmitter(connection: connection, signer: signer, home: home).submit(TransactionRequest(
                    to: receiver, data: [], value: amount, label: "transfer \(amount) wei to \(receiver)", binding: PlainTransfer.self))
            }
            try output.emit(Document(from: signer.address.checksummed, to: receiver.checksummed, wei: amount.description, transaction: sent)) {
                sent.human
            }
        }
    }
}
