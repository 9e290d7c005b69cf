// Usage-batch Merkle root throughput (Settlement's UsageMerkleTree, leaf encoding included) next to
// raw Keccak-256 throughput on 64-byte inputs, both measured in this run.
//
// Run: swift run -c release --package-path Benchmarks SettlementBenchmarks [CDRs per batch]
//
// Per CDR the tree computes the ABI leaf keccak256(abi.encode(...)) over 192 bytes (two Keccak-f
// permutations at rate 136), the leaf node keccak256(0x00 ‖ leaf) over 33 bytes, and on average
// just under one inner node keccak256(0x01 ‖ left ‖ right) over 65 bytes: three hashes and four
// permutations, against one permutation for a raw 64-byte hash. A ratio near 1/4 means the tree
// costs little beyond the hashing itself; lower means encoding, copying and allocation dominate.
import BenchmarkTiming
import EthereumCore
import Foundation
import Settlement


/// Runs `body` repeatedly for at least `budget` after one warm-up call; returns operations per
/// second (each call counts as `opsPerCall`) and the number of timed calls.
func measure(budget: Duration = .seconds(2), opsPerCall: Double = 1, _ body: () throws -> Void) rethrows -> (perSecond: Double, calls: Int) {
    let timed = try timeRepeatedly(for: budget, body)
    return (Double(timed.calls) * opsPerCall / timed.seconds, timed.calls)
}

func fmt(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

let arguments = CommandLine.arguments.dropFirst()
var batchSize = 65_536
if let text = arguments.first {
    guard let n = Int(text), n >= 1, n <= 1 << 32 else {
        FileHandle.standardError.write(Data("SettlementBenchmarks: expected a CDR count between 1 and 2^32, got \(text)\n".utf8))
        exit(2)
    }
    batchSize = n
}

// Deterministic CDRs of one entitlement: sequences 1...n, cdrHash = keccak256(sequence as 8 bytes).
let entitlementId = UInt256(7)
let periodStart: UInt64 = 1_700_000_000
var cdrs = [CDR]()
cdrs.reserveCapacity(batchSize)
for i in 0..<batchSize {
    let seq = UInt64(i + 1)
    let hash = Keccak256.hash(withUnsafeBytes(of: seq.bigEndian) { Array($0) })
    cdrs.append(CDR(entitlementId: entitlementId, sequence: seq, bytes: 1_000 + UInt64(i % 4096),
                    periodStart: periodStart + UInt64(i), periodEnd: periodStart + UInt64(i) + 60, cdrHash: hash))
}

var sink: UInt8 = 0

// CDRs -> root: leaf encoding, leaf nodes and inner nodes, as an operator builds a batch.
var root = Hash32.zero
let tree = try measure(opsPerCall: Double(batchSize)) {
    let t = try UsageMerkleTree(cdrs: cdrs)
    root = t.root
    sink ^= root.bytes[0]
}

// Raw Keccak-256 over 64-byte inputs (the size of an inner node's two children), with the input
// changed every call so nothing can be hoisted out of the loop.
var input = [UInt8](repeating: 0x5a, count: 64)
let rawChunk = 4_096
let raw = measure(opsPerCall: Double(rawChunk)) {
    for _ in 0..<rawChunk {
        let d = Keccak256.digest(input)
        input[0] = d[0]
        input[63] = d[31]
    }
    sink ^= input[0]
}

let ratio = tree.perSecond / raw.perSecond
print("batch: \(batchSize) CDRs, root \(root.hex)")
print("Merkle root (UsageMerkleTree, leaf encoding included)  \(fmt(tree.perSecond / 1e6, 3)) M CDRs/s  (\(tree.calls) trees timed)")
print("raw Keccak-256, 64-byte inputs                         \(fmt(raw.perSecond / 1e6, 3)) M hashes/s")
print("ratio CDRs per second / raw 64-byte hashes per second  \(fmt(ratio, 3))  (one CDR = 3 hashes, 4 Keccak-f permutations)")
print("(sink \(sink))")
