import Foundation
import RSPASN1

// Entitlement orders placed over ES2+ (issue 15 item 6): the operator sends the entitlement id with
// the commitment opening (EID and salt); the SM-DP+ checks it through its gate before storing anything.
extension ES2PlusOrderService {
    /// `entitlementOrder` after the gate confirmed, for `eid` and `salt`, that `entitlement` is live,
    /// bound to keccak256(EID ‖ salt) and sells `profileType`, and that no other order of it took a
    /// profile. Any refusal or an unavailable gate throws and stores nothing. The download is checked
    /// again at authenticateClient (the chain may change in between).
    public func verifiedEntitlementOrder(profileType: String, entitlement: EntitlementID, salt: EntitlementSalt, eid: EID,
                                         matchingId: String? = nil, expiresAt: Date? = nil)
        async throws(ES2PlusOrderError) -> EntitlementOrderReceipt {
        guard !profileType.isEmpty else { throw .missingProfileSelector }
        if let matchingId, !Self.isValidMatchingId(matchingId) { throw .invalidMatchingId(matchingId) }
        guard let gate = entitlementGate else {
            throw .entitlementCheckUnavailable("this SM-DP+ has no entitlement gate (serve --rpc-url/--entitlements)")
        }
        let refusal: EntitlementRefusal?
        do {
            refusal = try await gate.check(entitlement: entitlement, eid: eid, salt: salt, profileType: profileType)
        } catch {
            throw .entitlementCheckUnavailable(error.reason)
        }
        if let refusal { throw .entitlementRefused(entitlement, refusal) }
        let granted: EntitlementOrder?
        do { granted = try await store.grantedEntitlementOrder(entitlement: entitlement) } catch { throw .store(error) }
        if granted != nil { throw .entitlementAlreadyUsed(entitlement) }
        return try await entitlementOrder(profileType: profileType, entitlement: entitlement, salt: salt,
                                          matchingId: matchingId, expiresAt: expiresAt)
    }
}
