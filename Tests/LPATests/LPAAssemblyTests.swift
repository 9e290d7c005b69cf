import EUICC
import EUICCSimulator
import Foundation
import LPA
import LPAClient
import RSPASN1
import RSPCrypto
import Testing

/// Wraps a real transport (the software eUICC in process) and records what the ES10 access did to it.
private final class ObservedTransport: APDUTransport, @unchecked Sendable {
    let inner: InProcessTransport
    private let lock = NSLock()
    private var connects = 0, disconnects = 0
    private var commands: [CommandAPDU] = []

    init(_ inner: InProcessTransport) { self.inner = inner }

    var connectCount: Int { lock.withLock { connects } }
    var disconnectCount: Int { lock.withLock { disconnects } }
    /// MANAGE CHANNEL (INS 70) commands: P1 00 opens, P1 80 closes.
    var channelOpensAndCloses: (opens: Int, closes: Int) {
        lock.withLock {
            let manage = commands.filter { $0.ins == 0x70 }
            return (manage.filter { $0.p1 == 0x00 }.count, manage.filter { $0.p1 == 0x80 }.count)
        }
    }

    func connect() async throws {
        lock.withLock { connects += 1 }
        try await inner.connect()
    }

    func disconnect() async throws {
        lock.withLock { disconnects += 1 }
        try await inner.disconnect()
    }

    func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU {
        lock.withLock { commands.append(command) }
        return try await inner.transmit(command)
    }
}

private struct WorkFailed: Error {}

@Suite("The LPA's composition root: ES10 access, soft eUICC provisioning, DeviceInfo")
struct LPAAssemblyTests {
    private func pkiDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lpa-assembly-\(UUID().uuidString)/pki")
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "smdp.example"))
        _ = try PKIWriter.write(pki, to: directory, overwrite: false)
        return directory
    }

    @Test("ES10Access closes the ISD-R channel and releases the transport after the work, and also when the work fails")
    func accessReleasesOnBothPaths() async throws {
        let pki = try pkiDirectory()
        defer { try? FileManager.default.removeItem(at: pki.deletingLastPathComponent()) }
        let card = try SoftEUICCProvisioning.open(at: pki.deletingLastPathComponent().appendingPathComponent("euicc"), pkiSource: pki)

        let good = ObservedTransport(InProcessTransport(card: card))
        let eid = try await ES10Access.with(good) { try await $0.getEID() }
        #expect(eid == (try TestPKIOptions.defaultEID))
        #expect(good.connectCount == 1 && good.disconnectCount == 1)
        #expect(good.channelOpensAndCloses == (1, 1))

        let failing = ObservedTransport(InProcessTransport(card: card))
        await #expect(throws: WorkFailed.self) {
            try await ES10Access.with(failing) { client -> Int in
                _ = try await client.getEID()
                throw WorkFailed()
            }
        }
        #expect(failing.connectCount == 1 && failing.disconnectCount == 1, "the failure path must release the transport")
        #expect(failing.channelOpensAndCloses == (1, 1), "the failure path must close the logical channel")
    }

    @Test("provisioning copies the identity once (key 0600, directory 0700, further CIs); without a key it writes nothing")
    func provisioning() throws {
        let pki = try pkiDirectory()
        let root = pki.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: root) }
        let extra = TestPKIGenerator.self
        let otherCI = try extra.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "other.example")).ci.certificate
        try ExtraCIFolder(pkiDirectory: pki).add(certificateBytes: try PKIEncoding.der(otherCI))

        let target = root.appendingPathComponent("euicc/pki")
        try SoftEUICCProvisioning.provisionIdentity(from: pki, into: target)
        let key = target.appendingPathComponent(PKIDirectoryLayout.keyName(.euicc)).path
        #expect((try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int) == 0o700)
        #expect(PKIDirectoryLayout.extraCIFiles(in: target).count == 1)
        let identity = try EUICCIdentity.load(pkiDirectory: target)
        #expect(identity.eid == (try TestPKIOptions.defaultEID))

        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let nowhere = root.appendingPathComponent("nowhere/pki")
        #expect(throws: SoftEUICCProvisioningError.noEUICCKey(pkiDirectory: empty.path)) {
            try SoftEUICCProvisioning.provisionIdentity(from: empty, into: nowhere)
        }
        #expect(!FileManager.default.fileExists(atPath: nowhere.path))
    }

    @Test("the LPA's DeviceInfo carries TAC 35290611")
    func deviceInfo() throws {
        #expect(LPAAssembly.deviceInfo.tac == [0x35, 0x29, 0x06, 0x11])
    }
}
