// Drift between the hand-written bindings and the committed artifacts fails here: every binding
// function/event/constructor must exist in contracts/build/<Name>.json with the same types, every
// ABI entry must have a binding, and every revert string in contracts/src/<Name>.vy must have a case.
import EthereumCore
import Foundation
import Settlement
import Testing

/// One ABI entry reduced to what a binding must match.
struct ABIShape: Hashable, CustomStringConvertible {
    let kind: String
    let name: String
    let inputs: [String]
    let outputs: [String]
    /// Events only: which inputs are indexed.
    let indexed: [Bool]

    var description: String {
        "\(kind) \(name)(\(inputs.joined(separator: ","))) -> (\(outputs.joined(separator: ","))) indexed \(indexed)"
    }
}

func artifactShapes(_ artifact: ContractArtifact) throws -> Set<ABIShape> {
    var out = Set<ABIShape>()
    for entry in artifact.abi {
        let kind = try str(entry["type"], "entry type")
        let inputs = (entry["inputs"] as? [[String: Any]]) ?? []
        let outputs = (entry["outputs"] as? [[String: Any]]) ?? []
        switch kind {
        case "function":
            out.insert(ABIShape(kind: kind, name: try str(entry["name"], "name"), inputs: try inputs.map(canonicalType),
                                outputs: try outputs.map(canonicalType), indexed: []))
        case "event":
            out.insert(ABIShape(kind: kind, name: try str(entry["name"], "name"), inputs: try inputs.map(canonicalType),
                                outputs: [], indexed: inputs.map { ($0["indexed"] as? Bool) ?? false }))
        case "constructor":
            out.insert(ABIShape(kind: kind, name: "", inputs: try inputs.map(canonicalType), outputs: [], indexed: []))
        default:
            throw FixtureError("\(artifact.name): unexpected ABI entry type \(kind)")
        }
    }
    return out
}

func bindingShapes(_ binding: any ContractBinding.Type) -> [ABIShape] {
    binding.functions.map {
        ABIShape(kind: "function", name: $0.name, inputs: $0.inputs.map(\.description), outputs: $0.outputs.map(\.description), indexed: [])
    } + binding.events.map {
        ABIShape(kind: "event", name: $0.name, inputs: $0.parameters.map(\.type.description), outputs: [], indexed: $0.parameters.map(\.indexed))
    } + [ABIShape(kind: "constructor", name: "", inputs: binding.constructor.inputs.map(\.description), outputs: [], indexed: [])]
}

let allBindings: [any ContractBinding.Type] = [TrustRegistry.self, PlanEntitlements.self, UsageSettlement.self, TestStablecoin.self, RoamingClearing.self, IdentityRegistry.self]

/// Every `"reason"` that follows `assert …,` (asserts may span lines) or `raise` in a Vyper source.
func vyperRevertReasons(_ source: String) throws -> Set<String> {
    let regex = try NSRegularExpression(pattern: #"\bassert\b[^"\n]*(?:\n[^"\n]*)*?,\s*"([^"]*)"|\braise\s+"([^"]*)""#)
    let ns = source as NSString
    var out = Set<String>()
    for m in regex.matches(in: source, range: NSRange(location: 0, length: ns.length)) {
        let group = m.range(at: 1).location != NSNotFound ? 1 : 2
        out.insert(ns.substring(with: m.range(at: group)))
    }
    return out
}

@Suite("ABI drift: bindings vs contracts/build/*.json")
struct ABIDriftTests {
    @Test("every binding entry exists in the ABI with identical types", arguments: allBindings.map { $0.contractName })
    func bindingsExistInABI(_ name: String) throws {
        let binding = try #require(allBindings.first { $0.contractName == name })
        let abi = try artifactShapes(try ContractArtifact(binding.contractName))
        let mine = bindingShapes(binding)
        for shape in mine {
            #expect(abi.contains(shape), "\(binding.contractName): binding \(shape) is not in the ABI")
        }
        #expect(Set(mine).count == mine.count, "\(binding.contractName): a binding entry is declared twice")
    }

    @Test("every ABI entry has a binding", arguments: allBindings.map { $0.contractName })
    func abiEntriesHaveBindings(_ name: String) throws {
        let binding = try #require(allBindings.first { $0.contractName == name })
        let abi = try artifactShapes(try ContractArtifact(binding.contractName))
        let mine = Set(bindingShapes(binding))
        for shape in abi {
            #expect(mine.contains(shape), "\(binding.contractName): ABI \(shape) has no binding")
        }
        #expect(abi.count == mine.count)
    }

    @Test("the shape comparison notices a changed type, a missing entry and a changed indexed flag")
    func comparisonIsSensitive() throws {
        let abi = try artifactShapes(try ContractArtifact("UsageSettlement"))
        let posted = UsageSettlement.BatchPosted.event
        var flags = posted.parameters.map(\.indexed)
        flags[3].toggle()
        let flipped = ABIShape(kind: "event", name: posted.name, inputs: posted.parameters.map(\.type.description), outputs: [], indexed: flags)
        #expect(!abi.contains(flipped))
        let wrongType = ABIShape(kind: "function", name: "postUsage",
                                 inputs: ["uint256", "bytes32", "uint256", "uint64", "uint64", "uint256"], outputs: ["bytes32"], indexed: [])
        #expect(!abi.contains(wrongType))
        let missing = ABIShape(kind: "function", name: "settleAll", inputs: [], outputs: [], indexed: [])
        #expect(!abi.contains(missing))
    }

    @Test("every revert string in the Vyper source has exactly one typed case")
    func revertReasonsMatchSources() throws {
        func check<R: RawRepresentable & CaseIterable>(_ name: String, _: R.Type) throws where R.RawValue == String {
            let source = try String(contentsOf: packageRoot.appendingPathComponent("contracts/src/\(name).vy"), encoding: .utf8)
            let reasons = try vyperRevertReasons(source)
            let mine = Set(R.allCases.map(\.rawValue))
            #expect(reasons.count > 10, "\(name): too few asserts found; the scanner is broken")
            #expect(reasons.subtracting(mine).isEmpty, "\(name): reasons without a case: \(reasons.subtracting(mine).sorted())")
            #expect(mine.subtracting(reasons).isEmpty, "\(name): cases not in the source: \(mine.subtracting(reasons).sorted())")
        }
        try check("TrustRegistry", TrustRegistry.Revert.self)
        try check("PlanEntitlements", PlanEntitlements.Revert.self)
        try check("UsageSettlement", UsageSettlement.Revert.self)
        try check("TestStablecoin", TestStablecoin.Revert.self)
        try check("RoamingClearing", RoamingClearing.Revert.self)
        try check("IdentityRegistry", IdentityRegistry.Revert.self)
    }

    @Test("the assert scanner reads multi-line asserts")
    func scannerReadsMultiLineAsserts() throws {
        let source = """
            assert x != 0, "one: a"
            assert not (f(a)
                        and g(b)), "two: b"
            y: uint256 = 0  # not an assert "three"
            raise "four: d"
            """
        #expect(try vyperRevertReasons(source) == ["one: a", "two: b", "four: d"])
    }
}
