import ES9PlusAPI
import EthereumRPC
import ES2PlusAPI
import Foundation
import SMDPServer

/// JSON that arrives from outside: ES9+ requests (SM-DP+) and responses (LPA), ES2+ requests (SM-DP+)
/// and responses (operator client), JSON-RPC answers (Ethereum client). Every message type is tried
/// on each input. Invariant: what decodes re-encodes, decodes again, and re-encodes to the same bytes.
let jsonTargets: [FuzzTarget] = [
    FuzzTarget(name: "es9plus-json", summary: "ES9+ JSON binding: the five requests and four responses (ES9PlusAPI)") { bytes in
        let data = Data(bytes)
        jsonRoundTrip(InitiateAuthenticationRequest.self, data)
        jsonRoundTrip(AuthenticateClientRequest.self, data)
        jsonRoundTrip(GetBoundProfilePackageRequest.self, data)
        jsonRoundTrip(HandleNotificationRequest.self, data)
        jsonRoundTrip(ES9CancelSessionRequest.self, data)
        jsonRoundTrip(InitiateAuthenticationResponse.self, data)
        jsonRoundTrip(AuthenticateClientResponse.self, data)
        jsonRoundTrip(GetBoundProfilePackageResponse.self, data)
        jsonRoundTrip(ES9CancelSessionResponse.self, data)
    },
    FuzzTarget(name: "es2plus-json", summary: "ES2+ JSON messages (SMDPServer ES2PlusMessages), as the routes decode them") { bytes in
        let data = Data(bytes)
        jsonRoundTrip(ES2PlusDownloadOrderRequest.self, data)
        jsonRoundTrip(ES2PlusConfirmOrderRequest.self, data)
        jsonRoundTrip(ES2PlusCancelOrderRequest.self, data)
        jsonRoundTrip(ES2PlusReleaseProfileRequest.self, data)
        jsonRoundTrip(ES2PlusHandleDownloadProgressInfoRequest.self, data)
        jsonRoundTrip(ES2PlusDownloadOrderResponse.self, data)
        jsonRoundTrip(ES2PlusConfirmOrderResponse.self, data)
        jsonRoundTrip(ES2PlusHeaderOnlyResponse.self, data)
    },
    FuzzTarget(name: "jsonrpc", summary: "JSON-RPC 2.0 answers (single, batch) and the result models (EthereumRPC)") { bytes in
        if case .success(let result)? = try? JSONRPCResponseDecoder.decodeSingle(bytes, id: 1) {
            decodeModels(result)
        }
        if let batch = try? JSONRPCResponseDecoder.decodeBatch(bytes, ids: [1, 2]) {
            for case .success(let result) in batch { decodeModels(result) }
        }
    },
]

/// decode → encode → decode → encode: both encodings equal (keys are sorted, so bytes are stable).
func jsonRoundTrip<T: Codable>(_ type: T.Type, _ data: Data) {
    guard let value = try? ES9PlusJSON.decode(T.self, from: data) else { return }
    let encoded = mustSucceed("\(T.self) encode") { try ES9PlusJSON.encode(value) }
    let again = mustSucceed("\(T.self) decode of its own encoding") { try ES9PlusJSON.decode(T.self, from: encoded) }
    let reencoded = mustSucceed("\(T.self) encode again") { try ES9PlusJSON.encode(again) }
    invariant(reencoded == encoded, "\(T.self): encode(decode(encode(x))) != encode(x)")
}

/// A result as every model the client reads from one; a JSONValue survives its own JSON round trip.
func decodeModels(_ result: JSONValue) {
    _ = try? result.decode(TransactionReceipt.self, context: "fuzz")
    _ = try? result.decode(Log.self, context: "fuzz")
    _ = try? result.decode([Log].self, context: "fuzz")
    _ = try? result.decode(TransactionInfo.self, context: "fuzz")
    _ = try? result.decode(Block.self, context: "fuzz")
    _ = try? result.decode(FeeHistory.self, context: "fuzz")
    _ = try? result.decode(Quantity.self, context: "fuzz")
    _ = try? result.decode(DataHex.self, context: "fuzz")
    let again = mustSucceed("JSONValue round trip") { try result.decode(JSONValue.self, context: "fuzz") }
    invariant(again == result, "JSONValue: decode(encode(x)) != x")
}
