// EIP-191 personal messages (version 0x45, "\x19Ethereum Signed Message:\n" + length) and
// EIP-712 typed structured data hashing and signing (https://eips.ethereum.org/EIPS/eip-712).
import BigInt

/// EIP-191 version 0x45: the message format signed by `personal_sign`.
public enum PersonalMessage {
    /// Keccak-256("\x19Ethereum Signed Message:\n" + decimal length + message).
    public static func hash(_ message: [UInt8]) -> Hash32 {
        Keccak256.hash(Array("\u{19}Ethereum Signed Message:\n\(message.count)".utf8) + message)
    }

    public static func sign(_ message: [UInt8], with key: PrivateKey) throws(Secp256k1Error) -> Signature {
        try key.sign(digest: hash(message))
    }

    public static func recoverAddress(_ message: [UInt8], signature: Signature) throws(Secp256k1Error) -> Address {
        try signature.recoverAddress(digest: hash(message))
    }
}

/// Errors from EIP-712 type descriptions and values.
public enum EIP712Error: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownType(String)
    case missingField(type: String, field: String)
    case invalidValue(type: String, reason: String)
    case recursionTooDeep
    case abi(ABIError)

    public var description: String {
        switch self {
        case .unknownType(let t): return "EIP-712: unknown type \(t)"
        case .missingField(let t, let f): return "EIP-712: \(t) value lacks field \(f)"
        case .invalidValue(let t, let r): return "EIP-712: invalid \(t) value: \(r)"
        case .recursionTooDeep: return "EIP-712: values nested too deeply"
        case .abi(let e): return "EIP-712: \(e)"
        }
    }
}

/// A JSON value as it appears in eth_signTypedData_v4 payloads.
public indirect enum TypedDataValue: Sendable, Hashable, Codable {
    case string(String)
    case integer(BigInt)
    case bool(Bool)
    case array([TypedDataValue])
    case object([String: TypedDataValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(BigInt(i)) }
        else if let u = try? c.decode(UInt64.self) { self = .integer(BigInt(u)) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([TypedDataValue].self) { self = .array(a) }
        else if let o = try? c.decode([String: TypedDataValue].self) { self = .object(o) }
        else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "unsupported JSON value (floats and null are not EIP-712 values)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .integer(let i): try c.encode(i.description)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

/// EIP-712 typed data in the eth_signTypedData_v4 JSON shape.
public struct TypedData: Sendable, Hashable, Codable {
    public struct Field: Sendable, Hashable, Codable {
        public let name: String
        public let type: String
        public init(name: String, type: String) { self.name = name; self.type = type }
    }

    public var types: [String: [Field]]
    public var primaryType: String
    public var domain: [String: TypedDataValue]
    public var message: [String: TypedDataValue]

    public init(types: [String: [Field]], primaryType: String, domain: [String: TypedDataValue], message: [String: TypedDataValue]) {
        self.types = types; self.primaryType = primaryType; self.domain = domain; self.message = message
    }

    /// EIP712Domain fields: from `types` if declared, else the standard fields present in `domain`, in EIP order.
    var domainFields: [Field] {
        if let declared = types["EIP712Domain"] { return declared }
        let standard: [(String, String)] = [("name", "string"), ("version", "string"), ("chainId", "uint256"),
                                            ("verifyingContract", "address"), ("salt", "bytes32")]
        return standard.filter { domain[$0.0] != nil }.map { Field(name: $0.0, type: $0.1) }
    }

    var allTypes: [String: [Field]] {
        var t = types
        t["EIP712Domain"] = domainFields
        return t
    }

    /// encodeType: "Primary(type name,…)" followed by referenced struct types sorted by name.
    public func encodeType(_ name: String) throws(EIP712Error) -> String {
        let all = allTypes
        var deps = Set<String>()
        try collectDependencies(name, all, &deps)
        deps.remove(name)
        return try ([name] + deps.sorted()).map { (n: String) throws(EIP712Error) -> String in
            guard let fields = all[n] else { throw .unknownType(n) }
            return n + "(" + fields.map { "\($0.type) \($0.name)" }.joined(separator: ",") + ")"
        }.joined()
    }

    func collectDependencies(_ name: String, _ all: [String: [Field]], _ found: inout Set<String>) throws(EIP712Error) {
        let base = Self.baseName(name)
        guard let fields = all[base], !found.contains(base) else { return }
        found.insert(base)
        for f in fields { try collectDependencies(f.type, all, &found) }
    }

    /// Strips array suffixes: "Person[][2]" -> "Person".
    static func baseName(_ type: String) -> String {
        type.firstIndex(of: "[").map { String(type[..<$0]) } ?? type
    }

    public func typeHash(_ name: String) throws(EIP712Error) -> Hash32 {
        Keccak256.hash(Array(try encodeType(name).utf8))
    }

    /// hashStruct(s) = keccak256(typeHash || encodeData(s)).
    public func hashStruct(_ name: String, _ value: [String: TypedDataValue]) throws(EIP712Error) -> Hash32 {
        Keccak256.hash(try encodeData(name, value, depth: 0))
    }

    /// typeHash followed by each member's 32-byte encoding.
    public func encodeData(_ name: String, _ value: [String: TypedDataValue], depth: Int = 0) throws(EIP712Error) -> [UInt8] {
        guard depth < 32 else { throw .recursionTooDeep }
        guard let fields = allTypes[name] else { throw .unknownType(name) }
        var out = try typeHash(name).bytes
        for f in fields {
            guard let v = value[f.name] else { throw .missingField(type: name, field: f.name) }
            out += try encodeField(f.type, v, depth: depth + 1)
        }
        return out
    }

    func encodeField(_ type: String, _ v: TypedDataValue, depth: Int) throws(EIP712Error) -> [UInt8] {
        guard depth < 32 else { throw .recursionTooDeep }
        if type.hasSuffix("]"), let open = type.lastIndex(of: "[") {
            let element = String(type[..<open])
            guard case .array(let items) = v else { throw .invalidValue(type: type, reason: "expected an array") }
            let size = type[type.index(after: open)..<type.index(before: type.endIndex)]
            if !size.isEmpty, Int(size) != items.count { throw .invalidValue(type: type, reason: "expected \(size) elements") }
            var concatenated = [UInt8]()
            for item in items { concatenated += try encodeField(element, item, depth: depth + 1) }
            return Keccak256.digest(concatenated)
        }
        if allTypes[type] != nil {
            guard case .object(let members) = v else { throw .invalidValue(type: type, reason: "expected an object") }
            return try hashStruct(type, members).bytes
        }
        switch type {
        case "string":
            guard case .string(let s) = v else { throw .invalidValue(type: type, reason: "expected a string") }
            return Keccak256.digest(Array(s.utf8))
        case "bytes":
            return Keccak256.digest(try Self.bytes(v, type))
        default:
            return try atomic(type, v)
        }
    }

    func atomic(_ type: String, _ v: TypedDataValue) throws(EIP712Error) -> [UInt8] {
        let abiType: ABIType
        do { abiType = try ABIType(parsing: type) } catch { throw .unknownType(type) }
        let value: ABIValue
        switch (abiType, v) {
        case (.bool, .bool(let b)): value = .bool(b)
        case (.address, .string(let s)):
            do { value = .address(try Address(hex: s)) } catch { throw .invalidValue(type: type, reason: error.description) }
        case (.uint, _):
            let i = try Self.integer(v, type)
            guard i.sign == .plus || i.isZero, let u = try? UInt256(i.magnitude) else { throw .invalidValue(type: type, reason: "out of range") }
            value = .uint(u)
        case (.int, _): value = .int(try Self.integer(v, type))
        case (.fixedBytes, _): value = .fixedBytes(try Self.bytes(v, type))
        default: throw .invalidValue(type: type, reason: "unsupported value for this type")
        }
        do { return try ABI.encode(abiType, value) } catch { throw .abi(error) }
    }

    /// Integers as JSON numbers, decimal strings or 0x-hex strings (as wallets send them).
    static func integer(_ v: TypedDataValue, _ type: String) throws(EIP712Error) -> BigInt {
        switch v {
        case .integer(let i): return i
        case .string(let s):
            let negative = s.hasPrefix("-")
            let body = negative ? String(s.dropFirst()) : s
            let magnitude: BigUInt?
            if body.hasPrefix("0x") { magnitude = BigUInt(String(body.dropFirst(2)), radix: 16) }
            else if !body.isEmpty, body.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { magnitude = BigUInt(body, radix: 10) }
            else { magnitude = nil }
            guard let m = magnitude else { throw .invalidValue(type: type, reason: "not an integer: \(s)") }
            return negative ? -BigInt(m) : BigInt(m)
        default: throw .invalidValue(type: type, reason: "expected an integer")
        }
    }

    static func bytes(_ v: TypedDataValue, _ type: String) throws(EIP712Error) -> [UInt8] {
        guard case .string(let s) = v else { throw .invalidValue(type: type, reason: "expected 0x-hex bytes") }
        do { return try Hex.decode(s, requirePrefix: true) } catch { throw .invalidValue(type: type, reason: error.description) }
    }

    public func domainSeparator() throws(EIP712Error) -> Hash32 {
        try hashStruct("EIP712Domain", domain)
    }

    /// keccak256(0x19 0x01 || domainSeparator || hashStruct(message)).
    public func signingHash() throws(EIP712Error) -> Hash32 {
        Keccak256.hash([0x19, 0x01] + (try domainSeparator()).bytes + (try hashStruct(primaryType, message)).bytes)
    }

    public func sign(with key: PrivateKey) throws -> Signature {
        try key.sign(digest: try signingHash())
    }

    /// True if `signature` over this typed data recovers to `signer`.
    public func verify(signature: Signature, signer: Address) throws(EIP712Error) -> Bool {
        signature.verify(digest: try signingHash(), address: signer)
    }
}
