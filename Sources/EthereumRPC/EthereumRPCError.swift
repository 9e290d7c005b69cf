// Typed errors of the JSON-RPC client.

/// A JSON-RPC 2.0 error object (`{"code":…,"message":…,"data":…}`) exactly as the node sent it.
public struct JSONRPCErrorObject: Error, Sendable, Hashable, CustomStringConvertible {
    public let code: Int
    public let message: String
    public let data: JSONValue?

    public init(code: Int, message: String, data: JSONValue?) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String {
        "JSON-RPC error \(code): \(message)" + (data.map { " (data: \($0))" } ?? "")
    }
}

/// A call or gas estimate that reverted: the node's message and the raw revert bytes.
public struct ExecutionReverted: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    /// The revert data (for `Error(string)` it starts with selector 0x08c379a0); may be empty.
    public let data: [UInt8]

    public var description: String { "\(message) (revert data \(DataHex(data).hex))" }
}

public enum EthereumRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint is not a valid http(s) URL.
    case invalidURL(String)
    /// Plain http to a host that is not a loopback address (https is required there).
    case insecureURL(String)
    /// Connection refused/reset, DNS, TLS or timeout; after the allowed retries.
    case transport(String)
    /// A non-2xx HTTP status.
    case httpStatus(code: Int, body: String)
    /// The node answered with a JSON-RPC error object.
    case rpc(JSONRPCErrorObject)
    /// `eth_call` / `eth_estimateGas` reverted.
    case executionReverted(ExecutionReverted)
    /// The response was not a valid JSON-RPC 2.0 response or had the wrong shape or types.
    case malformedResponse(String)
    /// The response's id does not match the request's.
    case idMismatch(expected: String, actual: String)
    /// A wait (receipt, readiness) ran out of time.
    case timeout(String)
    /// An argument the client refuses to send.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidURL(let s): return "invalid RPC URL: \(s)"
        case .insecureURL(let s): return "refusing plain http to a non-loopback host (use https): \(s)"
        case .transport(let s): return "transport error: \(s)"
        case .httpStatus(let code, let body): return "HTTP \(code): \(body.prefix(200))"
        case .rpc(let e): return e.description
        case .executionReverted(let r): return r.description
        case .malformedResponse(let s): return "malformed JSON-RPC response: \(s)"
        case .idMismatch(let e, let a): return "JSON-RPC response id \(a) does not match request id \(e)"
        case .timeout(let s): return "timed out: \(s)"
        case .invalidArgument(let s): return "invalid argument: \(s)"
        }
    }
}
