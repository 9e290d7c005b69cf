import Foundation

/// The OpenRSP data directory: `$OPENRSP_HOME`, default `~/.openrsp`.
/// Holds the PKI, databases, eUICC state, devnet state and deployed contract addresses.
public struct DataDirectory: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    /// Resolves `--home` (if given), then `$OPENRSP_HOME`, then `~/.openrsp`.
    public static func resolve(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> DataDirectory {
        if let explicit, !explicit.isEmpty {
            return DataDirectory(url: URL(fileURLWithPath: explicit, isDirectory: true))
        }
        if let home = environment["OPENRSP_HOME"], !home.isEmpty {
            return DataDirectory(url: URL(fileURLWithPath: home, isDirectory: true))
        }
        let userHome = FileManager.default.homeDirectoryForCurrentUser
        return DataDirectory(url: userHome.appendingPathComponent(".openrsp", isDirectory: true))
    }

    /// Creates the directory (and `sub`, if given) with mode 0700 and returns its URL.
    @discardableResult
    public func ensure(_ sub: String? = nil) throws -> URL {
        let target = sub.map { url.appendingPathComponent($0, isDirectory: true) } ?? url
        try FileManager.default.createDirectory(
            at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return target
    }
}
