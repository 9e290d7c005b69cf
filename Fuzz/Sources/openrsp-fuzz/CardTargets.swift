import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import RSPCrypto

/// The card side and the device side of ES10 over APDUs:
/// - `apdu`: command/response APDU parsing (EUICC), re-encoding parses back equal;
/// - `es10-client`: the LPA's ISD-R session (MANAGE CHANNEL, SELECT, STORE DATA, GET RESPONSE chaining)
///   and ES10 response decoding, against a card whose answers are the input;
/// - `soft-euicc`: the whole software eUICC (`SoftEUICC.process`: channels, SELECT, STORE DATA
///   reassembly, GET RESPONSE, every ES10 handler) fed a script of command APDUs; afterwards a reset
///   card must still select the ISD-R.
let cardTargets: [FuzzTarget] = [
    FuzzTarget(name: "apdu", summary: "CommandAPDU/ResponseAPDU parsing (EUICC); parse(bytes(x)) == x") { bytes in
        if let command = try? CommandAPDU(bytes: bytes) {
            let again = mustSucceed("CommandAPDU re-parse") { try CommandAPDU(bytes: command.bytes) }
            invariant(again == command, "CommandAPDU: parse(bytes(x)) != x")
        }
        if let response = try? ResponseAPDU(bytes: bytes) {
            invariant(response.bytes == bytes, "ResponseAPDU re-encoding differs")
        }
    },
    FuzzTarget(name: "es10-client", summary: "ES10 client over APDUs (ISDRSession chaining, ES10Client decoding); input = card answers") { bytes in
        let card = ScriptedTransport(answers: lengthPrefixedChunks(bytes))
        runBlocking {
            guard let client = try? ES10Client(transport: card, chunkSize: 120) else { return }
            guard (try? await client.open()) != nil else { return }
            _ = try? await client.getEUICCInfo2()
            _ = try? await client.getProfilesInfo()
            _ = try? await client.retrieveNotificationsList()
            _ = try? await client.getEUICCChallenge()
            _ = try? await client.close()
        }
    },
    FuzzTarget(name: "soft-euicc", summary: "SoftEUICC.process on a script of command APDUs (whole software card)") { bytes in
        let commands = lengthPrefixedChunks(bytes).compactMap { try? CommandAPDU(bytes: $0) }
        runBlocking { await SoftCardBed.shared.run(commands) }
    },
]

/// A transport whose answers are the fuzz input, one per transmitted command; then it fails.
actor ScriptedTransport: APDUTransport {
    private var answers: [[UInt8]]

    init(answers: [[UInt8]]) { self.answers = answers.reversed() }

    func connect() async throws {}
    func disconnect() async throws {}

    func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU {
        guard let next = answers.popLast() else { throw InProcessTransportError.notConnected }
        return try ResponseAPDU(bytes: next)
    }
}

/// One software eUICC identity (a generated test PKI) shared by every input; each input gets a
/// fresh card on an empty state file so inputs do not depend on each other.
final class SoftCardBed: Sendable {
    static let shared = SoftCardBed()

    let identity: EUICCIdentity
    let store: EUICCStateStore

    private init() {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let root = base.appendingPathComponent("openrsp-fuzz-\(getpid())")
        (identity, store) = mustSucceed("software eUICC setup") {
            let pkiDirectory = root.appendingPathComponent("pki")
            try PKIWriter.write(try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID)),
                                to: pkiDirectory, overwrite: true)
            return (try EUICCIdentity.load(pkiDirectory: pkiDirectory), EUICCStateStore(directory: root.appendingPathComponent("euicc")))
        }
        atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/openrsp-fuzz-\(getpid())") }
    }

    func run(_ commands: [CommandAPDU]) async {
        try? FileManager.default.removeItem(at: store.fileURL)
        let card = mustSucceed("SoftEUICC init") { try SoftEUICC(identity: identity, store: store) }
        for command in commands { _ = await card.process(command) }
        await card.reset()
        let select = mustSucceed("SELECT APDU") { try CommandAPDU(cla: 0x00, ins: 0xA4, p1: 0x04, p2: 0x00, data: isdrAID, le: 256) }
        let answer = await card.process(select)
        invariant(answer.status.isSuccess || answer.status.hasMoreData, "reset card refuses SELECT ISD-R: \(answer.status)")
    }
}
