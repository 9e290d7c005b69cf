import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
@testable import RSPCommands
import RSPCrypto
import Testing

/// Issue 13 item 3: a second trusted CI, by command and by PEM bundle.
@Suite("Further trusted CIs: pki init --extra-ci, euicc ci add|list|remove, PEM bundles")
struct ExtraCICommandTests {
    /// A folder with a PKI written into `<root>/euicc/pki` and a second, unrelated test PKI.
    struct Bed {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("extra-ci-\(UUID().uuidString)")
        let own: TestPKI
        let other: TestPKI
        var simulator: URL { root.appendingPathComponent("euicc") }
        var otherCIFile: URL { root.appendingPathComponent("other-ci.pem") }

        init() throws {
            own = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
            other = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
            _ = try PKIWriter.write(own, to: simulator.appendingPathComponent("pki"), overwrite: false)
            try Data(try PKIEncoding.pem(other.ci.certificate).utf8).write(to: otherCIFile)
        }

        func keyId(_ pki: TestPKI) throws -> [UInt8] { try SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate) }

        func info1() async throws -> EUICCInfo1 {
            let card = try DeviceOptions.softEUICC(at: simulator)
            let client = try ES10Client(transport: InProcessTransport(card: card))
            try await client.open()
            return try await client.getEUICCInfo1()
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    @Test("euicc ci add makes EUICCInfo1 list the second CI for verification (not for signing); list shows it; remove drops it")
    func addListRemove() async throws {
        let bed = try Bed()
        defer { bed.remove() }
        let sim = ["--simulator", bed.simulator.path]
        #expect(try await bed.info1().euiccCiPKIdListForVerification == [try bed.keyId(bed.own)])

        try await openrsp(["euicc", "ci", "add", bed.otherCIFile.path, "--json"] + sim)
        let info1 = try await bed.info1()
        #expect(info1.euiccCiPKIdListForVerification == [try bed.keyId(bed.own), try bed.keyId(bed.other)])
        #expect(info1.euiccCiPKIdListForSigning == [try bed.keyId(bed.own)])
        let listed = try ExtraCIFolder(pkiDirectory: bed.simulator.appendingPathComponent("pki")).list()
        #expect(listed.map(\.keyId) == [HexBytes.encode(try bed.keyId(bed.other))])
        try await openrsp(["euicc", "ci", "list"] + sim)

        try await openrsp(["euicc", "ci", "remove", HexBytes.encode(try bed.keyId(bed.other)).uppercased()] + sim)
        #expect(try await bed.info1().euiccCiPKIdListForVerification == [try bed.keyId(bed.own)])
        await #expect(throws: (any Error).self) { try await openrsp(["euicc", "ci", "remove", "00112233"] + sim) }
    }

    @Test("euicc ci add refuses a certificate that is not a CI (the EUM certificate) and adds nothing")
    func refusesNonCI() async throws {
        let bed = try Bed()
        defer { bed.remove() }
        let eumFile = bed.root.appendingPathComponent("eum.pem")
        try Data(try PKIEncoding.pem(bed.other.eum.certificate).utf8).write(to: eumFile)
        await #expect(throws: (any Error).self) {
            try await openrsp(["euicc", "ci", "add", bed.otherCIFile.path, eumFile.path, "--simulator", bed.simulator.path])
        }
        #expect(try ExtraCIFolder(pkiDirectory: bed.simulator.appendingPathComponent("pki")).list().isEmpty)
    }

    @Test("a ci.pem holding two CI certificates loads (it used to fail with 'ci: malformed PEM'); both are trusted")
    func ciBundle() async throws {
        let bed = try Bed()
        defer { bed.remove() }
        let pki = bed.simulator.appendingPathComponent("pki")
        let bundle = try PKIEncoding.pem(bed.own.ci.certificate) + "\n" + (try PKIEncoding.pem(bed.other.ci.certificate))
        try FileManager.default.removeItem(at: pki.appendingPathComponent("ci.der"))
        try Data(bundle.utf8).write(to: pki.appendingPathComponent("ci.pem"))
        let identity = try EUICCIdentity.load(pkiDirectory: pki)
        #expect(identity.ciPKIds == [try bed.keyId(bed.own), try bed.keyId(bed.other)])
        #expect(identity.signingCIPKIds == [try bed.keyId(bed.own)])
        let loaded = try PKILoader.load(from: pki)
        #expect(loaded.extraCIs.count == 1)
        #expect(try PKIDecoder.certificates(Array(bundle.utf8)).count == 2)
    }

    @Test("pki init --extra-ci writes ci-extra; a software eUICC created from that PKI trusts the further CI; a bad file writes no PKI")
    func pkiInitExtraCI() async throws {
        let bed = try Bed()
        defer { bed.remove() }
        let dir = bed.root.appendingPathComponent("home/pki")
        let eumFile = bed.root.appendingPathComponent("eum.pem")
        try Data(try PKIEncoding.pem(bed.other.eum.certificate).utf8).write(to: eumFile)
        await #expect(throws: (any Error).self) { try await openrsp(["pki", "init", "--dir", dir.path, "--extra-ci", eumFile.path]) }
        #expect(PKIWriter.existingFiles(in: dir).isEmpty)

        try await openrsp(["pki", "init", "--dir", dir.path, "--extra-ci", bed.otherCIFile.path, "--json"])
        #expect(try ExtraCIFolder(pkiDirectory: dir).list().map(\.keyId) == [HexBytes.encode(try bed.keyId(bed.other))])
        let identity = try EUICCIdentity.load(pkiDirectory: dir)
        #expect(identity.ciPKIds.count == 2)
        #expect(identity.ciPKIds.last == (try bed.keyId(bed.other)))
    }
}
