// EthereumCore throughput next to references measured in the same run:
//   Keccak-256 vs swift-crypto SHA-256 / SHA3-256 (and Python eth-hash if .venv exists),
//   signing vs a raw libsecp256k1 loop, UInt256 checked add/mul vs native UInt64.
import BenchmarkTiming
import BigInt
import CSecp256k1Raw
import Crypto
import EthereumCore
import Foundation


/// Runs `body` repeatedly for at least `budget`, returns operations per second (each call = `opsPerCall`).
func measure(budget: Duration = .milliseconds(800), opsPerCall: Double = 1, _ body: () throws -> Void) rethrows -> Double {
    let timed = try timeRepeatedly(for: budget, body)
    return Double(timed.calls) * opsPerCall / timed.seconds
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

var sink: UInt8 = 0

// MARK: Hashing
let megabyte = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
let keccakMBs = measure { sink ^= Keccak256.digest(megabyte)[0] }
let sha256MBs = measure { sink ^= Array(SHA256.hash(data: megabyte))[0] }
let sha3MBs = measure { sink ^= Array(SHA3_256.hash(data: megabyte))[0] }
let word = [UInt8](repeating: 0xab, count: 32)
let keccakSmall = measure { sink ^= Keccak256.digest(word)[0] }

print("Keccak-256 (EthereumCore)      \(fmt(keccakMBs)) MB/s   (32-byte inputs: \(fmt(keccakSmall / 1e6, 2)) M hashes/s)")
print("SHA-256 (swift-crypto)         \(fmt(sha256MBs)) MB/s   ratio Keccak/SHA-256 = \(fmt(keccakMBs / sha256MBs, 2))")
print("SHA3-256 (swift-crypto)        \(fmt(sha3MBs)) MB/s   ratio Keccak/SHA3-256 = \(fmt(keccakMBs / sha3MBs, 2))")

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let python = packageRoot.appendingPathComponent(".venv/bin/python")
if FileManager.default.isExecutableFile(atPath: python.path) {
    let script = """
    import time
    from eth_hash.auto import keccak
    buf = bytes((i * 31 + 7) & 0xff for i in range(1 << 20))
    keccak(buf); n = 0; t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.8:
        keccak(buf); n += 1
    print(n / (time.perf_counter() - t0))
    """
    let process = Process()
    process.executableURL = python
    process.arguments = ["-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    do {
        try process.run()
        process.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if let py = Double(out.trimmingCharacters(in: .whitespacesAndNewlines)) {
            print("Python eth-hash (pycryptodome) \(fmt(py)) MB/s   ratio Keccak/eth-hash = \(fmt(keccakMBs / py, 2))")
        } else {
            print("Python eth-hash: no figure (\(out.prefix(200)))")
        }
    } catch {
        print("Python eth-hash: could not run \(python.path): \(error)")
    }
} else {
    print("Python eth-hash: skipped (no .venv; run scripts/setup)")
}

// MARK: secp256k1 signing
let key = try PrivateKey([UInt8](repeating: 0x46, count: 32))
var digest = Keccak256.hash(word)
let swiftSigs = try measure {
    let sig = try key.sign(digest: digest)
    sink ^= sig.r[0]
}

let ctx = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
let seckey = key.rawBytes
let digestBytes = digest.bytes
let rawSigs = measure {
    var sig = secp256k1_ecdsa_recoverable_signature()
    _ = secp256k1_ecdsa_sign_recoverable(ctx, &sig, digestBytes, seckey, nil, nil)
    sink ^= sig.data.0
}
let signature = try key.sign(digest: digest)
let recovers = try measure { sink ^= try signature.recoverAddress(digest: digest).bytes[0] }
print("sign (EthereumCore)            \(fmt(swiftSigs, 0)) sig/s")
print("sign (raw libsecp256k1 loop)   \(fmt(rawSigs, 0)) sig/s   ratio EthereumCore/raw = \(fmt(swiftSigs / rawSigs, 2))")
print("recover address (EthereumCore) \(fmt(recovers, 0)) ops/s")

// MARK: UInt256 vs UInt64
let n = 4096
var a256 = (0..<n).map { UInt256(limbs: UInt64($0) &* 0x9E37_79B9, UInt64($0), 0, 0) }
var a64 = (0..<n).map { UInt64($0) &* 0x9E37_79B9 }
var acc256 = UInt256.zero
let add256 = try measure(opsPerCall: Double(n)) {
    var acc = UInt256.zero
    for x in a256 { acc = try acc.adding(x) }
    acc256 = acc
}
var acc64: UInt64 = 0
let add64 = measure(opsPerCall: Double(n)) {
    var acc: UInt64 = 0
    for x in a64 { acc = acc &+ x }
    acc64 ^= acc
}
let small = UInt256(limbs: 0xFFFF_FFFF, 0, 0, 0)
let mul256 = try measure(opsPerCall: Double(n)) {
    var acc = UInt256.zero
    for x in a256 { acc = try x.multiplied(by: small) }
    acc256 = acc
}
let mul64 = measure(opsPerCall: Double(n)) {
    var acc: UInt64 = 0
    for x in a64 { acc ^= x &* 0xFFFF_FFFF }
    acc64 ^= acc
}
// The alternative design: BigUInt with an explicit < 2^256 check after each operation.
let limit = BigUInt(1) << 256
let aBig = a256.map(\.bigUInt)
var accBig = BigUInt(0)
let addBig = measure(opsPerCall: Double(n)) {
    var acc = BigUInt(0)
    for x in aBig { acc += x; if acc >= limit { break } }
    accBig = acc
}
let smallBig = small.bigUInt
let mulBig = measure(opsPerCall: Double(n)) {
    var acc = BigUInt(0)
    for x in aBig { acc = x * smallBig; if acc >= limit { break } }
    accBig = acc
}
print("BigUInt add + range check      \(fmt(addBig / 1e6)) M ops/s   BigUInt mul + range check \(fmt(mulBig / 1e6)) M ops/s")
print("UInt256 checked add            \(fmt(add256 / 1e6)) M ops/s   UInt64 &+ \(fmt(add64 / 1e6)) M ops/s   ratio \(fmt(add256 / add64, 3))")
print("UInt256 checked mul            \(fmt(mul256 / 1e6)) M ops/s   UInt64 &* \(fmt(mul64 / 1e6)) M ops/s   ratio \(fmt(mul256 / mul64, 3))")
print("(sink \(sink) \(acc256.w0 & 1) \(acc64 & 1) \(accBig.bitWidth))")
