// `openrsp account new|import|list|show`: Web3 Secret Storage v3 keystores in $OPENRSP_HOME/keystore.
import ArgumentParser
import EthereumCore
import EthereumRPC
import Foundation

public struct AccountCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Chain accounts: encrypted keystores (Web3 Secret Storage v3) that chain commands sign with.",
        discussion: """
            Keystores live in $OPENRSP_HOME/keystore/<name>.json (directory 0700, files 0600) and are \
            selected by name or address with --account on every command that signs. The password comes \
            from --password-file FILE, --password-env NAME, or a prompt on the terminal without echo; it is \
            never a flag value. Keys are compatible with geth/eth-account keystores.
            """,
        subcommands: [AccountNewCommand.self, AccountImportCommand.self, AccountListCommand.self, AccountShowCommand.self,
                      AccountTransferCommand.self]
    )

    public init() {}
}

/// One account in command output.
struct AccountDocument: Encodable {
    let name: String
    let address: String
    let path: String
    var balanceWei: String?
    var nonce: UInt64?
    var chainId: UInt64?

    init(_ entry: AccountStore.Entry) {
        name = entry.name
        address = entry.address.checksummed
        path = entry.path
    }

    var human: String {
        var line = "\(name)  \(address)  \(path)"
        if let balanceWei, let nonce, let chainId { line += "\n  chain \(chainId): balance \(balanceWei) wei, nonce \(nonce)" }
        return line
    }
}

/// `--light-kdf`: scrypt N=4096 instead of 262144 (geth's light setting).
struct KeystoreKDFOption: ParsableArguments {
    @Flag(name: .long, help: "Weaker, faster scrypt (N=4096, as geth --lightkdf): for tests and small machines only.")
    var lightKdf = false

    var kdf: KeystoreKDF { lightKdf ? .scrypt(n: 4096, r: 8, p: 6) : .standard }
}

struct AccountNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create a fresh key and store it encrypted under NAME.",
        discussion: "Prints the address. Back up the keystore file and its password: nothing else can recover the key."
    )

    @Argument(help: "Account name (letters, digits, '.', '_', '-').") var name: String
    @OptionGroup var password: PasswordOptions
    @OptionGroup var kdf: KeystoreKDFOption
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let store = AccountStore(home: DataDirectory.resolve())
            try AccountStore.validate(name: name)
            let key: PrivateKey
            do { key = try PrivateKey.generate() } catch { throw ChainCommandError(.keystore, "\(error)") }
            let secret = try password.password(prompt: "Password for the new account \(name): ", confirm: true)
            let entry = try store.add(name: name, key: key, password: secret, kdf: kdf.kdf)
            try output.emit(AccountDocument(entry)) { "created \(entry.name) \(entry.address.checksummed)\nkeystore \(entry.path)" }
        }
    }
}

struct AccountImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store an existing key under NAME: a hex key file, a hex key in an environment variable, or a keystore JSON.",
        discussion: """
            --key-file and --private-key-env keys are encrypted with the password (prompted twice on a terminal). \
            A --keystore file is copied as it is after checking that the password opens it.
            """
    )

    @Argument(help: "Account name (letters, digits, '.', '_', '-').") var name: String
    @Option(name: .long, help: ArgumentHelp("File holding a hex private key.", valueName: "file")) var keyFile: String?
    @Option(name: .long, help: ArgumentHelp("Environment variable holding a hex private key.", valueName: "name")) var privateKeyEnv: String?
    @Option(name: .long, help: ArgumentHelp("A V3 keystore JSON (geth, eth-account, …).", valueName: "file")) var keystore: String?
    @OptionGroup var password: PasswordOptions
    @OptionGroup var kdf: KeystoreKDFOption
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard [keyFile, privateKeyEnv, keystore].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --key-file, --private-key-env, --keystore")
        }
    }

    func run() async throws {
        try await output.reportingErrors {
            let store = AccountStore(home: DataDirectory.resolve())
            try AccountStore.validate(name: name)
            let entry: AccountStore.Entry
            if let keystore {
                guard let data = FileManager.default.contents(atPath: keystore) else { throw ChainCommandError(.keyFile, "cannot read \(keystore)") }
                var file: KeystoreFile
                do { file = try JSONDecoder().decode(KeystoreFile.self, from: data) } catch {
                    throw ChainCommandError(.keyFile, "\(keystore) is not a V3 keystore: \(error)")
                }
                let secret = try password.password(prompt: "Password of \(keystore): ")
                let key: PrivateKey
                do { key = try Keystore.decrypt(file, password: secret) } catch let error as KeystoreError {
                    if case .macMismatch = error { throw ChainCommandError(.wrongPassword, "\(keystore): wrong password") }
                    throw ChainCommandError(.keyFile, "\(keystore): \(error)")
                }
                do { file.address = Hex.encode(try key.address().bytes, prefix: false) } catch { throw ChainCommandError(.keyFile, "\(error)") }
                entry = try store.add(name: name, keystore: file)
            } else {
                let key: PrivateKey
                if let keyFile {
                    guard let data = FileManager.default.contents(atPath: keyFile) else { throw ChainCommandError(.keyFile, "cannot read \(keyFile)") }
                    do { key = try parseHexPrivateKey(String(decoding: data, as: UTF8.self), source: keyFile) } catch {
                        throw ChainCommandError(.keyFile, "\(error)")
                    }
                } else {
                    let variable = privateKeyEnv ?? ""
                    guard let text = ProcessInfo.processInfo.environment[variable] else {
                        throw ChainCommandError(.keyFile, "environment variable \(variable) is not set")
                    }
                    do { key = try parseHexPrivateKey(text, source: "$\(variable)") } catch { throw ChainCommandError(.keyFile, "\(error)") }
                }
                let secret = try password.password(prompt: "Password for the imported account \(name): ", confirm: true)
                entry = try store.add(name: name, key: key, password: secret, kdf: kdf.kdf)
            }
            try output.emit(AccountDocument(entry)) { "imported \(entry.name) \(entry.address.checksummed)\nkeystore \(entry.path)" }
        }
    }
}

struct AccountListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the stored accounts (name, address, keystore file).")

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let entries = try AccountStore(home: DataDirectory.resolve()).list()
            try output.emit(entries.map(AccountDocument.init)) {
                entries.isEmpty ? "no accounts (create one with `openrsp account new NAME`)" : entries.map { AccountDocument($0).human }.joined(separator: "\n")
            }
        }
    }
}

struct AccountShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one account; with --rpc-url also its balance and nonce on that chain.",
        discussion: "Needs no password: the address is stored in the keystore in clear."
    )

    @Argument(help: "Account name or address.") var account: String
    @OptionGroup var chain: ChainOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let entry = try AccountStore(home: home).find(account)
            var document = AccountDocument(entry)
            if chain.rpcUrl != nil {
                document = try await chain.withConnection(home: home, signing: false, useDeployment: false) { connection in
                    var shown = document
                    do {
                        shown.balanceWei = try await connection.client.getBalance(entry.address).description
                        shown.nonce = try await connection.client.getTransactionCount(entry.address, at: .latest)
                        shown.chainId = connection.chainId
                    } catch let error as EthereumRPCError { throw ChainCommandError.rpc(error, "reading \(entry.address)") }
                    return shown
                }
            }
            try output.emit(document) { document.human }
        }
    }
}
