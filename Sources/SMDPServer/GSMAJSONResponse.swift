import ES9PlusAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The JSON answer of an SGP.22 HTTP function (ES9+ and ES2+ share the binding): 200, the GSMA
/// content type and the `X-Admin-Protocol` header echoed from the request when it is well formed.
enum GSMAJSONResponse {
    static let adminProtocolField = HTTPFields.Element.Name(ES9PlusProtocol.adminProtocolHeader)!

    static func make(_ value: any Encodable, request: Request) throws -> Response {
        let data = try ES9PlusJSON.encode(value)
        return Response(
            status: .ok,
            headers: [.contentType: ES9PlusProtocol.responseContentType, adminProtocolField: adminProtocol(request)],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Echo the client's `gsma/rsp/v2.x.y`, else ours.
    static func adminProtocol(_ request: Request) -> String {
        if let sent = request.headers[adminProtocolField], sent.hasPrefix("gsma/rsp/v2."), sent.count <= 32,
           sent.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return sent
        }
        return ES9PlusProtocol.adminProtocolVersion
    }
}
