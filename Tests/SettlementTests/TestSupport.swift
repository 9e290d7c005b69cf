import EthereumCore
import Foundation

/// Errors from loading committed artifacts and fixtures.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The package root (…/Tests/SettlementTests/<file> → …).
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Reads a JSON object from a path relative to the package root.
func loadJSONObject(_ relativePath: String) throws -> [String: Any] {
    let url = packageRoot.appendingPathComponent(relativePath)
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    guard let dict = object as? [String: Any] else { throw FixtureError("\(relativePath): top level is not an object") }
    return dict
}

/// contracts/build/<Name>.json: the committed ABI and creation bytecode.
struct ContractArtifact {
    let name: String
    let abi: [[String: Any]]
    let bytecode: [UInt8]

    init(_ name: String) throws {
        let json = try loadJSONObject("contracts/build/\(name).json")
        guard let abi = json["abi"] as? [[String: Any]] else { throw FixtureError("\(name).json: no abi array") }
        guard let code = json["bytecode"] as? String else { throw FixtureError("\(name).json: no bytecode") }
        self.name = name
        self.abi = abi
        self.bytecode = try Hex.decode(code)
    }
}

func str(_ any: Any?, _ what: String) throws -> String {
    guard let s = any as? String else { throw FixtureError("\(what) is not a string") }
    return s
}

func hash32(_ any: Any?, _ what: String) throws -> Hash32 {
    try Hash32(hex: try str(any, what))
}

func u64(_ any: Any?, _ what: String) throws -> UInt64 {
    guard let v = UInt64(try str(any, what)) else { throw FixtureError("\(what) is not a UInt64") }
    return v
}

func u256(_ any: Any?, _ what: String) throws -> UInt256 {
    try UInt256(decimal: try str(any, what))
}

/// Canonical type string of one ABI JSON parameter (tuples expanded from `components`).
func canonicalType(_ param: [String: Any]) throws -> String {
    let type = try str(param["type"], "abi type")
    guard type.hasPrefix("tuple") else { return type }
    guard let components = param["components"] as? [[String: Any]] else { throw FixtureError("tuple without components") }
    let inner = try components.map(canonicalType).joined(separator: ",")
    return "(" + inner + ")" + type.dropFirst("tuple".count)
}
