// `openrsp identity message create|verify|send` (issue 17 item 5, docs/IDENTITY.md): the six DID-Auth messages as
// ES256 JWS signed with the sender's DID key, verified one by one or as a request → deliver → present chain, and
// sent to an operator's portal (`POST /api/didauth/messages`).
import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import Identity
import NIOCore

struct IdentityMessageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message", abstract: "DID-Auth messages: RequestAttestation, DeliverAttestation, PresentAttestation, RevokeAttestation, RequestAccess, GrantAccess.",
        subcommands: [MessageCreateCommand.self, MessageVerifyCommand.self, MessageSendCommand.self])
}

/// did:key from the file, did:web documents over HTTPS (bounded like `identity did resolve`).
func didAuthResolver(trustRoots: [String]) -> DIDResolver {
    DIDResolver(fetch: { url in
        guard url.scheme == "https", url.path.hasSuffix("/did.json") else { throw IdentityCommandError(.unresolvable, "\(url): not a did:web document URL") }
        return try await IdentityHTTPS.get(url, accept: "application/did+json, application/json", limit: DIDDocument.maxBytes,
                                           trustRootsDER: try TLSCredentialFiles.certificates(trustRoots))
    })
}

struct MessageCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create and sign one DID-Auth message (a new exchange with --to, or an answer with --reply-to).",
        discussion: """
            TYPE is request-attestation (--vct, --claims; the sender's key is the holder key asked for), deliver-attestation \
            (--credential), present-attestation (--presentation), revoke-attestation (--status-uri and --status-index, or \
            --credential; --reason), request-access (--resource, --claims, optional --vct) or grant-access (--resource, \
            --grant-seconds). An answer keeps the thread (thid), refers to the message it answers (ref) and goes to its \
            sender. Messages live --lifetime seconds (at most 3600).
            """)

    @Argument(help: "The message type.") var type: String
    @Option(name: .long, help: "The sender's P-256 key file.") var key: String
    @Option(name: .long, help: "The sender's did:web (default: the did:key of --key).") var did: String?
    @Option(name: .long, help: "The recipient's DID (a new exchange).") var to: String?
    @Option(name: .long, help: "The message this one answers (a file).") var replyTo: String?
    @Option(name: .long, help: "Seconds the message is valid.") var lifetime: Int64 = 300
    @Option(name: .long, help: "Credential type (request-attestation, request-access).") var vct: String?
    @Option(name: .long, help: "Claim names, comma-separated.") var claims: String?
    @Option(name: .long, help: "A credential file (deliver-attestation, revoke-attestation).") var credential: String?
    @Option(name: .long, help: "A presentation file (present-attestation).") var presentation: String?
    @Option(name: .long, help: "Status list URI (revoke-attestation).") var statusUri: String?
    @Option(name: .long, help: "Status list index (revoke-attestation).") var statusIndex: Int64?
    @Option(name: .long, help: "Why (revoke-attestation).") var reason: String = "revoked by the issuer"
    @Option(name: .long, help: "The resource access is asked for or granted (a URL or plan id).") var resource: String?
    @Option(name: .long, help: "How long access is granted (grant-access).") var grantSeconds: Int64 = 86_400
    @Option(name: .long, help: "Where to write the message (compact JWS).") var out: String
    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var file: String; var type: String; var from: String; var to: String; var id: String; var thread: String; var nonce: String }

    func body(sender: P256.Signing.PrivateKey) throws -> DIDAuthBody {
        func need<T>(_ value: T?, _ flag: String) throws -> T {
            guard let value else { throw IdentityCommandError(.input, "\(type) needs \(flag)") }
            return value
        }
        let claimNames = (claims ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        switch type {
        case "request-attestation": return .requestAttestation(vct: vct ?? kycCredentialType, claims: claimNames, holderKey: sender.publicKey)
        case "deliver-attestation": return .deliverAttestation(credential: try CredentialFiles.text(try need(credential, "--credential")))
        case "present-attestation": return .presentAttestation(presentation: try CredentialFiles.text(try need(presentation, "--presentation")))
        case "revoke-attestation":
            if let statusUri { return .revokeAttestation(credential: .statusList(uri: statusUri, index: try need(statusIndex, "--status-index")), reason: reason) }
            let parsed = try CredentialFiles.credential(try need(credential, "--credential or --status-uri"))
            return .revokeAttestation(credential: .digest(of: SDJWT(jwt: parsed.jwt, disclosures: parsed.disclosures)), reason: reason)
        case "request-access": return .requestAccess(resource: try need(resource, "--resource"), claims: claimNames, values: [:], vct: vct)
        case "grant-access":
            return .grantAccess(resource: try need(resource, "--resource"), grantExpiresAt: Int64(Date().timeIntervalSince1970) + grantSeconds)
        default:
            throw IdentityCommandError(.input, "TYPE is request-attestation, deliver-attestation, present-attestation, revoke-attestation, request-access or grant-access")
        }
    }

    func run() async throws {
        try await output.reportingErrors {
            guard (1...3600).contains(lifetime) else { throw IdentityCommandError(.input, "--lifetime is 1–3600 seconds") }
            guard (to == nil) != (replyTo == nil) else { throw IdentityCommandError(.input, "pass --to (a new exchange) or --reply-to (an answer)") }
            let senderKey = try DIDKeyFile.p256Key(at: key)
            let signer: DIDAuthSigner
            do { signer = try did.map { try DIDAuthSigner(did: try DID($0), key: senderKey) } ?? DIDAuthSigner(key: senderKey) } catch {
                throw IdentityCommandError(.input, "--did: \(error)")
            }
            let now = Int64(Date().timeIntervalSince1970)
            let message: DIDAuthMessage
            if let replyTo {
                let text = try CredentialFiles.text(replyTo, limit: DIDAuthVerifier.maxMessageBytes)
                guard let jws = CompactJWS(compact: text), let earlier = try? DIDAuthMessage(payload: jws.payload) else {
                    throw IdentityCommandError(.credentialFile, "\(replyTo) is not a DID-Auth message")
                }
                guard earlier.audience == signer.did else {
                    throw IdentityCommandError(.input, "\(replyTo) was sent to \(earlier.audience), not to \(signer.did)")
                }
                message = earlier.reply(try body(sender: senderKey), now: now, lifetime: lifetime)
            } else {
                let recipient: DID
                do { recipient = try DID(to ?? "") } catch { throw IdentityCommandError(.input, "--to: \(error)") }
                message = DIDAuthMessage.opening(try body(sender: senderKey), from: signer.did, to: recipient, now: now, lifetime: lifetime)
            }
            let compact = try signer.sign(message)
            try CredentialFiles.writePrivate(compact, to: out)
            let report = Report(file: out, type: message.body.type.rawValue, from: message.issuer.description, to: message.audience.description,
                                id: message.id, thread: message.thread, nonce: message.nonce)
            try output.emit(report) { "\(report.type) \(report.from) → \(report.to) written to \(out) (jti \(report.id), thread \(report.thread))" }
        }
    }
}

struct MessageVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Verify DID-Auth messages: one addressed to you (--audience), or a whole exchange in order.",
        discussion: """
            Each message: its ES256 signature under a key of the sender's DID document (did:key offline, did:web over \
            HTTPS), its schema, lifetime and times. With one FILE and --audience the message must be addressed to that \
            DID. With several FILEs they are checked as one exchange: same thread, each answering the one before, \
            parties alternating, the delivered credential bound to the requester's key, the presentation answering the \
            request's nonce. Replays are caught within one run only (a verifier service keeps its own cache: the portal). \
            A refusal exits 425 with the DID-Auth code (e.g. didauth.signature, didauth.exp, didauth.chain.ref).
            """)

    @Argument(help: "Message files, in exchange order.") var files: [String]
    @Option(name: .long, help: "Your DID: the single message must be addressed to it.") var audience: String?
    @Option(name: .customLong("tls-ca"), help: "Extra trusted TLS root (PEM) for did:web; repeatable.") var tlsCA: [String] = []
    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var messages: [Item]; var chainChecked: Bool; var credentialClaims: JSONValue? }
    struct Item: Encodable { var type: String; var from: String; var to: String; var id: String; var thread: String }

    func run() async throws {
        try await output.reportingErrors {
            guard !files.isEmpty, files.count <= 16 else { throw IdentityCommandError(.input, "give 1–16 message files") }
            let verifier = DIDAuthVerifier(resolver: didAuthResolver(trustRoots: tlsCA), replayCache: InMemoryDIDAuthReplayCache())
            let now = Int64(Date().timeIntervalSince1970)
            var verified: [VerifiedDIDAuthMessage] = []
            for file in files {
                let text = try CredentialFiles.text(file, limit: DIDAuthVerifier.maxMessageBytes + 1)
                do {
                    if files.count == 1, let audience {
                        verified.append(try await verifier.verify(text, audience: try DID(audience), now: now))
                    } else {
                        verified.append(try await verifier.verifyRecorded(text, now: now))
                    }
                } catch let error as DIDAuthError { throw IdentityCommandError(.refused, "\(error.code): \(file): \(error)") } catch {
                    throw IdentityCommandError(.input, "--audience: \(error)")
                }
            }
            var claims: JSONValue? = nil
            if verified.count > 1 {
                do { claims = try DIDAuthChainVerifier().verify(verified, now: now).map { .object($0.claims) } } catch let error as DIDAuthError {
                    throw IdentityCommandError(.refused, "\(error.code): the exchange does not hold together (\(error))")
                }
            }
            let report = Report(messages: verified.map {
                Item(type: $0.message.body.type.rawValue, from: $0.message.issuer.description, to: $0.message.audience.description,
                     id: $0.message.id, thread: $0.message.thread)
            }, chainChecked: verified.count > 1, credentialClaims: claims)
            try output.emit(report) {
                report.messages.map { "verified \($0.type) \($0.from) → \($0.to)" }.joined(separator: "\n")
                    + (report.chainChecked ? "\nthe exchange holds together (thread, references, parties, keys, nonces)" : "")
            }
        }
    }
}

struct MessageSendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Send a DID-Auth message to an operator's portal (POST /api/didauth/messages over HTTPS).",
        discussion: "The portal verifies it as addressed to its did:web and keeps it in its inbox; its answer is printed. A refusal exits 425 with the portal's DID-Auth code.")

    @Argument(help: "The message file.") var file: String
    @Option(name: .long, help: "The portal's base URL (https).") var portal: String
    @Option(name: .customLong("tls-ca"), help: "Extra trusted TLS root (PEM) of the portal; repeatable.") var tlsCA: [String] = []
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let text = try CredentialFiles.text(file, limit: DIDAuthVerifier.maxMessageBytes)
            guard let base = URL(string: portal), base.scheme == "https" else { throw IdentityCommandError(.input, "--portal must be an https URL") }
            let roots = try TLSCredentialFiles.certificates(tlsCA)
            let (status, body): (UInt, JSONValue) = try await HTTPSClient.with(trustRootsDER: roots) { client in
                var request = HTTPClientRequest(url: base.appendingPathComponent("api/didauth/messages").absoluteString)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/jwt")
                request.body = .bytes(ByteBuffer(string: text))
                do {
                    let response = try await client.execute(request, timeout: .seconds(30))
                    let bytes = Array((try await response.body.collect(upTo: 64 * 1024)).readableBytesView)
                    return (response.status.code, (try? JSONValue.parse(bytes)) ?? .null)
                } catch { throw IdentityCommandError(.unresolvable, "\(base): \(error)") }
            }
            guard status == 200 else {
                let code = body["error"]?["code"]?.stringValue ?? "HTTP \(status)"
                throw IdentityCommandError(.refused, "\(code): the portal refused the message (\(body["error"]?["message"]?.stringValue ?? ""))")
            }
            try output.emit(body) { "accepted by \(portal): \(String(decoding: body.serialized(), as: UTF8.self))" }
        }
    }
}
