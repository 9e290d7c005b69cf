import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SMDPCore
import X402

/// `POST /openrsp/v1/profile-status` (docs/X402.md): an entitlement holder's signed request for the state of
/// the profile its entitlement released, paid per request with x402 when `paywall` is set.
///
/// Order of checks, so that nobody pays for a refusal and nobody but the holder learns anything:
/// body and JSON (400) → holder signature on chain (403, one answer for every non-holder) → payment (402 with
/// `PAYMENT-REQUIRED`; verified, not yet settled) → the store (404 when no profile was released) → settlement
/// (402 if it fails) → 200 with the state and `PAYMENT-RESPONSE`.
public struct ProfileStatusRoute: Sendable {
    public static let path = "/openrsp/v1/profile-status"
    public static let maxBodyBytes = 4 * 1024

    public let service: ProfileStatusService
    public let paywall: X402Paywall?

    public init(service: ProfileStatusService, paywall: X402Paywall?) {
        self.service = service
        self.paywall = paywall
    }

    public static let paymentRequiredField = HTTPField.Name(X402Header.paymentRequired)!
    public static let paymentSignatureField = HTTPField.Name(X402Header.paymentSignature)!
    public static let xPaymentField = HTTPField.Name(X402Header.xPayment)!

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post(RouterPath(Self.path)) { request, context in
            try await self.handle(request, context)
        }
    }

    func handle<Context: RequestContext>(_ request: Request, _ context: Context) async throws -> Response {
        let logger = context.logger
        guard ES9PlusRoutes.isJSON(request.headers[.contentType]) else {
            return Self.error(.unsupportedMediaType, "invalid_request", "Content-Type must be application/json")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxBodyBytes) } catch {
            return Self.error(.contentTooLarge, "invalid_request", "the body is larger than \(Self.maxBodyBytes) bytes")
        }
        guard let input = try? JSONDecoder().decode(ProfileStatusRequest.self, from: Data(body.readableBytesView)) else {
            return Self.error(.badRequest, "invalid_request", "the body must be {entitlementId, issuedAt, nonce, signature}")
        }
        let entitlement: EntitlementID
        do { entitlement = try await service.authorize(input) } catch {
            logger.notice("profile status refused", metadata: ["code": "\(error.code)", "detail": "\(error)"])
            return Self.refusal(error, requestId: context.id)
        }
        guard let paywall else { return try await answer(entitlement, input, context, settlement: nil) }

        let payment: X402PaymentPayload?
        do {
            payment = try paywall.payment(v2Header: request.headers[Self.paymentSignatureField],
                                          v1Header: request.headers[Self.xPaymentField])
        } catch {
            logger.notice("x402 payment refused", metadata: ["reason": "\(error)"])
            return Self.paymentRequired(paywall, error: error.reason.rawValue)
        }
        guard let payment else { return Self.paymentRequired(paywall, error: "payment required") }
        let verified = await paywall.facilitator.verify(payment, paywall.requirements)
        guard verified.isValid else {
            logger.notice("x402 payment invalid", metadata: ["reason": "\(verified.invalidReason ?? "")",
                                                            "detail": "\(verified.invalidMessage ?? "")"])
            return Self.paymentRequired(paywall, error: verified.invalidReason ?? "invalid_payment")
        }
        return try await answer(entitlement, input, context, settlement: (paywall, payment))
    }

    /// Reads the status, settles the payment if there is one, then answers.
    func answer<Context: RequestContext>(_ entitlement: EntitlementID, _ input: ProfileStatusRequest, _ context: Context,
                                         settlement: (X402Paywall, X402PaymentPayload)?) async throws -> Response {
        let status: ProfileStatus
        do { status = try await service.status(of: entitlement) } catch {
            context.logger.notice("profile status refused", metadata: ["code": "\(error.code)", "detail": "\(error)"])
            return Self.refusal(error, requestId: context.id)
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        if let (paywall, payment) = settlement {
            let settled = await paywall.facilitator.settle(payment, paywall.requirements)
            guard settled.success else {
                context.logger.notice("x402 settlement failed", metadata: ["reason": "\(settled.errorReason ?? "")",
                                                                           "detail": "\(settled.errorMessage ?? "")"])
                return Self.paymentRequired(paywall, error: settled.errorReason ?? "settlement_failed")
            }
            headers[HTTPField.Name(X402Paywall.responseHeader(version: payment.x402Version))!] = X402Codec.encodeHeader(settled)
            context.logger.info("x402 payment settled", metadata: ["transaction": "\(settled.transaction)", "payer": "\(settled.payer ?? "")"])
        }
        await service.holders.consume(input)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(status))))
    }

    /// The 402 answer of `paywall` with x402's `error` reason (also the portal's x402 purchase answer).
    public static func paymentRequired(_ paywall: X402Paywall, error: String) -> Response {
        let (header, body) = paywall.paymentRequired(error: error)
        let data = (try? JSONEncoder().encode(body)) ?? Data("{}".utf8)
        return Response(status: .init(code: 402, reasonPhrase: "Payment Required"), headers: [.contentType: "application/json", paymentRequiredField: header],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func refusal(_ refusal: ProfileStatusRefusal, requestId: String) -> Response {
        switch refusal {
        case .malformed(let detail): error(.badRequest, refusal.code, detail)
        case .notHolder: error(.forbidden, refusal.code, "the request is not signed by the entitlement's holder, is stale, or was answered")
        case .noProfile: error(.notFound, refusal.code, "the entitlement has not released a profile yet")
        case .unavailable: error(.serviceUnavailable, refusal.code, "try again later (request \(requestId))", retryAfter: true)
        }
    }

    /// `{"error": code, "message": text}`; texts are ours, never a library's.
    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String, retryAfter: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if retryAfter { headers[.retryAfter] = "5" }
        let data = (try? JSONEncoder().encode(["error": code, "message": message])) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
