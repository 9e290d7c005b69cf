import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import Testing
import X509

/// Collects the software eUICC's diagnostics.
final class DiagnosticLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [EUICCDiagnostic] = []
    func append(_ item: EUICCDiagnostic) { lock.lock(); items.append(item); lock.unlock() }
    var all: [EUICCDiagnostic] { lock.lock(); defer { lock.unlock() }; return items }
}

/// What other SM-DP+s send (issue 13 items 1 and 2): segments cut larger than SGP.22's 1020-byte TLVs
/// install, the oversize is reported, and refusals carry their reason beside the spec code.
@Suite struct InteropReceiveTests {
    /// A fixture after AuthenticateServer + PrepareDownload, its diagnostics log, and the TS.48 UPP bound to
    /// its session by SMDPCore's builder in `pieceBytes` plaintext pieces.
    static func prepared(pieceBytes: Int) async throws -> (Fixture, DiagnosticLog, BoundProfilePackage, ICCID) {
        let upp = try #require(TS48.upp())
        let fixture = try await Fixture(chunkSize: 255)
        let log = DiagnosticLog()
        await fixture.card.setDiagnosticHandler { log.append($0) }
        let otpk = try await fixture.authenticateAndPrepare()
        let iccid = try ProfileElementSequence(der: upp).header.iccid
        let built = try BoundProfilePackageBuilder(profileElementPieceBytes: pieceBytes).build(
            euiccOtpk: otpk, eid: fixture.identity.eid, transactionId: fixture.smdp.transactionId, dpPbKey: fixture.smdp.dpPbKey,
            storeMetadata: try StoreMetadataRequest(iccid: iccid, serviceProviderName: "Other SM-DP+", profileName: "\(pieceBytes)-byte pieces"),
            unprotectedProfilePackage: upp)
        return (fixture, log, try BoundProfilePackage(der: built.der), iccid)
    }

    @Test("A BPP cut into 1008-byte plaintext pieces (1036-byte 86 TLVs) installs, and the oversize is reported once",
          .enabled(if: TS48.available, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func oversizeSegmentsInstall() async throws {
        let (fixture, log, bpp, iccid) = try await Self.prepared(pieceBytes: 1008)
        // What the issue saw on the wire: 86 82 04 08 …, 1036 bytes per full segment.
        #expect(bpp.sequenceOf86.first?.count == 1036)
        #expect(Array(bpp.sequenceOf86.first?.prefix(4) ?? []) == [0x86, 0x82, 0x04, 0x08])
        let pir = try await fixture.client.loadBoundProfilePackage(bpp)
        guard case .success = finalResult(pir) else { Issue.record("installation failed: \(finalResult(pir))"); return }
        guard case let .ok(profiles) = try await fixture.client.getProfilesInfo() else { throw TestFailure("GetProfilesInfo") }
        #expect(profiles.map(\.iccid) == [iccid])
        let notices = log.all.filter { $0.kind == .notice }
        #expect(notices.count == 1)
        #expect(notices.first?.message.contains("1036-byte") == true)
        #expect(await fixture.card.lastFailure == nil)
    }

    @Test("A segment over the 2048-byte receive bound is refused with scp03tStructureError; the reason names segment and size",
          .enabled(if: TS48.available, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func segmentOverBoundRefusedWithReason() async throws {
        // 2031 plaintext bytes make 2044-byte TLVs (accepted); the test then appends 8 bytes to one so it
        // exceeds the bound. Its MAC no longer matters: the size check comes first.
        let (fixture, log, bpp, _) = try await Self.prepared(pieceBytes: BSPSegmentTag.profileElement.maxInteropPlaintextBytes)
        #expect(bpp.sequenceOf86.first?.count == 2044)
        var oversized = try #require(bpp.sequenceOf86.first)
        let value = Array(oversized.dropFirst(4)) + [UInt8](repeating: 0, count: 8)
        oversized = [0x86, 0x82, UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value
        let tampered = try BoundProfilePackage(initialiseSecureChannelRequest: bpp.initialiseSecureChannelRequest,
                                               firstSequenceOf87: bpp.firstSequenceOf87, sequenceOf88: bpp.sequenceOf88,
                                               secondSequenceOf87: bpp.secondSequenceOf87,
                                               sequenceOf86: [oversized] + bpp.sequenceOf86.dropFirst())
        let pir = try await fixture.client.loadBoundProfilePackage(tampered)
        guard case let .error(command, reason, _) = finalResult(pir) else { Issue.record("a 2052-byte segment installed"); return }
        #expect(command == .loadProfileElements)
        #expect(reason == .scp03tStructureError)
        let failure = try #require(await fixture.card.lastFailure)
        #expect(failure.function == "LoadBoundProfilePackage")
        #expect(failure.code.contains("scp03tStructureError"))
        #expect(failure.message.contains("2052 bytes"))
        #expect(failure.message.contains("A3 sequenceOf86"))
        #expect(failure.message.contains("2048-byte receive limit"))
        #expect(log.all.contains(failure))
    }

    @Test("A tampered MAC says scp03tSecurityError and why, naming the segment")
    func tamperedMACReason() async throws {
        let iccid = try ICCID(digits: "89000123456789012341")
        let upp = try MinimalProfilePackageBuilder(iccid: iccid, profileType: "test").build()
        let fixture = try await Fixture()
        let otpk = try await fixture.authenticateAndPrepare()
        let built = try BoundProfilePackageBuilder().build(
            euiccOtpk: otpk, eid: fixture.identity.eid, transactionId: fixture.smdp.transactionId, dpPbKey: fixture.smdp.dpPbKey,
            storeMetadata: try StoreMetadataRequest(iccid: iccid, serviceProviderName: "X", profileName: "Y"),
            unprotectedProfilePackage: upp)
        let bpp = try BoundProfilePackage(der: built.der)
        var segment = try #require(bpp.sequenceOf86.first)
        segment[segment.count - 1] ^= 0x01
        let tampered = try BoundProfilePackage(initialiseSecureChannelRequest: bpp.initialiseSecureChannelRequest,
                                               firstSequenceOf87: bpp.firstSequenceOf87, sequenceOf88: bpp.sequenceOf88,
                                               secondSequenceOf87: nil, sequenceOf86: [segment])
        let pir = try await fixture.client.loadBoundProfilePackage(tampered)
        guard case let .error(_, reason, _) = finalResult(pir) else { Issue.record("a tampered segment installed"); return }
        #expect(reason == .scp03tSecurityError)
        let failure = try #require(await fixture.card.lastFailure)
        #expect(failure.message.contains("MAC verification failed"))
        #expect(failure.message.contains("segment"))
    }

    @Test("EUICCInfo2 claims only what the software eUICC does: USIM/ISIM/CSIM profiles, additional and test profiles")
    func honestCapabilities() async throws {
        let fixture = try await Fixture()
        let info2 = try await fixture.client.getEUICCInfo2()
        #expect(info2.uiccCapability.setBits == [1, 2, 3])
        #expect(!info2.uiccCapability.setBits.contains(14) || !info2.uiccCapability.setBits.contains(15))
        #expect(info2.rspCapability.setBits == [0, 3])
    }
}
