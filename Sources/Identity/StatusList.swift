import Crypto
import EthereumCore
import Foundation

/// An IETF Token Status List (draft-ietf-oauth-status-list §4): one status of `bits` bits (1, 2, 4 or 8) per
/// credential, packed least significant bits first (entry i of a 1-bit list is bit i % 8 of byte i / 8),
/// carried ZLIB-compressed and base64url-encoded as `{"bits": 1, "lst": "…"}`.
public struct StatusList: Sendable, Equatable {
    /// Status values the draft defines (§7.1); others are application-specific.
    public static let valid: UInt8 = 0
    public static let invalid: UInt8 = 1
    public static let suspended: UInt8 = 2

    /// A list this layer reads or writes holds at most this many bytes (8 Mi statuses at 1 bit).
    public static let maxBytes = 1024 * 1024

    public let bits: Int
    public private(set) var bytes: [UInt8]

    public var capacity: Int { bytes.count * 8 / bits }

    /// An all-valid list of at least `capacity` entries (rounded up to whole bytes).
    public init(bits: Int, capacity: Int) throws(StatusListError) {
        guard [1, 2, 4, 8].contains(bits) else { throw .bits }
        let count = (capacity * bits + 7) / 8
        guard capacity > 0, count <= Self.maxBytes else { throw .size }
        self.bits = bits
        self.bytes = [UInt8](repeating: 0, count: count)
    }

    public init(bits: Int, bytes: [UInt8]) throws(StatusListError) {
        guard [1, 2, 4, 8].contains(bits) else { throw .bits }
        guard !bytes.isEmpty, bytes.count <= Self.maxBytes else { throw .size }
        self.bits = bits
        self.bytes = bytes
    }

    /// Reads `{"bits": …, "lst": …}`.
    public init(json: JSONValue) throws(StatusListError) {
        guard let bits = json["bits"]?.intValue, let lst = json["lst"]?.stringValue else { throw .malformed }
        guard let compressed = Base64URL.decode(lst) else { throw .malformed }
        let bytes: [UInt8]
        do { bytes = try Zlib.decompress(compressed, limit: Self.maxBytes) } catch .tooLarge { throw .size } catch { throw .malformed }
        try self.init(bits: Int(bits), bytes: bytes)
    }

    public var json: JSONValue {
        .object(["bits": .int(Int64(bits)), "lst": .string(Base64URL.encode(Zlib.compress(bytes)))])
    }

    public func status(at index: Int) throws(StatusListError) -> UInt8 {
        guard index >= 0, index < capacity else { throw .index }
        let perByte = 8 / bits
        let shift = (index % perByte) * bits
        return (bytes[index / perByte] >> shift) & UInt8((1 << bits) - 1)
    }

    public mutating func setStatus(_ value: UInt8, at index: Int) throws(StatusListError) {
        guard index >= 0, index < capacity else { throw .index }
        guard Int(value) < 1 << bits else { throw .value }
        let perByte = 8 / bits
        let shift = (index % perByte) * bits
        let mask = UInt8((1 << bits) - 1) << shift
        bytes[index / perByte] = (bytes[index / perByte] & ~mask) | (value << shift)
    }
}

public enum StatusListError: Error, Equatable, Sendable {
    case bits, size, index, value, malformed
}

/// The `status` claim a credential carries (draft §6.1): `{"status_list": {"idx": N, "uri": "https://…"}}`.
public struct StatusReference: Sendable, Equatable {
    public let index: Int
    public let uri: String

    public init(index: Int, uri: String) {
        self.index = index
        self.uri = uri
    }

    public var json: JSONValue { .object(["status_list": .object(["idx": .int(Int64(index)), "uri": .string(uri)])]) }

    /// Nil when the claims carry no `status.status_list`; throws when they carry a malformed one.
    public static func from(claims: [String: JSONValue]) throws(StatusListError) -> StatusReference? {
        guard let status = claims["status"] else { return nil }
        guard let reference = status["status_list"], let index = reference["idx"]?.intValue, index >= 0,
              index <= Int64(Int32.max), let uri = reference["uri"]?.stringValue, !uri.isEmpty else { throw .malformed }
        return StatusReference(index: Int(index), uri: uri)
    }

    /// The id under which the issuer anchors this list on chain: keccak256 of the URI's UTF-8 bytes.
    public var listId: [UInt8] { StatusListToken.listId(uri: uri) }
}

/// A Status List Token in JWT form (draft §5.1): `typ: statuslist+jwt`, `sub` = the list's URI, `iat`,
/// optional `exp` and `ttl`, and `status_list`. Signed ES256 by the credential issuer's key.
public struct StatusListToken: Sendable, Equatable {
    public static let type = "statuslist+jwt"
    public let jws: CompactJWS
    public let uri: String
    public let issuedAt: Int64
    public let expiresAt: Int64?
    public let list: StatusList

    public static func sign(list: StatusList, uri: String, issuedAt: Int64, expiresAt: Int64?, ttl: Int64?,
                            key: P256.Signing.PrivateKey) throws -> StatusListToken {
        var payload: [String: JSONValue] = ["sub": .string(uri), "iat": .int(issuedAt), "status_list": list.json]
        if let expiresAt { payload["exp"] = .int(expiresAt) }
        if let ttl { payload["ttl"] = .int(ttl) }
        let jws = try CompactJWS.sign(payload: .object(payload), type: type, key: key)
        return StatusListToken(jws: jws, uri: uri, issuedAt: issuedAt, expiresAt: expiresAt, list: list)
    }

    /// Parses and checks a token fetched for `uri`: its type, `sub`, signature under `issuerKey` and expiry.
    public init(serialized: String, uri: String, issuerKey: P256.Signing.PublicKey, now: Int64,
                clockSkew: Int64 = 60) throws(CredentialStatusError) {
        guard serialized.utf8.count <= 2 * StatusList.maxBytes, let jws = CompactJWS(compact: serialized.trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw .tokenMalformed }
        guard jws.header["typ"] == .string(Self.type) else { throw .tokenType }
        guard jws.isValidSignature(key: issuerKey) else { throw .tokenSignature }
        guard jws.payload["sub"] == .string(uri) else { throw .tokenSubject }
        guard let issuedAt = jws.payload["iat"]?.intValue else { throw .tokenMalformed }
        let expiresAt = jws.payload["exp"]?.intValue
        if let expiresAt { guard now < expiresAt + clockSkew else { throw .tokenExpired } }
        guard let listJSON = jws.payload["status_list"] else { throw .tokenMalformed }
        do { list = try StatusList(json: listJSON) } catch { throw .tokenMalformed }
        self.jws = jws
        self.uri = uri
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    private init(jws: CompactJWS, uri: String, issuedAt: Int64, expiresAt: Int64?, list: StatusList) {
        self.jws = jws
        self.uri = uri
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.list = list
    }

    /// SHA-256 of the token's compact serialization: what the issuer anchors on chain.
    public static func digest(of serialized: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(serialized.trimmingCharacters(in: .whitespacesAndNewlines).utf8)))
    }

    public static func listId(uri: String) -> [UInt8] { Keccak256.digest(Array(uri.utf8)) }
}
