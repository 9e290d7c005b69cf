import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPTestSupport
import Testing

/// The ES9+ flow against every available store (`TestStoreKind.available`): SQLite always, PostgreSQL
/// when `OPENRSP_TEST_POSTGRES_URL` is set.
@Suite("ES9+ download flow on each store kind")
struct ES9PlusStoreKindTests {
    static let files = ts48Files()

    @Test("order → initiateAuthentication → authenticateClient → getBoundProfilePackage → PIR; the BPP decrypts to the UPP",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"),
          arguments: TestStoreKind.available)
    func fullDownload(kind: TestStoreKind) async throws {
        let clock = ManualClock()
        try await withTestStores(kind, clock: clock) { stores in
            let testbed = try SMDPTestbed(useSGP26: false, store: stores[0], clock: clock)
            let upp = try ts48Package(Self.files[0])
            let (iccid, matchingId) = try await testbed.orderReleased(upp, confirmationCode: "4711")
            #expect(try await testbed.state(iccid) == .released)
            let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
            let run = try await testbed.download(euicc, matchingId: matchingId, confirmationCode: "4711")
            #expect(run.authenticate.smdpSigned2.ccRequiredFlag)
            #expect(try await testbed.state(iccid) == .downloaded)
            #expect(try await testbed.store.profile(iccid: iccid)?.eid == euicc.eid)
            let (_, unbound) = try euicc.unbind(run.bpp, dpPbCertificateDER: run.authenticate.smdpCertificate)
            #expect(unbound == upp)
            let outcome = await testbed.service.handleNotification(try overJSON(try euicc.installationResult(iccid: iccid, success: true)))
            #expect(outcome == .installed(iccid))
            #expect(try await testbed.state(iccid) == .installed)
            #expect(try await testbed.store.session(transactionId: run.initiate.transactionId) == nil)
        }
    }

    @Test("the testbed's PKI is valid at its clock's time, however long before the testbed the clock was made",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func clockMadeLongBefore() async throws {
        // CI: PostgreSQL stores took over a minute to set up between the clock and the PKI ("EUM certificate is
        // outside its validity period").
        let clock = ManualClock(Date().addingTimeInterval(-600))
        let testbed = try SMDPTestbed(useSGP26: false, clock: clock)
        let (_, matchingId) = try await testbed.orderReleased(try ts48Package(Self.files[0]))
        let euicc = try TestEUICC(pki: testbed.pki, trustedCIs: [testbed.pki.ci.certificate])
        let (_, authenticated) = try await testbed.authenticate(euicc, matchingId: matchingId)
        #expect(authenticated.output != nil, "\(String(describing: authenticated.failure))")
    }

    @Test("two SM-DP+ instances on one database serve one session; a late PIR after the session lifetime still installs",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"),
          arguments: TestStoreKind.available)
    func twoInstances(kind: TestStoreKind) async throws {
        let clock = ManualClock()
        try await withTestStores(kind, count: 2, clock: clock) { stores in
            let first = try SMDPTestbed(useSGP26: false, store: stores[0], clock: clock)
            let second = ES9PlusService(store: stores[1], configuration: first.configuration, clock: clock)
            let upp = try ts48Package(Self.files[0])
            let (iccid, matchingId) = try await first.orderReleased(upp)
            let euicc = try TestEUICC(pki: first.pki, trustedCIs: [first.pki.ci.certificate])
            let initiated = try #require(await first.service.initiateAuthentication(
                try euicc.initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)).output)
            let authenticated = try #require(await second.authenticateClient(try await euicc.authenticateServer(initiated, matchingId: matchingId)).output)
            let bound = try #require(await first.service.getBoundProfilePackage(
                try await euicc.prepareDownload(authenticated, confirmationCode: nil)).output)
            #expect(try await stores[1].profile(iccid: iccid)?.state == .downloaded)
            let (_, unbound) = try euicc.unbind(bound.boundProfilePackage, dpPbCertificateDER: authenticated.smdpCertificate)
            #expect(unbound == upp)
            clock.advance(first.configuration.sessionLifetime * 10)
            let outcome = await second.handleNotification(try euicc.installationResult(iccid: iccid, success: true))
            #expect(outcome == .installed(iccid), "\(outcome)")
            #expect(try await first.state(iccid) == .installed)
        }
    }

    @Test("two eUICCs interleave downloads of one matchingId on two instances: exactly one receives a BPP",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"),
          arguments: TestStoreKind.available)
    func interleavedMatchingId(kind: TestStoreKind) async throws {
        let clock = ManualClock()
        let secondPKI = try TestPKIGenerator.generate(TestPKIOptions(eid: try EID.withCheckDigits(prefix30: "890490320000000000000000099999")))
        try await withTestStores(kind, count: 2, clock: clock) { stores in
            let first = try SMDPTestbed(useSGP26: false, additionalTrustedCIs: [secondPKI.ci.certificate], store: stores[0], clock: clock)
            let services = [first.service, ES9PlusService(store: stores[1], configuration: first.configuration, clock: clock)]
            let (iccid, matchingId) = try await first.orderReleased(try ts48Package(Self.files[0]))
            let euiccs = [try TestEUICC(pki: first.pki, trustedCIs: [first.pki.ci.certificate]),
                          try TestEUICC(pki: secondPKI, trustedCIs: [first.pki.ci.certificate])]
            // Both initiate and build their AuthenticateServer before either reaches the SM-DP+.
            var requests: [AuthenticateClientRequest] = []
            for index in 0..<2 {
                let initiated = try #require(await services[index].initiateAuthentication(
                    try euiccs[index].initiateAuthenticationRequest(smdpAddress: SMDPTestbed.address)).output)
                requests.append(try await euiccs[index].authenticateServer(initiated, matchingId: matchingId))
            }
            var authenticated: [AuthenticateClientOutput?] = []
            for index in 0..<2 {
                authenticated.append(await services[index].authenticateClient(requests[index]).output)
            }
            // Each asks the other instance for its BPP.
            var delivered: [Int] = []
            for index in 0..<2 {
                guard let output = authenticated[index] else { continue }
                let request = try await euiccs[index].prepareDownload(output, confirmationCode: nil)
                if await services[1 - index].getBoundProfilePackage(request).output != nil { delivered.append(index) }
            }
            #expect(delivered.count == 1, "BPPs delivered to eUICCs \(delivered)")
            let winner = try #require(delivered.first)
            let profile = try #require(try await stores[1].profile(iccid: iccid))
            #expect(profile.state == .downloaded && profile.eid == euiccs[winner].eid)
        }
    }
}
