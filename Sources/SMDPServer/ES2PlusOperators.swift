import Crypto
import Foundation

/// An operator (ES2+ Function Requester) allowed to call ES2+.
///
/// Authentication: `Authorization: Bearer <token>` over TLS. The server keeps only SHA-256(token)
/// (`tokenSHA256`); a request's token is hashed and compared in constant time with every configured
/// hash. The token's operator must equal `header.functionRequesterIdentifier`.
public struct ES2PlusOperator: Hashable, Sendable {
    /// The functionRequesterIdentifier this operator uses.
    public let id: String
    /// SHA-256 of the bearer token's UTF-8 bytes (32 bytes).
    public let tokenSHA256: [UInt8]
    /// Where HandleDownloadProgressInfo reports for this operator's orders are POSTed (the full URL,
    /// normally `https://<operator>/gsma/rsp2/es2plus/handleDownloadProgressInfo`); nil: no reports.
    public let callbackURL: URL?

    public init(id: String, tokenSHA256: [UInt8], callbackURL: URL? = nil) throws(SMDPServerError) {
        guard !id.isEmpty, id.count <= 128, id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .invalidSetting("operator id must be 1–128 printable ASCII characters without spaces")
        }
        guard tokenSHA256.count == 32 else { throw .invalidSetting("operator \(id): tokenSHA256 must be 32 bytes") }
        if let callbackURL {
            guard callbackURL.scheme?.lowercased() == "https", let host = callbackURL.host, !host.isEmpty else {
                throw .invalidSetting("operator \(id): callback URL must be https://host/…")
            }
        }
        self.id = id
        self.tokenSHA256 = tokenSHA256
        self.callbackURL = callbackURL
    }

    /// SHA-256 of a token, as configured (`tokenSHA256`).
    public static func hash(token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }
}

/// The configured operators.
public struct ES2PlusOperatorRegistry: Sendable {
    public let operators: [ES2PlusOperator]

    public init(_ operators: [ES2PlusOperator]) throws(SMDPServerError) {
        var ids = Set<String>()
        var hashes = Set<[UInt8]>()
        for op in operators {
            guard ids.insert(op.id).inserted else { throw .invalidSetting("operator \(op.id) configured twice") }
            guard hashes.insert(op.tokenSHA256).inserted else { throw .invalidSetting("two operators share one token") }
        }
        self.operators = operators
    }

    /// The operator whose token this `Authorization` header carries (`Bearer <token>`), or nil.
    /// Every configured hash is compared, each in constant time, whatever matches.
    public func authenticate(authorization: String?) -> ES2PlusOperator? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, token.utf8.count <= 4096 else { return nil }
        let digest = ES2PlusOperator.hash(token: token)
        var match: ES2PlusOperator?
        for op in operators where Self.constantTimeEquals(op.tokenSHA256, digest) {
            match = op
        }
        return match
    }

    public func callbackURL(requesterId: String) -> URL? {
        operators.first { $0.id == requesterId }?.callbackURL
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
