// x402 messages without a chain: header codec, networks, payload parsing and matching against requirements.
import EthereumCore
import EthereumRPC
import Foundation
import SMDPChainTrust
import Testing
import X402

@Suite("x402 messages")
struct X402MessageTests {
    static let requirements = X402Requirements(
        scheme: "exact", network: "eip155:1337", asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3", amount: "1000",
        payTo: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", maxTimeoutSeconds: 300,
        extra: ["name": .string("OpenRSP Test USD"), "version": .string("1")])

    @Test("PAYMENT-REQUIRED round-trips; unknown fields are ignored; non-base64, non-JSON and oversized headers are refused")
    func headerCodec() throws {
        let required = X402PaymentRequired(error: "payment required", resource: X402Resource(url: "https://smdp.example/x"),
                                           accepts: [Self.requirements])
        let header = X402Codec.encodeHeader(required)
        #expect(try X402Codec.decodeHeader(X402PaymentRequired.self, header) == required)
        let withExtra = Data(#"{"x402Version":2,"accepts":[],"future":{"a":1}}"#.utf8).base64EncodedString()
        #expect(try X402Codec.decodeHeader(X402PaymentRequired.self, withExtra).accepts.isEmpty)
        #expect(throws: X402FormatError.self) { try X402Codec.decodeHeader(X402PaymentRequired.self, "%%%not base64%%%") }
        #expect(throws: X402FormatError.self) { try X402Codec.decodeHeader(X402PaymentRequired.self, Data("[1,2]".utf8).base64EncodedString()) }
        #expect(throws: X402FormatError.self) {
            try X402Codec.decodeHeader(X402PaymentRequired.self, String(repeating: "A", count: X402Codec.maxHeaderBytes + 4))
        }
    }

    @Test("networks: eip155:N; v1's legacy names only where allowed; anything else refused")
    func networks() throws {
        #expect(try X402Network("eip155:1337").chainId == 1337)
        #expect(try X402Network("base", legacyNames: true).chainId == 8453)
        for bad in ["base", "eip155:", "eip155:0", "eip155:-1", "solana:mainnet", "eip155:1x"] {
            #expect(throws: X402FormatError.self, "\(bad)") { try X402Network(bad) }
        }
    }

    @Test("a signed exact payload parses and recovers its payer; malformed fields are invalid_payload or invalid signature")
    func exactPayload() throws {
        let key = try PrivateKey(Array(repeating: 0x11, count: 32))
        let domain = X402TokenDomain(name: "OpenRSP Test USD", version: "1", chainId: 1337,
                                     verifyingContract: try Address(hex: Self.requirements.asset))
        let payload = try X402ExactPayload.sign(key: key, to: try Address(hex: Self.requirements.payTo), value: 1000, validBefore: 2_000_000_000,
                                                nonce: Hash32(Array(repeating: 7, count: 32)), domain: domain)
        let parsed = try X402ExactAuthorization(payload)
        #expect(try parsed.signer(domain: domain) == (try key.address()))
        // Under another token's domain the same signature names someone else.
        let other = X402TokenDomain(name: "Other", version: "1", chainId: 1337, verifyingContract: domain.verifyingContract)
        #expect(try parsed.signer(domain: other) != (try key.address()))
        func refusal(_ edit: (inout X402ExactPayload) -> Void) -> X402Reason? {
            var p = payload
            edit(&p)
            do { _ = try X402ExactAuthorization(p); return nil } catch { return error.reason }
        }
        #expect(refusal { $0.authorization.from = "0x1234" } == .invalidPayload)
        #expect(refusal { $0.authorization.value = "-1" } == .invalidPayload)
        #expect(refusal { $0.authorization.value = "1e3" } == .invalidPayload)
        #expect(refusal { $0.authorization.nonce = "0x07" } == .invalidPayload)
        #expect(refusal { $0.signature = "0x" + String(repeating: "ab", count: 64) } == .invalidSignature)
        #expect(refusal { $0.signature = String($0.signature.dropFirst(2)) } == .invalidSignature)
    }

    @Test("a v2 payment matches only its requirements (addresses compared as addresses); a v1 payment by scheme and network")
    func matching() async throws {
        let payload = X402ExactPayload(authorization: X402Authorization(from: "0x0000000000000000000000000000000000000001",
                                                                        to: Self.requirements.payTo, value: "1000", validAfter: "0",
                                                                        validBefore: "1", nonce: "0x" + String(repeating: "00", count: 32)),
                                       signature: "0x00")
        var lowercase = Self.requirements
        lowercase.asset = lowercase.asset.lowercased()
        lowercase.payTo = lowercase.payTo.lowercased()
        var cheaper = Self.requirements
        cheaper.amount = "999"
        var otherName = Self.requirements
        otherName.extra["name"] = .string("Fake USD")
        var moreExtra = Self.requirements
        moreExtra.extra["hint"] = .string("ignored")
        for (accepted, expected) in [(lowercase, true), (cheaper, false), (otherName, false), (moreExtra, true)] {
            let p = X402PaymentPayload(payload: payload, accepted: accepted, resource: nil)
            #expect(Self.match(p) == expected, "\(accepted)")
        }
        #expect(Self.match(X402PaymentPayload(v1: payload, scheme: "exact", network: "eip155:1337")))
        #expect(!Self.match(X402PaymentPayload(v1: payload, scheme: "exact", network: "base")))
        #expect(!Self.match(X402PaymentPayload(v1: payload, scheme: "upto", network: "eip155:1337")))
    }

    /// Whether the paywall's reader takes `payload`, sent in its version's header, as a payment for `requirements`.
    static func match(_ payload: X402PaymentPayload) -> Bool {
        let header = X402Codec.encodeHeader(payload)
        let reader = X402PaymentReader(requirements: requirements)
        let read = try? reader.payment(v2Header: payload.x402Version == 2 ? header : nil, v1Header: payload.x402Version == 1 ? header : nil)
        return read != nil && reader.matches(payload)
    }
}

@Suite("Profile-status request signatures")
struct ProfileStatusSignatureTests {
    @Test("the EIP-712 digest a holder signs is eth-account's (what eth_signTypedData_v4 wallets sign), and its signature recovers to the holder")
    func digestMatchesEthAccount() async throws {
        let key = try PrivateKey(Array(repeating: 0x42, count: 32))
        let plans = try Address(hex: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0")
        let nonce = try Hash32(Array(repeating: 0xAB, count: 32))
        let data = ProfileStatusTypedData.typedData(chainId: 1337, entitlements: plans, entitlementId: 7, smdpAddress: "smdp.openrsp.test",
                                                    issuedAt: 1_765_120_000, nonce: nonce)
        let script = """
            from eth_account.messages import encode_typed_data
            from eth_account import Account
            import json, sys
            m = encode_typed_data(full_message={
              "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                         {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                        "ProfileStatusRequest": [{"name": "entitlementId", "type": "uint256"}, {"name": "smdpAddress", "type": "string"},
                                                 {"name": "issuedAt", "type": "uint256"}, {"name": "nonce", "type": "bytes32"}]},
              "primaryType": "ProfileStatusRequest",
              "domain": {"name": "OpenRSP SM-DP+", "version": "1", "chainId": 1337, "verifyingContract": "\(plans.checksummed)"},
              "message": {"entitlementId": 7, "smdpAddress": "smdp.openrsp.test", "issuedAt": 1765120000, "nonce": "\(nonce.hex)"}})
            signed = Account.sign_message(m, private_key="0x" + "42" * 32)
            json.dump({"hash": "0x" + signed.message_hash.hex().removeprefix("0x"), "signature": "0x" + signed.signature.hex().removeprefix("0x")}, sys.stdout)
            """
        let output = try await runPython(["-c", script])
        let result = try #require(try JSONSerialization.jsonObject(with: output) as? [String: String])
        #expect(result["hash"] == (try data.signingHash()).hex)
        let request = try ProfileStatusTypedData.request(key: key, chainId: 1337, entitlements: plans, entitlementId: 7,
                                                         smdpAddress: "smdp.openrsp.test", issuedAt: 1_765_120_000, nonce: nonce)
        #expect(request.signature == result["signature"])
    }
}
