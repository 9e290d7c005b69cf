import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPTestSupport
import Testing
import X509

/// More ES9+ failure codes: SVN, CI without DPauth, certificate validity, repeated BPP request,
/// wrong SM-DP+ OID in cancelSession, and signed notifications.
@Suite("ES9+ failures: certificates, repeats, notifications")
struct ES9PlusMoreFailureTests {
    static let files = ts48Files()
    static let needsTS48 = Testing.ConditionTrait.enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48")

    @Test("an eUICC with SVN 3.x gets 8.8.3/3.1")
    func unsupportedSVN() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let request = try InitiateAuthenticationRequest(
            smdpAddress: SMDPTestbed.address, euiccChallenge: Array(repeating: 1, count: 16),
            euiccInfo1: EUICCInfo1(svn: VersionType(3, 0, 0), euiccCiPKIdListForVerification: [try testbed.ourCIPKId],
                                   euiccCiPKIdListForSigning: [try testbed.ourCIPKId]))
        #expect(await testbed.service.initiateAuthentication(request).failure == .svnNotSupported)
    }

    @Test("a trusted CI without a CERT.DPauth of ours is 8.8.4/3.7")
    func noDPauthForCI() async throws {
        let second = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        let testbed = try SMDPTestbed(useSGP26: false, additionalTrustedCIs: [second.ci.certificate])
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [second.ci.certificate])
        #expect(try await testbed.initiate(euicc).failure == .noDPauthForSupportedCI)
    }

    @Test("an EUM certificate outside its validity period is 8.1.2/6.3", Self.needsTS48)
    func expiredEUM() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        testbed.clock.advance(31 * 366 * 24 * 3600)
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        #expect(try await testbed.authenticate(euicc, matchingId: matchingId).1.failure == .eumCertificateExpired)
        #expect(try await testbed.state(iccid) == .released)
    }

    @Test("an EID outside the EUM's name-constraint range is 8.1.4/6.1; one inside it authenticates", Self.needsTS48)
    func eidOutsideEUMRange() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        let outside = try TestEUICC(eid: try EID.withCheckDigits(prefix30: "890490330000000000000000012345"),
                                    issuedBy: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        #expect(try await testbed.authenticate(outside, matchingId: matchingId).1.failure == .eidOutsideEUMRange)
        #expect(try await testbed.store.order(iccid: iccid)?.eid == nil)
        let inside = try TestEUICC(eid: try EID.withCheckDigits(prefix30: "890490320000000000000000077777"),
                                   issuedBy: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        #expect(try await testbed.authenticate(inside, matchingId: matchingId).1.failure == nil)
        #expect(try await testbed.store.order(iccid: iccid)?.eid == inside.eid)
        #expect(try await testbed.state(iccid) == .released)
    }

    @Test("a profile needing a newer SAIP version than the eUICC supports is 8.2.5/4.3",
          .enabled(if: files.contains { $0.contains("SAIP2.3") }, "TS.48 SAIP 2.3 package not found at <packageRoot>/../shared/testdata/ts48"))
    func saipVersionEligibility() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let file = try #require(Self.files.first { $0.contains("SAIP2.3") })
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(file))
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        euicc.profileVersion = VersionType(2, 1, 0)
        #expect(try await testbed.authenticate(euicc, matchingId: matchingId).1.failure == .noEligibleProfile)
        #expect(try await testbed.state(iccid) == .released)
        #expect(try await testbed.store.order(iccid: iccid)?.eid == nil)
        euicc.profileVersion = VersionType(2, 3, 0)
        #expect(try await testbed.authenticate(euicc, matchingId: matchingId).1.failure == nil)
    }

    @Test("a second getBoundProfilePackage in a session is 8.2/3.7 and changes nothing", Self.needsTS48)
    func repeatedBPPRequest() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        let (_, authenticated) = try await testbed.authenticate(euicc, matchingId: matchingId)
        let request = try await euicc.prepareDownload(try #require(authenticated.output), confirmationCode: nil)
        #expect(await testbed.service.getBoundProfilePackage(request).failure == nil)
        #expect(await testbed.service.getBoundProfilePackage(request).failure == .bppNotAvailable)
        #expect(try await testbed.state(iccid) == .downloaded)
        #expect(try await testbed.store.session(transactionId: request.transactionId)?.phase == .bppDelivered)
    }

    @Test("cancelSession naming another SM-DP+ OID is 8.8/3.10; the session and profile stay", Self.needsTS48)
    func cancelWithWrongOID() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let (iccid, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        let (initiated, _) = try await testbed.authenticate(euicc, matchingId: matchingId)
        let signed = try EuiccCancelSessionSigned(transactionId: initiated.transactionId, smdpOid: [2, 999, 11], reason: .endUserRejection)
        let request = ES9CancelSessionRequest(transactionId: initiated.transactionId, cancelSessionResponse: .ok(
            signed: signed, signature: try ECDSASignature(try SGP22ECDSA.sign(signed.rawDER, with: euicc.key).raw)))
        #expect(await testbed.service.cancelSession(request).failure == .invalidSMDPOid)
        #expect(try await testbed.state(iccid) == .released)
        #expect(try await testbed.store.session(transactionId: initiated.transactionId) != nil)
        // Signed by someone else: 8.1/6.1, nothing changes either.
        let forged = ES9CancelSessionRequest(transactionId: initiated.transactionId, cancelSessionResponse: .ok(
            signed: signed, signature: try ECDSASignature(try SGP22ECDSA.sign(signed.rawDER, with: P256.Signing.PrivateKey()).raw)))
        #expect(await testbed.service.cancelSession(forged).failure == .euiccSignatureInvalid)
        #expect(try await testbed.state(iccid) == .released)
    }

    @Test("signed notifications: a valid delete notification is acknowledged, a tampered one rejected; unknown PIRs are rejected")
    func otherNotifications() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        let iccid = try ICCID(digits: "89000123456789012341")
        let metadata = try NotificationMetadata(seqNumber: 7, profileManagementOperation: .delete,
                                                notificationAddress: SMDPTestbed.address, iccid: iccid)
        let signature = try ECDSASignature(try SGP22ECDSA.sign(metadata.rawDER, with: euicc.key).raw)
        let notification = try OtherSignedNotification(tbsOtherNotification: metadata, euiccNotificationSignature: signature,
                                                       euiccCertificate: euicc.certificateDER, eumCertificate: euicc.eumCertificateDER)
        let outcome = await testbed.service.handleNotification(try overJSON(HandleNotificationRequest(pendingNotification: .otherSignedNotification(notification))))
        #expect(outcome == .acknowledged(seqNumber: 7, iccid: iccid))

        var raw = signature.rawValue
        raw[40] ^= 0x80
        let tampered = try OtherSignedNotification(tbsOtherNotification: metadata, euiccNotificationSignature: try ECDSASignature(raw),
                                                   euiccCertificate: euicc.certificateDER, eumCertificate: euicc.eumCertificateDER)
        guard case let .rejected(failure) = await testbed.service.handleNotification(HandleNotificationRequest(pendingNotification: .otherSignedNotification(tampered))) else {
            Issue.record("tampered notification accepted")
            return
        }
        #expect(failure.status == .euiccSignatureInvalid)

        // A PIR for a transaction this SM-DP+ never started.
        let data = try ProfileInstallationResultData(
            transactionId: try TransactionID([0xDE, 0xAD]), notificationMetadata: try NotificationMetadata(
                seqNumber: 8, profileManagementOperation: .install, notificationAddress: SMDPTestbed.address, iccid: iccid),
            smdpOid: [2, 999, 10], finalResult: .success(aid: Array(repeating: 0xA0, count: 16), simaResponse: [0x30, 0x00]))
        let pir = ProfileInstallationResult(profileInstallationResultData: data,
                                            euiccSignPIR: try ECDSASignature(try SGP22ECDSA.sign(data.rawDER, with: euicc.key).raw))
        guard case let .rejected(unknown) = await testbed.service.handleNotification(HandleNotificationRequest(pendingNotification: .profileInstallationResult(pir))) else {
            Issue.record("PIR for an unknown transaction accepted")
            return
        }
        #expect(unknown.status == .transactionIdUnknown)
    }
}
