import ES9PlusAPI
import ES2PlusAPI
import Foundation
import Hummingbird
import Logging
import RSPASN1
import SMDPCore

/// The ES2+ HTTP binding (SGP.22 §5.3, §6.5) on top of `ES2PlusOrderService`.
///
/// - `POST /gsma/rsp2/es2plus/{downloadOrder,confirmOrder,cancelOrder,releaseProfile}`.
/// - `Authorization: Bearer <token>` is checked first: missing or unknown → HTTP 401 JSON
///   `{"error":"unauthorized"}` with `WWW-Authenticate: Bearer`; nothing is read or changed.
///   `header.functionRequesterIdentifier` must be the token's operator, else HTTP 403 JSON.
/// - Content-Type not JSON, malformed JSON → HTTP 200 `Failed` 1.2.1/2.1; missing field → 1.3.1/2.2.
/// - Body over `maxRequestBodyBytes` → HTTP 413.
/// - Results, including `Failed` with the ES2+ codes of `ES2PlusStatus`, are HTTP 200
///   `application/json;charset=UTF-8` with `X-Admin-Protocol`.
/// An operator may confirm, release and cancel only the orders it placed (8.2.1/1.2 otherwise).
public struct ES2PlusRoutes: Sendable {
    public let service: ES2PlusOrderService
    public let operators: ES2PlusOperatorRegistry
    public let maxRequestBodyBytes: Int

    public init(service: ES2PlusOrderService, operators: ES2PlusOperatorRegistry,
                maxRequestBodyBytes: Int = SMDPServerSettings.defaultMaxRequestBodyBytes) {
        self.service = service
        self.operators = operators
        self.maxRequestBodyBytes = maxRequestBodyBytes
    }

    static let adminProtocolField = GSMAJSONResponse.adminProtocolField

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post(RouterPath(ES2PlusFunction.downloadOrder.path)) { request, context in
            try await self.handle(.downloadOrder, request, context, as: ES2PlusDownloadOrderRequest.self, header: \.header) {
                try await self.downloadOrder($0, $1)
            }
        }
        router.post(RouterPath(ES2PlusFunction.confirmOrder.path)) { request, context in
            try await self.handle(.confirmOrder, request, context, as: ES2PlusConfirmOrderRequest.self, header: \.header) {
                try await self.confirmOrder($0, $1)
            }
        }
        router.post(RouterPath(ES2PlusFunction.cancelOrder.path)) { request, context in
            try await self.handle(.cancelOrder, request, context, as: ES2PlusCancelOrderRequest.self, header: \.header) {
                try await self.cancelOrder($0, $1)
            }
        }
        router.post(RouterPath(ES2PlusFunction.releaseProfile.path)) { request, context in
            try await self.handle(.releaseProfile, request, context, as: ES2PlusReleaseProfileRequest.self, header: \.header) {
                try await self.releaseProfile($0, $1)
            }
        }
    }

    // MARK: - Functions

    /// A function failure answered as a `Failed` header.
    struct Failure: Error {
        let status: ES9PlusStatus
        let message: String
        /// The message comes from below the service (the store): it is logged, not sent.
        let isInternal: Bool
        init(_ status: ES9PlusStatus, _ message: String, isInternal: Bool = false) {
            self.status = status
            self.message = message
            self.isInternal = isInternal
        }
    }

    func downloadOrder(_ input: ES2PlusDownloadOrderRequest, _ op: ES2PlusOperator) async throws(Failure) -> any Encodable & Sendable {
        if input.entitlementId != nil || input.entitlementSalt != nil { return try await entitlementOrder(input) }
        if input.matchingId != nil {
            throw Failure(ES2PlusStatus.invalidRequestFormat, "matchingId goes in confirmOrder (downloadOrder takes it only with entitlementId)")
        }
        let eid = try input.eid.map { (text) throws(Failure) in try Self.eid(text) }
        let iccid = try input.iccid.map { (text) throws(Failure) in try Self.iccid(text) }
        do {
            let picked = try await service.downloadOrder(eid: eid, iccid: iccid, profileType: input.profileType, requesterId: op.id)
            return ES2PlusDownloadOrderResponse(header: .success, iccid: picked.digits)
        } catch {
            throw Self.map(error, .downloadOrder)
        }
    }

    func confirmOrder(_ input: ES2PlusConfirmOrderRequest, _ op: ES2PlusOperator) async throws(Failure) -> any Encodable & Sendable {
        let iccid = try Self.iccid(input.iccid)
        let eid = try input.eid.map { (text) throws(Failure) in try Self.eid(text) }
        do {
            let confirmed = try await service.confirmOrder(iccid: iccid, eid: eid, matchingId: input.matchingId,
                                                           confirmationCode: input.confirmationCode, releaseFlag: input.releaseFlag,
                                                           requesterId: op.id)
            return ES2PlusConfirmOrderResponse(header: .success, eid: confirmed.eid?.digits, matchingId: confirmed.matchingId,
                                               smdpAddress: service.configuration.address.description)
        } catch {
            throw Self.map(error, .confirmOrder)
        }
    }

    func cancelOrder(_ input: ES2PlusCancelOrderRequest, _ op: ES2PlusOperator) async throws(Failure) -> any Encodable & Sendable {
        let iccid = try Self.iccid(input.iccid)
        let eid = try input.eid.map { (text) throws(Failure) in try Self.eid(text) }
        let final: ProfileDownloadState
        switch input.finalProfileStatusIndicator {
        case "Available": final = .available
        case "Unavailable": final = .unavailable
        default: throw Failure(ES2PlusStatus.invalidRequestFormat, "finalProfileStatusIndicator must be Available or Unavailable")
        }
        do {
            try await service.cancelOrder(iccid: iccid, eid: eid, matchingId: input.matchingId, finalProfileState: final,
                                          requesterId: op.id)
            return ES2PlusHeaderOnlyResponse(header: .success)
        } catch {
            throw Self.map(error, .cancelOrder)
        }
    }

    func releaseProfile(_ input: ES2PlusReleaseProfileRequest, _ op: ES2PlusOperator) async throws(Failure) -> any Encodable & Sendable {
        let iccid = try Self.iccid(input.iccid)
        do {
            try await service.releaseProfile(iccid: iccid, requesterId: op.id)
            return ES2PlusHeaderOnlyResponse(header: .success)
        } catch {
            throw Self.map(error, .releaseProfile)
        }
    }

    /// ES2PlusOrderError → ES2+ code pair.
    static func map(_ error: ES2PlusOrderError, _ function: ES2PlusFunction) -> Failure {
        let status: ES9PlusStatus
        switch error {
        case .profileNotFound, .orderNotFound: status = ES2PlusStatus.iccidUnknown
        case .noAvailableProfile: status = ES2PlusStatus.profileTypeUnavailable
        case .profileNotInState:
            status = function == .downloadOrder ? ES2PlusStatus.iccidAlreadyInUse : ES2PlusStatus.invalidTransition
        case .eidMismatch: status = ES2PlusStatus.eidInvalidAssociation
        case .matchingIdInUse: status = ES2PlusStatus.matchingIdAlreadyInUse
        case .invalidMatchingId:
            status = function == .cancelOrder ? ES2PlusStatus.matchingIdInvalidAssociation : ES2PlusStatus.matchingIdRefused
        case .invalidConfirmationCode: status = ES2PlusStatus.confirmationCodeRefused
        case .missingProfileSelector: status = ES2PlusStatus.mandatoryFieldMissing
        case .illegalTransition: status = ES2PlusStatus.invalidTransition
        case .requesterNotAllowed: status = ES2PlusStatus.iccidNotAllowed
        case .entitlementRefused(_, let refusal): status = ES2PlusStatus.entitlementRefusal(refusal)
        case .entitlementCheckUnavailable: status = ES2PlusStatus.entitlementCheckUnavailable
        case .entitlementAlreadyUsed: status = ES2PlusStatus.entitlementAlreadyUsed
        case .store(.conflict): status = ES2PlusStatus.invalidTransition
        case .store: return Failure(ES2PlusStatus.executionError, error.description, isInternal: true)
        }
        return Failure(status, error.description)
    }

    static func iccid(_ text: String) throws(Failure) -> ICCID {
        // SGP.22 allows a 20th padding digit F on a 19-digit ICCID.
        var digits = text
        if digits.count == 20, digits.last == "F" || digits.last == "f" { digits.removeLast() }
        do { return try ICCID(digits: digits) } catch { throw Failure(ES2PlusStatus.iccidInvalid, "invalid ICCID: \(error)") }
    }

    static func eid(_ text: String) throws(Failure) -> EID {
        do { return try EID(digits: text) } catch { throw Failure(ES2PlusStatus.eidInvalid, "invalid EID: \(error)") }
    }

    // MARK: - Plumbing

    func handle<Input: Decodable, Context: RequestContext>(
        _ function: ES2PlusFunction, _ request: Request, _ context: Context, as _: Input.Type,
        header: KeyPath<Input, ES2PlusRequestHeader>,
        _ call: (Input, ES2PlusOperator) async throws -> any Encodable & Sendable
    ) async throws -> Response {
        var logger = context.logger
        logger[metadataKey: "es2.function"] = "\(function.rawValue)"
        guard let op = operators.authenticate(authorization: request.headers[.authorization]) else {
            logger.notice("ES2+ request without a valid bearer token")
            return Self.plainError(.unauthorized, "unauthorized", extra: [.wwwAuthenticate: "Bearer"])
        }
        logger[metadataKey: "es2.requester"] = "\(op.id)"
        guard ES9PlusRoutes.isJSON(request.headers[.contentType]) else {
            return try json(ES2PlusHeaderOnlyResponse(header: .failed(ES2PlusStatus.invalidRequestFormat,
                                                                      message: "Content-Type must be application/json")), request)
        }
        let body = try await request.body.collect(upTo: maxRequestBodyBytes)
        let input: Input
        do {
            input = try ES9PlusJSON.decode(Input.self, from: Data(body.readableBytesView))
        } catch {
            logger.notice("ES2+ request rejected", metadata: ["reason": "\(error)"])
            return try json(ES2PlusHeaderOnlyResponse(header: .failed(error.status, message: PublicFailure.message(error.status, requestId: context.id))),
                            request)
        }
        logger[metadataKey: "es2.call"] = "\(input[keyPath: header].functionCallIdentifier.prefix(64))"
        guard input[keyPath: header].functionRequesterIdentifier == op.id else {
            logger.notice("ES2+ functionRequesterIdentifier does not match the token")
            return Self.plainError(.forbidden, "functionRequesterIdentifier does not match the bearer token")
        }
        let output: any Encodable & Sendable
        do {
            output = try await call(input, op)
        } catch let error as Failure {
            logger.notice("ES2+ function failed", metadata: ["es2.code": "\(error.status.subjectCode)/\(error.status.reasonCode)",
                                                              "es2.detail": "\(error.message)"])
            // Business refusals say what is wrong with the order; a store failure says only its code.
            let message = error.isInternal ? PublicFailure.message(error.status, requestId: context.id) : error.message
            return try json(ES2PlusHeaderOnlyResponse(header: .failed(error.status, message: message)), request)
        }
        logger.info("ES2+ function executed", metadata: ["es2.status": "Executed-Success"])
        return try json(output, request)
    }

    func json(_ value: any Encodable, _ request: Request) throws -> Response {
        try GSMAJSONResponse.make(value, request: request)
    }

    func adminProtocol(_ request: Request) -> String { GSMAJSONResponse.adminProtocol(request) }

    /// `{"error": "..."}` with an HTTP error status (authentication failures). `message` is one of the
    /// constant texts above (no characters that need JSON escaping).
    static func plainError(_ status: HTTPResponse.Status, _ message: StaticString, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"\#(message)"}"#)))
    }
}
