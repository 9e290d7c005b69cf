// A signing key from a file: a hex private key or a V3 keystore JSON (password from an
// environment variable). Shared by `usage --key`, `smdp serve --delivery-key` and `account import`.
import EthereumCore
import Foundation

/// Reads the key in `path`: a hex private key (with or without 0x) or a V3 keystore JSON whose
/// password is in the environment variable `passwordEnv`.
func loadSigningKey(path: String, passwordEnv: String) throws(SigningKeyFileError) -> PrivateKey {
    guard let data = FileManager.default.contents(atPath: path) else { throw SigningKeyFileError("cannot read \(path)") }
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    if text.hasPrefix("{") {
        guard let password = ProcessInfo.processInfo.environment[passwordEnv] else {
            throw SigningKeyFileError("\(path) is a keystore: set \(passwordEnv) to its password")
        }
        do { return try Keystore.decrypt(Data(text.utf8), password: password) } catch {
            throw SigningKeyFileError("\(path): \(error)", wrongPassword: error == .macMismatch)
        }
    }
    return try parseHexPrivateKey(text, source: path)
}

/// A 32-byte private key in hex, with or without 0x.
func parseHexPrivateKey(_ text: String, source: String) throws(SigningKeyFileError) -> PrivateKey {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    do { return try PrivateKey(Hex.decode(trimmed)) } catch { throw SigningKeyFileError("\(source): not a hex private key") }
}

struct SigningKeyFileError: Error, CustomStringConvertible {
    let description: String
    /// The file is a keystore and the password does not open it.
    let wrongPassword: Bool
    init(_ description: String, wrongPassword: Bool = false) {
        self.description = description
        self.wrongPassword = wrongPassword
    }
}
