import ES9PlusAPI
import Hummingbird

/// What a client is told when a function fails: the SGP.22 code pair and a fixed text for it, with the
/// request id. The detail (a decoder's or the store's own words, which may name files, lines or SQL)
/// goes only to the log, under the same request id (`hb.request.id`), which the `X-Request-ID`
/// header of every answer also carries.
enum PublicFailure {
    public static let requestIdField = HTTPFields.Element.Name("X-Request-ID")!

    /// The fixed text for `status`, e.g. `No eligible Profile (request 4f2a…)`.
    static func message(_ status: ES9PlusStatus, requestId: String) -> String {
        "\(status.meaning ?? "Request refused") (request \(requestId))"
    }

    /// `header` with its message replaced by the fixed text (headers of executed functions are kept).
    static func header(_ header: ES9PlusResponseHeader, requestId: String) -> ES9PlusResponseHeader {
        guard let codes = header.functionExecutionStatus.statusCodeData else { return header }
        var sanitized = header
        sanitized.functionExecutionStatus.statusCodeData?.message = message(codes.status, requestId: requestId)
        return sanitized
    }
}

/// Sets `X-Request-ID` on every answer, so a client can quote it and an operator find the log lines.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[PublicFailure.requestIdField] = context.id
        return response
    }
}
