import EthereumCore
import Testing

@testable import EthereumRPC

/// QUANTITY / DATA rules from the Ethereum JSON-RPC spec ("Hex value encoding").
@Suite struct HexTypesTests {
    @Test func quantityAcceptsCanonicalValues() throws {
        #expect(try Quantity(hex: "0x0").uint64() == 0)
        #expect(try Quantity(hex: "0x41").uint64() == 65)
        #expect(try Quantity(hex: "0x400").uint64() == 1024)
        #expect(try Quantity(hex: "0xFF").uint64() == 255)
        let max = "0x" + String(repeating: "f", count: 64)
        #expect(try Quantity(hex: max).value == UInt256.max)
        #expect(try Quantity(hex: max).hex == max)
    }

    @Test func quantityRejectsNonCanonicalText() {
        #expect(throws: HexTypeError.leadingZeros("0x0400")) { try Quantity(hex: "0x0400") }
        #expect(throws: HexTypeError.leadingZeros("0x00")) { try Quantity(hex: "0x00") }
        #expect(throws: HexTypeError.emptyQuantity) { try Quantity(hex: "0x") }
        #expect(throws: HexTypeError.missingPrefix("400")) { try Quantity(hex: "400") }
        #expect(throws: HexTypeError.missingPrefix("")) { try Quantity(hex: "") }
        #expect(throws: HexTypeError.invalidCharacter("0xfg")) { try Quantity(hex: "0xfg") }
        #expect(throws: HexTypeError.invalidCharacter("0x-1")) { try Quantity(hex: "0x-1") }
        let tooBig = "0x1" + String(repeating: "0", count: 64)
        #expect(throws: HexTypeError.overflow(tooBig)) { try Quantity(hex: tooBig) }
    }

    @Test func quantityUInt64Range() throws {
        #expect(try Quantity(hex: "0xffffffffffffffff").uint64() == UInt64.max)
        #expect(throws: HexTypeError.outOfRange("0x10000000000000000")) {
            try Quantity(hex: "0x10000000000000000").uint64()
        }
    }

    @Test func quantityRoundTripsThroughText() throws {
        var x: UInt64 = 1
        for _ in 0..<200 {
            let q = Quantity(x)
            #expect(try Quantity(hex: q.hex).uint64() == x)
            #expect(q.hex == "0x" + String(x, radix: 16))
            x = x &* 6364136223846793005 &+ 1442695040888963407
        }
        #expect(Quantity(UInt64(0)).hex == "0x0")
    }

    @Test func dataAcceptsEvenLengthHex() throws {
        #expect(try DataHex(hex: "0x").bytes == [])
        #expect(try DataHex(hex: "0x0041").bytes == [0x00, 0x41])
        #expect(try DataHex(hex: "0xDEADbeef").bytes == [0xde, 0xad, 0xbe, 0xef])
        #expect(DataHex([0x00, 0x0a]).hex == "0x000a")
    }

    @Test func dataRejectsMalformedHex() {
        #expect(throws: HexTypeError.oddLength("0xabc")) { try DataHex(hex: "0xabc") }
        #expect(throws: HexTypeError.oddLength("0x0")) { try DataHex(hex: "0x0") }
        #expect(throws: HexTypeError.missingPrefix("abcd")) { try DataHex(hex: "abcd") }
        #expect(throws: HexTypeError.invalidCharacter("0xzz")) { try DataHex(hex: "0xzz") }
    }

    @Test func blockTagsEncodeAsSpecified() {
        #expect(BlockTag.number(0).rpcValue == "0x0")
        #expect(BlockTag.number(4096).rpcValue == "0x1000")
        #expect(BlockTag.pending.rpcValue == "pending")
    }

    @Test func endpointRuleAllowsPlainHTTPOnlyToLoopback() throws {
        _ = try EndpointRule.validate("http://127.0.0.1:8545")
        _ = try EndpointRule.validate("http://127.1.2.3:8545/")
        _ = try EndpointRule.validate("http://localhost:8545")
        _ = try EndpointRule.validate("http://[::1]:8545")
        _ = try EndpointRule.validate("https://rpc.example.org")
        #expect(throws: EthereumRPCError.insecureURL("http://10.0.0.1:8545")) { try EndpointRule.validate("http://10.0.0.1:8545") }
        #expect(throws: EthereumRPCError.insecureURL("http://127.0.0.1.evil.example")) {
            try EndpointRule.validate("http://127.0.0.1.evil.example")
        }
        #expect(throws: EthereumRPCError.invalidURL("ftp://127.0.0.1")) { try EndpointRule.validate("ftp://127.0.0.1") }
        #expect(throws: EthereumRPCError.invalidURL("not a url")) { try EndpointRule.validate("not a url") }
    }
}
