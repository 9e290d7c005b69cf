import EthereumCore
import Foundation

/// The addresses `contracts/deploy.py` writes to `$OPENRSP_HOME/contracts.json`:
/// `{"chainId": N, "version": 2, "contracts": {"TrustRegistry": "0x…", "PlanEntitlements": "0x…", …}, …}`.
public struct DeployedContracts: Sendable, Hashable {
    public let chainId: UInt64?
    /// The contracts' `VERSION()`; 1 for a file without one (deploy.py of version 1 wrote none).
    public let version: UInt64
    public let trustRegistry: Address?
    public let planEntitlements: Address?

    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The file name deploy.py uses inside the data directory.
    public static let fileName = "contracts.json"

    public init(chainId: UInt64?, trustRegistry: Address?, planEntitlements: Address?, version: UInt64 = 2) {
        self.chainId = chainId
        self.version = version
        self.trustRegistry = trustRegistry
        self.planEntitlements = planEntitlements
    }

    public init(json: [UInt8]) throws(Unreadable) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(json)) } catch {
            throw Unreadable(description: "not JSON: \(error)")
        }
        guard let top = object as? [String: Any], let contracts = top["contracts"] as? [String: Any] else {
            throw Unreadable(description: "no \"contracts\" object")
        }
        func address(_ name: String) throws(Unreadable) -> Address? {
            guard let value = contracts[name] else { return nil }
            guard let text = value as? String else { throw Unreadable(description: "contracts.\(name) is not a string") }
            do { return try Address(hex: text) } catch { throw Unreadable(description: "contracts.\(name): \(error)") }
        }
        func integer(_ name: String) throws(Unreadable) -> UInt64? {
            guard let raw = top[name] else { return nil }
            if let value = raw as? Int, value >= 0 { return UInt64(value) }
            if let value = raw as? UInt64 { return value }
            throw Unreadable(description: "\(name) is not a non-negative integer")
        }
        self.init(chainId: try integer("chainId"), trustRegistry: try address("TrustRegistry"),
                  planEntitlements: try address("PlanEntitlements"), version: try integer("version") ?? 1)
    }

    /// Reads `<dataDirectory>/contracts.json`.
    public static func load(dataDirectory: URL) throws(Unreadable) -> DeployedContracts {
        let url = dataDirectory.appendingPathComponent(fileName)
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            throw Unreadable(description: "cannot read \(url.path): \(error.localizedDescription)")
        }
        do { return try DeployedContracts(json: Array(bytes)) } catch {
            throw Unreadable(description: "\(url.path): \(error.description)")
        }
    }
}
