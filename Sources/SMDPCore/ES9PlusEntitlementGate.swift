import ES9PlusAPI
import Foundation
import RSPASN1

/// The entitlement gate in authenticateClient (docs/CHAIN-TRUST.md): for a matchingId naming an
/// `EntitlementOrder`, the SM-DP+ asks its `EntitlementGate` whether the entitlement is live and bound to
/// the EID from the verified CERT.EUICC, and only then takes a profile.
extension ES9PlusService {
    /// Runs the gate for an entitlement order; does nothing for ordinary orders. On the first pass it
    /// takes an Available profile of the order's type (Available → Linked → Released, a `DownloadOrder`
    /// with the same matchingId and the grant, in one store change). Later passes (a retried download of
    /// a granted order) check the gate again but take nothing. A refusal leaves every profile as it was.
    func passEntitlementGate(matchingId: String?, eid: EID, session: DownloadSession) async throws(ES9PlusFailure) {
        guard let matchingId, !matchingId.isEmpty else { return }
        let found: EntitlementOrder?
        do { found = try await store.entitlementOrder(matchingId: matchingId) } catch { throw storeFailure(error) }
        guard let order = found else { return }
        // A refusal takes nothing; `authenticate` keeps the verified CERT.EUICC in the session so the
        // LPA's signed cancelSession can end it.
        try await checkEntitlement(order, eid: eid)
        if let grant = order.grant {
            guard grant.eid == eid else {
                throw ES9PlusFailure(.eidMismatch, "entitlement order \(matchingId) was granted to another eUICC")
            }
            return
        }
        try await grantProfile(order, eid: eid, transactionId: session.transactionId)
    }

    /// Order expiry, then the gate. Refusals map to SGP.22 codes (`EntitlementRefusal.status`); a gate
    /// that cannot answer is 8.8/3.7, retryable.
    func checkEntitlement(_ order: EntitlementOrder, eid: EID) async throws(ES9PlusFailure) {
        if let expiry = order.expiresAt, clock.now() >= expiry {
            throw ES9PlusFailure(.downloadOrderExpired, "the download order expired")
        }
        guard let gate = entitlementGate else {
            throw ES9PlusFailure(.entitlementCheckUnavailable,
                                 "order \(order.matchingId) is tied to entitlement \(order.entitlement) and this SM-DP+ has no entitlement gate")
        }
        let refusal: EntitlementRefusal?
        do {
            refusal = try await gate.check(entitlement: order.entitlement, eid: eid, salt: order.salt, profileType: order.profileType)
        } catch {
            throw ES9PlusFailure(.entitlementCheckUnavailable, "\(error); retry later")
        }
        if let refusal { throw ES9PlusFailure(refusal.status, "entitlement \(order.entitlement): \(refusal)") }
        // One profile per entitlement: another order of the same entitlement already took one.
        let granted: EntitlementOrder?
        do { granted = try await store.grantedEntitlementOrder(entitlement: order.entitlement) } catch { throw storeFailure(error) }
        if let granted, granted.matchingId != order.matchingId {
            throw ES9PlusFailure(.matchingIdRefused, "entitlement \(order.entitlement) already released a profile (order \(granted.matchingId))")
        }
    }

    /// Takes the oldest Available profile of the order's type for `eid`, atomically with the grant.
    func grantProfile(_ order: EntitlementOrder, eid: EID, transactionId: TransactionID) async throws(ES9PlusFailure) {
        for _ in 0..<5 {
            let candidate: ProfilePackageRecord?
            do { candidate = try await store.availableProfile(profileType: order.profileType) } catch { throw storeFailure(error) }
            guard let profile = candidate else {
                throw ES9PlusFailure(.noEligibleProfile, "no Available profile of type \(order.profileType)")
            }
            let now = clock.now()
            let change = SMDPStateChange(
                profileTransitions: [try transition(profile.iccid, .available, .linked, bind: eid),
                                     try transition(profile.iccid, .linked, .released)],
                orderUpserts: [DownloadOrder(iccid: profile.iccid, matchingId: order.matchingId, eid: eid, createdAt: now,
                                             expiresAt: order.expiresAt)],
                entitlementGrants: [EntitlementGrant(matchingId: order.matchingId, iccid: profile.iccid, eid: eid,
                                                     transactionId: transactionId, grantedAt: now)])
            do {
                try await store.apply(change)
                return
            } catch .conflict {
                // Another session took this profile, or granted this order first: look again.
                let current: EntitlementOrder?
                do { current = try await store.entitlementOrder(matchingId: order.matchingId) } catch { throw storeFailure(error) }
                if let grant = current?.grant {
                    guard grant.eid == eid else {
                        throw ES9PlusFailure(.eidMismatch, "entitlement order \(order.matchingId) was granted to another eUICC")
                    }
                    return
                }
                continue
            } catch {
                throw storeFailure(error)
            }
        }
        throw ES9PlusFailure(.bppNotAvailable, "no profile could be taken for entitlement order \(order.matchingId)")
    }
}
