import EthereumCore
import Testing

@testable import EthereumRPC
import EthereumRPCHTTP

/// Strict decoding of JSON-RPC 2.0 responses (https://www.jsonrpc.org/specification §5).
@Suite struct ResponseDecodingTests {
    func single(_ text: String, id: Int = 1) throws(EthereumRPCError) -> Result<JSONValue, JSONRPCErrorObject> {
        try JSONRPCResponseDecoder.decodeSingle(Array(text.utf8), id: id)
    }

    func isMalformed(_ text: String, id: Int = 1) -> Bool {
        do {
            _ = try single(text, id: id)
            return false
        } catch {
            if case .malformedResponse = error { return true }
            return false
        }
    }

    @Test func decodesResultAndErrorObjects() throws {
        #expect(try single(#"{"jsonrpc":"2.0","id":1,"result":"0x539"}"#) == .success(.string("0x539")))
        let err = try single(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"execution reverted","data":"0x01"}}"#)
        #expect(err == .failure(JSONRPCErrorObject(code: -32000, message: "execution reverted", data: .string("0x01"))))
        #expect(try single(#"{"jsonrpc":"2.0","id":1,"result":null}"#) == .success(.null))
    }

    @Test func rejectsMalformedEnvelopes() {
        #expect(isMalformed("not json"))
        #expect(isMalformed(""))
        #expect(isMalformed(#"{"jsonrpc":"2.0","id":1,"result":"0x1""#))          // truncated
        #expect(isMalformed(#"[{"jsonrpc":"2.0","id":1,"result":"0x1"}]"#))       // array for a single call
        #expect(isMalformed(#"{"jsonrpc":"1.0","id":1,"result":"0x1"}"#))         // wrong version
        #expect(isMalformed(#"{"id":1,"result":"0x1"}"#))                          // no version
        #expect(isMalformed(#"{"jsonrpc":"2.0","result":"0x1"}"#))                 // no id
        #expect(isMalformed(#"{"jsonrpc":"2.0","id":1}"#))                         // neither
        #expect(isMalformed(#"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"x"}}"#))
        #expect(isMalformed(#"{"jsonrpc":"2.0","id":1,"error":{"code":"-32000","message":"x"}}"#))
        #expect(isMalformed(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000.5,"message":"x"}}"#))
        #expect(isMalformed(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000}}"#))
        #expect(isMalformed(#"{"jsonrpc":"2.0","id":1,"error":"boom"}"#))
        #expect(isMalformed(#"{"jsonrpc":"2.0","id":[1],"result":"0x1"}"#))
    }

    @Test func rejectsIdMismatch() {
        #expect(throws: EthereumRPCError.idMismatch(expected: "1", actual: "2")) {
            try single(#"{"jsonrpc":"2.0","id":2,"result":"0x1"}"#)
        }
        #expect(throws: EthereumRPCError.idMismatch(expected: "1", actual: "\"1\"")) {
            try single(#"{"jsonrpc":"2.0","id":"1","result":"0x1"}"#)
        }
    }

    @Test func batchMatchesIdsInAnyOrder() throws {
        let body = #"[{"jsonrpc":"2.0","id":8,"result":"0x2"},{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"nope"}}]"#
        let out = try JSONRPCResponseDecoder.decodeBatch(Array(body.utf8), ids: [7, 8])
        #expect(out[0] == .failure(JSONRPCErrorObject(code: -32601, message: "nope", data: nil)))
        #expect(out[1] == .success(.string("0x2")))
    }

    @Test func batchRejectsMissingDuplicateAndForeignIds() {
        let one = #"{"jsonrpc":"2.0","id":7,"result":"0x1"}"#
        #expect(throws: EthereumRPCError.malformedResponse("no response for id 8")) {
            try JSONRPCResponseDecoder.decodeBatch(Array("[\(one)]".utf8), ids: [7, 8])
        }
        #expect(throws: EthereumRPCError.malformedResponse("duplicate response for id 7")) {
            try JSONRPCResponseDecoder.decodeBatch(Array("[\(one),\(one)]".utf8), ids: [7])
        }
        #expect(throws: EthereumRPCError.idMismatch(expected: "8", actual: "7")) {
            try JSONRPCResponseDecoder.decodeBatch(Array("[\(one)]".utf8), ids: [8])
        }
        let whole = #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}"#
        #expect(throws: EthereumRPCError.rpc(JSONRPCErrorObject(code: -32600, message: "empty batch", data: nil))) {
            try JSONRPCResponseDecoder.decodeBatch(Array(whole.utf8), ids: [1])
        }
    }

    @Test func typedResultDecodingReportsWrongTypesAndMissingFields() throws {
        #expect(throws: EthereumRPCError.self) { try JSONValue.number(5).decode(Quantity.self, context: "eth_chainId") }
        #expect(throws: EthereumRPCError.self) { try JSONValue.string("0x05").decode(Quantity.self, context: "eth_chainId") }
        let receipt = JSONValue.object(["transactionHash": .string("0x" + String(repeating: "ab", count: 32))])
        do {
            _ = try receipt.decode(TransactionReceipt.self, context: "eth_getTransactionReceipt")
            Issue.record("decoded an incomplete receipt")
        } catch {
            guard case .malformedResponse(let msg) = error else { Issue.record("wrong error \(error)"); return }
            #expect(msg.contains("missing field"))
        }
    }

    @Test func revertErrorsCarryTheRevertBytes() {
        let geth = EthereumRPCError.rpc(JSONRPCErrorObject(code: 3, message: "execution reverted: no", data: .string("0x08c379a0")))
        #expect(RPCClient.revertOrSame(geth) == .executionReverted(ExecutionReverted(message: "execution reverted: no", data: [0x08, 0xc3, 0x79, 0xa0])))
        let other = EthereumRPCError.rpc(JSONRPCErrorObject(code: -32000, message: "insufficient funds", data: nil))
        #expect(RPCClient.revertOrSame(other) == other)
        let badData = EthereumRPCError.rpc(JSONRPCErrorObject(code: 3, message: "execution reverted", data: .string("0xabc")))
        guard case .malformedResponse = RPCClient.revertOrSame(badData) else { Issue.record("odd revert data accepted"); return }
    }
}
