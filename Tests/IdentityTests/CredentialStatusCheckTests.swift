import Crypto
import Foundation
import Testing
@testable import Identity

/// A registry and a web server in memory: what the chain and the issuer's portal would answer.
private final class Registry: CredentialTrustSource, StatusListFetcher, @unchecked Sendable {
    let lock = NSLock()
    var issuers: [[UInt8]: RegisteredIssuer] = [:]
    var anchors: [String: [UInt8]] = [:]   // issuer address + hex list id -> digest
    var served: [String: String] = [:]
    var down = false

    func activeIssuer(spkiSHA256: [UInt8]) async throws -> RegisteredIssuer? {
        try lock.withLock { if down { throw URLError(.cannotConnectToHost) }; return issuers[spkiSHA256] }
    }
    func anchoredStatusListDigest(issuer: RegisteredIssuer, listId: [UInt8]) async throws -> [UInt8]? {
        lock.withLock { anchors[issuer.address + listId.map { String(format: "%02x", $0) }.joined()] }
    }
    func fetch(uri: String) async throws -> String {
        try lock.withLock { guard let token = served[uri] else { throw URLError(.fileDoesNotExist) }; return token }
    }

    /// Publishes `token` and anchors its digest, as `identity credential revoke` does.
    func publish(_ token: StatusListToken, by issuer: RegisteredIssuer, anchor: Bool = true) {
        lock.withLock {
            served[token.uri] = token.jws.serialized
            if anchor { anchors[issuer.address + StatusListToken.listId(uri: token.uri).map { String(format: "%02x", $0) }.joined()] = StatusListToken.digest(of: token.jws.serialized) }
        }
    }
}

@Suite struct CredentialStatusCheckTests {
    static let uri = "https://portal.mno.example/status/kyc-1"
    static let mno = RegisteredIssuer(address: "0x00000000000000000000000000000000000000aa", role: 5)
    static var issuerSPKI: [UInt8] { Array(SHA256.hash(data: Sample.issuerKey.publicKey.derRepresentation)) }

    private func setUp(index: Int = 3) throws -> (Registry, StatusList, [String: JSONValue]) {
        let registry = Registry()
        registry.issuers[Self.issuerSPKI] = Self.mno
        let list = try StatusList(bits: 2, capacity: 64)
        registry.publish(try StatusListToken.sign(list: list, uri: Self.uri, issuedAt: Sample.issuedAt, expiresAt: nil, ttl: nil, key: Sample.issuerKey), by: Self.mno)
        let credential = try SDJWTVCIssuer(issuer: Sample.issuer, key: Sample.issuerKey)
            .issue(vct: Sample.vct, claims: Sample.claims, holderKey: Sample.holderKey.publicKey, issuedAt: Sample.issuedAt,
                   expiresAt: Sample.expiresAt, status: StatusReference(index: index, uri: Self.uri))
        let verified = try Sample.verifier.verify(try Sample.present(credential), audience: Sample.audience, nonce: Sample.nonce, now: Sample.issuedAt + 20)
        return (registry, list, verified.claims)
    }

    private func check(_ registry: Registry, _ claims: [String: JSONValue], requireStatus: Bool = true) async throws -> CredentialStanding {
        try await CredentialStatusCheck(trust: registry, fetcher: registry, requireStatus: requireStatus)
            .check(issuerKey: Sample.issuerKey.publicKey, claims: claims, now: Sample.issuedAt + 30)
    }

    @Test("a listed issuer, an anchored list and a valid entry: accepted, with the issuer and reference")
    func accepted() async throws {
        let (registry, _, claims) = try setUp()
        let standing = try await check(registry, claims)
        #expect(standing.issuer == Self.mno)
        #expect(standing.status == StatusReference(index: 3, uri: Self.uri))
        #expect(claims["status"] != nil)   // the status claim is always in the clear
    }

    @Test("revoked (1) and suspended (2) entries are refused once the new list is anchored; until then the old list is the anchored one")
    func revocation() async throws {
        let (registry, original, claims) = try setUp()
        var list = original
        try list.setStatus(StatusList.invalid, at: 3)
        let revoked = try StatusListToken.sign(list: list, uri: Self.uri, issuedAt: Sample.issuedAt + 25, expiresAt: nil, ttl: nil, key: Sample.issuerKey)
        // Served but not anchored: the fetched list is not the one on chain.
        registry.publish(revoked, by: Self.mno, anchor: false)
        await #expect(throws: CredentialStatusError.anchorMismatch) { try await check(registry, claims) }
        registry.publish(revoked, by: Self.mno)
        await #expect(throws: CredentialStatusError.revoked) { try await check(registry, claims) }
        // A stale copy (the old list) served after the revocation is anchored: refused, never "valid".
        registry.served[Self.uri] = try StatusListToken.sign(list: original, uri: Self.uri, issuedAt: Sample.issuedAt, expiresAt: nil, ttl: nil, key: Sample.issuerKey).jws.serialized
        await #expect(throws: CredentialStatusError.anchorMismatch) { try await check(registry, claims) }
        try list.setStatus(StatusList.suspended, at: 3)
        registry.publish(try StatusListToken.sign(list: list, uri: Self.uri, issuedAt: Sample.issuedAt + 26, expiresAt: nil, ttl: nil, key: Sample.issuerKey), by: Self.mno)
        await #expect(throws: CredentialStatusError.suspended) { try await check(registry, claims) }
        try list.setStatus(3, at: 3)
        registry.publish(try StatusListToken.sign(list: list, uri: Self.uri, issuedAt: Sample.issuedAt + 27, expiresAt: nil, ttl: nil, key: Sample.issuerKey), by: Self.mno)
        await #expect(throws: CredentialStatusError.unknownStatus) { try await check(registry, claims) }
    }

    @Test("refused: issuer not listed (or suspended: the registry no longer answers it), registry down, list never anchored, list unreachable, index past the list, list signed by someone else")
    func refusals() async throws {
        var (registry, _, claims) = try setUp()
        registry.issuers = [:]
        await #expect(throws: CredentialStatusError.issuerNotTrusted) { try await check(registry, claims) }
        registry.issuers[Self.issuerSPKI] = Self.mno
        registry.down = true
        await #expect(throws: CredentialStatusError.trustUnavailable) { try await check(registry, claims) }
        registry.down = false
        registry.anchors = [:]
        await #expect(throws: CredentialStatusError.notAnchored) { try await check(registry, claims) }
        (registry, _, claims) = try setUp()
        registry.served = [:]
        await #expect(throws: CredentialStatusError.statusUnavailable) { try await check(registry, claims) }
        (registry, _, claims) = try setUp(index: 64)
        await #expect(throws: CredentialStatusError.indexOutOfRange) { try await check(registry, claims) }
        // Someone else's signature over a list, anchored as if it were the issuer's: the token check refuses it.
        (registry, _, claims) = try setUp()
        let forged = try StatusListToken.sign(list: try StatusList(bits: 2, capacity: 64), uri: Self.uri, issuedAt: Sample.issuedAt, expiresAt: nil, ttl: nil, key: Sample.otherKey)
        registry.publish(forged, by: Self.mno)
        await #expect(throws: CredentialStatusError.tokenSignature) { try await check(registry, claims) }
    }

    @Test("a credential without a status claim: refused when status is required, accepted with the issuer otherwise; a malformed claim always refused")
    func missingStatus() async throws {
        let (registry, _, withStatus) = try setUp()
        var claims = withStatus
        claims["status"] = nil
        await #expect(throws: CredentialStatusError.statusMissing) { try await check(registry, claims) }
        let standing = try await check(registry, claims, requireStatus: false)
        #expect(standing.status == nil && standing.issuer == Self.mno)
        claims["status"] = .object(["status_list": .object(["idx": .int(-1), "uri": .string(Self.uri)])])
        await #expect(throws: CredentialStatusError.statusMalformed) { try await check(registry, claims, requireStatus: false) }
    }
}
