// The operator's accounts: Web3 Secret Storage v3 keystores in $OPENRSP_HOME/keystore/<name>.json
// (directory 0700, files 0600), found by name or address.
import EthereumCore
import Foundation

/// The keystore directory of a data directory.
struct AccountStore: Sendable {
    let directory: URL

    /// One keystore file: its name (the file name without `.json`), address and path.
    struct Entry: Sendable, Hashable, Codable {
        let name: String
        let address: Address
        let path: String
    }

    init(home: DataDirectory) {
        directory = home.url.appendingPathComponent("keystore", isDirectory: true)
    }

    /// Every readable keystore, by name. Files that are not keystores are skipped.
    func list() throws(ChainCommandError) -> [Entry] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw ChainCommandError(.keystore, "cannot list \(directory.path): \(error.localizedDescription)")
        }
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { file in
            let url = directory.appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: url.path),
                  let keystore = try? JSONDecoder().decode(KeystoreFile.self, from: data),
                  let hex = keystore.address, let address = try? Address(hex: hex.hasPrefix("0x") ? hex : "0x" + hex) else { return nil }
            return Entry(name: String(file.dropLast(5)), address: address, path: url.path)
        }
    }

    /// The keystore named `nameOrAddress`, or holding that address (0x + 40 hex digits).
    func find(_ nameOrAddress: String) throws(ChainCommandError) -> Entry {
        let all = try list()
        if Self.looksLikeAddress(nameOrAddress) {
            let wanted: Address
            do { wanted = try Address(hex: nameOrAddress) } catch {
                throw ChainCommandError(.invalidArgument, "\(nameOrAddress): \(error)")
            }
            guard let entry = all.first(where: { $0.address == wanted }) else {
                throw ChainCommandError(.accountNotFound, "no keystore for \(wanted) in \(directory.path)")
            }
            return entry
        }
        guard let entry = all.first(where: { $0.name == nameOrAddress }) else {
            throw ChainCommandError(.accountNotFound, "no account named \(nameOrAddress) in \(directory.path) (see `openrsp account list`)")
        }
        return entry
    }

    /// Decrypts the entry's key; a MAC mismatch is `.wrongPassword`.
    func unlock(_ entry: Entry, password: String) throws(ChainCommandError) -> PrivateKey {
        do { return try Keystore.read(path: entry.path, password: password) } catch {
            if error == .macMismatch { throw ChainCommandError(.wrongPassword, "\(entry.name): wrong password") }
            throw ChainCommandError(.keystore, "\(entry.path): \(error)")
        }
    }

    /// Stores `key` as a new keystore named `name`; refuses a taken name or an address already stored.
    func add(name: String, key: PrivateKey, password: String, kdf: KeystoreKDF) throws(ChainCommandError) -> Entry {
        let file: KeystoreFile
        do { file = try Keystore.encrypt(key, password: password, kdf: kdf) } catch {
            throw ChainCommandError(.keystore, "\(error)")
        }
        return try add(name: name, keystore: file)
    }

    /// Stores an encrypted keystore document as `name` (its `address` must be set).
    func add(name: String, keystore: KeystoreFile) throws(ChainCommandError) -> Entry {
        try Self.validate(name: name)
        guard let hex = keystore.address, let address = try? Address(hex: hex.hasPrefix("0x") ? hex : "0x" + hex) else {
            throw ChainCommandError(.keystore, "the keystore has no address field")
        }
        let existing = try list()
        if existing.contains(where: { $0.name == name }) {
            throw ChainCommandError(.accountExists, "an account named \(name) already exists")
        }
        if let same = existing.first(where: { $0.address == address }) {
            throw ChainCommandError(.accountExists, "\(address) is already stored as \(same.name)")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ChainCommandError(.keystore, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let path = directory.appendingPathComponent("\(name).json").path
        do { try Keystore.write(keystore, to: path) } catch { throw ChainCommandError(.keystore, "\(error)") }
        return Entry(name: name, address: address, path: path)
    }

    static func looksLikeAddress(_ text: String) -> Bool {
        text.count == 42 && (text.hasPrefix("0x") || text.hasPrefix("0X"))
    }

    /// Names: 1–64 of A–Z a–z 0–9 . _ -, starting with a letter or digit, not an address.
    static func validate(name: String) throws(ChainCommandError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (1...64).contains(name.count), name.allSatisfy({ allowed.contains($0) }),
              let first = name.first, first.isLetter || first.isNumber, !looksLikeAddress(name) else {
            throw ChainCommandError(.invalidArgument, "account name \"\(name)\": use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
    }
}
