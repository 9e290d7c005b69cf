import ES9PlusAPI
import Foundation
import RSPASN1
import SMDPCore
import SMDPTestSupport
import Testing

extension ES9PlusNegativeTests {
    /// After getBoundProfilePackage refuses a confirmation code, the LPA runs the Common Cancel Session
    /// procedure (ES10b.CancelSession, then ES9+.CancelSession with the eUICC's signed answer). The
    /// SM-DP+ ended that RSP session when it refused the code, so cancelSession is 8.10.1/3.9, and it
    /// must not terminate the order: the remaining attempts stay usable.
    @Test("cancelSession after a wrong confirmation code: 8.10.1/3.9, the profile stays Released, the right code then downloads",
          Self.needsTS48, arguments: [CancelSessionReason.undefinedReason, .endUserRejection, .postponed])
    func cancelAfterWrongConfirmationCode(reason: CancelSessionReason) async throws {
        let (testbed, euicc, iccid, matchingId) = try await released(confirmationCode: "1234", maxAttempts: 3)
        #expect(try await downloadFailure(testbed, euicc, matchingId, code: "9999") == .confirmationCodeRefused)
        let cancelled = try overJSON(await testbed.service.cancelSession(try overJSON(try euicc.cancelSession(reason: reason))))
        #expect(cancelled.failure == .transactionIdUnknown)
        #expect(try await testbed.state(iccid) == .released)
        let order = try #require(try await testbed.store.order(iccid: iccid))
        #expect(order.confirmationCodeFailures == 1 && !order.isLocked)

        let retry = try await testbed.download(euicc, matchingId: matchingId, confirmationCode: "1234")
        #expect(try euicc.unbind(retry.bpp, dpPbCertificateDER: retry.authenticate.smdpCertificate).upp
                == (try ts48Package(Self.files[0])))
        #expect(try await testbed.state(iccid) == .downloaded)
    }
}
