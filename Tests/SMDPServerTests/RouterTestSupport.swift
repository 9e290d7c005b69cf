import ES9PlusAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import RSPASN1
import SMDPCore
import SMDPServer
import SMDPTestSupport
import Testing

/// Hummingbird application over the testbed's `ES9PlusService`, plain HTTP (router tests never open a socket).
func routerApplication(_ testbed: SMDPTestbed, maxRequestBodyBytes: Int = SMDPServerSettings.defaultMaxRequestBodyBytes)
    -> some ApplicationProtocol {
    Application(router: buildRouter(service: testbed.service, maxRequestBodyBytes: maxRequestBodyBytes),
                logger: Logger(label: "test.smdp.router"))
}

let jsonHeaders: HTTPFields = [.contentType: "application/json", adminProtocolName: "gsma/rsp/v2.2.2"]
let adminProtocolName = HTTPFields.Element.Name("X-Admin-Protocol")!

extension TestClientProtocol {
    /// POSTs `body` to an ES9+ function and returns the response.
    func es9(_ function: ES9PlusFunction, _ body: some Encodable, headers: HTTPFields = jsonHeaders) async throws -> TestResponse {
        try await execute(uri: function.path, method: .post, headers: headers, body: ByteBuffer(bytes: try ES9PlusJSON.encode(body)))
    }

    func es9(_ function: ES9PlusFunction, raw: String, headers: HTTPFields = jsonHeaders) async throws -> TestResponse {
        try await execute(uri: function.path, method: .post, headers: headers, body: ByteBuffer(string: raw))
    }
}

/// Decodes an HTTP 200 ES9+ answer, checking the binding's response headers.
func decodeES9<Output: ES9PlusOutput>(_ response: TestResponse, _: Output.Type) throws -> ES9PlusResponse<Output> {
    #expect(response.status == .ok)
    #expect(response.headers[.contentType] == "application/json;charset=UTF-8")
    #expect(response.headers[adminProtocolName]?.hasPrefix("gsma/rsp/v2.") == true)
    return try ES9PlusJSON.decode(ES9PlusResponse<Output>.self, from: Data(response.body.readableBytesView))
}

/// Imports `upp` into the testbed, orders and releases it (ES2+ logic); returns the ICCID and matchingId.
func releasedOrder(_ testbed: SMDPTestbed, _ upp: [UInt8]) async throws -> (ICCID, String) {
    let record = try await testbed.inventory.importPackage(upp)
    let iccid = try await testbed.orders.downloadOrder(iccid: record.iccid)
    let confirmed = try await testbed.orders.confirmOrder(iccid: iccid, releaseFlag: true)
    return (iccid, confirmed.matchingId)
}
