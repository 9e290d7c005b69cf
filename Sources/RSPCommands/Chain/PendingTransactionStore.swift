// Signed transactions persisted BEFORE they are broadcast, so a command that crashed resumes the
// same bytes instead of signing a second transaction:
//   $OPENRSP_HOME/transactions/<chainId>/pending/<hash>.json   signed, not yet final
//   $OPENRSP_HOME/transactions/<chainId>/done/<hash>.json      mined with its confirmations (or dropped)
// Files are written 0600 with fsync + rename (SecureFileWriter).
import EthereumCore
import Foundation
import RSPCrypto

/// One signed transaction on disk. `intent` identifies what it does (chain, sender, to, value,
/// data), so a rerun of the same command finds it.
struct PersistedTransaction: Sendable, Hashable, Codable {
    let hash: Hash32
    let chainId: UInt64
    let sender: Address
    let nonce: UInt64
    let intent: Hash32
    /// What the command was doing, e.g. "registry suspend 0x…".
    let label: String
    let raw: String
    let signedAt: Date
    /// Set when moved to done/: "mined", "failed" or "dropped: …".
    var outcome: String?

    var rawBytes: [UInt8] { (try? Hex.decode(raw)) ?? [] }

    /// keccak(chainId ‖ sender ‖ to ‖ value ‖ data): the same for the same call by the same account.
    static func intent(chainId: UInt64, sender: Address, to: Address?, value: UInt256, data: [UInt8]) -> Hash32 {
        var bytes = UInt256(chainId).bigEndianBytes + sender.bytes
        bytes += to?.bytes ?? [UInt8](repeating: 0, count: 20)
        bytes += value.bigEndianBytes + data
        return Keccak256.hash(bytes)
    }
}

/// The pending/done directories of one chain in a data directory.
struct PendingTransactionStore: Sendable {
    let directory: URL

    init(home: DataDirectory, chainId: UInt64) {
        directory = home.url.appendingPathComponent("transactions/\(chainId)", isDirectory: true)
    }

    init(directory: URL) {
        self.directory = directory
    }

    var pendingDirectory: URL { directory.appendingPathComponent("pending", isDirectory: true) }
    var doneDirectory: URL { directory.appendingPathComponent("done", isDirectory: true) }

    /// Pending transactions of `sender`, lowest nonce first.
    func pending(sender: Address) throws(ChainCommandError) -> [PersistedTransaction] {
        try read(pendingDirectory).filter { $0.sender == sender }.sorted { $0.nonce < $1.nonce }
    }

    /// Finished transactions (for inspection and tests), oldest first.
    func done() throws(ChainCommandError) -> [PersistedTransaction] {
        try read(doneDirectory).sorted { $0.signedAt < $1.signedAt }
    }

    /// Persists a signed transaction before it is broadcast (fsync'd; mode 0600).
    func persist(_ tx: PersistedTransaction) throws(ChainCommandError) {
        try write(tx, to: pendingDirectory)
    }

    /// Moves a transaction from pending/ to done/ with its outcome.
    func finish(_ tx: PersistedTransaction, outcome: String) throws(ChainCommandError) {
        var finished = tx
        finished.outcome = outcome
        try write(finished, to: doneDirectory)
        let pendingFile = pendingDirectory.appendingPathComponent("\(tx.hash.hex).json")
        do { try FileManager.default.removeItem(at: pendingFile) } catch {
            throw ChainCommandError(.pendingStore, "cannot remove \(pendingFile.path): \(error.localizedDescription)")
        }
    }

    private func write(_ tx: PersistedTransaction, to dir: URL) throws(ChainCommandError) {
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            try SecureFileWriter.write(Array(try encoder.encode(tx)), to: dir.appendingPathComponent("\(tx.hash.hex).json"), mode: 0o600)
        } catch {
            throw ChainCommandError(.pendingStore, "cannot write \(tx.hash.hex) under \(dir.path): \(error)")
        }
    }

    private func read(_ dir: URL) throws(ChainCommandError) -> [PersistedTransaction] {
        guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
            throw ChainCommandError(.pendingStore, "cannot list \(dir.path): \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var out: [PersistedTransaction] = []
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let url = dir.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ChainCommandError(.pendingStore, "cannot read \(url.path)")
            }
            do { out.append(try decoder.decode(PersistedTransaction.self, from: data)) } catch {
                throw ChainCommandError(.pendingStore, "\(url.path) is not a persisted transaction: \(error)")
            }
        }
        return out
    }
}
