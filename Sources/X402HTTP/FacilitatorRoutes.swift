// The x402 facilitator over HTTP: POST /verify, POST /settle, GET /supported (x402 v2's facilitator API), for
// resource servers that do not run the facilitator in process.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import X402

public struct FacilitatorRoutes: Sendable {
    public static let maxBodyBytes = 16 * 1024

    public let facilitator: X402Facilitator
    /// SHA-256 of the bearer tokens allowed to call /verify and /settle (settling spends the facilitator's gas);
    /// empty: no token needed (loopback development only).
    public let tokenHashes: Set<[UInt8]>

    public init(facilitator: X402Facilitator, tokenHashes: Set<[UInt8]>) {
        self.facilitator = facilitator
        self.tokenHashes = tokenHashes
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("/supported") { _, _ in try Self.json(.ok, facilitator.supported()) }
        router.post("/verify") { request, context in
            try await handle(request, context) { payload, requirements in
                try Self.json(.ok, await facilitator.verify(payload, requirements))
            }
        }
        router.post("/settle") { request, context in
            try await handle(request, context) { payload, requirements in
                try Self.json(.ok, await facilitator.settle(payload, requirements))
            }
        }
    }

    func handle<Context: RequestContext>(_ request: Request, _ context: Context,
                                         _ body: (X402PaymentPayload, X402Requirements) async throws -> Response) async throws -> Response {
        if !tokenHashes.isEmpty {
            guard let value = request.headers[.authorization], value.hasPrefix("Bearer "),
                  tokenHashes.contains(FacilitatorToken.hash(String(value.dropFirst("Bearer ".count)))) else {
                return try Self.json(.unauthorized, ["error": "unauthorized"], extra: [.wwwAuthenticate: "Bearer"])
            }
        }
        let bytes: ByteBuffer
        do { bytes = try await request.body.collect(upTo: Self.maxBodyBytes) } catch {
            return try Self.json(.contentTooLarge, ["error": "invalid_request", "message": "body larger than \(Self.maxBodyBytes) bytes"])
        }
        guard let input = try? JSONDecoder().decode(X402FacilitatorRequest.self, from: Data(bytes.readableBytesView)) else {
            return try Self.json(.badRequest, ["error": "invalid_request",
                                               "message": "the body must be {x402Version, paymentPayload, paymentRequirements}"])
        }
        context.logger.debug("x402 facilitator request", metadata: ["payer": "\(input.paymentPayload.payload.authorization.from)"])
        return try await body(input.paymentPayload, input.paymentRequirements)
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, extra: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
