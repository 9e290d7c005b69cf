// `openrsp identity credential verify` (issue 17 items 1–2): a presentation's signatures, disclosures and key
// binding (SDJWTVerifier), then its issuer against the TrustRegistry and its status entry against the list
// anchored in the IdentityRegistry (CredentialStatusCheck).
import ArgumentParser
import Crypto
import EthereumCore
import Foundation
import Identity
import Settlement

/// The TrustRegistry and IdentityRegistry as a credential verifier reads them.
struct ChainCredentialTrust: CredentialTrustSource {
    let registry: Contract<TrustRegistry>
    let identity: Contract<IdentityRegistry>

    func activeIssuer(spkiSHA256: [UInt8]) async throws -> RegisteredIssuer? {
        let hash = try Hash32(spkiSHA256)
        for role in [Role.kyc, Role.mno] {
            let entity = try await registry.call(TrustRegistry.entityBySpki(role: role, spkiHash: hash))
            guard entity != .zero else { continue }
            // isTrusted: the entity holding this key for this role is active now (suspended or revoked: false).
            if try await registry.call(TrustRegistry.isTrusted(role: role, spkiHash: hash)) {
                return RegisteredIssuer(address: entity.checksummed, role: role.rawValue)
            }
        }
        return nil
    }

    func anchoredStatusListDigest(issuer: RegisteredIssuer, listId: [UInt8]) async throws -> [UInt8]? {
        let digest = try await identity.call(IdentityRegistry.statusListDigest(issuer: try Address(hex: issuer.address), listId: try UInt256(bigEndian: listId)))
        return digest == Hash32.zero ? nil : digest.bytes
    }
}

/// HTTPS GET of a status list token: https only, at most 2 MiB, 15 s.
struct HTTPSStatusListFetcher: StatusListFetcher {
    let trustRootsDER: [[UInt8]]

    func fetch(uri: String) async throws -> String {
        guard let url = URL(string: uri), url.scheme == "https" else { throw IdentityCommandError(.input, "status list URI \(uri) is not https") }
        let bytes = try await IdentityHTTPS.get(url, accept: "application/statuslist+jwt", limit: 2 * StatusList.maxBytes, trustRootsDER: trustRootsDER)
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct CredentialVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify a presentation: signatures, disclosures, key binding, issuer in the TrustRegistry, status list on chain.",
        discussion: """
            The issuer (iss) must be a DID: did:key is read offline, did:web fetched over HTTPS. Its key must be listed in \
            the TrustRegistry (primary or extra certificate key) by an active MNO or KYC provider, and the credential's \
            status entry must be valid in the token at its URI whose SHA-256 the issuer anchored in the IdentityRegistry. \
            A refusal exits with code 425 and names the verifier's code (e.g. kb.nonce, sdjwt.exp, issuer.untrusted, \
            status.revoked, status.anchor_mismatch). --signatures-only skips the chain and status checks (a holder \
            checking its own credential); the report then says trust was not checked.
            """)

    @Option(name: .long, help: "The presentation file, or - for standard input.") var presentation: String
    @Option(name: .long, help: "This verifier's audience (the KB-JWT aud it expects).") var audience: String
    @Option(name: .long, help: "The nonce this verifier gave the holder.") var nonce: String
    @Option(name: .long, help: "The credential type required (vct).") var vct: String = kycCredentialType
    @Flag(name: .long, help: "Only the signatures, disclosures and key binding: no TrustRegistry, no status list.") var signaturesOnly = false
    @Option(name: .customLong("tls-ca"), help: "Extra trusted TLS root (PEM) for did:web and the status list; repeatable.") var tlsCA: [String] = []
    @Option(name: .long, help: ArgumentHelp("IdentityRegistry address (default: from the deploy JSON).", valueName: "address"))
    var identityRegistry: String?
    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var issuer: String
        var issuerEntity: String?
        var issuerRole: UInt8?
        var holder: String
        var claims: JSONValue
        var status: JSONValue?
        var trustChecked: Bool
    }

    func run() async throws {
        try await output.reportingErrors {
            let checked = try await PresentationCheck(audience: audience, nonce: nonce, vct: vct, tlsCA: tlsCA)
                .run(try CredentialFiles.text(presentation), chain: signaturesOnly ? nil : { body in
                    try await registryOptions.withRegistry(home: DataDirectory.resolve(), signing: false) { registry, connection in
                        try await body(ChainCredentialTrust(registry: registry, identity: try connection.contract(IdentityRegistry.self, override: identityRegistry)))
                    }
                })
            let verified = checked.credential, issuer = checked.issuer
            let report = Report(issuer: issuer, issuerEntity: checked.standing?.issuer.address, issuerRole: checked.standing?.issuer.role,
                                holder: DID.key(DIDPublicKey(p256: verified.holderKey)).description,
                                claims: .object(verified.claims), status: verified.claims["status"], trustChecked: checked.standing != nil)
            try output.emit(report) {
                var lines = ["verified: \(issuer) → holder \(report.holder)"]
                for (name, value) in verified.claims.sorted(by: { $0.key < $1.key }) where !["cnf", "status", "iat", "exp", "iss", "vct"].contains(name) {
                    lines.append("  \(name): \(String(decoding: value.serialized(), as: UTF8.self))")
                }
                lines.append(report.trustChecked ? "issuer: TrustRegistry entity \(report.issuerEntity ?? "") (role \(report.issuerRole ?? 0)), status entry valid"
                                                 : "issuer and status NOT checked (--signatures-only)")
                return lines.joined(separator: "\n")
            }
        }
    }

    static func explain(_ error: CredentialStatusError) -> String {
        switch error {
        case .issuerNotTrusted: "the issuer key is not listed by an active MNO or KYC provider in the TrustRegistry"
        case .trustUnavailable: "the chain cannot be read"
        case .statusMissing: "the credential has no status list entry"
        case .statusMalformed: "the credential's status claim is malformed"
        case .statusUnavailable: "the status list cannot be fetched"
        case .tokenMalformed, .tokenType, .tokenSubject, .tokenExpired: "the status list token is invalid"
        case .tokenSignature: "the status list is not signed by the credential's issuer"
        case .notAnchored: "the issuer anchored no status list for this URI"
        case .anchorMismatch: "the fetched status list is not the one anchored on chain"
        case .indexOutOfRange: "the status index is outside the list"
        case .revoked: "the credential is revoked"
        case .suspended: "the credential is suspended"
        case .unknownStatus: "the credential's status is neither valid, revoked nor suspended"
        }
    }
}

/// The whole check of one presentation, shared by `credential verify` and `credential attest`: the issuer's DID
/// key, SDJWTVerifier, then (unless `chain` is nil) CredentialStatusCheck against the chain.
struct PresentationCheck {
    let audience: String
    let nonce: String
    let vct: String
    let tlsCA: [String]

    struct Result {
        let issuer: String
        let issuerKey: P256.Signing.PublicKey
        let presentation: SDJWTPresentation
        let credential: VerifiedCredential
        /// Nil when the chain was not consulted.
        let standing: CredentialStanding?
    }

    typealias WithTrust = (@Sendable (ChainCredentialTrust) async throws -> CredentialStanding) async throws -> CredentialStanding

    func run(_ text: String, chain: WithTrust?) async throws -> Result {
        let parsed: SDJWTPresentation
        do { parsed = try SDJWTPresentation(serialized: text) } catch {
            throw IdentityCommandError(.refused, "\(error.code): not an SD-JWT presentation")
        }
        guard let issuer = parsed.jwt.payload["iss"]?.stringValue, let did = try? DID(issuer) else {
            throw IdentityCommandError(.refused, "sdjwt.iss: the issuer is not a DID")
        }
        let roots = try TLSCredentialFiles.certificates(tlsCA)
        var document = DIDDocument.derived(from: did)
        if document == nil { document = try await IdentityDIDResolveCommand.fetch(did, trustRoots: tlsCA) }
        guard let issuerKey = document?.assertionKey(kid: parsed.jwt.header["kid"]?.stringValue) else {
            throw IdentityCommandError(.refused, "sdjwt.issuer_signature: \(issuer) has no P-256 assertion key")
        }
        let now = Int64(Date().timeIntervalSince1970)
        let verified: VerifiedCredential
        do { verified = try SDJWTVerifier(issuer: issuer, issuerKey: issuerKey, vct: vct).verify(parsed, audience: audience, nonce: nonce, now: now) } catch {
            throw IdentityCommandError(.refused, "\(error.code): the presentation does not verify")
        }
        var standing: CredentialStanding? = nil
        if let chain {
            let claims = verified.claims
            standing = try await chain { trust in
                do {
                    return try await CredentialStatusCheck(trust: trust, fetcher: HTTPSStatusListFetcher(trustRootsDER: roots))
                        .check(issuerKey: issuerKey, claims: claims, now: now)
                } catch let error as CredentialStatusError {
                    throw IdentityCommandError(.refused, "\(error.code): \(CredentialVerifyCommand.explain(error))")
                }
            }
        }
        return Result(issuer: issuer, issuerKey: issuerKey, presentation: parsed, credential: verified, standing: standing)
    }
}
