import Crypto
import Foundation

/// An SD-JWT Disclosure (RFC 9901 §4.2.1, §4.2.2): the base64url of the JSON array `[salt, name, value]` for an
/// object property or `[salt, value]` for an array element. `encoded` is kept as received: digests cover it.
public struct Disclosure: Sendable, Equatable {
    public let encoded: String
    public let salt: String
    /// Nil for an array-element disclosure.
    public let name: String?
    public let value: JSONValue

    /// A new object-property disclosure (`name` given) or array-element disclosure (`name` nil).
    public init(salt: String, name: String?, value: JSONValue) {
        self.salt = salt
        self.name = name
        self.value = value
        let array: [JSONValue] = name.map { [.string(salt), .string($0), value] } ?? [.string(salt), value]
        encoded = Base64URL.encode(JSONValue.array(array).serialized())
    }

    /// Parses a received disclosure; nil unless base64url of a JSON array of 2 or 3 elements with string salt (and name).
    public init?(encoded: String) {
        guard let bytes = Base64URL.decode(encoded), let array = (try? JSONValue.parse(bytes))?.arrayValue,
              let salt = array.first?.stringValue else { return nil }
        switch array.count {
        case 2: name = nil; value = array[1]
        case 3:
            guard let name = array[1].stringValue else { return nil }
            self.name = name
            value = array[2]
        default: return nil
        }
        self.salt = salt
        self.encoded = encoded
    }

    /// base64url(SHA-256(ASCII of the encoded disclosure)) (RFC 9901 §4.2.3).
    public var digest: String { Self.digest(of: encoded) }

    public static func digest(of text: String) -> String { Base64URL.encode(SHA256.hash(data: Array(text.utf8))) }

    /// 128 bits from the system CSPRNG, base64url (RFC 9901 §9.3 recommends at least 128).
    public static func randomSalt() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A decoy digest (§4.2.5): the digest of random bytes, indistinguishable from a real one.
    public static func decoyDigest() -> String { digest(of: randomSalt()) }
}
