// JSON-RPC 2.0 request encoding and strict response decoding (https://www.jsonrpc.org/specification).

import Foundation

/// One JSON-RPC request. `id` is assigned by the client.
public struct JSONRPCRequest: Sendable, Hashable, Encodable {
    public let jsonrpc = "2.0"
    public let id: Int
    public let method: String
    public let params: [JSONValue]

    public init(id: Int, method: String, params: [JSONValue]) {
        self.id = id
        self.method = method
        self.params = params
    }

    enum CodingKeys: String, CodingKey { case jsonrpc, id, method, params }
}

/// Decodes JSON-RPC 2.0 responses; every deviation is a typed error.
public enum JSONRPCResponseDecoder {
    /// Decodes a single response to request `id`: the result value or the node's error object.
    public static func decodeSingle(_ body: [UInt8], id: Int) throws(EthereumRPCError) -> Result<JSONValue, JSONRPCErrorObject> {
        let value = try parseJSON(body)
        guard case .object = value else { throw .malformedResponse("expected a response object, got \(kind(value))") }
        let (rid, outcome) = try decodeEnvelope(value)
        guard rid == .number(Double(id)) else {
            throw .idMismatch(expected: String(id), actual: rid.description)
        }
        return outcome
    }

    /// Decodes a batch response for `ids` (any order; one response per id, no extras),
    /// returned in the order of `ids`.
    public static func decodeBatch(_ body: [UInt8], ids: [Int]) throws(EthereumRPCError) -> [Result<JSONValue, JSONRPCErrorObject>] {
        let value = try parseJSON(body)
        guard case .array(let items) = value else {
            // A node may answer a whole batch with one error object (e.g. -32600).
            if case .object = value, case (_, .failure(let err)) = try decodeEnvelope(value) { throw .rpc(err) }
            throw .malformedResponse("expected a batch (array) response, got \(kind(value))")
        }
        var byID: [Int: Result<JSONValue, JSONRPCErrorObject>] = [:]
        for item in items {
            let (rid, outcome) = try decodeEnvelope(item)
            guard case .number(let n) = rid, let intID = Int(exactly: n), ids.contains(intID) else {
                throw .idMismatch(expected: ids.map(String.init).joined(separator: ","), actual: rid.description)
            }
            guard byID[intID] == nil else { throw .malformedResponse("duplicate response for id \(intID)") }
            byID[intID] = outcome
        }
        var out: [Result<JSONValue, JSONRPCErrorObject>] = []
        for id in ids {
            guard let outcome = byID[id] else { throw .malformedResponse("no response for id \(id)") }
            out.append(outcome)
        }
        return out
    }

    static func parseJSON(_ body: [UInt8]) throws(EthereumRPCError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw .malformedResponse("body is not JSON (\(body.count) bytes)")
        }
    }

    static func decodeEnvelope(_ value: JSONValue) throws(EthereumRPCError) -> (JSONValue, Result<JSONValue, JSONRPCErrorObject>) {
        guard case .object(let obj) = value else { throw .malformedResponse("response must be an object, got \(kind(value))") }
        guard obj["jsonrpc"] == .string("2.0") else { throw .malformedResponse("\"jsonrpc\" must be \"2.0\"") }
        guard let rid = obj["id"] else { throw .malformedResponse("missing \"id\"") }
        switch rid {
        case .number, .string, .null: break
        default: throw .malformedResponse("\"id\" must be a number, string or null")
        }
        switch (obj["result"], obj["error"]) {
        case (.some(let result), nil):
            return (rid, .success(result))
        case (nil, .some(let error)):
            return (rid, .failure(try decodeErrorObject(error)))
        case (.some, .some):
            throw .malformedResponse("response has both \"result\" and \"error\"")
        case (nil, nil):
            throw .malformedResponse("response has neither \"result\" nor \"error\"")
        }
    }

    static func decodeErrorObject(_ value: JSONValue) throws(EthereumRPCError) -> JSONRPCErrorObject {
        guard case .object(let obj) = value else { throw .malformedResponse("\"error\" must be an object") }
        guard case .number(let c)? = obj["code"], let code = Int(exactly: c) else {
            throw .malformedResponse("error \"code\" must be an integer")
        }
        guard case .string(let message)? = obj["message"] else {
            throw .malformedResponse("error \"message\" must be a string")
        }
        return JSONRPCErrorObject(code: code, message: message, data: obj["data"])
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
