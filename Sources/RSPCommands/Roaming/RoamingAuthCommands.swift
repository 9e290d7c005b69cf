// `openrsp roaming authorize|verify|confirm` (issue 19 item 1): the home network's operator key
// signs a short-lived authorisation for a subscriber pseudonym and one visited network; the visited
// network checks it against the TrustRegistry (RegistryOperatorDirectory), remembers its nonce
// (replay cache in the records database) and signs a service confirmation; the home network checks
// that. Message files are JSON: eth_signTypedData_v4 typed data and the 65-byte r‖s‖v signature.
import ArgumentParser
import EthereumCore
import Foundation
import Roaming
import Settlement

/// `TrustRegistry.isOperatorKey` over JSON-RPC: the key is active and its MNO an active MNO.
struct RegistryOperatorDirectory: OperatorDirectory {
    let registry: Contract<TrustRegistry>

    func isOperatorKey(mno: Address, key: Address) async throws -> Bool {
        do { return try await registry.call(TrustRegistry.isOperatorKey(mno: mno, key: key)) } catch {
            throw ChainCommandError(.rpc, "isOperatorKey on \(registry.address): \(error)")
        }
    }
}

/// A signed roaming message file: `{"typedData": …, "signature": "0x…"}`.
struct RoamingMessageFile: Codable {
    let typedData: TypedData
    let signature: String
    /// The IMSI sealed to the visited operator's registered key (HPKE), when the home network sends it.
    var sealedIMSI: SealedIMSIFields? = nil

    /// `SealedIMSI` as base64 strings.
    struct SealedIMSIFields: Codable {
        let encapsulatedKey: String
        let ciphertext: String

        init(_ sealed: SealedIMSI) {
            encapsulatedKey = sealed.encapsulatedKey.base64EncodedString()
            ciphertext = sealed.ciphertext.base64EncodedString()
        }

        var sealed: SealedIMSI {
            get throws(RoamingCommandError) {
                guard let key = Data(base64Encoded: encapsulatedKey), let text = Data(base64Encoded: ciphertext) else {
                    throw RoamingCommandError(.messageFile, "sealedIMSI is not base64")
                }
                return SealedIMSI(encapsulatedKey: key, ciphertext: text)
            }
        }
    }

    /// The sealed IMSI opened with the visited operator's key file (`--imsi-key`), or nil when none was asked for.
    func imsi(keyFile: String?, digest: Hash32) throws(RoamingCommandError) -> String? {
        guard let keyFile else { return nil }
        guard let fields = sealedIMSI else { throw RoamingCommandError(.messageFile, "the authorisation carries no sealed IMSI") }
        let pem = try RoamingAuthorizeCommand.privateFile(keyFile, "--imsi-key")
        do { return try IMSISealing.open(try fields.sealed, privateKeyPEM: pem, authorization: digest.bytes) } catch {
            throw RoamingCommandError(.authorizationRefused, "sealed IMSI: \(error)")
        }
    }

    static let maxBytes = 16 << 10

    static func read(_ path: String) throws(RoamingCommandError) -> RoamingMessageFile {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RoamingCommandError(.messageFile, "cannot read \(path)") }
        defer { try? handle.close() }
        let data = ((try? handle.read(upToCount: maxBytes + 1)) ?? nil) ?? Data()
        guard data.count <= maxBytes else { throw RoamingCommandError(.messageFile, "\(path) is larger than \(maxBytes) bytes") }
        do { return try JSONDecoder().decode(RoamingMessageFile.self, from: data) } catch {
            throw RoamingCommandError(.messageFile, "\(path) is not a signed roaming message (typedData, signature)")
        }
    }

    func write(_ path: String) throws(RoamingCommandError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try (try encoder.encode(self) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch { throw RoamingCommandError(.messageFile, "cannot write \(path): \(error)") }
    }

    var rsv: Signature {
        get throws(RoamingCommandError) {
            do { return try Signature(rsv: try Hex.decode(signature, requirePrefix: true)) } catch {
                throw RoamingCommandError(.messageFile, "signature is not 65 bytes r‖s‖v in 0x-hex")
            }
        }
    }

    /// The domain the typed data names; refused unless it is this chain's TrustRegistry.
    func domain(expected: RoamingDomain) throws(RoamingCommandError) -> RoamingDomain {
        let d = typedData.domain
        guard d["name"] == .string("OpenRSP Roaming"), d["version"] == .string("1"), d["chainId"] == .string(String(expected.chainId)),
              case .string(let registry)? = d["verifyingContract"], (try? Address(hex: registry)) == expected.registry else {
            throw RoamingCommandError(.authorizationRefused, "the message is for another domain (name, version, chain or registry)")
        }
        return expected
    }

    func string(_ key: String) throws(RoamingCommandError) -> String {
        guard case .string(let s)? = typedData.message[key] else { throw RoamingCommandError(.messageFile, "message.\(key) is missing or not a string") }
        return s
    }

    func address(_ key: String) throws(RoamingCommandError) -> Address {
        do { return try Address(hex: try string(key)) } catch { throw RoamingCommandError(.messageFile, "message.\(key) is not an address") }
    }

    func hash(_ key: String) throws(RoamingCommandError) -> Hash32 {
        do { return try Hash32(hex: try string(key)) } catch { throw RoamingCommandError(.messageFile, "message.\(key) is not 32 bytes of 0x-hex") }
    }

    func uint64(_ key: String) throws(RoamingCommandError) -> UInt64 {
        guard let v = UInt64(try string(key)) else { throw RoamingCommandError(.messageFile, "message.\(key) is not a uint64") }
        return v
    }

    func authorization() throws(RoamingCommandError) -> SignedRoamingAuthorization {
        guard typedData.primaryType == "RoamingAuthorization" else { throw RoamingCommandError(.messageFile, "not a RoamingAuthorization") }
        let a = RoamingAuthorization(home: try address("home"), visited: try address("visited"), subscriber: IMSIPseudonym(value: try hash("subscriber")),
                                     issuedAt: try uint64("issuedAt"), expiresAt: try uint64("expiresAt"), nonce: try hash("nonce"))
        return SignedRoamingAuthorization(authorization: a, signature: try rsv)
    }

    func confirmation() throws(RoamingCommandError) -> SignedServiceConfirmation {
        guard typedData.primaryType == "ServiceConfirmation" else { throw RoamingCommandError(.messageFile, "not a ServiceConfirmation") }
        let c = ServiceConfirmation(authorization: try hash("authorization"), visited: try address("visited"), confirmedAt: try uint64("confirmedAt"))
        return SignedServiceConfirmation(confirmation: c, signature: try rsv)
    }
}

/// The domain of this chain's TrustRegistry and a verifier answered from it.
func roamingVerifier(_ connection: ChainConnection) throws(ChainCommandError) -> RoamingVerifier {
    let registry = try connection.contract(TrustRegistry.self)
    return RoamingVerifier(domain: RoamingDomain(chainId: connection.chainId, registry: registry.address),
                           directory: RegistryOperatorDirectory(registry: registry))
}

func wallClock() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

/// Maps the verifier's refusals to their code (registry failures stay chain errors).
func verifying<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let e as RoamingVerificationError {
        throw RoamingCommandError(.authorizationRefused, e.description)
    }
}

struct RoamingAuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "As the home network's operator key (--account), authorise a subscriber to roam on --visited; write the signed message to --out.",
        discussion: """
            The subscriber is the pseudonym HMAC-SHA-256(key, IMSI) with the home network's pseudonym key (--pseudonym-key: \
            a file of at least 32 bytes in hex, mode 0600); the IMSI itself is not in the message. The signer must be an \
            active operator key of --home in the TrustRegistry for the visited network to accept it.
            """)
    @Option(name: .long, help: ArgumentHelp("The home MNO's address.", valueName: "address")) var home: String
    @Option(name: .long, help: ArgumentHelp("The visited MNO's address (the audience).", valueName: "address")) var visited: String
    @Option(name: .long, help: "The subscriber's IMSI (6–15 digits).") var imsi: String
    @Option(name: .long, help: ArgumentHelp("Hex file with the pseudonym key (≥ 32 bytes, mode 0600).", valueName: "file")) var pseudonymKey: String
    @Option(name: .long, help: "Lifetime in seconds (at most 86400).") var lifetime: UInt64 = 3600
    @Option(name: .long, help: ArgumentHelp("Where to write the signed authorisation (JSON).", valueName: "file")) var out: String
    @Option(name: .customLong("seal-imsi-to"), help: ArgumentHelp(
        "Also send the IMSI, sealed (HPKE, P-256) to the visited MNO's key: its PEM PUBLIC KEY, which must hash to the MNO's spkiHash in the TrustRegistry.",
        valueName: "file"))
    var sealIMSITo: String?
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let file: String
        let digest: String
        let subscriber: String
        let expiresAt: UInt64
        let signer: String
        let imsiSealed: Bool
    }

    func run() async throws {
        try await output.reportingErrors {
            let homeDir = DataDirectory.resolve()
            let homeMNO = try parseAddress(home, "--home"), visitedMNO = try parseAddress(visited, "--visited")
            guard (1...86_400).contains(lifetime) else { throw RoamingCommandError(.invalidArgument, "--lifetime must be 1…86400 seconds") }
            let pseudonym: IMSIPseudonym
            do { pseudonym = try IMSIPseudonym(imsi: imsi, key: try Self.pseudonymKey(pseudonymKey)) } catch let e as RoamingInputError {
                throw RoamingCommandError(.invalidArgument, e.description)
            }
            let key = try account.privateKey(home: homeDir)
            let document = try await options.chain.withConnection(home: homeDir, signing: true) { connection in
                let verifier = try roamingVerifier(connection)
                var rng = SystemRandomNumberGenerator()
                let nonce = try Hash32((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
                let now = wallClock()
                let a = RoamingAuthorization(home: homeMNO, visited: visitedMNO, subscriber: pseudonym, issuedAt: now, expiresAt: now + lifetime, nonce: nonce)
                let signed = try a.sign(with: key, in: verifier.domain)
                var file = RoamingMessageFile(typedData: a.typedData(in: verifier.domain), signature: Hex.encode(signed.signature.rsv))
                if let sealIMSITo {
                    file.sealedIMSI = try await Self.seal(imsi: imsi, keyFile: sealIMSITo, visited: visitedMNO,
                                                          digest: try a.digest(in: verifier.domain), connection: connection)
                }
                try file.write(out)
                return Document(file: out, digest: try a.digest(in: verifier.domain).hex, subscriber: pseudonym.value.hex, expiresAt: a.expiresAt,
                                signer: try key.address().checksummed, imsiSealed: file.sealedIMSI != nil)
            }
            try output.emit(document) { "wrote \(document.file): subscriber \(document.subscriber), expires at \(document.expiresAt)" }
        }
    }

    /// The IMSI sealed to the key in `keyFile`, checked against the visited MNO's registered SPKI hash.
    static func seal(imsi: String, keyFile: String, visited: Address, digest: Hash32,
                     connection: ChainConnection) async throws -> RoamingMessageFile.SealedIMSIFields {
        guard let pem = try? String(contentsOfFile: keyFile, encoding: .utf8) else {
            throw RoamingCommandError(.invalidArgument, "cannot read --seal-imsi-to \(keyFile)")
        }
        let registry = try connection.contract(TrustRegistry.self)
        let entity: TrustRegistry.Entity?
        do { entity = try await registry.call(TrustRegistry.entities(visited)) } catch {
            throw ChainCommandError(.rpc, "entities(\(visited)) on \(registry.address): \(error)")
        }
        guard let entity, entity.role == .mno else { throw RoamingCommandError(.invalidArgument, "--visited \(visited) is not a registered MNO") }
        do {
            return RoamingMessageFile.SealedIMSIFields(try IMSISealing.seal(imsi: imsi, toPublicKeyPEM: pem, registeredHash: entity.spkiHash.bytes,
                                                                            authorization: digest.bytes))
        } catch {
            throw RoamingCommandError(.invalidArgument, "--seal-imsi-to \(keyFile): \(error)")
        }
    }

    /// A private file's text, refused when others may read it.
    static func privateFile(_ path: String, _ option: String) throws(RoamingCommandError) -> String {
        do { return try PrivateFile.text(at: path, label: "\(option) \(path)") } catch {
            throw RoamingCommandError(.invalidArgument, error.description)
        }
    }

    /// The pseudonym key: hex (with or without 0x) in a file no one else may read.
    static func pseudonymKey(_ path: String) throws(RoamingCommandError) -> [UInt8] {
        let text = try privateFile(path, "--pseudonym-key").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let key = try? Hex.decode(text) else { throw RoamingCommandError(.invalidArgument, "--pseudonym-key \(path) is not hex") }
        return key
    }
}

struct RoamingVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a signed authorisation (as --visited) or, with --authorization, a service confirmation (as the home network).",
        discussion: """
            An authorisation must name --visited as its audience, be unexpired, live at most 24 h, and be signed by an active \
            operator key of its active home MNO (TrustRegistry.isOperatorKey). verify does not record the nonce; confirm does.
            """)
    @Argument(help: "The signed message file.") var file: String
    @Option(name: .long, help: ArgumentHelp("Your MNO address (checking an authorisation).", valueName: "address")) var visited: String?
    @Option(name: .long, help: ArgumentHelp("The authorisation a confirmation answers.", valueName: "file")) var authorization: String?
    @Option(name: .long, help: "Check at this Unix time instead of now.") var now: UInt64?
    @Option(name: .customLong("imsi-key"), help: ArgumentHelp(
        "Your MNO's P-256 private key (PEM, mode 0600): open the authorisation's sealed IMSI and print it.", valueName: "file"))
    var imsiKey: String?
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let kind: String
        let signer: String
        let digest: String
        var imsi: String? = nil
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let message = try RoamingMessageFile.read(file)
            let document = try await options.chain.withConnection(home: home, signing: false) { connection in
                let verifier = try roamingVerifier(connection)
                _ = try message.domain(expected: verifier.domain)
                if let authorization {
                    let auth = try RoamingMessageFile.read(authorization)
                    _ = try auth.domain(expected: verifier.domain)
                    let signed = try message.confirmation()
                    let key = try await verifying { try await verifier.verify(signed, of: try auth.authorization().authorization) }
                    return Document(kind: "ServiceConfirmation", signer: key.checksummed, digest: try signed.confirmation.digest(in: verifier.domain).hex)
                }
                guard let visited else { throw RoamingCommandError(.invalidArgument, "pass --visited (an authorisation) or --authorization (a confirmation)") }
                let me = try parseAddress(visited, "--visited")
                let signed = try message.authorization()
                let key = try await verifying { try await verifier.verify(signed, visitedNetwork: me, now: now ?? wallClock()) }
                let digest = try signed.authorization.digest(in: verifier.domain)
                return Document(kind: "RoamingAuthorization", signer: key.checksummed, digest: digest.hex,
                                imsi: try message.imsi(keyFile: imsiKey, digest: digest))
            }
            try output.emit(document) { "valid \(document.kind), signed by \(document.signer)" + (document.imsi.map { ", IMSI \($0)" } ?? "") }
        }
    }
}

struct RoamingConfirmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm",
        abstract: "As the visited network's operator key (--account), accept an authorisation once and sign the service confirmation to --out.",
        discussion: "Verifies as `verify` does, then records the nonce in the replay cache (records database): the same authorisation is refused the second time (code 412).")
    @Argument(help: "The signed authorisation file.") var file: String
    @Option(name: .long, help: ArgumentHelp("Your MNO address (the audience).", valueName: "address")) var visited: String
    @Option(name: .long, help: ArgumentHelp("Where to write the signed confirmation (JSON).", valueName: "file")) var out: String
    @Option(name: .customLong("imsi-key"), help: ArgumentHelp(
        "Your MNO's P-256 private key (PEM, mode 0600): open the authorisation's sealed IMSI and print it.", valueName: "file"))
    var imsiKey: String?
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let me = try parseAddress(visited, "--visited")
            let message = try RoamingMessageFile.read(file)
            let store = try options.store(home: home)
            let key = try account.privateKey(home: home)
            let document = try await options.chain.withConnection(home: home, signing: true) { connection in
                let verifier = try roamingVerifier(connection)
                _ = try message.domain(expected: verifier.domain)
                let signed = try message.authorization()
                let now = wallClock()
                _ = try await verifying { try await verifier.verify(signed, visitedNetwork: me, now: now) }
                let a = signed.authorization
                let imsi = try message.imsi(keyFile: imsiKey, digest: try a.digest(in: verifier.domain))
                let fresh: Bool
                do { fresh = try await store.rememberAuthorization(nonce: a.nonce, home: a.home, expiresAt: a.expiresAt, now: now) } catch {
                    throw RoamingCommandError(.store, "\(error)")
                }
                guard fresh else { throw RoamingCommandError(.replayed, "authorisation \(a.nonce.hex) of \(a.home) was already accepted") }
                let c = ServiceConfirmation(authorization: try a.digest(in: verifier.domain), visited: me, confirmedAt: now)
                let confirmation = try c.sign(with: key, in: verifier.domain)
                try RoamingMessageFile(typedData: c.typedData(in: verifier.domain), signature: Hex.encode(confirmation.signature.rsv)).write(out)
                return RoamingVerifyCommand.Document(kind: "ServiceConfirmation", signer: try key.address().checksummed,
                                                     digest: try c.digest(in: verifier.domain).hex, imsi: imsi)
            }
            try output.emit(document) { "accepted; wrote the confirmation to \(out)" }
        }
    }
}
