import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import Testing

/// The software eUICC installs Bound Profile Packages made by the SM-DP+'s own builder (SMDPCore).
@Suite struct SMDPBuilderInteropTests {
    @Test("A BPP from SMDPCore's BoundProfilePackageBuilder installs; with and without ReplaceSessionKeys", arguments: [false, true])
    func builderBPP(replaceSessionKeys: Bool) async throws {
        guard let upp = TS48.upp() else {
            print("skipped: TS.48 test data not found at \(TS48.directory.path)")
            return
        }
        let fixture = try await Fixture(chunkSize: 64)
        let otpk = try await fixture.authenticateAndPrepare()
        let iccid = try ProfileElementSequence(der: upp).header.iccid
        let metadata = try StoreMetadataRequest(iccid: iccid, serviceProviderName: "OpenRSP", profileName: "TS.48 via SMDPCore")
        let built = try BoundProfilePackageBuilder().build(
            euiccOtpk: otpk, eid: fixture.identity.eid, transactionId: fixture.smdp.transactionId, dpPbKey: fixture.smdp.dpPbKey,
            storeMetadata: metadata, unprotectedProfilePackage: upp,
            profileProtectionKeys: replaceSessionKeys ? try ProfileProtectionKeys.random() : nil)
        // The LPA receives the BPP as DER (ES9+ Base64) and decodes it before segmenting.
        let bpp = try BoundProfilePackage(der: built.der)
        let pir = try await fixture.client.loadBoundProfilePackage(bpp)
        guard case .success = finalResult(pir) else {
            Issue.record("installation failed: \(finalResult(pir))")
            return
        }
        guard case let .ok(profiles) = try await fixture.client.getProfilesInfo() else { throw TestFailure("GetProfilesInfo") }
        #expect(profiles.map(\.iccid) == [iccid])
        #expect(profiles.first?.profileName == "TS.48 via SMDPCore")
    }
}
