// Typed calls, results and events over EthereumCore's ABI codec. Every binding in this target is
// written by hand from contracts/build/<Name>.json; SettlementTests/ABIDriftTests checks that the
// two agree in both directions.
import EthereumCore

/// Errors from encoding a typed call or decoding a result, a log or revert data.
public enum BindingError: Error, Equatable, Sendable, CustomStringConvertible {
    case abi(ABIError)
    /// A decoded value whose ABI shape is not the one the binding expects.
    case unexpectedValue(field: String, expected: String)
    /// A uint8 that is not a member of the contract's enumeration (role, status, rule).
    case unknownEnumValue(type: String, value: UInt64)
    /// An integer that does not fit the Swift type the binding exposes.
    case valueTooLarge(field: String)
    /// A log whose address is not the contract's.
    case wrongLogAddress(expected: Address, actual: Address)

    public var description: String {
        switch self {
        case .abi(let e): return "binding: \(e)"
        case .unexpectedValue(let f, let t): return "binding: \(f) is not a \(t)"
        case .unknownEnumValue(let t, let v): return "binding: \(v) is not a valid \(t)"
        case .valueTooLarge(let f): return "binding: \(f) does not fit its Swift type"
        case .wrongLogAddress(let e, let a): return "binding: log from \(a), expected \(e)"
        }
    }
}

/// One contract function call: the ABI function, its arguments and a typed decoder of its return data.
/// `calldata` is what goes into `eth_call` or a transaction's `data`.
public struct ContractCall<Output: Sendable>: Sendable {
    public let function: ABIFunction
    public let arguments: [ABIValue]
    let decoder: @Sendable ([ABIValue]) throws(BindingError) -> Output

    init(_ function: ABIFunction, _ arguments: [ABIValue],
         decoder: @escaping @Sendable ([ABIValue]) throws(BindingError) -> Output) {
        self.function = function
        self.arguments = arguments
        self.decoder = decoder
    }

    /// selector ‖ abi.encode(arguments)
    public func calldata() throws(BindingError) -> [UInt8] {
        do { return try function.encodeCall(arguments) } catch { throw .abi(error) }
    }

    /// Decodes `eth_call` return data into the typed result.
    public func decodeOutput(_ data: [UInt8]) throws(BindingError) -> Output {
        let values: [ABIValue]
        do { values = try function.decodeOutput(data) } catch { throw .abi(error) }
        return try decoder(values)
    }
}

extension ContractCall where Output == Void {
    /// A call without return values (state-changing functions that return nothing).
    init(_ function: ABIFunction, _ arguments: [ABIValue]) {
        self.init(function, arguments) { (_: [ABIValue]) throws(BindingError) in () }
    }
}

/// A typed event: the ABI declaration and a decoder from its log.
public protocol ContractEvent: Sendable {
    static var event: ABIEvent { get }
    /// Builds the event from the decoded arguments, in declaration order.
    init(arguments: ABIValueReader) throws(BindingError)
}

extension ContractEvent {
    /// Decodes a log (`topics`, `data`) of this event; throws if topic0 or the shape does not match.
    public init(topics: [Hash32], data: [UInt8]) throws(BindingError) {
        let decoded: [ABIEvent.Value]
        do { decoded = try Self.event.decodeLog(topics: topics, data: data) } catch { throw .abi(error) }
        try self.init(arguments: ABIValueReader(eventValues: decoded, names: Self.event.parameters.map(\.name)))
    }

    /// True when `topics[0]` is this event's signature hash (cheap filter before decoding).
    public static func matches(topics: [Hash32]) -> Bool {
        topics.first == event.topic0
    }
}

/// Reads ABI values in order with typed accessors; used by result and event decoders.
public struct ABIValueReader: Sendable {
    enum Item: Sendable { case value(ABIValue), hashed(Hash32) }
    private let items: [Item]
    private let names: [String]
    private var index = 0

    init(values: [ABIValue], names: [String] = []) {
        self.items = values.map { .value($0) }
        self.names = names
    }

    init(eventValues: [ABIEvent.Value], names: [String]) {
        self.items = eventValues.map {
            switch $0 {
            case .value(let v): return .value(v)
            case .hashed(let h): return .hashed(h)
            }
        }
        self.names = names
    }

    private var fieldName: String { index < names.count ? names[index] : "value \(index)" }

    /// The next value and its field name (for error messages); advances past it.
    private mutating func next(_ expected: String) throws(BindingError) -> (value: ABIValue, field: String) {
        let field = fieldName
        guard index < items.count, case .value(let v) = items[index] else { throw .unexpectedValue(field: field, expected: expected) }
        index += 1
        return (v, field)
    }

    public mutating func uint256() throws(BindingError) -> UInt256 {
        let (value, field) = try next("uint")
        guard case .uint(let x) = value else { throw .unexpectedValue(field: field, expected: "uint") }
        return x
    }

    /// uint64/uint16/uint8 values as UInt64 (the codec has already range-checked them against the ABI type).
    public mutating func uint64() throws(BindingError) -> UInt64 {
        let name = fieldName
        let x = try uint256()
        guard x.bitWidth <= 64 else { throw .valueTooLarge(field: name) }
        return x.w0
    }

    public mutating func uint16() throws(BindingError) -> UInt16 {
        let name = fieldName
        let x = try uint64()
        guard x <= UInt64(UInt16.max) else { throw .valueTooLarge(field: name) }
        return UInt16(x)
    }

    public mutating func uint8() throws(BindingError) -> UInt8 {
        let name = fieldName
        let x = try uint64()
        guard x <= UInt64(UInt8.max) else { throw .valueTooLarge(field: name) }
        return UInt8(x)
    }

    /// A uint8-backed contract enumeration.
    public mutating func enumeration<E: RawRepresentable>(_ type: E.Type) throws(BindingError) -> E where E.RawValue == UInt8 {
        let raw = try uint8()
        guard let e = E(rawValue: raw) else { throw .unknownEnumValue(type: "\(E.self)", value: UInt64(raw)) }
        return e
    }

    public mutating func address() throws(BindingError) -> Address {
        let (value, field) = try next("address")
        guard case .address(let a) = value else { throw .unexpectedValue(field: field, expected: "address") }
        return a
    }

    public mutating func bool() throws(BindingError) -> Bool {
        let (value, field) = try next("bool")
        guard case .bool(let b) = value else { throw .unexpectedValue(field: field, expected: "bool") }
        return b
    }

    public mutating func bytes32() throws(BindingError) -> Hash32 {
        let (value, field) = try next("bytes32")
        guard case .fixedBytes(let b) = value, b.count == 32, let h = try? Hash32(b) else { throw .unexpectedValue(field: field, expected: "bytes32") }
        return h
    }

    public mutating func fixedBytes(_ n: Int) throws(BindingError) -> [UInt8] {
        let (value, field) = try next("bytes\(n)")
        guard case .fixedBytes(let b) = value, b.count == n else { throw .unexpectedValue(field: field, expected: "bytes\(n)") }
        return b
    }

    public mutating func bytes() throws(BindingError) -> [UInt8] {
        let (value, field) = try next("bytes")
        guard case .bytes(let b) = value else { throw .unexpectedValue(field: field, expected: "bytes") }
        return b
    }

    public mutating func string() throws(BindingError) -> String {
        let (value, field) = try next("string")
        guard case .string(let s) = value else { throw .unexpectedValue(field: field, expected: "string") }
        return s
    }

    public mutating func uint256Array() throws(BindingError) -> [UInt256] {
        let (value, field) = try next("uint256[]")
        guard case .array(let items) = value else { throw .unexpectedValue(field: field, expected: "uint256[]") }
        var out = [UInt256]()
        for item in items {
            guard case .uint(let x) = item else { throw .unexpectedValue(field: field, expected: "uint256[]") }
            out.append(x)
        }
        return out
    }

    /// A tuple member read as its own reader.
    public mutating func tuple() throws(BindingError) -> ABIValueReader {
        let (value, field) = try next("tuple")
        guard case .tuple(let items) = value else { throw .unexpectedValue(field: field, expected: "tuple") }
        return ABIValueReader(values: items)
    }

    /// An array member (fixed or dynamic) read as its own reader over the elements.
    public mutating func array() throws(BindingError) -> ABIValueReader {
        let (value, field) = try next("array")
        guard case .array(let items) = value else { throw .unexpectedValue(field: field, expected: "array") }
        return ABIValueReader(values: items)
    }

    /// An indexed dynamic event argument (string/bytes/array), present in the log only as its Keccak-256.
    public mutating func topicHash() throws(BindingError) -> Hash32 {
        guard index < items.count, case .hashed(let h) = items[index] else {
            throw .unexpectedValue(field: fieldName, expected: "indexed hash")
        }
        index += 1
        return h
    }
}

/// Decoders shared by the bindings.
enum Decode {
    static let uint256: @Sendable ([ABIValue]) throws(BindingError) -> UInt256 = { (v: [ABIValue]) throws(BindingError) in
        var r = ABIValueReader(values: v); return try r.uint256()
    }
    static let bool: @Sendable ([ABIValue]) throws(BindingError) -> Bool = { (v: [ABIValue]) throws(BindingError) in
        var r = ABIValueReader(values: v); return try r.bool()
    }
    static let address: @Sendable ([ABIValue]) throws(BindingError) -> Address = { (v: [ABIValue]) throws(BindingError) in
        var r = ABIValueReader(values: v); return try r.address()
    }
    static let bytes32: @Sendable ([ABIValue]) throws(BindingError) -> Hash32 = { (v: [ABIValue]) throws(BindingError) in
        var r = ABIValueReader(values: v); return try r.bytes32()
    }
    static let string: @Sendable ([ABIValue]) throws(BindingError) -> String = { (v: [ABIValue]) throws(BindingError) in
        var r = ABIValueReader(values: v); return try r.string()
    }
    static let uint8: @Sendable ([ABIValue]) throws(BindingError) -> UInt8 = { (v: [ABIValue]) throws(BindingError) in
        var r = ABIValueReader(values: v); return try r.uint8()
    }
}

/// Shorthands for building argument lists.
extension ABIValue {
    static func u256(_ x: UInt256) -> ABIValue { .uint(x) }
    static func u64(_ x: UInt64) -> ABIValue { .uint(UInt256(x)) }
    static func u16(_ x: UInt16) -> ABIValue { .uint(UInt256(UInt64(x))) }
    static func u24(_ x: UInt32) -> ABIValue { .uint(UInt256(UInt64(x))) }
    static func u8(_ x: UInt8) -> ABIValue { .uint(UInt256(UInt64(x))) }
    static func b32(_ h: Hash32) -> ABIValue { .fixedBytes(h.bytes) }
}

/// ABI type shorthands used by the binding declarations.
extension ABIType {
    static let u8 = ABIType.uint(8)
    static let u16 = ABIType.uint(16)
    static let u64 = ABIType.uint(64)
    static let b32 = ABIType.fixedBytes(32)
}

/// The constructor of a contract: its argument types, for deployment data = bytecode ‖ abi.encode(args).
public struct ContractConstructor: Sendable, Hashable {
    public let inputs: [ABIType]
    public init(inputs: [ABIType]) { self.inputs = inputs }

    /// Deployment transaction data: creation bytecode followed by the ABI-encoded constructor arguments.
    public func deploymentData(bytecode: [UInt8], arguments: [ABIValue]) throws(BindingError) -> [UInt8] {
        do { return bytecode + (try ABI.encode(inputs, arguments)) } catch { throw .abi(error) }
    }
}

/// What the drift test needs from every binding: every function, event and the constructor it declares.
public protocol ContractBinding: Sendable {
    static var contractName: String { get }
    static var functions: [ABIFunction] { get }
    static var events: [ABIEvent] { get }
    static var constructor: ContractConstructor { get }
}
