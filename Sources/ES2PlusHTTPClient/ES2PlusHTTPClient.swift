import AsyncHTTPClient
import ES2PlusAPI
import ES9PlusAPI
import Foundation
import Logging
import NIOCore
import NIOSSL

/// Why an ES2+ call over HTTPS did not produce a successful result.
public enum ES2PlusClientError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidURL(String)
    case invalidTrustRoot(String)
    case transport(String)
    /// HTTP status other than 200 (401 bad token, 403 requester mismatch, 413 too large, …) with the body text.
    case httpStatus(Int, String)
    case malformedResponse(String)
    /// The SM-DP+ answered `Failed` (or `Expired`) with these codes.
    case failed(ES9PlusStatusCodeData)

    public var description: String {
        switch self {
        case .invalidURL(let m): "invalid ES2+ URL: \(m)"
        case .invalidTrustRoot(let m): "invalid trust root: \(m)"
        case .transport(let m): "ES2+ transport error: \(m)"
        case let .httpStatus(code, body): "ES2+ HTTP status \(code): \(body)"
        case .malformedResponse(let m): "malformed ES2+ response: \(m)"
        case .failed(let data): "ES2+ Failed \(data.subjectCode)/\(data.reasonCode)\(data.message.map { ": \($0)" } ?? "")"
        }
    }
}

/// The operator side of ES2+ over HTTPS: `POST <baseURL>/gsma/rsp2/es2plus/<function>` with a bearer
/// token and the request header (`functionRequesterIdentifier` = `requesterId`, a fresh
/// `functionCallIdentifier` per call). Trusts only the given roots (the CI certificate for CERT.DP.TLS)
/// or, with none, the system store. Call `shutdown()` when done.
public final class ES2PlusHTTPClient: Sendable {
    public let baseURL: String
    public let requesterId: String
    private let token: String
    private let http: HTTPClient

    public init(baseURL: String, requesterId: String, token: String, trustRootsDER: [[UInt8]],
                timeout: TimeAmount = .seconds(30)) throws(ES2PlusClientError) {
        guard let url = URL(string: baseURL), url.scheme?.lowercased() == "https", url.host != nil else {
            throw .invalidURL("\(baseURL): expected https://host[:port]")
        }
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.requesterId = requesterId
        self.token = token
        var tls = TLSConfiguration.makeClientConfiguration()
        if !trustRootsDER.isEmpty {
            do {
                tls.trustRoots = .certificates(try trustRootsDER.map { try NIOSSLCertificate(bytes: $0, format: .der) })
            } catch {
                throw .invalidTrustRoot("\(error)")
            }
        }
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: timeout, read: timeout))
        configuration.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async throws { try await http.shutdown() }

    /// A request header with a fresh call identifier.
    public func header() -> ES2PlusRequestHeader {
        ES2PlusRequestHeader(functionRequesterIdentifier: requesterId, functionCallIdentifier: UUID().uuidString)
    }

    public func downloadOrder(eid: String? = nil, iccid: String? = nil, profileType: String? = nil)
        async throws(ES2PlusClientError) -> ES2PlusDownloadOrderResponse {
        try await call(.downloadOrder, ES2PlusDownloadOrderRequest(header: header(), eid: eid, iccid: iccid, profileType: profileType))
    }

    /// An entitlement-gated order (OpenRSP extension of downloadOrder): the SM-DP+ checks on chain that
    /// `entitlementId` is live and bound to keccak256(`eid` ‖ `salt`) before storing it; the answer carries
    /// matchingId, smdpAddress and activationCode. `salt` is 64 hex digits.
    public func entitlementOrder(entitlementId: String, eid: String, salt: String, profileType: String, matchingId: String? = nil)
        async throws(ES2PlusClientError) -> ES2PlusDownloadOrderResponse {
        try await call(.downloadOrder, ES2PlusDownloadOrderRequest(header: header(), eid: eid, profileType: profileType,
                                                                   entitlementId: entitlementId, entitlementSalt: salt,
                                                                   matchingId: matchingId))
    }

    public func confirmOrder(iccid: String, eid: String? = nil, matchingId: String? = nil, confirmationCode: String? = nil,
                             releaseFlag: Bool) async throws(ES2PlusClientError) -> ES2PlusConfirmOrderResponse {
        try await call(.confirmOrder, ES2PlusConfirmOrderRequest(header: header(), iccid: iccid, eid: eid, matchingId: matchingId,
                                                                 confirmationCode: confirmationCode, releaseFlag: releaseFlag))
    }

    public func cancelOrder(iccid: String, eid: String? = nil, matchingId: String? = nil, finalProfileStatusIndicator: String)
        async throws(ES2PlusClientError) {
        let _: ES2PlusHeaderOnlyResponse = try await call(.cancelOrder, ES2PlusCancelOrderRequest(
            header: header(), iccid: iccid, eid: eid, matchingId: matchingId, finalProfileStatusIndicator: finalProfileStatusIndicator))
    }

    public func releaseProfile(iccid: String) async throws(ES2PlusClientError) {
        let _: ES2PlusHeaderOnlyResponse = try await call(.releaseProfile, ES2PlusReleaseProfileRequest(header: header(), iccid: iccid))
    }

    /// POSTs raw bytes and returns status and body, for callers that need the HTTP layer (tests, probes).
    public func postRaw(path: String, body: [UInt8], contentType: String = "application/json",
                        authorization: String? = nil) async throws(ES2PlusClientError) -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "Authorization", value: authorization ?? "Bearer \(token)")
        request.headers.add(name: ES9PlusProtocol.adminProtocolHeader, value: ES9PlusProtocol.adminProtocolVersion)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 1024 * 1024)
            return (Int(response.status.code), Array(bytes.readableBytesView))
        } catch {
            throw .transport("\(error)")
        }
    }

    func call<Output: Decodable & HasES2PlusHeader>(_ function: ES2PlusFunction, _ request: some Encodable)
        async throws(ES2PlusClientError) -> Output {
        let data: Data
        do { data = try ES9PlusJSON.encode(request) } catch { throw .malformedResponse("cannot encode the request: \(error)") }
        let (status, body) = try await postRaw(path: function.path, body: Array(data))
        guard status == 200 else { throw .httpStatus(status, String(decoding: body.prefix(512), as: UTF8.self)) }
        let headerOnly: ES2PlusHeaderOnlyResponse
        do { headerOnly = try ES9PlusJSON.decode(ES2PlusHeaderOnlyResponse.self, from: Data(body)) } catch {
            throw .malformedResponse(error.description)
        }
        let status2 = headerOnly.header.functionExecutionStatus
        guard status2.status.isExecuted else {
            throw .failed(status2.statusCodeData ?? ES9PlusStatusCodeData(subjectCode: "", reasonCode: "", message: status2.status.rawValue))
        }
        do { return try ES9PlusJSON.decode(Output.self, from: Data(body)) } catch { throw .malformedResponse(error.description) }
    }
}

/// ES2+ responses: each has the `header`.
protocol HasES2PlusHeader {}
extension ES2PlusHeaderOnlyResponse: HasES2PlusHeader {}
extension ES2PlusDownloadOrderResponse: HasES2PlusHeader {}
extension ES2PlusConfirmOrderResponse: HasES2PlusHeader {}
