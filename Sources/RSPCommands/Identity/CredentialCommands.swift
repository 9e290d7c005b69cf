// `openrsp identity credential issue|present|list|revoke` (issue 17 items 1, 2 and 6, docs/IDENTITY.md): an
// issuer (an MNO or KYC provider listed in the TrustRegistry) issues SD-JWT VCs with a status-list entry; the
// holder presents chosen claims bound to a verifier's audience and nonce; the issuer revokes or suspends.
import ArgumentParser
import Crypto
import EthereumCore
import Foundation
import Identity
import RSPCrypto

struct IdentityCredentialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential", abstract: "Issue, present, verify, list and revoke SD-JWT VC credentials.",
        subcommands: [CredentialIssueCommand.self, CredentialPresentCommand.self, CredentialVerifyCommand.self,
                      CredentialListCommand.self, CredentialRevokeCommand.self, CredentialAttestCommand.self])
}

/// The default vct of OpenRSP KYC credentials.
let kycCredentialType = "https://openrsp.org/credentials/kyc/v1"

enum CredentialFiles {
    static func text(_ path: String, limit: Int = 256 * 1024) throws -> String {
        if path == "-" {
            let data = FileHandle.standardInput.readData(ofLength: limit + 1)
            guard data.count <= limit else { throw IdentityCommandError(.credentialFile, "standard input is over \(limit) bytes") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? NSNumber, size.intValue <= limit, let data = FileManager.default.contents(atPath: path) else {
            throw IdentityCommandError(.credentialFile, "cannot read \(path) (missing, or over \(limit) bytes)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A credential holds personal data: 0600, written atomically, never over an existing file.
    static func writePrivate(_ text: String, to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw IdentityCommandError(.credentialFile, "\(path) exists; not overwritten") }
        do { try SecureFileWriter.write(Array((text + "\n").utf8), to: URL(fileURLWithPath: path), mode: 0o600) } catch {
            throw IdentityCommandError(.credentialFile, "cannot write \(path): \(error)")
        }
    }

    /// An issued credential (`<JWT>~<D1>~…~`), parsed without verifying.
    static func credential(_ path: String) throws -> SDJWTPresentation {
        let text = try self.text(path)
        guard text.hasSuffix("~"), let parsed = try? SDJWTPresentation(serialized: text) else {
            throw IdentityCommandError(.credentialFile, "\(path) is not an SD-JWT credential (<JWT>~<disclosure>~…~)")
        }
        return parsed
    }

    static func claims(_ path: String) throws -> PersonalClaims {
        let json: JSONValue
        do { json = try JSONValue.parse(Array(try text(path, limit: 64 * 1024).utf8)) } catch let error as IdentityCommandError { throw error } catch {
            throw IdentityCommandError(.credentialFile, "\(path) is not JSON")
        }
        func string(_ name: String) throws -> String {
            guard let value = json[name]?.stringValue, !value.isEmpty, value.utf8.count <= 256 else {
                throw IdentityCommandError(.credentialFile, "\(path): \"\(name)\" must be a non-empty string")
            }
            return value
        }
        guard case .bool(let over18) = json["age_over_18"] else { throw IdentityCommandError(.credentialFile, "\(path): \"age_over_18\" must be true or false") }
        guard let nationalities = json["nationalities"]?.arrayValue?.compactMap(\.stringValue), !nationalities.isEmpty,
              nationalities.count == json["nationalities"]?.arrayValue?.count, nationalities.count <= 8 else {
            throw IdentityCommandError(.credentialFile, "\(path): \"nationalities\" must be 1–8 country codes")
        }
        let birthdate = try string("birthdate")
        guard birthdate.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else {
            throw IdentityCommandError(.credentialFile, "\(path): \"birthdate\" must be YYYY-MM-DD")
        }
        return PersonalClaims(givenName: try string("given_name"), familyName: try string("family_name"), birthdate: birthdate,
                              ageOver18: over18, nationalities: nationalities, residenceCountry: try string("residence_country"),
                              documentNumber: try string("document_number"))
    }
}

/// What `credential issue` and `credential list` print about a credential.
struct CredentialSummary: Encodable {
    var file: String?
    var issuer: String?
    var vct: String?
    var issuedAt: Int64?
    var expiresAt: Int64?
    var status: JSONValue?
    /// The names of the claims the holder can disclose (array elements as `nationalities[]`).
    var disclosable: [String]
    /// SHA-256 of the issuer-signed JWT: what an issuer attests on chain (IdentityRegistry), never personal data.
    var commitment: String

    /// The IdentityRegistry commitment to a credential: SHA-256 of its issuer-signed JWT, as serialized.
    static func commitment(of jwt: CompactJWS) -> [UInt8] { Array(SHA256.hash(data: Array(jwt.serialized.utf8))) }

    init(_ credential: SDJWTPresentation, file: String?) {
        self.file = file
        issuer = credential.jwt.payload["iss"]?.stringValue
        vct = credential.jwt.payload["vct"]?.stringValue
        issuedAt = credential.jwt.payload["iat"]?.intValue
        expiresAt = credential.jwt.payload["exp"]?.intValue
        status = credential.jwt.payload["status"]
        disclosable = credential.disclosures.map { $0.name ?? "nationalities[]" }.sorted()
        commitment = Hex.encode(Self.commitment(of: credential.jwt))
    }
}

struct CredentialIssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue", abstract: "Issue an SD-JWT VC (every personal claim selectively disclosable) to a holder's P-256 did:key.",
        discussion: """
            CLAIMS is a JSON file: given_name, family_name, birthdate (YYYY-MM-DD), age_over_18 (bool), nationalities \
            (array), residence_country, document_number. The credential carries a status-list entry drawn at random from \
            --status-list (see `identity status-list new`) and is written 0600 to --out: it holds personal data. Verifiers \
            trust it only if the issuer key is listed in the TrustRegistry for an active MNO or KYC provider, and only \
            while its status-list entry is valid in the list anchored on chain.
            """)

    @Option(name: .long, help: "The issuer's P-256 key file (PEM, 0600).") var key: String
    @Option(name: .long, help: "The issuer's DID, the credential's iss (default: the did:key of --key).") var issuer: String?
    @Option(name: .long, help: "The holder's P-256 did:key (its key goes into cnf.jwk).") var holder: String
    @Option(name: .long, help: "The claims JSON file.") var claims: String
    @Option(name: .long, help: "The issuer's status list file.") var statusList: String
    @Option(name: .long, help: "The credential type (vct).") var vct: String = kycCredentialType
    @Option(name: .long, help: "Days until it expires (1–3650).") var validDays: Int = 365
    @Option(name: .long, help: "Where to write the credential (0600; refused if it exists).") var out: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            guard (1...3650).contains(validDays) else { throw IdentityCommandError(.input, "--valid-days is 1–3650") }
            let issuerKey = try DIDKeyFile.p256Key(at: key)
            let issuerDID = issuer ?? DID.key(DIDPublicKey(p256: issuerKey.publicKey)).description
            do { _ = try DID(issuerDID) } catch { throw IdentityCommandError(.input, "--issuer: \(error)") }
            let holderKey: P256.Signing.PublicKey
            do {
                guard case .key(let publicKey) = try DID(holder), let p256 = publicKey.p256SigningKey else {
                    throw IdentityCommandError(.input, "--holder must be a P-256 did:key (ES256 key binding)")
                }
                holderKey = p256
            } catch let error as IdentityCommandError { throw error } catch { throw IdentityCommandError(.input, "--holder: \(error)") }
            let personal = try CredentialFiles.claims(claims)
            var list = try StatusListFile.read(path: statusList)
            let index = try list.allocate()
            let now = Int64(Date().timeIntervalSince1970)
            // The index is recorded before the credential exists: a crash after this wastes one index, never
            // hands the same index to two credentials.
            try list.saveState(now: now)
            let credential = try SDJWTVCIssuer(issuer: issuerDID, key: issuerKey)
                .issue(vct: vct, claims: personal, holderKey: holderKey, issuedAt: now, expiresAt: now + Int64(validDays) * 86_400,
                       status: StatusReference(index: index, uri: list.uri), decoys: 3)
            try CredentialFiles.writePrivate(credential.serialized, to: out)
            let summary = CredentialSummary(try SDJWTPresentation(serialized: credential.serialized), file: out)
            try output.emit(summary) {
                "issued \(out) (0600) by \(issuerDID)\nstatus index \(index) of \(list.uri)\ncommitment \(summary.commitment)"
            }
        }
    }
}

struct CredentialPresentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "present", abstract: "Present chosen claims of a credential to one verifier (audience and nonce), key-bound.",
        discussion: """
            --disclose takes claim names: given_name, family_name, birthdate, age_over_18, document_number, country \
            (the residence), and nationality:XX for one nationality. Nothing else of the credential is revealed, but the \
            issuer-signed JWT (its digests, iss, exp, status index) is the same in every presentation: two verifiers \
            can link presentations of one credential (docs/IDENTITY.md).
            """)

    @Option(name: .long, help: "The credential file.") var credential: String
    @Option(name: .long, help: "The holder's P-256 key file (the key the credential is bound to).") var holderKey: String
    @Option(name: .long, parsing: .upToNextOption, help: "Claims to disclose.") var disclose: [String] = []
    @Option(name: .long, help: "The verifier (KB-JWT aud).") var audience: String
    @Option(name: .long, help: "The verifier's nonce.") var nonce: String
    @Option(name: .long, help: "Write the presentation here instead of printing it.") var out: String?
    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var presentation: String; var disclosed: [String] }

    func run() async throws {
        try await output.reportingErrors {
            let parsed = try CredentialFiles.credential(credential)
            let key = try DIDKeyFile.p256Key(at: holderKey)
            let wanted = Set(disclose.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } })
            let chosen = parsed.disclosures.filter { disclosure in
                if let name = disclosure.name { return wanted.contains(name) }
                return disclosure.value.stringValue.map { wanted.contains("nationality:\($0)") } ?? false
            }
            let known = Set(parsed.disclosures.map { $0.name ?? "nationality:\($0.value.stringValue ?? "")" })
            let unknown = wanted.subtracting(known)
            guard unknown.isEmpty else { throw IdentityCommandError(.input, "not in the credential: \(unknown.sorted().joined(separator: ", "))") }
            guard parsed.jwt.payload["cnf"]?["jwk"].flatMap(P256JWK.publicKey)?.rawRepresentation == key.publicKey.rawRepresentation else {
                throw IdentityCommandError(.keyFile, "\(holderKey) is not the key the credential is bound to")
            }
            let presentation = try SDJWTPresentation.present(
                SDJWT(jwt: parsed.jwt, disclosures: parsed.disclosures), include: { disclosure in chosen.contains(disclosure) },
                audience: audience, nonce: nonce, issuedAt: Int64(Date().timeIntervalSince1970), holderKey: key)
            if let out { try CredentialFiles.writePrivate(presentation.serialized, to: out) }
            let report = Report(presentation: presentation.serialized, disclosed: chosen.map { $0.name ?? "nationality:\($0.value.stringValue ?? "")" }.sorted())
            try output.emit(report) { out.map { "presentation written to \($0) (\(report.disclosed.joined(separator: ", ")))" } ?? report.presentation }
        }
    }
}

struct CredentialListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the credentials in a directory (what each can disclose, its issuer, expiry and status entry).")

    @Argument(help: "Directory of credential files (*.sdjwt).") var directory: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                throw IdentityCommandError(.credentialFile, "cannot list \(directory)")
            }
            let summaries = try names.filter { $0.hasSuffix(".sdjwt") }.sorted().map { name in
                let path = (directory as NSString).appendingPathComponent(name)
                return CredentialSummary(try CredentialFiles.credential(path), file: path)
            }
            try output.emit(summaries) {
                summaries.isEmpty ? "no credentials (*.sdjwt) in \(directory)" : summaries.map { summary in
                    "\(summary.file ?? "")  \(summary.issuer ?? "?")  expires \(summary.expiresAt.map(String.init) ?? "?")  \(summary.disclosable.joined(separator: ","))"
                }.joined(separator: "\n")
            }
        }
    }
}

struct CredentialRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke (or suspend, or reinstate) a credential in the issuer's status list and re-sign the list.",
        discussion: """
            Writes the list file and its token (STATE.jwt, to publish at the list's URI). Verifiers accept only the \
            list whose SHA-256 the issuer anchored on chain: run `openrsp identity status-list anchor` next, or the \
            change does not take effect (and the newly published token is refused as not the anchored one).
            """)

    @Option(name: .long, help: "The issuer's status list file.") var statusList: String
    @Option(name: .long, help: "The issuer's P-256 key file (signs the list).") var key: String
    @Option(name: .long, help: "The credential's status index.") var index: Int?
    @Option(name: .long, help: "The credential file (instead of --index).") var credential: String?
    @Flag(name: .long, help: "Suspend (status 2) instead of revoking (1, final).") var suspend = false
    @Flag(name: .long, help: "Make a suspended entry valid again.") var reinstate = false
    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var index: Int; var status: String; var uri: String; var token: String; var digest: String; var listId: String }

    func run() async throws {
        try await output.reportingErrors {
            guard !(suspend && reinstate) else { throw IdentityCommandError(.input, "--suspend and --reinstate exclude each other") }
            let issuerKey = try DIDKeyFile.p256Key(at: key)
            var list = try StatusListFile.read(path: statusList)
            let target: Int
            if let index { target = index } else if let credential {
                let parsed = try CredentialFiles.credential(credential)
                guard let reference = try? StatusReference.from(claims: parsed.jwt.payload.objectValue ?? [:]), reference.uri == list.uri else {
                    throw IdentityCommandError(.statusList, "\(credential) has no entry in \(list.uri)")
                }
                target = reference.index
            } else { throw IdentityCommandError(.input, "pass --index or --credential") }
            let current = try? list.list.status(at: target)
            if current == StatusList.invalid { throw IdentityCommandError(.statusList, "index \(target) is revoked already (revocation is final)") }
            if reinstate, current != StatusList.suspended { throw IdentityCommandError(.statusList, "index \(target) is not suspended") }
            let value = reinstate ? StatusList.valid : suspend ? StatusList.suspended : StatusList.invalid
            try list.setStatus(value, at: target)
            let token = try list.save(key: issuerKey, now: Int64(Date().timeIntervalSince1970))
            let report = Report(index: target, status: reinstate ? "valid" : suspend ? "suspended" : "revoked", uri: list.uri, token: list.tokenPath,
                                digest: Hex.encode(StatusListToken.digest(of: token.jws.serialized)),
                                listId: Hex.encode(StatusListToken.listId(uri: list.uri)))
            try output.emit(report) {
                "index \(target) \(report.status) in \(list.uri)\npublish \(list.tokenPath) there, then `openrsp identity status-list anchor --status-list \(statusList)`"
            }
        }
    }
}
