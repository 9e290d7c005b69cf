import ES9PlusAPI
import Foundation
import LPA

/// Why an ES9+ call over HTTPS failed.
public enum ES9PlusHTTPClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The SM-DP+ address is not `host[:port]`.
    case invalidServerAddress(String)
    /// A configured trust root is not a DER X.509 certificate, or none was given.
    case invalidTrustRoot(String)
    /// The TLS handshake failed for a reason other than a certificate rule below (protocol error, or a
    /// refused certificate whose chain could not be re-read).
    case tlsHandshake(String)
    /// The server's TLS certificate breaks a rule: expired, not yet valid, unknown issuer, host name mismatch.
    case tlsCertificate(TLSCertificateProblem)
    /// The TLS certificate passed verification but `serverCertificateCheck` refused it (e.g. its key
    /// is not an active SM-DP+ key in the TrustRegistry). Nothing was sent.
    case serverCertificateRefused(String, trust: SMDPTrustError?)
    /// Connecting, sending or receiving failed, or the deadline passed.
    case transport(String)
    /// The server answered an HTTP status other than the one ES9+ defines (200, or 204 for handleNotification).
    case httpStatus(code: Int, function: ES9PlusFunction)
    /// The response is not `application/json`.
    case unexpectedContentType(String?)
    /// The response body exceeds the configured maximum.
    case responseTooLarge(limit: Int)
    /// The response body is not a valid ES9+ JSON message.
    case malformedResponse(String)
    /// The SM-DP+ executed the function with status `Failed` (or `Expired`); carries subjectCode/reasonCode.
    case failed(ES9PlusStatusCodeData, executionStatus: ES9PlusExecutionStatus)

    public var description: String {
        switch self {
        case .invalidServerAddress(let a): "invalid SM-DP+ address \(a): expected host[:port]"
        case .invalidTrustRoot(let m): "invalid TLS trust root: \(m)"
        case .tlsHandshake(let m): "TLS handshake with the SM-DP+ failed: \(m)"
        case .tlsCertificate(let problem): "TLS handshake with the SM-DP+ refused its \(problem)"
        case .serverCertificateRefused(let m, _): "SM-DP+ TLS certificate refused: \(m)"
        case .transport(let m): "ES9+ transport error: \(m)"
        case .httpStatus(let code, let function): "ES9+ \(function.rawValue) answered HTTP \(code)"
        case .unexpectedContentType(let c): "ES9+ response has Content-Type \(c ?? "(none)"), expected application/json"
        case .responseTooLarge(let limit): "ES9+ response exceeds \(limit) bytes"
        case .malformedResponse(let m): "malformed ES9+ response: \(m)"
        case .failed(let data, let status):
            "ES9+ function \(status.rawValue): \(data.subjectCode)/\(data.reasonCode)" + (data.message.map { " \($0)" } ?? "")
        }
    }

    /// subjectCode/reasonCode when the SM-DP+ answered `Failed`.
    public var status: ES9PlusStatus? {
        if case .failed(let data, _) = self { return data.status }
        return nil
    }
}

extension ES9PlusHTTPClientError {
    /// The LPA's class of this failure (`ES9PlusClientError.transport`).
    public var transportFailure: ES9PlusTransportFailure {
        switch self {
        case .invalidServerAddress, .invalidTrustRoot: .invalidConfiguration
        case .tlsHandshake, .tlsCertificate, .serverCertificateRefused: .tlsRefused
        case .transport: .unreachable
        case let .httpStatus(code, _): .httpStatus(code)
        case .unexpectedContentType, .responseTooLarge, .malformedResponse, .failed: .malformedResponse
        }
    }
}

extension ES9PlusClientError {
    /// The LPA's view of an HTTPS failure: a refusal by the LPA's trust policy (from
    /// `serverCertificateCheck`) is `.smdpNotTrusted`; everything else is classified `.transport`.
    public init(_ error: ES9PlusHTTPClientError) {
        if case let .serverCertificateRefused(_, trust?) = error {
            self = .smdpNotTrusted(trust)
        } else {
            self = .transport(error.transportFailure, error)
        }
    }

    /// The HTTPS client's own error behind a `.transport` failure (TLS certificate problem, HTTP status…).
    public var httpError: ES9PlusHTTPClientError? {
        if case let .transport(_, cause) = self { return cause as? ES9PlusHTTPClientError }
        return nil
    }
}
