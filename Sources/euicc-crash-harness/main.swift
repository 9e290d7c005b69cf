// A software eUICC behind stdin/stdout, used by the crash tests: the test process is the LPA and
// SM-DP+, sends APDUs over a pipe and SIGKILLs this process at random moments, then checks the
// state file. Framing, both directions: 2-byte big-endian length, then the APDU bytes.
//
// Usage: euicc-crash-harness <pki-directory> <state-directory>
import EUICC
import EUICCSimulator
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("euicc-crash-harness: \(message)\n".utf8))
    exit(2)
}

func readExactly(_ count: Int) -> [UInt8]? {
    var out: [UInt8] = []
    while out.count < count {
        let chunk = FileHandle.standardInput.readData(ofLength: count - out.count)
        if chunk.isEmpty { return nil }
        out += chunk
    }
    return out
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else { fail("usage: euicc-crash-harness <pki-directory> <state-directory>") }
let card: SoftEUICC
do {
    let identity = try EUICCIdentity.load(pkiDirectory: URL(fileURLWithPath: arguments[1]))
    card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: URL(fileURLWithPath: arguments[2])))
} catch {
    fail("\(error)")
}

while let lengthBytes = readExactly(2) {
    let length = Int(lengthBytes[0]) << 8 | Int(lengthBytes[1])
    guard let bytes = readExactly(length) else { break }
    let response: ResponseAPDU
    do {
        response = await card.process(try CommandAPDU(bytes: bytes))
    } catch {
        response = ResponseAPDU(status: .wrongLength)
    }
    let out = response.bytes
    FileHandle.standardOutput.write(Data([UInt8(out.count >> 8), UInt8(out.count & 0xFF)] + out))
}
