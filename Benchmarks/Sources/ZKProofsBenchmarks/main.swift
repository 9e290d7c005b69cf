// Prover time per CDR (ZKProofs: a Pedersen commitment of the CDR's volume and its 32-bit range
// proof) next to the cost of the scalar multiplications that work needs, both measured in this run.
//
// Run: swift run -c release --package-path Benchmarks ZKProofsBenchmarks
//
// Per CDR the prover computes the commitment v·G + r·H (2 scalar multiplications) and, per bit, the
// bit commitment (2), the simulated branch's announcement (2) and the real one (1): 2 + 32·5 = 162
// constant-time ladders of 256 steps. Besides those it inverts a coordinate for each point it hashes
// into a challenge (4 per bit) and adds points. A ratio near 1 means the ladders are the cost; the
// opening proof of an EID (2 commitments: 4 ladders) is measured the same way.
import BenchmarkTiming
import EthereumCore
import Foundation
import ZKProofs


/// Runs `body` repeatedly for at least `budget` after one warm-up call; returns seconds per call.
func secondsPerCall(budget: Duration = .seconds(3), _ body: () throws -> Void) rethrows -> (seconds: Double, calls: Int) {
    let timed = try timeRepeatedly(for: budget, body)
    return (timed.seconds / Double(timed.calls), timed.calls)
}

func ms(_ s: Double) -> String { String(format: "%.3f ms", s * 1000) }

var sink: UInt8 = 0
var scalar = Pedersen.randomScalar()

// One constant-time scalar multiplication (Montgomery ladder, 256 steps), the scalar changing
// every call so nothing is hoisted; the results are summed (one point addition, ~1/500 of a ladder)
// rather than encoded (an encoding inverts a coordinate). Measured before and after the provers,
// since the machine's load moves the figures; the mean is the reference.
var total = G1Point.identity
@MainActor func measureLadder() -> (seconds: Double, calls: Int) {
    secondsPerCall {
        total = total + Pedersen.h.multiplied(by: scalar)
        scalar = scalar + Fr.one
    }
}
let ladderBefore = measureLadder()

// The prover's work for one CDR: commitment and 32-bit range proof of a random volume.
var volume: UInt64 = 1_234_567
let perCdr = try secondsPerCall {
    let r = Pedersen.randomScalar()
    let c = Pedersen.commit(value: Fr(volume), blinding: r)
    let proof = try RangeProof.prove(value: volume, blinding: r)
    volume = (volume &* 2_654_435_761) & 0xffff_ffff
    sink ^= c.encoded[0] ^ proof[31].commitment.encoded[1]
}

// The possession proof of an EID commitment (two commitments: A and, for the challenge, C).
let eid = Pedersen.eidValue(try Hex.decode("89049032123451234512345678901235"))!
let blinding = Pedersen.randomScalar()
let context = PossessionContext(chainId: UInt256(31337), verifier: try Address(hex: "0x" + String(repeating: "11", count: 20)),
                                entitlementId: UInt256(7), nonce: [UInt8](repeating: 5, count: 32),
                                prover: try Address(hex: "0x" + String(repeating: "22", count: 20)))
let opening = secondsPerCall {
    let proof = OpeningProof.prove(context, value: eid, blinding: blinding)
    sink ^= proof.e.bigEndianBytes[0]
}

let ladderAfter = measureLadder()
let ladder = (seconds: (ladderBefore.seconds + ladderAfter.seconds) / 2, calls: ladderBefore.calls + ladderAfter.calls)
sink ^= total.encoded[63]

let cdrLadders = 2.0 + 32.0 * 5.0
print("ZKProofs (BN254, hand-written 4x64-bit Montgomery arithmetic, complete addition, constant-time ladder)")
print("  scalar multiplication (ladder):        \(ms(ladder.seconds))  (\(ladder.calls) calls; \(ms(ladderBefore.seconds)) before, \(ms(ladderAfter.seconds)) after the provers)")
print("  prover per CDR (commit + 32-bit range): \(ms(perCdr.seconds))  (\(perCdr.calls) calls)")
print("    = \(String(format: "%.2f", perCdr.seconds / (cdrLadders * ladder.seconds))) x the \(Int(cdrLadders)) ladders it needs (\(ms(cdrLadders * ladder.seconds)))")
print("  EID opening proof:                      \(ms(opening.seconds))  (\(opening.calls) calls)")
print("    = \(String(format: "%.2f", opening.seconds / (4 * ladder.seconds))) x the 4 ladders it needs")
print("  CDRs proven per second per core:        \(String(format: "%.1f", 1 / perCdr.seconds))")
if sink == 0x5a { print("") }   // keeps the results alive
