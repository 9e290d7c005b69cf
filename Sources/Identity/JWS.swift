import Crypto
import Foundation

/// A JWS in compact serialization (RFC 7515) signed with ES256 (ECDSA P-256 over SHA-256, RFC 7518 §3.4),
/// the only algorithm this layer issues or accepts. The header and payload keep the exact base64url text
/// they arrived in: signatures and `sd_hash` cover those bytes, not a re-encoding.
public struct CompactJWS: Sendable, Equatable {
    public let encodedHeader: String
    public let encodedPayload: String
    public let encodedSignature: String
    public let header: JSONValue
    public let payload: JSONValue

    public var serialized: String { "\(encodedHeader).\(encodedPayload).\(encodedSignature)" }
    var signingInput: [UInt8] { Array("\(encodedHeader).\(encodedPayload)".utf8) }

    /// Signs `payload` under a header of `alg: ES256`, `typ` and, when given, `kid` (the signer's key id).
    public static func sign(payload: JSONValue, type: String, keyID: String? = nil, key: P256.Signing.PrivateKey) throws -> CompactJWS {
        var fields: [String: JSONValue] = ["alg": .string("ES256"), "typ": .string(type)]
        if let keyID { fields["kid"] = .string(keyID) }
        let header = JSONValue.object(fields)
        let encodedHeader = Base64URL.encode(header.serialized())
        let encodedPayload = Base64URL.encode(payload.serialized())
        let signature = try key.signature(for: Array("\(encodedHeader).\(encodedPayload)".utf8))
        return CompactJWS(encodedHeader: encodedHeader, encodedPayload: encodedPayload,
                          encodedSignature: Base64URL.encode(signature.rawRepresentation), header: header, payload: payload)
    }

    /// Parses without verifying; nil unless three base64url parts whose first two are JSON objects.
    public init?(compact: some StringProtocol) {
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              Base64URL.decode(parts[2]) != nil,
              let header = try? JSONValue.parse(headerBytes), header.objectValue != nil,
              let payload = try? JSONValue.parse(payloadBytes), payload.objectValue != nil else { return nil }
        self.init(encodedHeader: String(parts[0]), encodedPayload: String(parts[1]), encodedSignature: String(parts[2]),
                  header: header, payload: payload)
    }

    private init(encodedHeader: String, encodedPayload: String, encodedSignature: String, header: JSONValue, payload: JSONValue) {
        self.encodedHeader = encodedHeader
        self.encodedPayload = encodedPayload
        self.encodedSignature = encodedSignature
        self.header = header
        self.payload = payload
    }

    /// True when the header says ES256 and the 64-byte r‖s signature verifies under `key`.
    public func isValidSignature(key: P256.Signing.PublicKey) -> Bool {
        guard header["alg"] == .string("ES256"), let raw = Base64URL.decode(encodedSignature),
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: signingInput)
    }
}

/// A P-256 public key as a JWK (RFC 7517/7518 §6.2): `kty: EC`, `crv: P-256`, `x`, `y`.
public enum P256JWK {
    public static func jwk(_ key: P256.Signing.PublicKey) -> JSONValue {
        let point = key.x963Representation   // 0x04 ‖ x ‖ y
        return .object(["kty": .string("EC"), "crv": .string("P-256"),
                        "x": .string(Base64URL.encode(point[1..<33])), "y": .string(Base64URL.encode(point[33..<65]))])
    }

    /// Nil unless an EC P-256 JWK whose point is on the curve.
    public static func publicKey(_ jwk: JSONValue) -> P256.Signing.PublicKey? {
        guard jwk["kty"] == .string("EC"), jwk["crv"] == .string("P-256"),
              let x = jwk["x"]?.stringValue.flatMap(Base64URL.decode), let y = jwk["y"]?.stringValue.flatMap(Base64URL.decode),
              x.count == 32, y.count == 32 else { return nil }
        return try? P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
    }
}
