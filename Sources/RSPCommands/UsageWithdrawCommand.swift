// `openrsp usage withdraw`: pull payments (contracts v2). Settlement credits the operator; this
// takes the credit.
import ArgumentParser
import EthereumCore
import Foundation
import UsageService

struct UsageWithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw", abstract: "Take the tokens UsageSettlement credited to the operator key (pull payments).",
        discussion: """
            Settlements and closes only credit balances (`owed`); each payee withdraws its own, so a \
            payee that cannot receive (a blacklisted address) blocks nobody else. --to sends the credit \
            to another address.
            """)

    @Option(name: .long, help: "Receiver (default: the operator key's address).") var to: String?
    @OptionGroup var database: UsageDatabaseOption
    @OptionGroup var chain: UsageChainOptions
    @OptionGroup var key: UsageKeyOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let receiver: Address?
            do { receiver = try to.map { try Address(hex: $0) } } catch { throw UsageCommandError.input("--to: \(error)") }
            let result = try await withUsageService(database: database, chain: chain, key: key, json: output.json) { service in
                try await service.withdraw(to: receiver).map { ($0.event.amount.description, $0.event.receiver.checksummed, $0.transaction.hex) }
            }
            guard let result else {
                try output.emit(["amount": "0"]) { "nothing owed" }
                return
            }
            let (amount, to, transaction) = result
            try output.emit(["amount": amount, "receiver": to, "transaction": transaction]) { "withdrew \(amount) to \(to) (\(transaction))" }
        }
    }
}
