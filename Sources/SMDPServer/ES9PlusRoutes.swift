import ES9PlusAPI
import Foundation
import Hummingbird
import Logging
import SMDPCore

/// The ES9+ HTTP binding (SGP.22 §6.5, notes §1.1) on top of the transport-free `ES9PlusService`.
///
/// - `POST /gsma/rsp2/es9plus/<function>` with `Content-Type: application/json` (parameters such as
///   `;charset=UTF-8` allowed). Any other content type, malformed JSON, Base64, hex or DER is answered
///   with HTTP 200 and a `Failed` header (1.2.1/2.1, or 1.3.1/2.2 for a missing field); nothing is
///   handed to the service, so no state changes.
/// - Every answer carries `X-Admin-Protocol`: the client's value when it names `gsma/rsp/v2.…`,
///   otherwise ours (`gsma/rsp/v2.2.2`). A missing request header is tolerated.
/// - Function results, including failures, are HTTP 200 `application/json;charset=UTF-8`;
///   `handleNotification` answers HTTP 204 with an empty body whatever the service did with the
///   notification (the outcome goes to the log).
/// - A body larger than `maxRequestBodyBytes` is answered HTTP 413.
public struct ES9PlusRoutes: Sendable {
    public let service: ES9PlusService
    public let maxRequestBodyBytes: Int
    /// Where calls are counted and timed (nil: not measured).
    public let metrics: SMDPMetrics?

    public init(service: ES9PlusService, maxRequestBodyBytes: Int = SMDPServerSettings.defaultMaxRequestBodyBytes,
                metrics: SMDPMetrics? = nil) {
        self.service = service
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.metrics = metrics
    }

    // `HTTPFields.Element` is swift-http-types' `HTTPField` (Hummingbird re-exports `HTTPFields`).
    static let adminProtocolField = GSMAJSONResponse.adminProtocolField

    public func register<Context: RequestContext>(on router: Router<Context>) {
        let service = self.service
        router.post(RouterPath(ES9PlusFunction.initiateAuthentication.path)) { request, context in
            try await self.answer(.initiateAuthentication, request, context, as: InitiateAuthenticationRequest.self) {
                await service.initiateAuthentication($0)
            }
        }
        router.post(RouterPath(ES9PlusFunction.authenticateClient.path)) { request, context in
            try await self.answer(.authenticateClient, request, context, as: AuthenticateClientRequest.self) {
                await service.authenticateClient($0)
            }
        }
        router.post(RouterPath(ES9PlusFunction.getBoundProfilePackage.path)) { request, context in
            try await self.answer(.getBoundProfilePackage, request, context, as: GetBoundProfilePackageRequest.self) {
                await service.getBoundProfilePackage($0)
            }
        }
        router.post(RouterPath(ES9PlusFunction.cancelSession.path)) { request, context in
            try await self.answer(.cancelSession, request, context, as: ES9CancelSessionRequest.self) {
                await service.cancelSession($0)
            }
        }
        router.post(RouterPath(ES9PlusFunction.handleNotification.path)) { request, context in
            try await self.handleNotification(request, context)
        }
    }

    // MARK: - Handlers

    /// Decodes, calls the service and encodes its response, or answers `Failed` for a bad request.
    func answer<Input: Decodable, Output: ES9PlusOutput, Context: RequestContext>(
        _ function: ES9PlusFunction, _ request: Request, _ context: Context, as _: Input.Type,
        _ call: (Input) async -> ES9PlusResponse<Output>
    ) async throws -> Response {
        let started = ContinuousClock.now
        defer { metrics?.observe(function, ContinuousClock.now - started) }
        let input: Input
        switch try await decode(Input.self, function, request, context) {
        case .success(let decoded): input = decoded
        case .failure(let response): return response
        }
        var response = await call(input)
        log(function, response.header, context)
        if response.failure == .storeUnavailable { return unavailable(function, context) }
        metrics?.count(function, header: response.header)
        response.header = PublicFailure.header(response.header, requestId: context.id)
        return try json(response, request: request)
    }

    func handleNotification<Context: RequestContext>(_ request: Request, _ context: Context) async throws -> Response {
        let started = ContinuousClock.now
        defer { metrics?.observe(.handleNotification, ContinuousClock.now - started) }
        let input: HandleNotificationRequest
        switch try await decode(HandleNotificationRequest.self, .handleNotification, request, context) {
        case .success(let decoded): input = decoded
        case .failure(let response): return response
        }
        let outcome = await service.handleNotification(input)
        if case .rejected(let failure) = outcome, failure.status == .storeUnavailable {
            // Not 204: the LPA must keep the notification and send it again.
            context.logger.notice("notification: store unavailable", metadata: ["detail": "\(failure.message)"])
            return unavailable(.handleNotification, context)
        }
        metrics?.count(outcome)
        var logger = context.logger
        logger[metadataKey: "es9.function"] = "handleNotification"
        switch outcome {
        case .installed(let iccid):
            logger.info("notification: profile installed")
            logger.debug("notification: installed", metadata: ["iccid": "\(iccid)"])
        case .installationFailed(_, let command, let reason):
            logger.info("notification: installation failed", metadata: ["bppCommandId": "\(command)", "errorReason": "\(reason)"])
        case .profileStateChanged(let seqNumber, _, let from, let to):
            logger.info("notification: profile state changed", metadata: ["seqNumber": "\(seqNumber)", "from": "\(from.rawValue)", "to": "\(to.rawValue)"])
        case .acknowledged(let seqNumber, _):
            logger.debug("notification: acknowledged", metadata: ["seqNumber": "\(seqNumber)"])
        case .rejected(let failure):
            logger.notice("notification: ignored", metadata: ["status": "\(failure.status.subjectCode)/\(failure.status.reasonCode)"])
            logger.debug("notification: ignored", metadata: ["reason": "\(failure.message)"])
        }
        return Response(status: .noContent, headers: [Self.adminProtocolField: adminProtocol(request)])
    }

    // MARK: - Request / response plumbing

    enum Decoded<Value> {
        case success(Value)
        case failure(Response)
    }

    /// Content-type check, bounded body read (HTTP 413 via `NIOTooManyBytesError`) and JSON decoding.
    func decode<Input: Decodable, Context: RequestContext>(
        _: Input.Type, _ function: ES9PlusFunction, _ request: Request, _ context: Context
    ) async throws -> Decoded<Input> {
        guard Self.isJSON(request.headers[.contentType]) else {
            context.logger.notice("rejected request", metadata: ["es9.function": "\(function.rawValue)", "reason": "content type"])
            metrics?.count(function, outcome: "failed", status: (ES9PlusStatus.invalidRequestFormat.subjectCode, ES9PlusStatus.invalidRequestFormat.reasonCode))
            return .failure(try failed(.invalidRequestFormat, request: request, context: context))
        }
        let body = try await request.body.collect(upTo: maxRequestBodyBytes)
        do {
            return .success(try ES9PlusJSON.decode(Input.self, from: Data(body.readableBytesView)))
        } catch {
            context.logger.notice("rejected request", metadata: ["es9.function": "\(function.rawValue)", "reason": "\(error)"])
            metrics?.count(function, outcome: "failed", status: (error.status.subjectCode, error.status.reasonCode))
            return .failure(try failed(error.status, request: request, context: context))
        }
    }

    /// HTTP 503 with `Retry-After` when the SM-DP+'s own database does not answer (counted as `unavailable`).
    func unavailable<Context: RequestContext>(_ function: ES9PlusFunction, _ context: Context) -> Response {
        metrics?.count(function, outcome: "unavailable")
        return Response(status: .serviceUnavailable,
                        headers: [.retryAfter: "\(Self.retryAfterSeconds)", .contentType: "application/json",
                                  PublicFailure.requestIdField: context.id],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":"temporarily unavailable"}"#)))
    }

    /// What a client is asked to wait after a 503.
    static let retryAfterSeconds = 5

    /// A `Failed` answer with the fixed text of `status` (the reason is in the log under the request id).
    func failed<Context: RequestContext>(_ status: ES9PlusStatus, request: Request, context: Context) throws -> Response {
        try json(ES9PlusResponse<ES9PlusNoOutput>.failed(status, message: PublicFailure.message(status, requestId: context.id)), request: request)
    }

    func json(_ value: some Encodable, request: Request) throws -> Response {
        try GSMAJSONResponse.make(value, request: request)
    }

    func adminProtocol(_ request: Request) -> String { GSMAJSONResponse.adminProtocol(request) }

    /// `application/json`, optionally with parameters, case-insensitive.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    /// Failures at notice with their codes; successes (counted in /metrics) only at debug, so the hot path
    /// writes no log line per request at the default level and builds no metadata for one.
    func log<Context: RequestContext>(_ function: ES9PlusFunction, _ header: ES9PlusResponseHeader, _ context: Context) {
        let status = header.functionExecutionStatus
        guard let codes = status.statusCodeData else {
            context.logger.debug("ES9+ function executed", metadata: ["es9.function": "\(function.rawValue)"])
            return
        }
        context.logger.notice("ES9+ function failed", metadata: [
            "es9.function": "\(function.rawValue)", "es9.status": "\(status.status.rawValue)",
            "es9.code": "\(codes.subjectCode)/\(codes.reasonCode)", "es9.detail": "\(codes.message ?? "")",
        ])
    }
}
