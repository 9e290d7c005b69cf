// `--account NAME|ADDRESS` and its password: the signer of every chain command that transacts.
import ArgumentParser
import EthereumCore
import Foundation

/// The signing account of a chain command: a keystore of `openrsp account` and its password source.
struct AccountOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Signing account: a keystore name or address in $OPENRSP_HOME/keystore (see `openrsp account list`).",
        valueName: "name|address"))
    var account: String?

    @OptionGroup var password: PasswordOptions

    init() {}

    /// The account's decrypted key (for code that still takes a `PrivateKey`, e.g. the usage outbox).
    func privateKey(home: DataDirectory) throws(ChainCommandError) -> PrivateKey {
        guard let account else { throw ChainCommandError(.noAccount, "this command signs: pass --account NAME|ADDRESS") }
        return try Self.unlock(account, home: home) { prompt throws(ChainCommandError) in try password.password(prompt: prompt) }
    }

    /// Finds `account` in the keystore and decrypts it with the password `password(prompt)` returns.
    static func unlock(_ account: String, home: DataDirectory,
                       password: (String) throws(ChainCommandError) -> String) throws(ChainCommandError) -> PrivateKey {
        let store = AccountStore(home: home)
        let entry = try store.find(account)
        let password = try password("Password for \(entry.name) (\(entry.address)): ")
        return try store.unlock(entry, password: password)
    }

    /// The account as a `TransactionSigner`.
    func signer(home: DataDirectory) throws(ChainCommandError) -> any TransactionSigner {
        let key = try privateKey(home: home)
        do { return try LocalKeySigner(key) } catch { throw ChainCommandError(.signing, "\(error)") }
    }
}
