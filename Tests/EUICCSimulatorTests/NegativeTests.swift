import Crypto
import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import RSPCrypto
import Testing
import X509

/// Rejections: each gives the spec's code (or a typed error) and leaves the eUICC state unchanged.
@Suite struct AuthenticationRejectionTests {
    func expectAuthenticateError(_ fixture: Fixture, _ request: AuthenticateServerRequest, _ code: AuthenticateErrorCode) async throws {
        let before = await fixture.card.state
        let response = try await fixture.client.authenticateServer(request)
        #expect(response == .error(transactionId: request.serverSigned1.transactionId, code: code))
        #expect(await fixture.card.state == before)
    }

    @Test("Unknown CI PKId → ciPKUnknown")
    func unknownCI() async throws {
        let fixture = try await Fixture()
        let challenge = try await fixture.client.getEUICCChallenge()
        try await expectAuthenticateError(fixture, try fixture.smdp.authenticateServerRequest(euiccChallenge: challenge, ciPKId: Array(repeating: 0xAB, count: 20)), .ciPKUnknown)
    }

    @Test("CERT.DPauth from another PKI (not chaining to the trusted CI) → invalidCertificate")
    func foreignDPauth() async throws {
        let fixture = try await Fixture()
        let other = try TestPKIGenerator.generate(TestPKIOptions(eid: TestPKIOptions.defaultEID))
        let foreign = try TestSMDP(pki: other)
        let challenge = try await fixture.client.getEUICCChallenge()
        let request = try foreign.authenticateServerRequest(euiccChallenge: challenge, ciPKId: fixture.smdp.ciPKId)
        try await expectAuthenticateError(fixture, request, .invalidCertificate)
    }

    @Test("DPpb certificate offered as DPauth → invalidOid")
    func wrongRole() async throws {
        let fixture = try await Fixture()
        let challenge = try await fixture.client.getEUICCChallenge()
        let request = try fixture.smdp.authenticateServerRequest(euiccChallenge: challenge, certificate: fixture.smdp.dpPbCertificate)
        try await expectAuthenticateError(fixture, request, .invalidOid)
    }

    @Test("Corrupted serverSignature1 → invalidSignature; wrong challenge → euiccChallengeMismatch")
    func signatureAndChallenge() async throws {
        let fixture = try await Fixture()
        let challenge = try await fixture.client.getEUICCChallenge()
        try await expectAuthenticateError(fixture, try fixture.smdp.authenticateServerRequest(euiccChallenge: challenge, corruptSignature: true), .invalidSignature)
        var other = challenge
        other[0] ^= 0xFF
        try await expectAuthenticateError(fixture, try fixture.smdp.authenticateServerRequest(euiccChallenge: other), .euiccChallengeMismatch)
    }

    @Test("PrepareDownload without session → noSessionContext; wrong transactionId → invalidTransactionId; bad signature → invalidSignature")
    func prepareDownloadRejections() async throws {
        let fixture = try await Fixture()
        let dummy = try ECDSASignature(Array(repeating: 1, count: 64))
        let noSession = try await fixture.client.prepareDownload(try fixture.smdp.prepareDownloadRequest(euiccSignature1: dummy))
        #expect(noSession == .error(transactionId: fixture.smdp.transactionId, code: .noSessionContext))

        let challenge = try await fixture.client.getEUICCChallenge()
        guard case let .ok(_, signature1, _, _) = try await fixture.client.authenticateServer(try fixture.smdp.authenticateServerRequest(euiccChallenge: challenge)) else {
            throw TestFailure("authenticate")
        }
        let badSignature = try await fixture.client.prepareDownload(try fixture.smdp.prepareDownloadRequest(euiccSignature1: dummy))
        #expect(badSignature == .error(transactionId: fixture.smdp.transactionId, code: .invalidSignature))
        let otherTid = try TransactionID([0x42])
        let wrongTid = try await fixture.client.prepareDownload(try fixture.smdp.prepareDownloadRequest(euiccSignature1: signature1, transactionId: otherTid))
        #expect(wrongTid == .error(transactionId: otherTid, code: .invalidTransactionId))
        // The session survives rejected attempts: the correct request still succeeds, with hashCc copied.
        let hashCc = Array(SHA256.hash(data: [1, 2, 3]))
        let request = try fixture.smdp.prepareDownloadRequest(euiccSignature1: signature1, ccRequired: true, hashCc: hashCc)
        let ok = try await fixture.client.prepareDownload(request)
        guard case let .ok(signed2, signature2) = ok else { throw TestFailure("prepare: \(ok)") }
        #expect(signed2.hashCc == hashCc && signed2.euiccOtpk.count == 65 && signed2.euiccOtpk.first == 0x04)
        let smdpSignature2 = request.smdpSignature2
        #expect(try SGP22CertificateFields.verify(SGP22Signature(raw: signature2.rawValue), over: signed2.rawDER + smdpSignature2.tlv,
                                                  signedBy: fixture.pki.euicc.certificate))
    }
}

@Suite struct BPPRejectionTests {
    /// Authenticates, prepares, builds a valid BPP and returns its segments plus the fixture.
    func prepared() async throws -> (Fixture, BoundProfilePackage, [[UInt8]])? {
        guard let upp = TS48.upp() else {
            print("skipped: TS.48 test data not found at \(TS48.directory.path)")
            return nil
        }
        let fixture = try await Fixture()
        let otpk = try await fixture.authenticateAndPrepare()
        let bpp = try fixture.smdp.boundProfilePackage(upp: upp, euiccOtpk: otpk, eid: fixture.identity.eid)
        return (fixture, bpp, try bpp.loadSegments())
    }

    func expectError(_ fixture: Fixture, _ segments: [[UInt8]], command: BppCommandId, reason: ErrorReason) async throws {
        let before = await fixture.card.state
        let pir = try await fixture.client.loadBoundProfilePackage(segments: segments)
        #expect(finalResult(pir) == .error(bppCommandId: command, errorReason: reason, simaResponse: nil))
        #expect(try SGP22CertificateFields.verify(SGP22Signature(raw: pir.euiccSignPIR.rawValue),
                                                  over: pir.profileInstallationResultData.rawDER, signedBy: fixture.pki.euicc.certificate))
        // No profile state changed; the error PIR is the one new pending notification, with the next sequence number.
        let after = await fixture.card.state
        #expect(after.profiles == before.profiles)
        #expect(after.nextSequenceNumber == before.nextSequenceNumber + 1)
        #expect(pir.profileInstallationResultData.notificationMetadata.seqNumber == before.nextSequenceNumber)
        #expect(after.notifications.dropLast() == before.notifications[...])
        let stored = try #require(after.notifications.last)
        let pirDER = Data(try pir.derEncoded())
        #expect(stored.seqNumber == before.nextSequenceNumber && stored.pendingNotification == pirDER)
        // The session is gone: the intact BPP can no longer be loaded.
        let again = try await fixture.client.loadBoundProfilePackage(segments: Array(segments.prefix(1)))
        #expect(finalResult(again) == .error(bppCommandId: .initialiseSecureChannel, errorReason: .invalidTransactionId, simaResponse: nil))
    }

    @Test("A tampered 86 segment → loadProfileElements / scp03tSecurityError, nothing installed")
    func badMAC() async throws {
        guard let (fixture, _, segments) = try await prepared() else { return }
        var tampered = segments
        let index = tampered.count - 2
        tampered[index][tampered[index].count - 1] ^= 0x01
        try await expectError(fixture, tampered, command: .loadProfileElements, reason: .scp03tSecurityError)
    }

    @Test("A replayed 86 segment → scp03tSecurityError")
    func replayedSegment() async throws {
        guard let (fixture, _, segments) = try await prepared() else { return }
        let first86 = try #require(segments.firstIndex { $0.first == 0x86 })
        var replayed = Array(segments[...first86])
        replayed.append(segments[first86])
        replayed += segments[(first86 + 1)...]
        try await expectError(fixture, replayed, command: .loadProfileElements, reason: .scp03tSecurityError)
    }

    @Test("Segments out of order (A1 header before A0) → scp03tStructureError")
    func outOfOrder() async throws {
        guard let (fixture, _, segments) = try await prepared() else { return }
        var reordered = segments
        reordered.swapAt(1, 2)
        try await expectError(fixture, reordered, command: .configureISDP, reason: .scp03tStructureError)
    }

    @Test("BF23 with another transactionId → initialiseSecureChannel / invalidTransactionId")
    func wrongTransactionId() async throws {
        guard let upp = TS48.upp() else { return }
        let fixture = try await Fixture()
        let otpk = try await fixture.authenticateAndPrepare()
        var smdp = fixture.smdp
        smdp.transactionId = try TransactionID([0x99, 0x99])
        let bpp = try smdp.boundProfilePackage(upp: upp, euiccOtpk: otpk, eid: fixture.identity.eid)
        try await expectError(fixture, try bpp.loadSegments(), command: .initialiseSecureChannel, reason: .invalidTransactionId)
    }

    @Test("smdpSign over another euiccOtpk → initialiseSecureChannel / invalidSignature")
    func wrongOtpk() async throws {
        guard let upp = TS48.upp() else { return }
        let fixture = try await Fixture()
        _ = try await fixture.authenticateAndPrepare()
        let foreign = ECKAKeyPair().publicPoint.uncompressed
        let bpp = try fixture.smdp.boundProfilePackage(upp: upp, euiccOtpk: foreign, eid: fixture.identity.eid)
        try await expectError(fixture, try bpp.loadSegments(), command: .initialiseSecureChannel, reason: .invalidSignature)
    }

    @Test("StoreMetadata ICCID differing from the ProfileHeader ICCID → loadProfileElements / dataMismatch")
    func iccidMismatch() async throws {
        guard let upp = TS48.upp() else { return }
        let fixture = try await Fixture()
        let otpk = try await fixture.authenticateAndPrepare()
        let other = try ICCID(digits: "8900000000000000001")
        let bpp = try fixture.smdp.boundProfilePackage(upp: upp, euiccOtpk: otpk, eid: fixture.identity.eid,
                                                       options: TestSMDP.BPPOptions(metadataICCID: other))
        try await expectError(fixture, try bpp.loadSegments(), command: .loadProfileElements, reason: .installFailedDueToDataMismatch)
    }

    @Test("The same ICCID twice → storeMetadata / iccidAlreadyExistsOnEuicc")
    func duplicateICCID() async throws {
        guard let upp = TS48.upp() else { return }
        let fixture = try await Fixture()
        guard case .success = finalResult(try await fixture.download(upp: upp)) else { throw TestFailure("first install") }
        let otpk = try await fixture.authenticateAndPrepare()
        let bpp = try fixture.smdp.boundProfilePackage(upp: upp, euiccOtpk: otpk, eid: fixture.identity.eid)
        try await expectError(fixture, try bpp.loadSegments(), command: .storeMetadata, reason: .installFailedDueToIccidAlreadyExistsOnEuicc)
    }

    @Test("A truncated BPP (last 86 missing) yields no PIR: typed client error, nothing installed")
    func truncatedBPP() async throws {
        guard let (fixture, _, segments) = try await prepared() else { return }
        let before = await fixture.card.state
        await #expect(throws: ES10Error.self) {
            _ = try await fixture.client.loadBoundProfilePackage(segments: Array(segments.dropLast()))
        }
        #expect(await fixture.card.state == before)
    }

    @Test("An 86 segment cut short (length field no longer matches) → loadProfileElements / scp03tStructureError")
    func truncatedSegment() async throws {
        guard let (fixture, _, segments) = try await prepared() else { return }
        var cut = segments
        let index = try #require(cut.firstIndex { $0.first == 0x86 })
        cut[index].removeLast()
        try await expectError(fixture, cut, command: .loadProfileElements, reason: .scp03tStructureError)
    }

    @Test("More profiles than the eUICC has room for → storeMetadata / insufficientMemoryForProfile")
    func insufficientMemory() async throws {
        guard let upp = TS48.upp() else { return }
        var configuration = SoftEUICCConfiguration()
        configuration.maxProfiles = 1
        let fixture = try await Fixture(configuration: configuration)
        guard case .success = finalResult(try await fixture.download(upp: upp)) else { throw TestFailure("first install") }
        let second = try TS48.replacingICCID(upp, with: try ICCID(digits: "8900012345678901236"))
        let otpk = try await fixture.authenticateAndPrepare()
        let bpp = try fixture.smdp.boundProfilePackage(upp: second, euiccOtpk: otpk, eid: fixture.identity.eid)
        try await expectError(fixture, try bpp.loadSegments(), command: .storeMetadata, reason: .installFailedDueToInsufficientMemoryForProfile)
    }
}

@Suite struct IdentityAndStateTests {
    @Test("An ES10 request larger than the eUICC accepts is refused with 6A84 (typed on the client)")
    func oversizedRequest() async throws {
        var configuration = SoftEUICCConfiguration()
        configuration.maxRequestBytes = 300
        let fixture = try await Fixture(chunkSize: 100, configuration: configuration)
        let oversized = [0xBF, 0x2D, 0x82, 0x01, 0x90] + [UInt8](repeating: 0, count: 400)
        do {
            _ = try await fixture.client.session.storeData(oversized, command: "oversized")
            Issue.record("expected 6A84")
        } catch {
            guard case .card(.notEnoughMemory, _) = error else { throw error }
        }
        // The channel still works afterwards.
        #expect(try await fixture.client.getEID() == fixture.identity.eid)
    }

    @Test("Identity loads from a PKI directory plus extra CI files; a corrupt state file is a typed error")
    func loadIdentityAndCorruptState() async throws {
        let pki = try #require(Fixture.sharedPKI)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("euicc-pki-\(UUID().uuidString)")
        _ = try PKIWriter.write(pki, to: directory, overwrite: true)
        let sgp26 = TS48.directory.deletingLastPathComponent().appendingPathComponent("sgp26/CERT_CI_ECDSA_NIST.der")
        let extra = FileManager.default.fileExists(atPath: sgp26.path) ? [sgp26] : []
        let identity = try EUICCIdentity.load(pkiDirectory: directory, additionalCIFiles: extra)
        #expect(identity.eid == (try TestPKIOptions.defaultEID))
        #expect(identity.ciPKIds.count == 1 + extra.count)
        #expect(identity.ciPKIds.first == (try SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate)))
        #expect(throws: EUICCIdentityError.self) { _ = try EUICCIdentity.load(pkiDirectory: directory.appendingPathComponent("missing")) }

        let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("euicc-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        try Data("{\"profiles\": 1}".utf8).write(to: stateDirectory.appendingPathComponent(EUICCStateStore.fileName))
        #expect(throws: SoftEUICCError.self) { _ = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: stateDirectory)) }
    }
}
