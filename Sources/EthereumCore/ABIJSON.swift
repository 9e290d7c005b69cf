// Contract ABI JSON (the `abi` array solc and Vyper emit): functions, events and errors.
import Foundation

/// The functions, events and custom errors of one contract, read from its ABI JSON.
public struct ContractABI: Sendable, Hashable {
    public var functions: [ABIFunction]
    public var events: [ABIEvent]
    public var errors: [ABICustomError]

    struct Parameter: Decodable {
        var name: String?
        var type: String
        var components: [Parameter]?
        var indexed: Bool?
    }

    struct Entry: Decodable {
        var type: String?
        var name: String?
        var inputs: [Parameter]?
        var outputs: [Parameter]?
        var anonymous: Bool?
    }

    /// Parses the ABI JSON array. Constructor, fallback and receive entries carry no selector and are skipped.
    public init(json: Data) throws(ABIError) {
        let entries: [Entry]
        do { entries = try JSONDecoder().decode([Entry].self, from: json) } catch { throw .invalidType("ABI JSON: \(error)") }
        functions = []; events = []; errors = []
        for e in entries {
            let kind = e.type ?? "function"
            guard ["function", "event", "error"].contains(kind) else { continue }
            guard let name = e.name, !name.isEmpty else { throw .invalidType("ABI JSON \(kind) without a name") }
            let inputs = e.inputs ?? []
            switch kind {
            case "function":
                functions.append(ABIFunction(name: name, inputs: try inputs.map(Self.type), outputs: try (e.outputs ?? []).map(Self.type)))
            case "event":
                events.append(ABIEvent(name: name, parameters: try inputs.map { (p: Parameter) throws(ABIError) -> ABIEvent.Parameter in
                    ABIEvent.Parameter(name: p.name ?? "", type: try Self.type(p), indexed: p.indexed ?? false)
                }, anonymous: e.anonymous ?? false))
            default:
                errors.append(ABICustomError(name: name, inputs: try inputs.map(Self.type)))
            }
        }
    }

    /// "tuple…" types take their members from `components`; the suffix ("[]", "[2]") is kept.
    static func type(_ p: Parameter) throws(ABIError) -> ABIType {
        guard p.type.hasPrefix("tuple") else { return try ABIType(parsing: p.type) }
        guard let components = p.components else { throw .invalidType("\(p.type) without components") }
        let members = try components.map(type)
        let suffix = String(p.type.dropFirst("tuple".count))
        return try ABIType(parsing: ABIType.tuple(members).description + suffix)
    }

    /// The first function with this name (overloads: use `functions` and compare signatures).
    public func function(_ name: String) -> ABIFunction? { functions.first { $0.name == name } }
    public func event(_ name: String) -> ABIEvent? { events.first { $0.name == name } }
}
