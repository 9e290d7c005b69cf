// contracts.json: the addresses of one deployment (format version 2, as ChainTrust's
// DeployedContracts and the usage commands read it). Written by `openrsp contracts deploy`,
// the demo and contracts/deploy.py; read by every chain command through `--contracts`.
import EthereumCore
import Foundation
import RSPCrypto

/// The deploy JSON: `{"chainId", "version", "deployer", "governance", "registryPointsHere", "vyper",
/// "disputeWindow", "postingGrace", "roamingWindow", "courtPeriod", "contracts": {name: address}, "gasUsed", "rpcUrl"}`.
struct DeploymentFile: Sendable, Hashable {
    var chainId: UInt64?
    var version: UInt64
    var deployer: Address?
    var governance: Address?
    var registryPointsHere: Bool
    var vyper: String?
    var disputeWindow: UInt64?
    var postingGrace: UInt64?
    /// RoamingClearing's commit/review window and court period (seconds).
    var roamingWindow: UInt64?
    var courtPeriod: UInt64?
    /// TestStablecoin (devnet only), Token, TrustRegistry, PlanEntitlements, UsageSettlement, RoamingClearing.
    var contracts: [String: Address]
    var gasUsed: [String: UInt64]
    var rpcUrl: String?

    static let fileName = "contracts.json"

    init(chainId: UInt64?, version: UInt64 = 2, deployer: Address? = nil, governance: Address? = nil,
                registryPointsHere: Bool = false, vyper: String? = nil, disputeWindow: UInt64? = nil, postingGrace: UInt64? = nil,
                roamingWindow: UInt64? = nil, courtPeriod: UInt64? = nil, contracts: [String: Address], gasUsed: [String: UInt64] = [:], rpcUrl: String? = nil) {
        self.chainId = chainId; self.version = version; self.deployer = deployer; self.governance = governance
        self.registryPointsHere = registryPointsHere; self.vyper = vyper; self.disputeWindow = disputeWindow
        self.postingGrace = postingGrace
        self.roamingWindow = roamingWindow; self.courtPeriod = courtPeriod; self.contracts = contracts; self.gasUsed = gasUsed; self.rpcUrl = rpcUrl
    }

    /// `$OPENRSP_HOME/contracts.json`.
    static func defaultPath(home: DataDirectory) -> String {
        home.url.appendingPathComponent(fileName).path
    }

    static func read(path: String) throws(ChainCommandError) -> DeploymentFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChainCommandError(.contractsFile, "cannot read \(path)")
        }
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let contracts = top["contracts"] as? [String: Any] else {
            throw ChainCommandError(.contractsFile, "\(path): not a deploy JSON (no \"contracts\" object)")
        }
        func integer(_ key: String) throws(ChainCommandError) -> UInt64? {
            guard let raw = top[key], !(raw is NSNull) else { return nil }
            guard let number = raw as? NSNumber, number.int64Value >= 0 else {
                throw ChainCommandError(.contractsFile, "\(path): \(key) is not a non-negative integer")
            }
            return number.uint64Value
        }
        func address(_ raw: Any?, _ key: String) throws(ChainCommandError) -> Address? {
            guard let raw, !(raw is NSNull) else { return nil }
            guard let text = raw as? String else { throw ChainCommandError(.contractsFile, "\(path): \(key) is not a string") }
            do { return try Address(hex: text) } catch { throw ChainCommandError(.contractsFile, "\(path): \(key): \(error)") }
        }
        var addresses: [String: Address] = [:]
        for (name, value) in contracts {
            if let a = try address(value, "contracts.\(name)") { addresses[name] = a }
        }
        var gas: [String: UInt64] = [:]
        for (label, value) in (top["gasUsed"] as? [String: Any]) ?? [:] {
            if let n = value as? NSNumber { gas[label] = n.uint64Value }
        }
        return DeploymentFile(
            chainId: try integer("chainId"), version: try integer("version") ?? 1, deployer: try address(top["deployer"], "deployer"),
            governance: try address(top["governance"], "governance"), registryPointsHere: (top["registryPointsHere"] as? Bool) ?? false,
            vyper: top["vyper"] as? String, disputeWindow: try integer("disputeWindow"), postingGrace: try integer("postingGrace"),
            roamingWindow: try integer("roamingWindow"), courtPeriod: try integer("courtPeriod"), contracts: addresses, gasUsed: gas, rpcUrl: top["rpcUrl"] as? String)
    }

    /// The JSON object, keys sorted, addresses checksummed.
    var jsonObject: [String: Any] {
        var object: [String: Any] = [
            "version": Int(version),
            "registryPointsHere": registryPointsHere,
            "contracts": contracts.mapValues { $0.checksummed },
            "gasUsed": gasUsed.mapValues { Int($0) },
        ]
        if let chainId { object["chainId"] = Int(chainId) }
        if let deployer { object["deployer"] = deployer.checksummed }
        if let governance { object["governance"] = governance.checksummed }
        object["vyper"] = vyper ?? NSNull()
        if let disputeWindow { object["disputeWindow"] = Int(disputeWindow) }
        if let postingGrace { object["postingGrace"] = Int(postingGrace) }
        if let roamingWindow { object["roamingWindow"] = Int(roamingWindow) }
        if let courtPeriod { object["courtPeriod"] = Int(courtPeriod) }
        if let rpcUrl { object["rpcUrl"] = rpcUrl }
        return object
    }

    /// Writes the file atomically (mode 0644: addresses are public).
    func write(to url: URL) throws(ChainCommandError) {
        do {
            let data = try JSONSerialization.data(withJSONObject: jsonObject, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try SecureFileWriter.write(Array(data) + [0x0A], to: url, mode: 0o644)
        } catch {
            throw ChainCommandError(.contractsFile, "cannot write \(url.path): \(error)")
        }
    }

    /// The address of contract `name`, or a typed error naming the file.
    func address(of name: String, path: String) throws(ChainCommandError) -> Address {
        guard let a = contracts[name] else { throw ChainCommandError(.contractsFile, "\(path) has no \(name) address") }
        return a
    }
}
