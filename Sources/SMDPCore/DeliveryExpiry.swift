import Foundation
import RSPASN1

extension ES9PlusService {
    /// Moves profiles whose BPP was delivered but whose installation result never came, `deliveryTimeout`
    /// after every delivery's session lifetime, from Downloaded to Error. The transition is reported to the
    /// order's operator (HandleDownloadProgressInfo, point 4, failure), who can cancel and reissue the order.
    /// The sessions are kept: a signed success result that still arrives moves the profile to Installed.
    /// Returns the profiles moved. `smdp serve` runs it with the session purger.
    @discardableResult
    public func expireUninstalledDeliveries(limit: Int = 100) async throws(SMDPStoreError) -> [ICCID] {
        let cutoff = clock.now().addingTimeInterval(-configuration.deliveryTimeout)
        var expired: [ICCID] = []
        for session in try await store.expiredDeliveries(before: cutoff, limit: limit) {
            guard let iccid = session.iccid, !expired.contains(iccid) else { continue }
            // A later redelivery of the same profile still has time.
            guard try await store.deliveredSessions(iccid: iccid).allSatisfy({ $0.expiresAt < cutoff }) else { continue }
            let change: ProfileTransition
            do { change = try ProfileTransition(iccid: iccid, from: .downloaded, to: .error) } catch { continue }
            do {
                try await store.apply(SMDPStateChange(profileTransitions: [change]))
                expired.append(iccid)
            } catch {
                // A result or another SM-DP+ process moved it meanwhile: nothing to do.
                guard case .conflict = error else { throw error }
            }
        }
        return expired
    }
}
