import Crypto
import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import RSPCrypto
import SwiftASN1
import Testing
import X509

/// Full SGP.22 downloads against the software eUICC through the real ES10 client, APDUs on the wire.
@Suite struct DownloadTests {
    @Test("Identity functions: GetEID, EUICCInfo1/2 list the trusted CI SKIs, fresh challenges")
    func identity() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.client.getEID() == fixture.identity.eid)
        let ciSKI = try SGP22CertificateFields.subjectKeyIdentifier(fixture.pki.ci.certificate)
        let info1 = try await fixture.client.getEUICCInfo1()
        #expect(info1.euiccCiPKIdListForVerification == [ciSKI])
        #expect(info1.euiccCiPKIdListForSigning == [ciSKI])
        let info2 = try await fixture.client.getEUICCInfo2()
        #expect(info2.euiccCiPKIdListForVerification == [ciSKI])
        let first = try await fixture.client.getEUICCChallenge()
        let second = try await fixture.client.getEUICCChallenge()
        #expect(first.count == 16 && second.count == 16 && first != second)
    }

    @Test("Download of a TS.48 UPP: signed PIR, profile Disabled, install notification, persisted", arguments: [120, 17, 255])
    func download(chunkSize: Int) async throws {
        guard let upp = TS48.upp() else {
            print("skipped: TS.48 test data not found at \(TS48.directory.path)")
            return
        }
        let fixture = try await Fixture(chunkSize: chunkSize)
        await fixture.transport.setRecordsExchanges(true)
        let pir = try await fixture.download(upp: upp)
        guard case let .success(aid, sima) = finalResult(pir) else {
            Issue.record("installation failed: \(finalResult(pir))")
            return
        }
        #expect(sima == [0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00])
        let data = pir.profileInstallationResultData
        #expect(data.transactionId == fixture.smdp.transactionId)
        #expect(data.smdpOid == testSMDPOID)
        #expect(try SGP22CertificateFields.verify(SGP22Signature(raw: pir.euiccSignPIR.rawValue), over: data.rawDER, signedBy: fixture.pki.euicc.certificate))

        // Wire-level: every STORE DATA block ≤ chunkSize, P2 restarting at 00 per segment, GET RESPONSE used.
        let exchanges = await fixture.transport.exchanges
        let stores = exchanges.map(\.command).filter { $0.count > 4 && $0[1] == 0xE2 }
        #expect(stores.allSatisfy { Int($0[4]) <= chunkSize || $0[4] == 0 })
        #expect(stores.contains { $0[3] == 0 })
        #expect(exchanges.contains { $0.command[1] == 0xC0 })

        let header = try ProfileElementSequence(der: upp).header
        guard case let .ok(profiles) = try await fixture.client.getProfilesInfo() else { throw TestFailure("GetProfilesInfo failed") }
        #expect(profiles.count == 1)
        #expect(profiles.first?.iccid == header.iccid)
        #expect(profiles.first?.isdpAid == aid)
        #expect(profiles.first?.profileState == .disabled)

        guard case let .notificationMetadataList(list) = try await fixture.client.listNotification() else { throw TestFailure("list") }
        #expect(list.map(\.profileManagementOperation) == [.install])
        guard case let .notificationList(pending) = try await fixture.client.retrieveNotificationsList() else { throw TestFailure("retrieve") }
        #expect(pending == [.profileInstallationResult(pir)])

        // A fresh simulator on the same directory sees the same committed state; the file is 0600.
        let reloaded = try SoftEUICC(identity: fixture.identity, store: EUICCStateStore(directory: fixture.directory))
        #expect(await reloaded.state == fixture.card.state)
        let mode = try FileManager.default.attributesOfItem(atPath: EUICCStateStore(directory: fixture.directory).fileURL.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let seq = list[0].seqNumber
        #expect(try await fixture.client.removeNotificationFromList(seqNumber: seq) == .ok)
        #expect(try await fixture.client.removeNotificationFromList(seqNumber: seq) == .nothingToDelete)
    }

    @Test("Download with ReplaceSessionKeys (secondSequenceOf87) installs the profile")
    func downloadWithPPK() async throws {
        guard let upp = TS48.upp() else { return }
        let fixture = try await Fixture()
        let pir = try await fixture.download(upp: upp, options: TestSMDP.BPPOptions(replaceSessionKeys: true))
        guard case .success = finalResult(pir) else {
            Issue.record("installation failed: \(finalResult(pir))")
            return
        }
        #expect(await fixture.card.state.profiles.count == 1)
    }

    @Test("Enable, disable, delete, nickname: one enabled profile at a time, signed notifications")
    func profileManagement() async throws {
        guard let uppA = TS48.upp() else { return }
        let iccidA = try ProfileElementSequence(der: uppA).header.iccid
        // The TS.48 files share one ICCID; the second profile is the same UPP with another header ICCID.
        let iccidB = try ICCID(digits: "8900012345678901236")
        let uppB = try TS48.replacingICCID(uppA, with: iccidB)
        try #require(iccidA != iccidB)
        let fixture = try await Fixture()
        guard case .success = finalResult(try await fixture.download(upp: uppA)) else { throw TestFailure("install A") }
        guard case .success = finalResult(try await fixture.download(upp: uppB)) else { throw TestFailure("install B") }
        let client = fixture.client

        #expect(try await client.enableProfile(.iccid(iccidA)) == .ok)
        #expect(try await client.enableProfile(.iccid(iccidA)) == .profileNotInDisabledState)
        #expect(try await client.enableProfile(.iccid(iccidB)) == .ok)
        guard case let .ok(infos) = try await client.getProfilesInfo() else { throw TestFailure("info") }
        #expect(Dictionary(uniqueKeysWithValues: infos.compactMap { info in info.iccid.map { ($0, info.profileState) } }) == [iccidA: .disabled, iccidB: .enabled])

        #expect(try await client.deleteProfile(.iccid(iccidB)) == .profileNotInDisabledState)
        #expect(try await client.disableProfile(.iccid(iccidB)) == .ok)
        #expect(try await client.disableProfile(.iccid(iccidB)) == .profileNotInEnabledState)
        #expect(try await client.setNickname(iccid: iccidA, nickname: "work") == .ok)
        #expect(try await client.setNickname(iccid: try ICCID(digits: "8900000000000000001"), nickname: "x") == .iccidNotFound)
        #expect(try await client.deleteProfile(.iccid(iccidB)) == .ok)
        #expect(try await client.deleteProfile(.iccid(iccidB)) == .iccidOrAidNotFound)

        let filtered = try await client.getProfilesInfo(ProfileInfoListRequest(searchCriteria: .iccid(iccidA), tagList: [0x5A, 0x90]))
        guard case let .ok(only) = filtered else { throw TestFailure("filtered info") }
        #expect(only == [ProfileInfo(iccid: iccidA, profileNickname: "work")])

        // install A, install B, enable A, disable A + enable B, disable B, delete B
        guard case let .notificationList(pending) = try await client.retrieveNotificationsList() else { throw TestFailure("retrieve") }
        let events = pending.map(\.notificationMetadata.profileManagementOperation)
        #expect(events == [.install, .install, .enable, .disable, .enable, .disable, .delete])
        let seqs = pending.map(\.notificationMetadata.seqNumber)
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        for case let .otherSignedNotification(note) in pending {
            #expect(try SGP22CertificateFields.verify(SGP22Signature(raw: note.euiccNotificationSignature.rawValue),
                                                      over: note.tbsOtherNotification.rawDER, signedBy: fixture.pki.euicc.certificate))
        }
        guard case let .notificationList(deletes) = try await client.retrieveNotificationsList(.profileManagementOperation(.delete)) else { throw TestFailure("filter") }
        #expect(deletes.count == 1 && deletes.first?.notificationMetadata.iccid == iccidB)
        guard case let .notificationMetadataList(enables) = try await client.listNotification([.enable]) else { throw TestFailure("list filter") }
        #expect(enables.map(\.iccid) == [iccidA, iccidB])
        guard case let .notificationList(bySeq) = try await client.retrieveNotificationsList(.seqNumber(seqs[2])) else { throw TestFailure("seq filter") }
        #expect(bySeq.map(\.notificationMetadata.seqNumber) == [seqs[2]])
    }

    @Test("Configured addresses, SetDefaultDpAddress and eUICCMemoryReset")
    func addressesAndReset() async throws {
        let fixture = try await Fixture()
        let client = fixture.client
        #expect(try await client.getEuiccConfiguredAddresses() == EuiccConfiguredAddressesResponse(defaultDpAddress: nil, rootDsAddress: "lpa.ds.gsma.com"))
        #expect(try await client.setDefaultDpAddress("smdp.example.org") == .ok)
        #expect(try await client.getEuiccConfiguredAddresses().defaultDpAddress == "smdp.example.org")
        let resetAddress = NamedBits(setBits: [EuiccMemoryResetRequest.resetDefaultSmdpAddress])
        #expect(try await client.euiccMemoryReset(options: resetAddress) == .ok)
        #expect(try await client.getEuiccConfiguredAddresses().defaultDpAddress == nil)
        let deleteOperational = NamedBits(setBits: [EuiccMemoryResetRequest.deleteOperationalProfiles])
        #expect(try await client.euiccMemoryReset(options: deleteOperational) == .nothingToDelete)
        if let upp = TS48.upp() {
            guard case .success = finalResult(try await fixture.download(upp: upp)) else { throw TestFailure("install") }
            #expect(try await client.euiccMemoryReset(options: deleteOperational) == .ok)
            #expect(await fixture.card.state.profiles.isEmpty)
            #expect(await fixture.card.state.notifications.isEmpty)
        }
    }

    @Test("CancelSession signs euiccCancelSessionSigned and ends the session; unknown transactionId is an error")
    func cancelSession() async throws {
        let fixture = try await Fixture()
        _ = try await fixture.authenticateAndPrepare()
        let wrong = try TransactionID([0xFF])
        #expect(try await fixture.client.cancelSession(transactionId: wrong, reason: .endUserRejection) == .error(.invalidTransactionId))
        let response = try await fixture.client.cancelSession(transactionId: fixture.smdp.transactionId, reason: .postponed)
        guard case let .ok(signed, signature) = response else { throw TestFailure("cancel: \(response)") }
        #expect(signed.reason == .postponed && signed.smdpOid == testSMDPOID)
        #expect(try SGP22CertificateFields.verify(SGP22Signature(raw: signature.rawValue), over: signed.rawDER, signedBy: fixture.pki.euicc.certificate))
        #expect(try await fixture.client.cancelSession(transactionId: fixture.smdp.transactionId, reason: .postponed) == .error(.invalidTransactionId))
    }

    @Test("An eUICC trusting several CIs authenticates the SGP.26 test SM-DP+")
    func sgp26DPauth() async throws {
        let dir = TS48.directory.deletingLastPathComponent().appendingPathComponent("sgp26")
        guard let ciBytes = FileManager.default.contents(atPath: dir.appendingPathComponent("CERT_CI_ECDSA_NIST.der").path),
              let authCert = FileManager.default.contents(atPath: dir.appendingPathComponent("CERT_S_SM_DPauth_ECDSA_NIST.der").path),
              let authKey = FileManager.default.contents(atPath: dir.appendingPathComponent("SK_S_SM_DPauth_ECDSA_NIST.pem").path)
        else {
            print("skipped: SGP.26 test data not found")
            return
        }
        let ci = try PKIDecoder.certificate(Array(ciBytes))
        let fixture = try await Fixture(extraCIs: [ci])
        let info1 = try await fixture.client.getEUICCInfo1()
        let sgp26SKI = try SGP22CertificateFields.subjectKeyIdentifier(ci)
        #expect(info1.euiccCiPKIdListForVerification.contains(sgp26SKI) && info1.euiccCiPKIdListForVerification.count == 2)
        let smdp = TestSMDP(dpAuthCertificate: Array(authCert), dpAuthKey: try PKIDecoder.privateKey(Array(authKey)),
                            dpPbCertificate: fixture.smdp.dpPbCertificate, dpPbKey: fixture.smdp.dpPbKey, ciPKId: sgp26SKI)
        let challenge = try await fixture.client.getEUICCChallenge()
        let response = try await fixture.client.authenticateServer(try smdp.authenticateServerRequest(euiccChallenge: challenge))
        guard case .ok = response else {
            Issue.record("SGP.26 DPauth rejected: \(response)")
            return
        }
        // The same DPauth presented under our CI's PKId does not chain.
        let again = try await fixture.client.getEUICCChallenge()
        let wrongCI = try smdp.authenticateServerRequest(euiccChallenge: again, ciPKId: fixture.smdp.ciPKId)
        #expect(try await fixture.client.authenticateServer(wrongCI) == .error(transactionId: smdp.transactionId, code: .invalidCertificate))
    }
}
let testSMDPOID: ASN1ObjectIdentifier = [2, 999, 10]
