import BigInt
import Foundation
import PropertyBased
import Testing
@testable import EthereumCore

/// Joins 32-byte words written as 64 hex digits (spec examples are printed one word per line).
func words(_ lines: [String]) throws -> [UInt8] { try lines.flatMap { try Hex.decode($0) } }

@Suite struct ABISpecExampleTests {
    // Examples from the Solidity ABI specification, section "Examples" and "Use of Dynamic Types".

    @Test func baz() throws {
        let f = try ABIFunction(signature: "baz(uint32,bool)")
        #expect(Hex.encode(f.selector) == "0xcdcd77c0")
        let data = try f.encodeCall([.uint(69), .bool(true)])
        #expect(data == (try hex("cdcd77c0")) + (try words([
            "0000000000000000000000000000000000000000000000000000000000000045",
            "0000000000000000000000000000000000000000000000000000000000000001"])))
        #expect(try f.decodeCall(data) == [.uint(69), .bool(true)])
    }

    @Test func bar() throws {
        let f = try ABIFunction(signature: "bar(bytes3[2])")
        #expect(Hex.encode(f.selector) == "0xfce353f6")
        let args: [ABIValue] = [.array([.fixedBytes(Array("abc".utf8)), .fixedBytes(Array("def".utf8))])]
        let data = try f.encodeCall(args)
        #expect(data == (try hex("fce353f6")) + (try words([
            "6162630000000000000000000000000000000000000000000000000000000000",
            "6465660000000000000000000000000000000000000000000000000000000000"])))
        #expect(try f.decodeCall(data) == args)
    }

    @Test func sam() throws {
        let f = try ABIFunction(signature: "sam(bytes,bool,uint256[])")
        #expect(Hex.encode(f.selector) == "0xa5643bf2")
        let args: [ABIValue] = [.bytes(Array("dave".utf8)), .bool(true), .array([.uint(1), .uint(2), .uint(3)])]
        let data = try f.encodeCall(args)
        #expect(data == (try hex("a5643bf2")) + (try words([
            "0000000000000000000000000000000000000000000000000000000000000060",
            "0000000000000000000000000000000000000000000000000000000000000001",
            "00000000000000000000000000000000000000000000000000000000000000a0",
            "0000000000000000000000000000000000000000000000000000000000000004",
            "6461766500000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000003",
            "0000000000000000000000000000000000000000000000000000000000000001",
            "0000000000000000000000000000000000000000000000000000000000000002",
            "0000000000000000000000000000000000000000000000000000000000000003"])))
        #expect(try f.decodeCall(data) == args)
    }

    @Test func fWithDynamicTypes() throws {
        let f = try ABIFunction(signature: "f(uint,uint32[],bytes10,bytes)")
        #expect(f.signature == "f(uint256,uint32[],bytes10,bytes)")
        #expect(Hex.encode(f.selector) == "0x8be65246")
        let args: [ABIValue] = [.uint(0x123), .array([.uint(0x456), .uint(0x789)]),
                                .fixedBytes(Array("1234567890".utf8)), .bytes(Array("Hello, world!".utf8))]
        let data = try f.encodeCall(args)
        #expect(data == (try hex("8be65246")) + (try words([
            "0000000000000000000000000000000000000000000000000000000000000123",
            "0000000000000000000000000000000000000000000000000000000000000080",
            "3132333435363738393000000000000000000000000000000000000000000000",
            "00000000000000000000000000000000000000000000000000000000000000e0",
            "0000000000000000000000000000000000000000000000000000000000000002",
            "0000000000000000000000000000000000000000000000000000000000000456",
            "0000000000000000000000000000000000000000000000000000000000000789",
            "000000000000000000000000000000000000000000000000000000000000000d",
            "48656c6c6f2c20776f726c642100000000000000000000000000000000000000"])))
        #expect(try f.decodeCall(data) == args)
    }

    @Test func gNestedDynamicArrays() throws {
        let f = try ABIFunction(signature: "g(uint256[][],string[])")
        #expect(Hex.encode(f.selector) == "0x2289b18c")
        let args: [ABIValue] = [.array([.array([.uint(1), .uint(2)]), .array([.uint(3)])]),
                                .array([.string("one"), .string("two"), .string("three")])]
        let data = try f.encodeCall(args)
        #expect(data == (try hex("2289b18c")) + (try words([
            "0000000000000000000000000000000000000000000000000000000000000040",
            "0000000000000000000000000000000000000000000000000000000000000140",
            "0000000000000000000000000000000000000000000000000000000000000002",
            "0000000000000000000000000000000000000000000000000000000000000040",
            "00000000000000000000000000000000000000000000000000000000000000a0",
            "0000000000000000000000000000000000000000000000000000000000000002",
            "0000000000000000000000000000000000000000000000000000000000000001",
            "0000000000000000000000000000000000000000000000000000000000000002",
            "0000000000000000000000000000000000000000000000000000000000000001",
            "0000000000000000000000000000000000000000000000000000000000000003",
            "0000000000000000000000000000000000000000000000000000000000000003",
            "0000000000000000000000000000000000000000000000000000000000000060",
            "00000000000000000000000000000000000000000000000000000000000000a0",
            "00000000000000000000000000000000000000000000000000000000000000e0",
            "0000000000000000000000000000000000000000000000000000000000000003",
            "6f6e650000000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000003",
            "74776f0000000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000005",
            "7468726565000000000000000000000000000000000000000000000000000000"])))
        #expect(try f.decodeCall(data) == args)
    }
}

@Suite struct ABIBehaviourTests {
    @Test func typeParsing() throws {
        #expect(try ABIType(parsing: "(uint,(address,bytes32)[2])[]").description == "(uint256,(address,bytes32)[2])[]")
        for bad in ["uint7", "uint264", "bytes33", "bytes0", "int0", "foo", "uint256[", "(uint256", "uint256[01]", "uint256]", "(uint256,)"] {
            #expect(throws: ABIError.self, "\(bad)") { try ABIType(parsing: bad) }
        }
    }

    @Test func signedIntegers() throws {
        let minus1 = try ABI.encode([.int(8)], [.int(-1)])
        #expect(minus1 == [UInt8](repeating: 0xff, count: 32))
        #expect(try ABI.decode([.int(8)], from: minus1) == [.int(-1)])
        #expect(throws: ABIError.valueOutOfRange(type: "int8")) { try ABI.encode([.int(8)], [.int(128)]) }
        #expect(throws: ABIError.valueOutOfRange(type: "int8")) { try ABI.encode([.int(8)], [.int(-129)]) }
        // 0x80 without sign extension is not a valid int8.
        #expect(throws: ABIError.dirtyPadding(type: "int8")) { try ABI.decode([.int(8)], from: UInt256(0x80).bigEndianBytes) }
        #expect(try ABI.decode([.int(256)], from: ABI.encode([.int(256)], [.int(-(BigInt(1) << 255))])) == [.int(-(BigInt(1) << 255))])
    }

    @Test func badInputIsTypedError() throws {
        #expect(throws: ABIError.valueOutOfRange(type: "uint8")) { try ABI.encode([.uint(8)], [.uint(256)]) }
        #expect(throws: ABIError.typeMismatch(expected: "bool")) { try ABI.encode([.bool], [.uint(1)]) }
        #expect(throws: ABIError.wrongCount(expected: 2, actual: 1)) { try ABI.encode([.bool, .bool], [.bool(true)]) }
        // Data shorter than its head.
        #expect(throws: ABIError.truncated(needed: 64, available: 32)) { try ABI.decode([.uint256, .uint256], from: [UInt8](repeating: 0, count: 32)) }
        // Offset pointing past the end, and into the head.
        let farOffset = UInt256(0x1000).bigEndianBytes
        #expect(throws: ABIError.invalidOffset(0x1000)) { try ABI.decode([.bytes], from: farOffset + [UInt8](repeating: 0, count: 32)) }
        #expect(throws: ABIError.invalidOffset(0)) { try ABI.decode([.bytes], from: UInt256(0).bigEndianBytes + [UInt8](repeating: 0, count: 32)) }
        // Length claiming more than the data holds.
        let hugeLength = UInt256(0x20).bigEndianBytes + UInt256.max.bigEndianBytes
        #expect(throws: ABIError.lengthTooLarge(.max)) { try ABI.decode([.bytes], from: hugeLength) }
        #expect(throws: ABIError.lengthTooLarge(.max)) { try ABI.decode([.array(.uint256)], from: hugeLength) }
        let tooLong = UInt256(0x20).bigEndianBytes + UInt256(64).bigEndianBytes + [UInt8](repeating: 0x61, count: 32)
        #expect(throws: ABIError.truncated(needed: 64, available: 32)) { try ABI.decode([.string], from: tooLong) }
        #expect(throws: ABIError.invalidBool(2)) { try ABI.decode([.bool], from: UInt256(2).bigEndianBytes) }
        #expect(throws: ABIError.dirtyPadding(type: "address")) { try ABI.decode([.address], from: [UInt8](repeating: 0xff, count: 32)) }
        #expect(throws: ABIError.dirtyPadding(type: "bytes3")) { try ABI.decode([.fixedBytes(3)], from: [UInt8](repeating: 0xff, count: 32)) }
        let badUTF8 = UInt256(0x20).bigEndianBytes + UInt256(1).bigEndianBytes + [0xff] + [UInt8](repeating: 0, count: 31)
        #expect(throws: ABIError.invalidUTF8) { try ABI.decode([.string], from: badUTF8) }
        let f = try ABIFunction(signature: "baz(uint32,bool)")
        #expect(throws: ABIError.wrongSelector(expected: f.selector, actual: [0, 0, 0, 0])) { try f.decodeCall([0, 0, 0, 0]) }
    }

    /// ERC-20 Transfer(address indexed from, address indexed to, uint256 value); topic0 is well known.
    @Test func transferEventLog() throws {
        let event = ABIEvent(name: "Transfer", parameters: [
            .init(name: "from", type: .address, indexed: true), .init(name: "to", type: .address, indexed: true),
            .init(name: "value", type: .uint256, indexed: false)])
        #expect(event.topic0.hex == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        let from = try Address(hex: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), to = try Address(hex: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
        let topics = [event.topic0, try ABIEvent.topic(for: .address, .address(from)), try ABIEvent.topic(for: .address, .address(to))]
        let decoded = try event.decodeLog(topics: topics, data: UInt256(1000).bigEndianBytes)
        #expect(decoded == [.value(.address(from)), .value(.address(to)), .value(.uint(1000))])
        #expect(throws: ABIError.wrongTopicCount(expected: 3, actual: 2)) { try event.decodeLog(topics: Array(topics.prefix(2)), data: []) }
        #expect(throws: ABIError.wrongTopic0) { try event.decodeLog(topics: [Hash32.zero] + topics.dropFirst(), data: UInt256(1).bigEndianBytes) }
    }

    /// Indexed dynamic parameters appear only as hashes (spec "Encoding of indexed event parameters").
    @Test func indexedDynamicParameters() throws {
        let event = ABIEvent(name: "Named", parameters: [
            .init(name: "name", type: .string, indexed: true), .init(name: "ids", type: .array(.uint(8)), indexed: true),
            .init(name: "note", type: .string, indexed: false)])
        #expect(event.signature == "Named(string,uint8[],string)")
        let nameTopic = try ABIEvent.topic(for: .string, .string("alice"))
        #expect(nameTopic == Keccak256.hash(Array("alice".utf8)))
        let idsTopic = try ABIEvent.topic(for: .array(.uint(8)), .array([.uint(1), .uint(2)]))
        #expect(idsTopic == Keccak256.hash(UInt256(1).bigEndianBytes + UInt256(2).bigEndianBytes))
        let data = try ABI.encode([.string], [.string("hi")])
        let decoded = try event.decodeLog(topics: [event.topic0, nameTopic, idsTopic], data: data)
        #expect(decoded == [.hashed(nameTopic), .hashed(idsTopic), .value(.string("hi"))])
    }

    @Test func revertReasons() throws {
        // require(false, "Not enough Ether provided.") from the Solidity docs.
        let reason = try hex("08c379a0") + ABI.encode([.string], [.string("Not enough Ether provided.")])
        #expect(try RevertReason.decode(reason) == .error("Not enough Ether provided."))
        let panic = try hex("4e487b71") + UInt256(0x11).bigEndianBytes
        #expect(try RevertReason.decode(panic) == .panic(0x11))
        #expect(RevertReason.panicMeaning(0x11) == "arithmetic overflow or underflow")
        let custom = ABICustomError(name: "InsufficientBalance", inputs: [.uint256, .uint256])
        let customData = custom.selector + (try ABI.encode([.uint256, .uint256], [.uint(1), .uint(2)]))
        #expect(try RevertReason.decode(customData, customErrors: [custom]) == .custom(custom, [.uint(1), .uint(2)]))
        #expect(try RevertReason.decode(customData) == .unknown(selector: custom.selector, data: Array(customData.dropFirst(4))))
        #expect(try RevertReason.decode([]) == .empty)
        #expect(throws: ABIError.truncated(needed: 4, available: 2)) { try RevertReason.decode([0x08, 0xc3]) }
        #expect(throws: ABIError.self) { try RevertReason.decode(try hex("08c379a0") + [0, 0]) }
    }
}

/// Random ABI types and matching values from a seed, for round-trip properties.
struct ABIRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }

    mutating func type(depth: Int = 0) -> ABIType {
        switch below(depth < 2 ? 11 : 8) {
        case 0: return .uint(8 * (below(32) + 1))
        case 1: return .int(8 * (below(32) + 1))
        case 2: return .address
        case 3: return .bool
        case 4: return .fixedBytes(below(32) + 1)
        case 5: return .bytes
        case 6: return .string
        case 7: return .uint256
        case 8: return .array(type(depth: depth + 1))
        case 9: return .fixedArray(type(depth: depth + 1), below(3) + 1)
        default: return .tuple((0..<(below(3) + 1)).map { _ in type(depth: depth + 1) })
        }
    }

    mutating func value(_ t: ABIType) -> ABIValue {
        switch t {
        case .uint(let bits):
            let b = bytes(bits / 8)
            return .uint((try? UInt256(bigEndian: b)) ?? 0)
        case .int(let bits):
            let raw = BigInt(BigUInt(Data(bytes(bits / 8))))
            return .int(raw - (BigInt(1) << (bits - 1)))
        case .address: return .address(Address(unchecked: bytes(20)))
        case .bool: return .bool(next() % 2 == 0)
        case .fixedBytes(let n): return .fixedBytes(bytes(n))
        case .bytes: return .bytes(bytes(below(70)))
        case .string: return .string(String((0..<below(40)).map { _ in Array("aé€😀")[below(4)] }))
        case .array(let et): return .array((0..<below(4)).map { _ in value(et) })
        case .fixedArray(let et, let k): return .array((0..<k).map { _ in value(et) })
        case .tuple(let ts): return .tuple(ts.map { value($0) })
        }
    }
}

@Suite struct ABIPropertyTests {
    @Test func encodeDecodeRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.uint64()) { seed in
            var r = ABIRandom(state: seed)
            let types = (0..<(r.below(4) + 1)).map { _ in r.type() }
            let values = types.map { r.value($0) }
            do {
                let encoded = try ABI.encode(types, values)
                #expect(encoded.count % 32 == 0)
                #expect(try ABI.decode(types, from: encoded) == values, "\(types)")
                // Cutting the last word off always fails with a typed error when the encoding is non-empty.
                if !encoded.isEmpty { #expect(throws: ABIError.self) { try ABI.decode(types, from: Array(encoded.dropLast(32))) } }
            } catch {
                Issue.record("encoding \(types) failed: \(error)")
            }
        }
    }

    /// Random bytes never crash the decoder: each input decodes or fails with ABIError.
    @Test func randomBytesNeverCrash() async {
        await propertyCheck(count: 300, input: Gen.uint64(), Gen.uint8().array(of: 0...200)) { seed, tail in
            var r = ABIRandom(state: seed)
            let types = (0..<(r.below(3) + 1)).map { _ in r.type() }
            // Mix small offsets/lengths into the random data so decoding goes deep more often.
            let data = UInt256(UInt64(r.below(100))).bigEndianBytes + UInt256(UInt64(r.below(5))).bigEndianBytes + tail
            do { _ = try ABI.decode(types, from: data) } catch { #expect(error is ABIError) }
        }
    }
}

@Suite struct ContractABIJSONTests {
    static let json = """
    [
      {"type": "constructor", "inputs": [{"name": "supply", "type": "uint256"}]},
      {"type": "function", "name": "transfer", "stateMutability": "nonpayable",
       "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
       "outputs": [{"name": "", "type": "bool"}]},
      {"type": "function", "name": "balanceOf", "inputs": [{"name": "owner", "type": "address"}],
       "outputs": [{"name": "", "type": "uint256"}]},
      {"type": "function", "name": "settle",
       "inputs": [{"name": "batch", "type": "tuple[]", "components": [
          {"name": "eid", "type": "bytes32"}, {"name": "amounts", "type": "uint256[2]"}]}], "outputs": []},
      {"type": "event", "name": "Transfer", "anonymous": false, "inputs": [
        {"name": "from", "type": "address", "indexed": true}, {"name": "to", "type": "address", "indexed": true},
        {"name": "value", "type": "uint256", "indexed": false}]},
      {"type": "error", "name": "InsufficientBalance", "inputs": [
        {"name": "available", "type": "uint256"}, {"name": "required", "type": "uint256"}]}
    ]
    """

    @Test func parsesFunctionsEventsErrors() throws {
        let abi = try ContractABI(json: Data(Self.json.utf8))
        #expect(abi.functions.count == 3)
        // ERC-20 selectors (EIP-20) and Transfer topic.
        #expect(Hex.encode(try #require(abi.function("transfer")).selector) == "0xa9059cbb")
        #expect(Hex.encode(try #require(abi.function("balanceOf")).selector) == "0x70a08231")
        #expect(try #require(abi.function("balanceOf")).outputs == [.uint256])
        #expect(try #require(abi.function("settle")).signature == "settle((bytes32,uint256[2])[])")
        #expect(try #require(abi.event("Transfer")).topic0.hex == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        #expect(abi.errors.map(\.signature) == ["InsufficientBalance(uint256,uint256)"])
    }

    @Test func rejectsBadABIJSON() {
        #expect(throws: ABIError.self) { try ContractABI(json: Data("{}".utf8)) }
        #expect(throws: ABIError.self) { try ContractABI(json: Data(#"[{"type":"function","name":"f","inputs":[{"type":"uint7"}]}]"#.utf8)) }
        #expect(throws: ABIError.self) { try ContractABI(json: Data(#"[{"type":"function","name":"f","inputs":[{"type":"tuple"}]}]"#.utf8)) }
    }
}
