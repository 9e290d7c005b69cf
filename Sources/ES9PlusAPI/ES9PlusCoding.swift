import Foundation
import RSPASN1

/// A malformed ES9+ JSON message. Decoding never returns a partial value.
public enum ES9PlusAPIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The body is not JSON, or a field has the wrong JSON type.
    case malformedJSON(String)
    /// A mandatory field is absent.
    case missingField(String)
    /// A field that must be standard Base64 is not.
    case invalidBase64(field: String)
    /// A field that must be a hex string (transactionId) is not, or is outside 1…16 bytes.
    case invalidHex(field: String)
    /// The Base64 payload is not the complete DER TLV the field requires (wrong tag, truncated, trailing bytes…).
    case invalidTLV(field: String, reason: String)
    /// A raw-bytes field has the wrong size (euiccChallenge must be 16 bytes).
    case invalidLength(field: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .malformedJSON(let m): "malformed ES9+ JSON: \(m)"
        case .missingField(let f): "ES9+ field \(f) is missing"
        case .invalidBase64(let f): "ES9+ field \(f) is not valid Base64"
        case .invalidHex(let f): "ES9+ field \(f) is not a valid hex transactionId"
        case .invalidTLV(let f, let r): "ES9+ field \(f) is not a valid TLV: \(r)"
        case .invalidLength(let f, let e, let a): "ES9+ field \(f) must be \(e) bytes, got \(a)"
        }
    }

    /// The ES9+ status an SM-DP+ answers this error with.
    public var status: ES9PlusStatus {
        if case .missingField = self { return .mandatoryFieldMissing }
        return .invalidRequestFormat
    }
}

/// JSON coding of ES9+ messages.
public enum ES9PlusJSON {
    /// Decodes one ES9+ message; every failure is an `ES9PlusAPIError`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(ES9PlusAPIError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as ES9PlusAPIError {
            throw error
        } catch let DecodingError.keyNotFound(key, _) {
            throw .missingField(key.stringValue)
        } catch let DecodingError.valueNotFound(_, context) {
            throw .missingField(context.codingPath.map(\.stringValue).joined(separator: "."))
        } catch let DecodingError.typeMismatch(_, context) {
            throw .malformedJSON("wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.dataCorrupted(context) {
            throw .malformedJSON(context.debugDescription)
        } catch {
            throw .malformedJSON("\(error)")
        }
    }

    /// Encodes one ES9+ message (keys sorted, so the output is stable).
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

// MARK: - Field coding

extension KeyedDecodingContainer {
    func base64(_ key: Key) throws -> [UInt8] {
        let string = try decode(String.self, forKey: key)
        guard let data = Data(base64Encoded: string) else { throw ES9PlusAPIError.invalidBase64(field: key.stringValue) }
        return Array(data)
    }

    /// A Base64 field carrying one complete DER TLV of an SGP.22 message.
    func message<M: RSPMessage>(_ type: M.Type, _ key: Key) throws -> M {
        let bytes = try base64(key)
        do { return try M(der: bytes) } catch {
            throw ES9PlusAPIError.invalidTLV(field: key.stringValue, reason: error.description)
        }
    }

    /// A Base64 field carrying `5F 37 40 <r‖s>`.
    func signature(_ key: Key) throws -> ECDSASignature {
        let bytes = try base64(key)
        guard bytes.count == 67, bytes[0] == 0x5F, bytes[1] == 0x37, bytes[2] == 0x40 else {
            throw ES9PlusAPIError.invalidTLV(field: key.stringValue, reason: "expected 5F 37 40 followed by 64 bytes")
        }
        do { return try ECDSASignature(Array(bytes[3...])) } catch {
            throw ES9PlusAPIError.invalidTLV(field: key.stringValue, reason: error.description)
        }
    }

    /// A Base64 field carrying one DER certificate (`30 L …`), kept as its exact bytes.
    func certificate(_ key: Key) throws -> [UInt8] {
        let bytes = try base64(key)
        try ES9PlusTLV.checkSingle(bytes, firstTag: 0x30, field: key.stringValue)
        return bytes
    }

    /// A Base64 field carrying `04 L <value>` (an OCTET STRING TLV, e.g. `euiccCiPKIdToBeUsed`); returns the value.
    func octetStringValue(_ key: Key) throws -> [UInt8] {
        let bytes = try base64(key)
        try ES9PlusTLV.checkSingle(bytes, firstTag: 0x04, field: key.stringValue)
        do {
            let header = try TLVHeader.read(bytes[...])
            return Array(bytes[header.headerLength...])
        } catch {
            throw ES9PlusAPIError.invalidTLV(field: key.stringValue, reason: error.description)
        }
    }

    func transactionId(_ key: Key) throws -> TransactionID {
        let string = try decode(String.self, forKey: key)
        do { return try TransactionID(hex: string) } catch { throw ES9PlusAPIError.invalidHex(field: key.stringValue) }
    }
}

extension KeyedEncodingContainer {
    mutating func base64(_ bytes: [UInt8], _ key: Key) throws {
        try encode(Data(bytes).base64EncodedString(), forKey: key)
    }

    mutating func message<M: RSPMessage>(_ value: M, _ key: Key) throws {
        try base64(try value.derEncoded(), key)
    }
}

enum ES9PlusTLV {
    static func checkSingle(_ bytes: [UInt8], firstTag: UInt8, field: String) throws(ES9PlusAPIError) {
        let header: TLVHeader
        do { header = try TLVHeader.read(bytes[...]) } catch {
            throw .invalidTLV(field: field, reason: error.description)
        }
        guard bytes.first == firstTag else {
            throw .invalidTLV(field: field, reason: String(format: "expected tag %02X", firstTag))
        }
        guard header.totalLength == bytes.count else {
            throw .invalidTLV(field: field, reason: "\(bytes.count - header.totalLength) trailing byte(s)")
        }
    }

    /// `04 L value` for a short OCTET STRING (≤ 127 bytes).
    static func octetString(_ value: [UInt8]) -> [UInt8] { [0x04, UInt8(value.count)] + value }
}
