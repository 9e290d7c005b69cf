// The visited network's checks of a roaming authorisation (and the home network's of a confirmation):
// each rule has its own failure, and the registry question goes through `OperatorDirectory`, to be
// answered from the TrustRegistry's isOperatorKey (`openrsp roaming verify` answers it over JSON-RPC).
import EthereumCore

/// What a verifier asks the TrustRegistry.
public protocol OperatorDirectory: Sendable {
    /// `TrustRegistry.isOperatorKey(mno, key)`: the key is active and the MNO is an active MNO.
    func isOperatorKey(mno: Address, key: Address) async throws -> Bool
}

public enum RoamingVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongAudience(expected: Address, actual: Address)
    case notYetValid(issuedAt: UInt64, now: UInt64)
    case expired(expiresAt: UInt64, now: UInt64)
    case lifetimeTooLong(seconds: UInt64, limit: UInt64)
    case badSignature
    case notAnOperatorKey(mno: Address, key: Address)
    case wrongAuthorization

    public var description: String {
        switch self {
        case .wrongAudience(let e, let a): "authorisation is for visited network \(a), not \(e)"
        case .notYetValid(let i, let n): "authorisation issued at \(i), after now (\(n)) beyond the clock skew"
        case .expired(let e, let n): "authorisation expired at \(e) (now \(n))"
        case .lifetimeTooLong(let s, let l): "authorisation lifetime \(s) s exceeds \(l) s"
        case .badSignature: "signature does not recover to a key"
        case .notAnOperatorKey(let m, let k): "\(k) is not an active operator key of the active MNO \(m)"
        case .wrongAuthorization: "confirmation is for another authorisation"
        }
    }
}

public struct RoamingVerifier: Sendable {
    public let domain: RoamingDomain
    public let directory: any OperatorDirectory
    /// Longest accepted `expiresAt - issuedAt` (short-lived: 24 h by default).
    public let maxLifetime: UInt64
    /// Tolerated clock difference for `issuedAt` in the future.
    public let clockSkew: UInt64

    public init(domain: RoamingDomain, directory: any OperatorDirectory, maxLifetime: UInt64 = 86_400, clockSkew: UInt64 = 300) {
        self.domain = domain
        self.directory = directory
        self.maxLifetime = maxLifetime
        self.clockSkew = clockSkew
    }

    /// The visited network `me` checks an authorisation at time `now`; returns the home operator key.
    public func verify(_ signed: SignedRoamingAuthorization, visitedNetwork me: Address, now: UInt64)
        async throws -> Address {
        let a = signed.authorization
        guard a.visited == me else { throw RoamingVerificationError.wrongAudience(expected: me, actual: a.visited) }
        guard a.expiresAt > a.issuedAt, a.expiresAt - a.issuedAt <= maxLifetime else {
            throw RoamingVerificationError.lifetimeTooLong(seconds: a.expiresAt &- a.issuedAt, limit: maxLifetime)
        }
        guard a.issuedAt <= now + clockSkew else { throw RoamingVerificationError.notYetValid(issuedAt: a.issuedAt, now: now) }
        guard now < a.expiresAt else { throw RoamingVerificationError.expired(expiresAt: a.expiresAt, now: now) }
        let key: Address
        do { key = try signed.signer(in: domain) } catch { throw RoamingVerificationError.badSignature }
        guard try await directory.isOperatorKey(mno: a.home, key: key) else {
            throw RoamingVerificationError.notAnOperatorKey(mno: a.home, key: key)
        }
        return key
    }

    /// The home network checks the visited network's confirmation of `authorization`.
    public func verify(_ signed: SignedServiceConfirmation, of authorization: RoamingAuthorization) async throws -> Address {
        guard signed.confirmation.authorization == (try authorization.digest(in: domain)),
              signed.confirmation.visited == authorization.visited else {
            throw RoamingVerificationError.wrongAuthorization
        }
        let key: Address
        do { key = try signed.signer(in: domain) } catch { throw RoamingVerificationError.badSignature }
        guard try await directory.isOperatorKey(mno: authorization.visited, key: key) else {
            throw RoamingVerificationError.notAnOperatorKey(mno: authorization.visited, key: key)
        }
        return key
    }
}
