// `openrsp registry operator-key add|accept|revoke|list`: an active MNO's signing keys (usage
// posting). The MNO offers a key (add); the key's holder consents (accept); the MNO revokes.
import ArgumentParser
import EthereumCore
import EthereumRPC
import Foundation
import Settlement

struct RegistryOperatorKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator-key",
        abstract: "An MNO's operator keys: add (offer, sent by the MNO), accept (sent by the key), revoke, list.",
        subcommands: [OperatorKeyAddCommand.self, OperatorKeyAcceptCommand.self, OperatorKeyRevokeCommand.self, OperatorKeyListCommand.self]
    )
}

struct OperatorKeyAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Offer KEY as an operator key of the --account MNO (it must be an active MNO).",
        discussion: "The key becomes active when its holder runs `openrsp registry operator-key accept --mno MNO --account KEY`.")
    @Argument(help: "The key's address.") var key: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(key, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.registerOperatorKey(key: address), action: "operator-key add", entity: address,
                                          options: options, account: account, output: output)
    }
}

struct OperatorKeyAcceptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept", abstract: "Consent, as the key (--account), to be the operator key that --mno offered.")
    @Option(name: .long, help: ArgumentHelp("The MNO that offered the key.", valueName: "address")) var mno: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(mno, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.acceptOperatorKey(mno: address), action: "operator-key accept", entity: address,
                                          options: options, account: account, output: output)
    }
}

struct OperatorKeyRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke one of the --account MNO's operator keys (allowed while the MNO is suspended).")
    @Argument(help: "The key's address.") var key: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(key, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.revokeOperatorKey(key: address), action: "operator-key revoke", entity: address,
                                          options: options, account: account, output: output)
    }
}

struct OperatorKeyListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the keys an MNO offered or registered, with their state (from the registry's logs).")
    @Option(name: .long, help: ArgumentHelp("The MNO's address.", valueName: "address")) var mno: String
    @Option(name: .long, help: "First block to search (default 0).") var fromBlock: UInt64 = 0
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    struct KeyDocument: Encodable {
        let key: String
        /// offered (waiting for accept), withdrawn, active, revoked
        let state: String
        /// isOperatorKey(mno, key): active key of an active MNO.
        let usable: Bool
    }

    func run() async throws {
        try await output.reportingErrors {
            let mnoAddress = try parseAddress(mno, "--mno")
            let keys = try await options.withRegistry(home: DataDirectory.resolve(), signing: false) { registry, _ in
                do {
                    let topic = addressTopic(mnoAddress)
                    var seen: [Address] = []
                    for (_, e) in try await registry.logs(TrustRegistry.OperatorKeyOffered.self, topic1: topic, from: .number(fromBlock))
                    where !seen.contains(e.key) { seen.append(e.key) }
                    for (_, e) in try await registry.logs(TrustRegistry.OperatorKeyRegistered.self, topic1: topic, from: .number(fromBlock))
                    where !seen.contains(e.key) { seen.append(e.key) }
                    var out: [KeyDocument] = []
                    for key in seen {
                        let status = try await registry.call(TrustRegistry.operatorKeyStatus(key: key))
                        let owner = try await registry.call(TrustRegistry.operatorKeyMno(key: key))
                        let state: String
                        switch status {
                        case .active? where owner == mnoAddress: state = "active"
                        case .revoked? where owner == mnoAddress: state = "revoked"
                        case .some: state = "registered to \(owner)"
                        case nil: state = try await registry.call(TrustRegistry.keyOffered(key: key, mno: mnoAddress)) ? "offered" : "withdrawn"
                        }
                        out.append(KeyDocument(key: key.checksummed, state: state,
                                               usable: try await registry.call(TrustRegistry.isOperatorKey(mno: mnoAddress, key: key))))
                    }
                    return out
                } catch { throw ChainCommandError(.rpc, "reading operator keys of \(mnoAddress): \(error)") }
            }
            try output.emit(keys) { keys.isEmpty ? "no operator keys" : keys.map { "\($0.key)  \($0.state)\($0.usable ? "  usable" : "")" }.joined(separator: "\n") }
        }
    }
}
