// Function selectors, events (topics, log decoding) and revert data (Error(string), Panic(uint256),
// custom errors) per the Solidity ABI spec.

/// A contract function: selector = first 4 bytes of Keccak-256 of the canonical signature.
public struct ABIFunction: Sendable, Hashable {
    public let name: String
    public let inputs: [ABIType]
    public let outputs: [ABIType]

    public init(name: String, inputs: [ABIType], outputs: [ABIType] = []) {
        self.name = name; self.inputs = inputs; self.outputs = outputs
    }

    /// Parses "name(type,…)" (canonical or with "uint"/"int" aliases).
    public init(signature: String, outputs: [ABIType] = []) throws(ABIError) {
        guard let open = signature.firstIndex(of: "("), signature.hasSuffix(")"),
              !signature[..<open].isEmpty else { throw .invalidType(signature) }
        let t = try ABIType(parsing: String(signature[open...]))
        guard case .tuple(let inputs) = t else { throw .invalidType(signature) }
        self.init(name: String(signature[..<open]), inputs: inputs, outputs: outputs)
    }

    public var signature: String { name + ABIType.tuple(inputs).description }
    public var selector: [UInt8] { Array(Keccak256.digest(Array(signature.utf8)).prefix(4)) }

    /// Calldata: selector || abi.encode(inputs).
    public func encodeCall(_ values: [ABIValue]) throws(ABIError) -> [UInt8] {
        selector + (try ABI.encode(inputs, values))
    }

    /// Decodes calldata after checking the selector.
    public func decodeCall(_ data: [UInt8]) throws(ABIError) -> [ABIValue] {
        guard data.count >= 4 else { throw .truncated(needed: 4, available: data.count) }
        guard Array(data.prefix(4)) == selector else { throw .wrongSelector(expected: selector, actual: Array(data.prefix(4))) }
        return try ABI.decode(inputs, from: Array(data.dropFirst(4)))
    }

    /// Decodes eth_call return data.
    public func decodeOutput(_ data: [UInt8]) throws(ABIError) -> [ABIValue] {
        try ABI.decode(outputs, from: data)
    }
}

/// An event declaration. Non-anonymous events carry Keccak-256(signature) as topic 0.
public struct ABIEvent: Sendable, Hashable {
    public struct Parameter: Sendable, Hashable {
        public let name: String
        public let type: ABIType
        public let indexed: Bool
        public init(name: String, type: ABIType, indexed: Bool) { self.name = name; self.type = type; self.indexed = indexed }
    }

    /// A decoded event argument. Indexed dynamic values are stored in the log only as a hash.
    public enum Value: Sendable, Hashable {
        case value(ABIValue)
        case hashed(Hash32)
    }

    public let name: String
    public let parameters: [Parameter]
    public let anonymous: Bool

    public init(name: String, parameters: [Parameter], anonymous: Bool = false) {
        self.name = name; self.parameters = parameters; self.anonymous = anonymous
    }

    public var signature: String { name + ABIType.tuple(parameters.map(\.type)).description }
    public var topic0: Hash32 { Keccak256.hash(Array(signature.utf8)) }

    /// Topic for an indexed argument: static values are their 32-byte encoding; bytes/string are
    /// Keccak-256 of the raw bytes; arrays/tuples are Keccak-256 of their in-place padded encoding.
    public static func topic(for type: ABIType, _ value: ABIValue) throws(ABIError) -> Hash32 {
        switch type {
        case .bytes, .string, .array, .fixedArray, .tuple:
            if case .bytes(let b) = value, case .bytes = type { return Keccak256.hash(b) }
            if case .string(let s) = value, case .string = type { return Keccak256.hash(Array(s.utf8)) }
            if type.isDynamic || isComposite(type) { return Keccak256.hash(try inPlaceEncoding(type, value)) }
            return Hash32(unchecked: try ABI.encode(type, value))
        default:
            return Hash32(unchecked: try ABI.encode(type, value))
        }
    }

    static func isComposite(_ t: ABIType) -> Bool {
        switch t {
        case .array, .fixedArray, .tuple: return true
        default: return false
        }
    }

    /// Spec "Encoding of indexed event parameters": members concatenated, each padded to 32 bytes, no lengths or offsets.
    static func inPlaceEncoding(_ t: ABIType, _ v: ABIValue) throws(ABIError) -> [UInt8] {
        switch (t, v) {
        case (.bytes, .bytes(let b)): return ABI.padded(b)
        case (.string, .string(let s)): return ABI.padded(Array(s.utf8))
        case (.array(let et), .array(let items)):
            var out = [UInt8]()
            for item in items { out += try inPlaceEncoding(et, item) }
            return out
        case (.fixedArray(let et, let k), .array(let items)):
            guard items.count == k else { throw .wrongCount(expected: k, actual: items.count) }
            var out = [UInt8]()
            for item in items { out += try inPlaceEncoding(et, item) }
            return out
        case (.tuple(let ts), .tuple(let items)):
            guard ts.count == items.count else { throw .wrongCount(expected: ts.count, actual: items.count) }
            var out = [UInt8]()
            for (mt, mv) in zip(ts, items) { out += try inPlaceEncoding(mt, mv) }
            return out
        default:
            return try ABI.encode(t, v)
        }
    }

    /// Decodes a log: indexed arguments from topics (dynamic ones as `.hashed`), the rest from data.
    public func decodeLog(topics: [Hash32], data: [UInt8]) throws(ABIError) -> [Value] {
        let indexed = parameters.filter(\.indexed)
        let expectedTopics = indexed.count + (anonymous ? 0 : 1)
        guard topics.count == expectedTopics else { throw .wrongTopicCount(expected: expectedTopics, actual: topics.count) }
        if !anonymous, topics[0] != topic0 { throw .wrongTopic0 }
        let plain = try ABI.decode(parameters.filter { !$0.indexed }.map(\.type), from: data)
        var topicIndex = anonymous ? 0 : 1, plainIndex = 0
        var out = [Value]()
        for p in parameters {
            if p.indexed {
                let topic = topics[topicIndex]
                topicIndex += 1
                if p.type.isDynamic || Self.isComposite(p.type) {
                    out.append(.hashed(topic))
                } else {
                    out.append(.value(try ABI.decode([p.type], from: topic.bytes)[0]))
                }
            } else {
                out.append(.value(plain[plainIndex]))
                plainIndex += 1
            }
        }
        return out
    }
}

/// A Solidity custom error `error Name(types…)`; encoded like a function call.
public struct ABICustomError: Sendable, Hashable {
    public let name: String
    public let inputs: [ABIType]
    public init(name: String, inputs: [ABIType]) { self.name = name; self.inputs = inputs }
    public var signature: String { name + ABIType.tuple(inputs).description }
    public var selector: [UInt8] { Array(Keccak256.digest(Array(signature.utf8)).prefix(4)) }
}

/// Decoded revert data of a failed call.
public enum RevertReason: Sendable, Hashable, CustomStringConvertible {
    /// Revert without data (`revert()`, out-of-gas and similar).
    case empty
    /// `Error(string)`, selector 0x08c379a0 (`require(cond, "reason")`).
    case error(String)
    /// `Panic(uint256)`, selector 0x4e487b71 (assert, overflow, division by zero, …).
    case panic(UInt256)
    case custom(ABICustomError, [ABIValue])
    /// Data with a selector that matches none of the known errors.
    case unknown(selector: [UInt8], data: [UInt8])

    static let errorSelector: [UInt8] = [0x08, 0xc3, 0x79, 0xa0]
    static let panicSelector: [UInt8] = [0x4e, 0x48, 0x7b, 0x71]

    /// Decodes revert data. Malformed payloads of known selectors are typed errors.
    public static func decode(_ data: [UInt8], customErrors: [ABICustomError] = []) throws(ABIError) -> RevertReason {
        if data.isEmpty { return .empty }
        guard data.count >= 4 else { throw .truncated(needed: 4, available: data.count) }
        let selector = Array(data.prefix(4)), body = Array(data.dropFirst(4))
        if selector == errorSelector, case .string(let s) = try ABI.decode([.string], from: body)[0] { return .error(s) }
        if selector == panicSelector, case .uint(let code) = try ABI.decode([.uint256], from: body)[0] { return .panic(code) }
        if let e = customErrors.first(where: { $0.selector == selector }) {
            return .custom(e, try ABI.decode(e.inputs, from: body))
        }
        return .unknown(selector: selector, data: body)
    }

    /// Solidity panic codes (docs: "Panic via assert and Error via require").
    public static func panicMeaning(_ code: UInt256) -> String {
        switch code {
        case 0x00: return "generic compiler panic"
        case 0x01: return "assert failed"
        case 0x11: return "arithmetic overflow or underflow"
        case 0x12: return "division or modulo by zero"
        case 0x21: return "invalid enum value"
        case 0x22: return "invalid storage byte array encoding"
        case 0x31: return "pop on empty array"
        case 0x32: return "array index out of bounds"
        case 0x41: return "out of memory"
        case 0x51: return "call to zero-initialized function"
        default: return "unknown panic code"
        }
    }

    public var description: String {
        switch self {
        case .empty: return "reverted without reason"
        case .error(let s): return "reverted: \(s)"
        case .panic(let c): return "panic \(c.quantityHex): \(Self.panicMeaning(c))"
        case .custom(let e, let v): return "reverted with \(e.name)(\(v.count) args)"
        case .unknown(let sel, _): return "reverted with unknown error \(Hex.encode(sel))"
        }
    }
}
