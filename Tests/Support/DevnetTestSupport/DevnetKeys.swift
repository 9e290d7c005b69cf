import EthereumCore
import Foundation

/// A devnet state file that does not hold what the tests expect.
public struct DevnetStateError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The devnet's public dev keys, in account order (STATE/accounts.json; DEVNET ONLY).
public func devnetKeys(_ devnet: DevnetProcess) throws -> [PrivateKey] {
    let data = try Data(contentsOf: devnet.stateDir.appendingPathComponent("accounts.json"))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let accounts = object["accounts"] as? [[String: Any]] else { throw DevnetStateError("accounts.json: no accounts") }
    return try accounts.map { account in
        guard let key = account["privateKey"] as? String else { throw DevnetStateError("accounts.json: no privateKey") }
        return try PrivateKey(Hex.decode(key))
    }
}

extension DevnetProcess {
    /// Starts a devnet, runs `body` with it, and stops it and removes its state whether `body` throws or not.
    public static func with(_ body: (DevnetProcess) async throws -> Void) async throws {
        let devnet = try await start()
        do {
            try await body(devnet)
        } catch {
            await devnet.stop(); devnet.removeState()
            throw error
        }
        await devnet.stop(); devnet.removeState()
    }
}
