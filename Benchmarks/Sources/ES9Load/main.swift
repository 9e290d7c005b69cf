// Helpers of Benchmarks/es9-load (the ES9+ load run against `openrsp smdp serve`):
//
//   ES9Load body --pki DIR --address HOST:PORT [--out FILE]
//       An initiateAuthentication request body (JSON) as an LPA sends it: EUICCInfo1 read over ES10 from
//       a software eUICC made from the PKI's eUICC identity, a fresh 16-byte euiccChallenge, the given
//       SM-DP+ address. The server answers each copy with a new session (new transactionId, signed).
//   ES9Load sign-rate [--seconds S]
//       P-256 ECDSA signatures per second on one thread with swift-crypto (the library the SM-DP+ signs
//       serverSignature1 with), over a message the size of ServerSigned1: the bound of initiateAuthentication.
import BenchmarkTiming
import Crypto
import ES9PlusAPI
import EUICC
import EUICCSimulator
import Foundation

struct UsageError: Error, CustomStringConvertible { let description: String }

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func initiateAuthenticationBody(pki: String, address: String) async throws -> Data {
    let directory = URL(fileURLWithPath: pki)
    let identity = try EUICCIdentity.load(pkiDirectory: directory)
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("es9load-euicc-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: state) }
    let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: state))
    let es10 = try ES10Client(transport: InProcessTransport(card: card))
    try await es10.open()
    let info1 = try await es10.getEUICCInfo1()
    let request = try InitiateAuthenticationRequest(smdpAddress: address, euiccChallenge: (0..<16).map { _ in UInt8.random(in: 0...255) },
                                                    euiccInfo1: info1)
    return try ES9PlusJSON.encode(request)
}

func signRate(seconds budget: Double) throws -> Double {
    let key = P256.Signing.PrivateKey()
    // ServerSigned1: transactionId (16), euiccChallenge (16), serverAddress (~20), serverChallenge (16) in DER.
    let message = [UInt8](repeating: 0x5A, count: 80)
    var sink = 0
    for _ in 0..<100 { sink &+= try key.signature(for: message).rawRepresentation.count }
    let timed = try timeRepeatedly(for: .milliseconds(Int64(budget * 1000))) {
        for _ in 0..<64 { sink &+= try key.signature(for: message).rawRepresentation.count }
    }
    if sink == 42 { print("") }
    return Double(timed.calls * 64) / timed.seconds
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "body":
        guard let pki = option("--pki", in: arguments), let address = option("--address", in: arguments) else {
            throw UsageError(description: "usage: ES9Load body --pki DIR --address HOST:PORT [--out FILE]")
        }
        let body = try await initiateAuthenticationBody(pki: pki, address: address)
        if let out = option("--out", in: arguments) {
            try body.write(to: URL(fileURLWithPath: out))
        } else {
            FileHandle.standardOutput.write(body)
        }
    case "sign-rate":
        let seconds = option("--seconds", in: arguments).flatMap(Double.init) ?? 3
        print(String(format: "%.0f", try signRate(seconds: seconds)))
    default:
        throw UsageError(description: "usage: ES9Load body --pki DIR --address HOST:PORT [--out FILE] | sign-rate [--seconds S]")
    }
} catch {
    FileHandle.standardError.write(Data("ES9Load: \(error)\n".utf8))
    exit(1)
}
