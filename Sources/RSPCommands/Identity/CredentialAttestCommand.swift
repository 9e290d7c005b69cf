// `openrsp identity credential attest` (issue 17 item 4): the issuer records on chain, for the holder's Ethereum
// account, a commitment to a credential it issued (SHA-256 of the issuer-signed JWT: digests, never claims) and
// the predicates the credential supports. Plans that require predicates check this attestation at purchase.
import ArgumentParser
import Crypto
import EthereumCore
import Foundation
import Identity
import Settlement

struct CredentialAttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest", abstract: "Attest on chain, for a holder's account, what the holder's presentation proves (the issuer's account sends it).",
        discussion: """
            The holder presents its credential to the issuer: --audience is the issuer's DID and the KB-JWT nonce must be \
            the account to attest (0x…, lower case), so the holder of the credential's key is who asks for that account. \
            The issuer verifies it fully (signatures, key binding, its own registry entry, the status list on chain) and \
            attests only what was disclosed: kyc always, over18 when age_over_18 is disclosed true, eu when the disclosed \
            country is in the EU or EEA. The commitment is SHA-256 of the credential's issuer JWT; the attestation \
            expires with the credential. The sender must be the issuer's TrustRegistry entity (an active MNO or KYC \
            provider). --revoke withdraws the account's attestation instead (no presentation needed).
            """)

    @Option(name: .customLong("for"), help: ArgumentHelp("The holder's Ethereum account.", valueName: "address")) var holderAccount: String
    @Option(name: .long, help: "The holder's presentation (file or -), made for --audience with the account as nonce.") var presentation: String?
    @Option(name: .long, help: "The issuer's DID (the presentation's audience).") var audience: String?
    @Option(name: .long, help: "The credential type required (vct).") var vct: String = kycCredentialType
    @Option(name: .customLong("tls-ca"), help: "Extra trusted TLS root (PEM) for did:web and the status list; repeatable.") var tlsCA: [String] = []
    @Flag(name: .long, help: "Revoke this account's attestation instead.") var revoke = false
    @Option(name: .long, help: ArgumentHelp("IdentityRegistry address (default: from the deploy JSON).", valueName: "address"))
    var identityRegistry: String?
    @OptionGroup var account: AccountOptions
    @OptionGroup var chain: ChainOptions
    @OptionGroup var output: OutputOptions

    /// EU member states and the other EEA states (ISO 3166-1 alpha-2).
    static let euAndEEA: Set<String> = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
                                        "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"]

    struct Report: Encodable {
        var account: String
        var commitment: String?
        var predicates: String?
        var expiry: Int64?
        var transaction: SubmittedTransaction
    }

    /// The predicates the disclosed claims support.
    static func predicates(disclosed claims: [String: JSONValue]) -> IdentityRegistry.Predicates {
        var predicates: IdentityRegistry.Predicates = .kycVerified
        if claims["age_over_18"] == .bool(true) { predicates.insert(.ageOver18) }
        if let country = claims["address"]?["country"]?.stringValue, euAndEEA.contains(country) { predicates.insert(.euResident) }
        return predicates
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let holder: Address
            do { holder = try Address(hex: holderAccount) } catch { throw IdentityCommandError(.input, "--for \(holderAccount): not an address") }
            guard revoke || (presentation != nil && audience != nil) else {
                throw IdentityCommandError(.input, "pass --presentation and --audience (or --revoke)")
            }
            let signer = try account.signer(home: home)
            let report = try await chain.withConnection(home: home, signing: true) { connection in
                let registry = try connection.contract(IdentityRegistry.self, override: identityRegistry)
                let submitter = TransactionSubmitter(connection: connection, signer: signer, home: home)
                if revoke {
                    let sent = try await submitter.send(IdentityRegistry.revokeAttestation(account: holder), to: registry, label: "identity revokeAttestation \(holder)")
                    return Report(account: holder.checksummed, transaction: sent)
                }
                let trustRegistry = try connection.contract(TrustRegistry.self)
                let checked = try await PresentationCheck(audience: audience ?? "", nonce: Hex.encode(holder.bytes), vct: vct, tlsCA: tlsCA)
                    .run(try CredentialFiles.text(presentation ?? "-"), chain: { body in
                        try await body(ChainCredentialTrust(registry: trustRegistry, identity: registry))
                    })
                guard let standing = checked.standing, standing.issuer.address.lowercased() == signer.address.checksummed.lowercased() else {
                    throw IdentityCommandError(.refused, "issuer.not_sender: the credential's issuer is \(checked.standing?.issuer.address ?? "?"), not this account")
                }
                guard let expiry = checked.credential.claims["exp"]?.intValue else { throw IdentityCommandError(.refused, "sdjwt.exp: no expiry") }
                let commitment = try Hash32(CredentialSummary.commitment(of: checked.presentation.jwt))
                let predicates = Self.predicates(disclosed: checked.credential.claims)
                let sent = try await submitter.send(IdentityRegistry.attest(account: holder, commitment: commitment, predicates: predicates, expiry: UInt64(expiry)),
                                                    to: registry, label: "identity attest \(holder)")
                return Report(account: holder.checksummed, commitment: commitment.hex, predicates: PredicateNames.describe(predicates),
                              expiry: expiry, transaction: sent)
            }
            try output.emit(report) {
                (revoke ? "attestation of \(report.account) revoked" : "attested \(report.account): \(report.predicates ?? "") until \(report.expiry ?? 0)")
                    + "\n" + report.transaction.human
            }
        }
    }
}
