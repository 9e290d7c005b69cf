// `openrsp identity did new|show|resolve` (issue 17 item 3, docs/IDENTITY.md): DIDs for keys this machine holds
// (did:key on P-256 or secp256k1), Ethereum accounts (did:pkh) and operators' domains (did:web).
import ArgumentParser
import AsyncHTTPClient
import Crypto
import EthereumCore
import Foundation
import Identity
import NIOCore
import RSPCrypto

/// Failures of `openrsp identity` (codes 420–426, docs/CLI-ERRORS.md; chain failures keep the chain commands' codes).
struct IdentityCommandError: KindedCommandError {
    enum Kind: Int, CLIErrorKind {
        case input = 420, keyFile, unresolvable, documentInvalid, credentialFile, refused, statusList

        var meaning: String {
            switch self {
            case .input: "identity: an argument is invalid (a DID of another method, a malformed DID, an unknown curve)"
            case .keyFile: "identity: a key file cannot be written, read or parsed (or is not mode 0600, or is not the key the credential is bound to)"
            case .unresolvable: "identity did resolve / credential verify: a did:web document or a status list cannot be fetched over HTTPS"
            case .documentInvalid: "identity did resolve: the fetched DID document is malformed or is another DID's"
            case .credentialFile: "identity credential: a credential, claims or presentation file cannot be read, parsed or written"
            case .refused: "identity credential verify: the presentation is refused (the message starts with the verifier's code, e.g. kb.nonce, status.revoked, issuer.untrusted)"
            case .statusList: "identity status-list / credential issue|revoke: the status list file is unreadable, full, or the index is out of range"
            }
        }
    }

    let kind: Kind
    let description: String
    init(_ kind: Kind, _ description: String) { self.kind = kind; self.description = description }
}

struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity", abstract: "DIDs, SD-JWT VC credentials and their status lists (docs/IDENTITY.md).",
        subcommands: [IdentityDIDCommand.self, IdentityCredentialCommand.self, IdentityStatusListCommand.self, IdentityMessageCommand.self])
}

struct IdentityDIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "did", abstract: "Make, show and resolve DIDs.",
        subcommands: [IdentityDIDNewCommand.self, IdentityDIDShowCommand.self, IdentityDIDResolveCommand.self])
}

/// A DID and its document, as printed.
struct DIDReport: Encodable {
    var did: String
    var document: JSONValue
    var keyFile: String?
}

/// A key file of `identity did new`: PEM (PKCS#8) for P-256, `secp256k1:` + 64 hex digits for secp256k1. 0600.
enum DIDKeyFile {
    static func write(_ text: String, to path: String) throws {
        do { try SecureFileWriter.write(Array(text.utf8), to: URL(fileURLWithPath: path), mode: 0o600) } catch {
            throw IdentityCommandError(.keyFile, "cannot write \(path): \(error)")
        }
    }

    /// The P-256 private key in `path` (PEM, mode 0600): what signs credentials, presentations and status lists.
    static func p256Key(at path: String) throws -> P256.Signing.PrivateKey {
        let text: String
        do { text = try PrivateFile.text(at: path, label: path) } catch { throw IdentityCommandError(.keyFile, error.description) }
        guard text.utf8.count <= 8192, let key = try? P256.Signing.PrivateKey(pemRepresentation: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw IdentityCommandError(.keyFile, "\(path): not a P-256 PEM key (ES256 needs one: `openrsp identity did new --curve p256`)")
        }
        return key
    }

    /// The did:key of the private key in `path` (which must not be readable by others).
    static func did(at path: String) throws -> DID {
        let text: String
        do { text = try PrivateFile.text(at: path, label: path) } catch { throw IdentityCommandError(.keyFile, error.description) }
        guard text.utf8.count <= 8192 else { throw IdentityCommandError(.keyFile, "\(path) is not a key file (over 8 KiB)") }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("secp256k1:") {
            do {
                let key = try PrivateKey(try Hex.decode(String(trimmed.dropFirst("secp256k1:".count))))
                return .key(try DIDPublicKey(secp256k1: try key.publicKey()))
            } catch { throw IdentityCommandError(.keyFile, "\(path): not a secp256k1 key") }
        }
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: trimmed) else {
            throw IdentityCommandError(.keyFile, "\(path): neither a P-256 PEM key nor secp256k1:<hex>")
        }
        return .key(DIDPublicKey(p256: key.publicKey))
    }
}

struct IdentityDIDNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Make a key (mode 0600) and print its did:key and DID document.",
        discussion: "P-256 keys sign ES256 (credentials, DID-Auth messages); secp256k1 keys are Ethereum's. The file is refused if it exists.")

    @Option(name: .long, help: "p256 (default) or secp256k1.") var curve: String = "p256"
    @Option(name: .long, help: "Where to write the private key.") var out: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            guard !FileManager.default.fileExists(atPath: out) else { throw IdentityCommandError(.keyFile, "\(out) exists; not overwritten") }
            let did: DID
            switch curve {
            case "p256":
                let key = P256.Signing.PrivateKey()
                try DIDKeyFile.write(key.pemRepresentation + "\n", to: out)
                did = .key(DIDPublicKey(p256: key.publicKey))
            case "secp256k1":
                let key = try PrivateKey.generate()
                try DIDKeyFile.write("secp256k1:" + Hex.encode(key.rawBytes) + "\n", to: out)
                did = .key(try DIDPublicKey(secp256k1: try key.publicKey()))
            default:
                throw IdentityCommandError(.input, "--curve is p256 or secp256k1")
            }
            let report = DIDReport(did: did.description, document: DIDDocument.derived(from: did)?.json ?? .null, keyFile: out)
            try output.emit(report) { "\(report.did)\nkey written to \(out) (0600)" }
        }
    }
}

struct IdentityDIDShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the did:key and DID document of a key file.")

    @Option(name: .long, help: "A key file of `identity did new`.") var key: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let did = try DIDKeyFile.did(at: key)
            let report = DIDReport(did: did.description, document: DIDDocument.derived(from: did)?.json ?? .null, keyFile: key)
            try output.emit(report) { String(decoding: report.document.serialized(), as: UTF8.self) }
        }
    }
}

struct IdentityDIDResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Resolve a DID to its document (did:key and did:pkh offline, did:web over HTTPS).",
        discussion: """
            did:web fetches https://HOST[:PORT]/.well-known/did.json (or /PATH/did.json) over TLS 1.2+, at most \
            \(DIDDocument.maxBytes) bytes within 15 s, and refuses a document whose id is another DID. --tls-ca adds a \
            trusted root (e.g. a test portal's certificate); without it the system's roots are used.
            """)

    @Argument(help: "The DID.") var did: String
    @Option(name: .customLong("tls-ca"), help: "Extra trusted TLS root (PEM) for did:web; repeatable.") var tlsCA: [String] = []
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let parsed: DID
            do { parsed = try DID(did) } catch { throw IdentityCommandError(.input, "\(error)") }
            let document: DIDDocument
            if let derived = DIDDocument.derived(from: parsed) {
                document = derived
            } else {
                document = try await Self.fetch(parsed, trustRoots: tlsCA)
            }
            let report = DIDReport(did: parsed.description, document: document.json, keyFile: nil)
            try output.emit(report) { String(decoding: report.document.serialized(), as: UTF8.self) }
        }
    }

    static func fetch(_ did: DID, trustRoots: [String]) async throws -> DIDDocument {
        guard let url = did.documentURL else { throw IdentityCommandError(.input, "\(did) has no document URL") }
        let bytes = try await IdentityHTTPS.get(url, accept: "application/did+json, application/json", limit: DIDDocument.maxBytes,
                                                trustRootsDER: try TLSCredentialFiles.certificates(trustRoots))
        do { return try DIDDocument.parse(bytes, for: did) } catch { throw IdentityCommandError(.documentInvalid, error.description) }
    }
}

/// The one HTTPS GET of `openrsp identity` (did:web documents, status list tokens): TLS 1.2+, 15 s, at most `limit`
/// bytes; a status other than 200 or a transport failure is `unresolvable` (422) naming the URL.
enum IdentityHTTPS {
    static func get(_ url: URL, accept: String, limit: Int, trustRootsDER: [[UInt8]]) async throws -> [UInt8] {
        try await HTTPSClient.with(trustRootsDER: trustRootsDER) { client in
            var request = HTTPClientRequest(url: url.absoluteString)
            request.headers.add(name: "Accept", value: accept)
            do {
                let response = try await client.execute(request, timeout: .seconds(15))
                guard response.status == .ok else { throw IdentityCommandError(.unresolvable, "\(url): HTTP \(response.status.code)") }
                return Array((try await response.body.collect(upTo: limit)).readableBytesView)
            } catch let error as IdentityCommandError { throw error } catch {
                throw IdentityCommandError(.unresolvable, "\(url): \(error)")
            }
        }
    }
}
