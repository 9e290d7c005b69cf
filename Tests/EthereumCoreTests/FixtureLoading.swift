import Foundation

/// Errors from loading committed JSON fixtures.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// Loads a JSON fixture committed beside this file (Tests/EthereumCoreTests/Fixtures).
func loadFixture(_ name: String) throws -> [String: Any] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    guard let dict = object as? [String: Any] else { throw FixtureError(description: "\(name): top level is not an object") }
    return dict
}

func string(_ any: Any?, _ what: String) throws -> String {
    guard let s = any as? String else { throw FixtureError(description: "\(what) is not a string") }
    return s
}
