import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPStoreSQLite
import SMDPTestSupport
import Testing
import X509

/// One complete download through `ES9PlusService`, every request and response through JSON.
struct DownloadRun {
    let initiate: InitiateAuthenticationOutput
    let authenticate: AuthenticateClientOutput
    let bpp: BoundProfilePackage
}

extension SMDPTestbed {
    /// Imports `upp`, orders and releases it; returns the ICCID and matchingId.
    func orderReleased(_ upp: [UInt8], eid: EID? = nil, confirmationCode: String? = nil) async throws -> (ICCID, String) {
        let record = try await inventory.importPackage(upp)
        let iccid = try await orders.downloadOrder(eid: eid, iccid: record.iccid)
        let confirmed = try await orders.confirmOrder(iccid: iccid, confirmationCode: confirmationCode, releaseFlag: true)
        return (iccid, confirmed.matchingId)
    }

    func initiate(_ euicc: TestEUICC, address: String = SMDPTestbed.address) async throws -> InitiateAuthenticationResponse {
        try overJSON(await service.initiateAuthentication(try overJSON(try euicc.initiateAuthenticationRequest(smdpAddress: address))))
    }

    /// initiateAuthentication + authenticateClient.
    func authenticate(_ euicc: TestEUICC, matchingId: String?) async throws -> (InitiateAuthenticationOutput, AuthenticateClientResponse) {
        let initiated = try #require(try await initiate(euicc).output, "initiateAuthentication failed")
        let request = try await euicc.authenticateServer(initiated, matchingId: matchingId)
        return (initiated, try overJSON(await service.authenticateClient(try overJSON(request))))
    }

    /// The whole download up to the BPP.
    func download(_ euicc: TestEUICC, matchingId: String?, confirmationCode: String? = nil) async throws -> DownloadRun {
        let (initiated, authenticated) = try await authenticate(euicc, matchingId: matchingId)
        let authOutput = try #require(authenticated.output, "authenticateClient failed: \(String(describing: authenticated.failure))")
        let request = try await euicc.prepareDownload(authOutput, confirmationCode: confirmationCode)
        let response = try overJSON(await service.getBoundProfilePackage(try overJSON(request)))
        let output = try #require(response.output, "getBoundProfilePackage failed: \(String(describing: response.failure))")
        return DownloadRun(initiate: initiated, authenticate: authOutput, bpp: output.boundProfilePackage)
    }
}

@Suite("ES9+ download flow against ES9PlusService + SQLite")
struct ES9PlusFlowTests {
    static let files = ts48Files()

    @Test("TS.48 UPP: initiateAuthentication → authenticateClient → getBoundProfilePackage → PIR; the BPP decrypts to the UPP",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"),
          arguments: files, [false, true])
    func fullDownload(file: String, viaSGP26: Bool) async throws {
        let testbed = try SMDPTestbed()
        if viaSGP26, testbed.sgp26 == nil {
            Issue.record("SGP.26 test data not found at <packageRoot>/../shared/testdata/sgp26")
            return
        }
        let upp = try ts48Package(file)
        let (iccid, matchingId) = try await testbed.orderReleased(upp, confirmationCode: "4711")
        #expect(try await testbed.state(iccid) == .released)
        // An eUICC that trusts only the SGP.26 CI for verification gets the SGP.26 DPauth/DPpb.
        let trusted = viaSGP26 ? [try #require(testbed.sgp26).ci] : [testbed.pki.ci.certificate]
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: trusted)
        let run = try await testbed.download(euicc, matchingId: matchingId, confirmationCode: "4711")
        #expect(run.initiate.euiccCiPKIdToBeUsed == (try SGP22CertificateFields.subjectKeyIdentifier(trusted[0])))
        if viaSGP26 {
            #expect(run.initiate.serverCertificate == (try #require(testbed.sgp26)).dpAuth.certificateDER)
        }
        #expect(run.authenticate.smdpSigned2.ccRequiredFlag)
        #expect(run.authenticate.profileMetadata.iccid == iccid)
        #expect(try await testbed.state(iccid) == .downloaded)
        #expect(try await testbed.store.profile(iccid: iccid)?.eid == euicc.eid)

        let (metadata, unbound) = try euicc.unbind(run.bpp, dpPbCertificateDER: run.authenticate.smdpCertificate)
        #expect(metadata == (try run.authenticate.profileMetadata.derEncoded()))
        #expect(unbound == upp)

        let outcome = await testbed.service.handleNotification(try overJSON(try euicc.installationResult(iccid: iccid, success: true)))
        #expect(outcome == .installed(iccid))
        #expect(try await testbed.state(iccid) == .installed)
        #expect(try await testbed.store.session(transactionId: run.initiate.transactionId) == nil)
    }

    @Test("a failed installation result moves the profile to Error; a forged one changes nothing",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func failedInstallation() async throws {
        let testbed = try SMDPTestbed()
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        _ = try await testbed.download(euicc, matchingId: matchingId)
        // Signed by another key: rejected, profile stays Downloaded.
        let other = try TestEUICC(pki: try TestPKIGenerator.generate(TestPKIOptions(eid: euicc.eid)), trustedCIs: euicc.trustedCIs)
        let genuine = try euicc.installationResult(iccid: iccid, success: false)
        guard case let .profileInstallationResult(result) = genuine.pendingNotification else { Issue.record("not a PIR"); return }
        let forged = HandleNotificationRequest(pendingNotification: .profileInstallationResult(ProfileInstallationResult(
            profileInstallationResultData: result.profileInstallationResultData,
            euiccSignPIR: try ECDSASignature(try SGP22ECDSA.sign(result.profileInstallationResultData.rawDER, with: other.key).raw))))
        let rejected = await testbed.service.handleNotification(forged)
        guard case let .rejected(failure) = rejected else { Issue.record("forged PIR accepted: \(rejected)"); return }
        #expect(failure.status == .euiccSignatureInvalid)
        #expect(try await testbed.state(iccid) == .downloaded)
        let outcome = await testbed.service.handleNotification(genuine)
        #expect(outcome == .installationFailed(iccid, .loadProfileElements, .installFailedDueToPEProcessingError))
        #expect(try await testbed.state(iccid) == .error)
    }

    @Test("cancelSession: postponed after the BPP returns the profile to Released; endUserRejection ends the order in Error",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func cancelSessionReasons() async throws {
        let testbed = try SMDPTestbed()
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        _ = try await testbed.download(euicc, matchingId: matchingId)
        #expect(try await testbed.state(iccid) == .downloaded)
        let postponed = try overJSON(await testbed.service.cancelSession(try overJSON(try euicc.cancelSession(reason: .postponed))))
        #expect(postponed.failure == nil && postponed.header.functionExecutionStatus.status == .executedSuccess)
        #expect(try await testbed.state(iccid) == .released)
        // The same eUICC downloads again in a new session, then rejects.
        _ = try await testbed.authenticate(euicc, matchingId: matchingId)
        let rejected = await testbed.service.cancelSession(try euicc.cancelSession(reason: .endUserRejection))
        #expect(rejected.failure == nil)
        #expect(try await testbed.state(iccid) == .error)
        // The session is gone: a second cancel is an unknown transaction.
        let again = await testbed.service.cancelSession(try euicc.cancelSession(reason: .endUserRejection))
        #expect(again.failure == .transactionIdUnknown)
    }

    @Test("a profile is never handed to two eUICCs: the second eUICC with the same matchingId is refused",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func oneProfileOneEUICC() async throws {
        let secondPKI = try TestPKIGenerator.generate(TestPKIOptions(eid: try EID.withCheckDigits(prefix30: "890490320000000000000000099999")))
        let testbed = try SMDPTestbed(additionalTrustedCIs: [secondPKI.ci.certificate])
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        let first = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        let second = try TestEUICC(pki: secondPKI, trustedCIs: [testbed.pki.ci.certificate])
        let (_, firstAuth) = try await testbed.authenticate(first, matchingId: matchingId)
        #expect(firstAuth.failure == nil)
        let (_, secondAuth) = try await testbed.authenticate(second, matchingId: matchingId)
        #expect(secondAuth.failure == .eidMismatch)
        #expect(try await testbed.state(iccid) == .released)
        #expect(try await testbed.store.order(iccid: iccid)?.eid == first.eid)
    }
}

@Suite("ES9+ across SM-DP+ instances and time")
struct ES9PlusInstanceTests {
    static let files = ts48Files()

    @Test("two service instances on one SQLite file serve one session; a late PIR after the session lifetime still installs",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func sharedDatabase() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let first = try SMDPTestbed(useSGP26: false, database: path)
        let secondStore = try SQLiteSMDPStore(path: path, clock: first.clock)
        let second = ES9PlusService(store: secondStore, configuration: first.configuration, clock: first.clock)
        let (iccid, matchingId) = try await first.orderReleased(try ts48Package(Self.files[0]))
        let euicc = try TestEUICC(pki: first.pki, trustedCIs: [first.pki.ci.certificate])

        let initiated = try #require(await first.service.initiateAuthentication(try euicc.initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)).output)
        let authenticated = try #require(await second.authenticateClient(try await euicc.authenticateServer(initiated, matchingId: matchingId)).output)
        let bound = try #require(await first.service.getBoundProfilePackage(try await euicc.prepareDownload(authenticated, confirmationCode: nil)).output)
        #expect(try await secondStore.profile(iccid: iccid)?.state == .downloaded)
        let (_, upp) = try euicc.unbind(bound.boundProfilePackage, dpPbCertificateDER: authenticated.smdpCertificate)
        #expect(upp == (try ts48Package(Self.files[0])))

        first.clock.advance(first.configuration.sessionLifetime * 10)
        let outcome = await second.handleNotification(try euicc.installationResult(iccid: iccid, success: true))
        #expect(outcome == .installed(iccid), "\(outcome)")
        #expect(try await first.state(iccid) == .installed)
    }
}

extension ES9PlusInstanceTests {
    @Test("purging expired sessions keeps live ones and those that delivered a BPP",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func purge() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let (_, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        let delivered = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        let run = try await testbed.download(delivered, matchingId: matchingId)
        let idle = try #require(try await testbed.initiate(delivered).output)
        testbed.clock.advance(testbed.configuration.sessionLifetime + 1)
        let fresh = try #require(try await testbed.initiate(delivered).output)
        #expect(try await testbed.service.purgeExpiredSessions() == 1)
        #expect(try await testbed.store.session(transactionId: idle.transactionId) == nil)
        #expect(try await testbed.store.session(transactionId: fresh.transactionId) != nil)
        #expect(try await testbed.store.session(transactionId: run.initiate.transactionId)?.phase == .bppDelivered)
    }
}
