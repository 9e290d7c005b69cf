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
        commandName: "attest", abstract: "Attest a credential on chain for the holder's account (the issuer's account sends it).",
        discussion: """
            The predicates follow from the credential's own claims, which the issuer holds in full: kyc always, over18 \
            when age_over_18 is true, eu when the residence country is in the EU or EEA. The attestation expires with \
            the credential. The sender must be the issuer's TrustRegistry entity (an active MNO or KYC provider); \
            revoking the credential's status entry does not clear it: pass --revoke to revoke the attestation too.
            """)

    @Option(name: .long, help: "The credential file (as issued).") var credential: String
    @Option(name: .customLong("for"), help: ArgumentHelp("The holder's Ethereum account.", valueName: "address")) var holderAccount: String
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
        var commitment: String
        var predicates: String
        var expiry: Int64
        var transaction: SubmittedTransaction
    }

    static func predicates(of credential: SDJWTPresentation) -> IdentityRegistry.Predicates {
        var predicates: IdentityRegistry.Predicates = .kycVerified
        for disclosure in credential.disclosures {
            if disclosure.name == "age_over_18", disclosure.value == .bool(true) { predicates.insert(.ageOver18) }
            if disclosure.name == "country", let country = disclosure.value.stringValue, euAndEEA.contains(country) { predicates.insert(.euResident) }
        }
        return predicates
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let parsed = try CredentialFiles.credential(credential)
            let holder: Address
            do { holder = try Address(hex: holderAccount) } catch { throw IdentityCommandError(.input, "--for \(holderAccount): not an address") }
            guard let expiry = parsed.jwt.payload["exp"]?.intValue, expiry > Int64(Date().timeIntervalSince1970) else {
                throw IdentityCommandError(.credentialFile, "\(credential) has expired (or has no exp)")
            }
            let commitment = try Hash32(Array(SHA256.hash(data: Array(parsed.jwt.serialized.utf8))))
            let predicates = Self.predicates(of: parsed)
            let signer = try account.signer(home: home)
            let report = try await chain.withConnection(home: home, signing: true) { connection in
                let registry = try connection.contract(IdentityRegistry.self, override: identityRegistry)
                let submitter = TransactionSubmitter(connection: connection, signer: signer, home: home)
                let sent = revoke
                    ? try await submitter.send(IdentityRegistry.revokeAttestation(account: holder), to: registry, label: "identity revokeAttestation \(holder)")
                    : try await submitter.send(IdentityRegistry.attest(account: holder, commitment: commitment, predicates: predicates, expiry: UInt64(expiry)),
                                               to: registry, label: "identity attest \(holder)")
                return Report(account: holder.checksummed, commitment: commitment.hex, predicates: PredicateNames.describe(predicates),
                              expiry: expiry, transaction: sent)
            }
            try output.emit(report) {
                (revoke ? "attestation of \(report.account) revoked" : "attested \(report.account): \(report.predicates) until \(expiry)")
                    + "\n" + report.transaction.human
            }
        }
    }
}
