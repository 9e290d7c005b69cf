// The dispute evidence checks shared by `openrsp usage dispute` and the portal (UsageDispute.Evidence,
// UsageDisputeRules): a CDR file must rebuild the pending batch's root and hold a contradicting CDR; a
// proof must verify against the pending root; each refusal has its kind. No chain needed.
import EthereumCore
import Foundation
@testable import Settlement
import Testing
import UsageService

private let entitlementId = UInt256(7)
private let start: UInt64 = 1_700_000_000

private func cdr(_ sequence: UInt64, bytes: UInt64 = 1000, offset: UInt64 = 60, entitlement: UInt256 = entitlementId) -> CDR {
    CDR(entitlementId: entitlement, sequence: sequence, bytes: bytes, periodStart: start + offset, periodEnd: start + offset + 600,
        cdrHash: Keccak256.hash(Array("cdr \(sequence)".utf8)))
}

private func jsonl(_ cdrs: [CDR]) -> [UInt8] {
    Array(cdrs.map {
        #"{"entitlementId":"\#($0.entitlementId)","sequence":\#($0.sequence),"bytes":\#($0.bytes),"periodStart":\#($0.periodStart),"periodEnd":\#($0.periodEnd),"cdrHash":"\#($0.cdrHash.hex)"}"#
    }.joined(separator: "\n").utf8) + [0x0A]
}

/// The ledger with `batch` pending (posted at start + 1 day, first sequence 1, total `total`).
private func pending(_ batch: [CDR], total: UInt64? = nil) throws -> UsageSettlement.Ledger {
    let tree = try UsageMerkleTree(leaves: batch.map(\.leaf))
    return UsageSettlement.Ledger(lastSeq: UInt64(batch.count), nonce: 1, pendingRoot: tree.root,
                                  pendingBytes: total ?? batch.reduce(0) { $0 + $1.bytes }, pendingFirstSeq: 1, pendingPostedAt: start + 86400)
}

private let terms = PlanEntitlements.SettlementTerms(
    owner: .zero, start: UInt256(start), end: UInt256(start + 30 * 86400), mno: .zero, mvno: .zero, marginBps: .zero,
    price: UInt256(1_000_000), planBytes: UInt256(5_000_000_000), refundRule: .atExpiryOrCancel, usagePoster: .mno, delivered: true,
    activationDeadline: UInt256(start + 7 * 86400))

private func kind(_ body: () throws(EntitlementActionError) -> UsageDispute.Evidence) -> EntitlementActionError.Kind? {
    do { _ = try body(); return nil } catch { return error.kind }
}

@Suite("Usage dispute evidence (shared by the CLI and the portal)")
struct UsageDisputeEvidenceTests {
    @Test("the contract's contradiction rules, in its order")
    func rules() throws {
        let ledger = try pending([cdr(1), cdr(2)])
        #expect(UsageDisputeRules.contradiction(cdr(1), index: 0, entitlementId: entitlementId, ledger: ledger, terms: terms) == nil)
        #expect(UsageDisputeRules.contradiction(cdr(1, entitlement: 8), index: 0, entitlementId: entitlementId, ledger: ledger, terms: terms)
                == "wrong entitlement")
        #expect(UsageDisputeRules.contradiction(cdr(3), index: 1, entitlementId: entitlementId, ledger: ledger, terms: terms) == "wrong sequence")
        var early = cdr(1)
        early.periodStart = start - 10
        #expect(UsageDisputeRules.contradiction(early, index: 0, entitlementId: entitlementId, ledger: ledger, terms: terms) == "bad period")
        #expect(UsageDisputeRules.contradiction(cdr(1, bytes: 5000), index: 0, entitlementId: entitlementId, ledger: ledger, terms: terms)
                == "units exceed batch")
        #expect(UsageDisputeRules.contradiction(cdr(1, offset: 86400), index: 0, entitlementId: entitlementId, ledger: ledger, terms: terms)
                == "after posting")
    }

    @Test("a CDR file: the contradicting leaf and a proof that verifies; a file that is not the batch; a batch without contradiction; unreadable input")
    func fromCDRs() throws {
        let batch = [cdr(1), cdr(2), cdr(4)]  // leaf 2 carries sequence 4: out of place
        let ledger = try pending(batch)
        let evidence = try UsageDispute.Evidence.fromCDRs(jsonl(batch), format: .jsonl, name: "f", entitlementId: entitlementId,
                                                          ledger: ledger, terms: terms)
        #expect(evidence.index == 2 && evidence.cdr == batch[2])
        #expect(UsageMerkleTree.verify(root: ledger.pendingRoot, leaf: batch[2].leaf, index: 2, count: 3, proof: evidence.proof))
        // Other entitlements' CDRs in the file are left out when the whole file is not the batch.
        let mixed = [cdr(1, entitlement: 9)] + batch
        #expect(try UsageDispute.Evidence.fromCDRs(jsonl(mixed), format: .jsonl, name: "f", entitlementId: entitlementId, ledger: ledger,
                                                   terms: terms).index == 2)
        #expect(kind { () throws(EntitlementActionError) in
            try UsageDispute.Evidence.fromCDRs(jsonl(Array(batch.prefix(2))), format: .jsonl, name: "f", entitlementId: entitlementId,
                                               ledger: ledger, terms: terms)
        } == .batchMismatch)
        let good = [cdr(1), cdr(2)]
        #expect(kind { () throws(EntitlementActionError) in
            try UsageDispute.Evidence.fromCDRs(jsonl(good), format: .jsonl, name: "f", entitlementId: entitlementId,
                                               ledger: try! pending(good), terms: terms)
        } == .noContradiction)
        #expect(kind { () throws(EntitlementActionError) in
            try UsageDispute.Evidence.fromCDRs(Array("not,a,cdr\n".utf8), format: .csv, name: "f", entitlementId: entitlementId,
                                               ledger: ledger, terms: terms)
        } == .input)
    }

    @Test("a proof document (its data or the --json envelope) verifies against the pending root; a tampered CDR or index does not")
    func fromProof() throws {
        let batch = [cdr(1), cdr(2), cdr(3, bytes: 9_000_000)]
        let ledger = try pending(batch, total: 5000)
        let tree = try UsageMerkleTree(leaves: batch.map(\.leaf))
        func document(_ leaf: CDR, index: Int) throws -> String {
            let proof = try tree.proof(index: index).map { "\"\($0.hex)\"" }.joined(separator: ",")
            return #"{"outboxBatch":1,"state":"posted","cdr":{"entitlementId":"\#(leaf.entitlementId)","sequence":\#(leaf.sequence),"bytes":\#(leaf.bytes),"periodStart":\#(leaf.periodStart),"periodEnd":\#(leaf.periodEnd),"cdrHash":"\#(leaf.cdrHash.hex)"},"leaf":"\#(leaf.leaf.hex)","leafIndex":\#(index),"leafCount":3,"proof":[\#(proof)],"root":"\#(tree.root.hex)","verifiesLocally":true}"#
        }
        let plain = try UsageDispute.Evidence.fromProof(Array(try document(batch[2], index: 2).utf8), name: "p", ledger: ledger)
        #expect(plain.index == 2 && plain.cdr == batch[2])
        let envelope = #"{"type":"lpa","payload":{"code":0,"message":"success","data":\#(try document(batch[2], index: 2))}}"#
        #expect(try UsageDispute.Evidence.fromProof(Array(envelope.utf8), name: "p", ledger: ledger).cdr == batch[2])
        var tampered = batch[0]
        tampered.bytes += 1
        let tamperedDocument = try document(tampered, index: 0)
        #expect(kind { () throws(EntitlementActionError) in
            try UsageDispute.Evidence.fromProof(Array(tamperedDocument.utf8), name: "p", ledger: ledger)
        } == .proofInvalid)
        let wrongIndex = try document(batch[0], index: 0).replacingOccurrences(of: #""leafIndex":0"#, with: #""leafIndex":1"#)
        #expect(kind { () throws(EntitlementActionError) in
            try UsageDispute.Evidence.fromProof(Array(wrongIndex.utf8), name: "p", ledger: ledger)
        } == .proofInvalid)
        #expect(kind { () throws(EntitlementActionError) in
            try UsageDispute.Evidence.fromProof(Array("{\"proof\": 1}".utf8), name: "p", ledger: ledger)
        } == .input)
    }
}
