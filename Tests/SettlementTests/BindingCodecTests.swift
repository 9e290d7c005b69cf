// Calls, results, events and revert data through the typed bindings, without a chain.
import EthereumCore
import Settlement
import Testing

func addr(_ last: UInt8) -> Address {
    // swiftlint:disable:next force_try
    try! Address([UInt8](repeating: 0, count: 19) + [last])
}

func h32(_ byte: UInt8) -> Hash32 {
    // swiftlint:disable:next force_try
    try! Hash32([UInt8](repeating: byte, count: 32))
}

/// `Error(string)` revert data as the EVM returns it for `assert cond, "reason"`.
func errorStringRevert(_ reason: String) throws -> [UInt8] {
    [0x08, 0xc3, 0x79, 0xa0] + (try ABI.encode([.string], [.string(reason)]))
}

@Suite("Binding calls, results, events and reverts")
struct BindingCodecTests {
    @Test("ERC-20 selectors and event topics are the EIP-20 values")
    func erc20KnownAnswers() throws {
        // EIP-20 function selectors and event topic hashes (well-known; e.g. Etherscan's 4byte/event directory).
        #expect(Hex.encode(try TestStablecoin.balanceOf(addr(1)).calldata().prefix(4)) == "0x70a08231")
        #expect(Hex.encode(try TestStablecoin.transfer(receiver: addr(1), amount: 1).calldata().prefix(4)) == "0xa9059cbb")
        #expect(Hex.encode(try TestStablecoin.approve(spender: addr(1), amount: 1).calldata().prefix(4)) == "0x095ea7b3")
        #expect(Hex.encode(try TestStablecoin.transferFrom(sender: addr(1), receiver: addr(2), amount: 1).calldata().prefix(4)) == "0x23b872dd")
        #expect(TestStablecoin.Transfer.event.topic0.hex == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        #expect(TestStablecoin.Approval.event.topic0.hex == "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925")
    }

    @Test("the ERC-1155 interface id 0xd9b67a26 is the XOR of the binding's six ERC-1155 selectors (EIP-1155)")
    func erc1155InterfaceId() throws {
        let f = PlanEntitlements.Functions.self
        let selectors = [f.safeTransferFrom, f.safeBatchTransferFrom, f.balanceOf, f.balanceOfBatch, f.setApprovalForAll,
                         f.isApprovedForAll].map(\.selector)
        let xor = selectors.reduce([UInt8](repeating: 0, count: 4)) { acc, s in zip(acc, s).map { $0 ^ $1 } }
        #expect(Hex.encode(xor) == "0xd9b67a26")
        #expect(PlanEntitlements.TransferSingle.event.topic0.hex == "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62")
        #expect(PlanEntitlements.TransferBatch.event.topic0.hex == "0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb")
        #expect(PlanEntitlements.ApprovalForAll.event.topic0.hex == "0x17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31")
        #expect(PlanEntitlements.URI.event.topic0.hex == "0x6bb7ff708619ba0610cba295a58592e0451dee2622938c8755667688daf3529b")
    }

    @Test("register encodes its arguments in ABI head/tail layout")
    func registerCalldata() throws {
        let data = try TrustRegistry.register(entity: addr(0xaa), role: .smdp, name: "SM-DP+ test", spkiHash: h32(0x11),
                                              certHash: h32(0x22)).calldata()
        #expect(Array(data.prefix(4)) == TrustRegistry.Functions.register.selector)
        let values = try ABI.decode([.address, .uint(8), .string, .fixedBytes(32), .fixedBytes(32)], from: Array(data.dropFirst(4)))
        #expect(values == [.address(addr(0xaa)), .uint(3), .string("SM-DP+ test"), .fixedBytes(h32(0x11).bytes), .fixedBytes(h32(0x22).bytes)])
        // string offset word: 5 head words → 0xa0
        #expect(data[4 + 2 * 32 + 31] == 0xa0)
    }

    @Test("dispute encodes the Ledger and CDR tuples inline and the proof as a dynamic array")
    func disputeCalldata() throws {
        let ledger = UsageSettlement.Ledger(settledBytes: 0, lastSeq: 3, nonce: 1, pendingRoot: h32(1), pendingBytes: 1000,
                                            pendingFirstSeq: 1, pendingPostedAt: 99)
        let cdr = CDR(entitlementId: 7, sequence: 2, bytes: 5000, periodStart: 10, periodEnd: 20, cdrHash: h32(2))
        let data = try UsageSettlement.dispute(entitlementId: 7, ledger: ledger, cdr: cdr, leafIndex: 1, proof: [h32(3), h32(4)]).calldata()
        // head: entitlementId + 8 ledger words + 6 cdr words + leafIndex + proof offset = 17 words; tail: length + 2
        #expect(data.count == 4 + 32 * (17 + 3))
        let decoded = try UsageSettlement.Functions.dispute.decodeCall(data)
        #expect(decoded[1] == .tuple([.uint(0), .uint(3), .uint(1), .bool(false), .fixedBytes(h32(1).bytes), .uint(1000), .uint(1), .uint(99)]))
        #expect(decoded[3] == .uint(1))
        #expect(decoded[4] == .array([.fixedBytes(h32(3).bytes), .fixedBytes(h32(4).bytes)]))
    }

    @Test("computeBatchId is keccak256(abi.encode(entitlementId, uint64 nonce))")
    func batchId() throws {
        let enc = try ABI.encode([.uint(256), .uint(64)], [.uint(7), .uint(2)])
        #expect(UsageSettlement.computeBatchId(entitlementId: 7, nonce: 2) == Keccak256.hash(enc))
        // eth-abi + eth-hash (contracts/ledger.py batch_id(7, 2))
        #expect(UsageSettlement.computeBatchId(entitlementId: 7, nonce: 2).hex == "0xacd8ef244210bb6898e73c48bf820ed8ecc857a3bab8d79c10e4fa92b1e9ca65")
    }

    @Test("Ledger.hash is keccak256(abi.encode(Ledger)), as contracts/ledger.py computes it")
    func ledgerHash() throws {
        // Values from contracts/ledger.py: Ledger(5_000_000, 3, 2, False, 0x11 * 32, 22_654_322, 1, 1_700_000_000).hash()
        let ledger = UsageSettlement.Ledger(settledBytes: 5_000_000, lastSeq: 3, nonce: 2, closed: false,
                                            pendingRoot: try Hash32([UInt8](repeating: 0x11, count: 32)), pendingBytes: 22_654_322,
                                            pendingFirstSeq: 1, pendingPostedAt: 1_700_000_000)
        #expect(ledger.hash.hex == "0x7845ac20088e1fccb2af93e15048dc41faa35ee0f09400b1c7ecdc90376530ca")
        #expect(UsageSettlement.Ledger.empty.hash.hex == "0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5")
        #expect(ledger.hash == Keccak256.hash(try ABI.encode([UsageSettlement.Ledger.abiType], [.tuple([
            .uint(5_000_000), .uint(3), .uint(2), .bool(false), .fixedBytes(ledger.pendingRoot.bytes), .uint(22_654_322), .uint(1),
            .uint(1_700_000_000)])])))
        var closed = ledger
        closed.closed = true
        #expect(closed.hash != ledger.hash)
        #expect(ledger.pendingBatchId(entitlementId: 7) == UsageSettlement.computeBatchId(entitlementId: 7, nonce: 2))
        #expect(UsageSettlement.Ledger.empty.pendingBatchId(entitlementId: 7) == nil)
    }

    @Test("LedgerUpdated decodes its ledger; a truncated log is a typed error")
    func ledgerUpdated() throws {
        let ledger = UsageSettlement.Ledger(settledBytes: 1, lastSeq: 2, nonce: 3, closed: true, pendingRoot: h32(5), pendingBytes: 6,
                                            pendingFirstSeq: 7, pendingPostedAt: 8)
        let data = try ABI.encode([UsageSettlement.Ledger.abiType], [.tuple([.uint(1), .uint(2), .uint(3), .bool(true),
                                                                              .fixedBytes(h32(5).bytes), .uint(6), .uint(7), .uint(8)])])
        let topics = [UsageSettlement.LedgerUpdated.event.topic0, Hash32(word: 42)]
        let e = try UsageSettlement.LedgerUpdated(topics: topics, data: data)
        #expect(e.entitlementId == 42 && e.ledger == ledger)
        #expect(throws: BindingError.self) { try UsageSettlement.LedgerUpdated(topics: topics, data: Array(data.dropLast(32))) }
        var badBool = data
        badBool[3 * 32 + 31] = 2
        #expect(throws: BindingError.self) { try UsageSettlement.LedgerUpdated(topics: topics, data: badBool) }
    }

    @Test("typed results decode; unknown enum values, wrong lengths and dirty padding are typed errors")
    func results() throws {
        let call = PlanEntitlements.entitlement(tokenId: 1)
        let good = try ABI.encode(call.function.outputs, [.fixedBytes(h32(7).bytes), .uint(1), .uint(100), .uint(200), .uint(3), .address(addr(9))])
        let e = try call.decodeOutput(good)
        #expect(e.status == .cancelled && e.owner == addr(9) && e.end == 200 && e.commitment == h32(7))

        let badStatus = try ABI.encode(call.function.outputs, [.fixedBytes(h32(7).bytes), .uint(1), .uint(100), .uint(200), .uint(4), .address(addr(9))])
        #expect(throws: BindingError.unknownEnumValue(type: "EntitlementStatus", value: 4)) { try call.decodeOutput(badStatus) }
        #expect(throws: BindingError.abi(.truncated(needed: 192, available: 191))) { try call.decodeOutput(Array(good.dropLast())) }
        var dirty = good
        dirty[4 * 32 + 30] = 1 // uint8 status with a high bit set in its padding
        #expect(throws: BindingError.abi(.dirtyPadding(type: "uint8"))) { try call.decodeOutput(dirty) }

        #expect(try TrustRegistry.isTrusted(role: .ci, spkiHash: h32(1)).decodeOutput(UInt256(1).bigEndianBytes) == true)
        #expect(throws: BindingError.abi(.invalidBool(2))) {
            try TrustRegistry.isTrusted(role: .ci, spkiHash: h32(1)).decodeOutput(UInt256(2).bigEndianBytes)
        }
        #expect(try TrustRegistry.roleOf(entity: addr(1)).decodeOutput(UInt256(0).bigEndianBytes) == nil)
        #expect(try TrustRegistry.roleOf(entity: addr(1)).decodeOutput(UInt256(6).bigEndianBytes) == .mvno)
        #expect(try TrustRegistry.roleOf(entity: addr(1)).decodeOutput(UInt256(7).bigEndianBytes) == .kyc)
        #expect(throws: BindingError.unknownEnumValue(type: "Role", value: 8)) {
            try TrustRegistry.roleOf(entity: addr(1)).decodeOutput(UInt256(8).bigEndianBytes)
        }
    }

    @Test("plans(id) of an unknown id (all zero) is nil; a listed plan decodes every field")
    func plans() throws {
        let call = PlanEntitlements.plans(planId: 1)
        let zeros = try ABI.encode(call.function.outputs, [.tuple([
            .address(.zero), .address(.zero), .uint(0), .uint(0), .uint(0), .uint(0), .uint(0), .uint(0), .bool(false), .bool(false), .uint(0), .uint(0),
            .address(.zero), .fixedBytes(h32(0).bytes), .uint(0),
        ])])
        #expect(try call.decodeOutput(zeros) == nil)
        let listed = try ABI.encode(call.function.outputs, [.tuple([
            .address(addr(6)), .address(addr(5)), .uint(1000), .uint(86400), .uint(5_000_000), .uint(1500), .uint(10), .uint(1),
            .bool(true), .bool(false), .uint(2), .uint(1), .address(addr(3)), .fixedBytes(h32(0x7e).bytes), .uint(604_800),
        ])])
        let plan = try #require(try call.decodeOutput(listed))
        #expect(plan.mvno == addr(6) && plan.mno == addr(5) && plan.price == 5_000_000 && plan.refundRule == .atExpiryOrCancel
                && plan.usagePoster == .mvno && plan.active && !plan.soulbound && plan.sold == 1)
        #expect(plan.smdp == addr(3) && plan.profileType == h32(0x7e) && plan.activationWindow == 604_800)
    }

    @Test("events decode from topics and data; wrong topic0, topic count, truncated data and bad enums are typed errors")
    func events() throws {
        let ev = UsageSettlement.BatchPosted.event
        let topics = [ev.topic0, h32(0xb1), Hash32(unchecked32: UInt256(12).bigEndianBytes), Hash32(unchecked32: [UInt8](repeating: 0, count: 12) + addr(5).bytes)]
        let data = try ABI.encode([.uint(64), .fixedBytes(32), .uint(64), .uint(64), .uint(64), .uint(64)],
                                  [.uint(3), .fixedBytes(h32(0xcc).bytes), .uint(4096), .uint(1), .uint(8), .uint(1_700_000_000)])
        let posted = try UsageSettlement.BatchPosted(topics: topics, data: data)
        #expect(posted.batchId == h32(0xb1) && posted.entitlementId == 12 && posted.poster == addr(5) && posted.nonce == 3)
        #expect(posted.root == h32(0xcc) && posted.totalBytes == 4096 && posted.firstSeq == 1 && posted.lastSeq == 8
                && posted.postedAt == 1_700_000_000)
        #expect(UsageSettlement.BatchPosted.matches(topics: topics))
        #expect(!UsageSettlement.BatchSettled.matches(topics: topics))

        var wrong = topics
        wrong[0] = UsageSettlement.BatchSettled.event.topic0
        #expect(throws: BindingError.abi(.wrongTopic0)) { try UsageSettlement.BatchPosted(topics: wrong, data: data) }
        #expect(throws: BindingError.abi(.wrongTopicCount(expected: 4, actual: 3))) {
            try UsageSettlement.BatchPosted(topics: Array(topics.dropLast()), data: data)
        }
        #expect(throws: BindingError.abi(.truncated(needed: 192, available: 160))) {
            try UsageSettlement.BatchPosted(topics: topics, data: Array(data.prefix(160)))
        }

        let voided = UsageSettlement.BatchVoided.event
        let vTopics = [voided.topic0, h32(0xb1), Hash32(unchecked32: UInt256(12).bigEndianBytes)]
        let good = try UsageSettlement.BatchVoided(topics: vTopics, data: try ABI.encode([.uint(8), .uint(256)], [.uint(3), .uint(2)]))
        #expect(good.reason == .badPeriod && good.leafIndex == 2)
        let byPoster = try UsageSettlement.BatchVoided(topics: vTopics, data: try ABI.encode([.uint(8), .uint(256)], [.uint(6), .uint(0)]))
        #expect(byPoster.reason == .voidedByPoster)
        #expect(throws: BindingError.unknownEnumValue(type: "VoidReason", value: 7)) {
            try UsageSettlement.BatchVoided(topics: vTopics, data: try ABI.encode([.uint(8), .uint(256)], [.uint(7), .uint(2)]))
        }
    }

    @Test("an indexed string/uint mix decodes (URI: value in data, id in a topic)")
    func uriEvent() throws {
        let topics = [PlanEntitlements.URI.event.topic0, Hash32(unchecked32: UInt256(0).bigEndianBytes)]
        let e = try PlanEntitlements.URI(topics: topics, data: try ABI.encode([.string], [.string("https://x/{id}.json")]))
        #expect(e.value == "https://x/{id}.json" && e.id == 0)
    }

    @Test("Error(string) revert data maps to each contract's typed reason; other data stays untyped")
    func reverts() throws {
        #expect(try ContractRevert.decode(try errorStringRevert("plan: unknown"), contract: PlanEntitlements.self) == .planEntitlements(.planUnknown))
        #expect(try ContractRevert.decode(try errorStringRevert("not owner"), contract: TrustRegistry.self) == .trustRegistry(.notOwner))
        #expect(try ContractRevert.decode(try errorStringRevert("batch: dispute window open"), contract: UsageSettlement.self)
                == .usageSettlement(.batchDisputeWindowOpen))
        #expect(try ContractRevert.decode(try errorStringRevert("insufficient allowance"), contract: TestStablecoin.self)
                == .testStablecoin(.insufficientAllowance))
        // shared texts resolve to the callee's case; a text the callee lacks is a bubbled-up reason of a
        // contract it calls; unknown text is not forced into a case
        #expect(try ContractRevert.decode(try errorStringRevert("insufficient balance"), contract: PlanEntitlements.self)
                == .planEntitlements(.insufficientBalance))
        #expect(try ContractRevert.decode(try errorStringRevert("insufficient balance"), contract: TestStablecoin.self)
                == .testStablecoin(.insufficientBalance))
        #expect(try ContractRevert.decode(try errorStringRevert("insufficient allowance"), contract: PlanEntitlements.self)
                == .testStablecoin(.insufficientAllowance))
        #expect(try ContractRevert.decode(try errorStringRevert("no such reason"), contract: UsageSettlement.self) == .other(.error("no such reason")))
        #expect(try ContractRevert.decode([], contract: TrustRegistry.self) == .other(.empty))
        let panic = [0x4e, 0x48, 0x7b, 0x71] + UInt256(0x11).bigEndianBytes
        #expect(try ContractRevert.decode(panic, contract: TrustRegistry.self) == .other(.panic(0x11)))
        #expect(throws: BindingError.abi(.truncated(needed: 4, available: 3))) {
            try ContractRevert.decode([0x08, 0xc3, 0x79], contract: TrustRegistry.self)
        }
        // "not owner" is 9 bytes in a 32-byte padded word; cut inside the string itself.
        let truncated = Array(try errorStringRevert("not owner").dropLast(30))
        #expect(throws: BindingError.abi(.truncated(needed: 9, available: 2))) { try ContractRevert.decode(truncated, contract: TrustRegistry.self) }
    }

    @Test("deployment data is the creation bytecode followed by the encoded constructor arguments")
    func deploymentData() throws {
        let code: [UInt8] = [0x60, 0x80, 0x60, 0x40]
        let data = try UsageSettlement.deploymentData(bytecode: code, registry: addr(1), entitlements: addr(2), token: addr(3),
                                                      disputeWindow: 86400, postingGrace: 3600)
        #expect(Array(data.prefix(4)) == code && data.count == 4 + 5 * 32)
        #expect(try ABI.decode(UsageSettlement.constructor.inputs, from: Array(data.dropFirst(4)))
                == [.address(addr(1)), .address(addr(2)), .address(addr(3)), .uint(86400), .uint(3600)])
    }
}

extension Hash32 {
    /// Test helper for words known to be 32 bytes.
    init(unchecked32 bytes: [UInt8]) {
        // swiftlint:disable:next force_try
        try! self.init(bytes)
    }
}
