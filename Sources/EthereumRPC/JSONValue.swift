// A JSON value, used for JSON-RPC params and for results before they are decoded to a typed value.

import Foundation

/// Any JSON value. Numbers are kept as `Double` (JSON-RPC Ethereum values travel as hex strings).
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if n == n.rounded(), abs(n) < 9.0e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public var description: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "<unencodable>" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Converts any `Encodable` (params objects) into a `JSONValue`.
    public static func from(_ value: some Encodable) throws(EthereumRPCError) -> JSONValue {
        do {
            let data = try JSONEncoder().encode(value)
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw .invalidArgument("cannot encode parameter: \(error)")
        }
    }

    /// Decodes this value as `T`; failures become `.malformedResponse` naming `context`.
    public func decode<T: Decodable>(_ type: T.Type, context: String) throws(EthereumRPCError) -> T {
        do {
            let data = try JSONEncoder().encode(self)
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw .malformedResponse("\(context): \(describe(error))")
        } catch {
            throw .malformedResponse("\(context): \(error)")
        }
    }
}

/// A short human description of a `DecodingError` (the coding path and the reason).
func describe(_ error: DecodingError) -> String {
    func path(_ ctx: DecodingError.Context) -> String {
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return p.isEmpty ? "" : "at \(p): "
    }
    switch error {
    case .typeMismatch(let type, let ctx): return "\(path(ctx))expected \(type)"
    case .valueNotFound(let type, let ctx): return "\(path(ctx))missing \(type)"
    case .keyNotFound(let key, let ctx): return "\(path(ctx))missing field \"\(key.stringValue)\""
    case .dataCorrupted(let ctx): return "\(path(ctx))\(ctx.debugDescription)"
    @unknown default: return "\(error)"
    }
}
