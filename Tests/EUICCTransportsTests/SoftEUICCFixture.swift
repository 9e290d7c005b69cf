import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import RSPCrypto

/// A software eUICC on a freshly generated SGP.22 test PKI in a temporary directory.
struct SoftEUICCFixture {
    let root: URL
    let card: SoftEUICC

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("euicc-transports-\(UUID().uuidString)")
        let pkiDirectory = root.appendingPathComponent("pki")
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        _ = try PKIWriter.write(pki, to: pkiDirectory, overwrite: false)
        let identity = try EUICCIdentity.load(pkiDirectory: pkiDirectory)
        card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: root.appendingPathComponent("euicc")))
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// Passes every exchange to `inner` and keeps the command headers, to check what went over the wire.
actor RecordingTransport: APDUTransport {
    let inner: any APDUTransport
    private(set) var commands: [CommandAPDU] = []

    init(_ inner: any APDUTransport) {
        self.inner = inner
    }

    func connect() async throws { try await inner.connect() }
    func disconnect() async throws { try await inner.disconnect() }

    func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU {
        commands.append(command)
        return try await inner.transmit(command)
    }
}
