// Shared parts of `openrsp registry …`: which TrustRegistry, role names, certificate hashes, and
// sending one registry transaction with its JSON document.
import ArgumentParser
import EthereumCore
import Foundation
import RSPCrypto
import Settlement

/// `--registry ADDRESS` (default: TrustRegistry of the deploy JSON) and the chain options.
struct RegistryOptions: ParsableArguments {
    @OptionGroup var chain: ChainOptions
    @Option(name: .long, help: ArgumentHelp("TrustRegistry address (default: from the deploy JSON).", valueName: "address"))
    var registry: String?

    /// Runs `body` with the registry on a chain-id-checked connection.
    func withRegistry<T>(home: DataDirectory, signing: Bool,
                         _ body: (Contract<TrustRegistry>, ChainConnection) async throws -> T) async throws -> T {
        try await chain.withConnection(home: home, signing: signing) { connection in
            try await body(try connection.contract(TrustRegistry.self, override: registry), connection)
        }
    }
}

/// Role names on the command line: ci, eum, smdp, smds, mno, mvno, kyc.
enum RoleName {
    static let names: [Role: String] = [.ci: "ci", .eum: "eum", .smdp: "smdp", .smds: "smds", .mno: "mno", .mvno: "mvno", .kyc: "kyc"]

    static func parse(_ text: String) throws(ChainCommandError) -> Role {
        let key = text.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "+", with: "")
        guard let role = names.first(where: { $0.value == key })?.key else {
            throw ChainCommandError(.invalidArgument, "role \(text): use one of ci, eum, smdp, smds, mno, mvno, kyc")
        }
        return role
    }

    static func name(_ role: Role) -> String { names[role] ?? "\(role.rawValue)" }
}

/// The TrustRegistry hashes of a certificate file (PEM or DER): sha256(SubjectPublicKeyInfo DER) and
/// sha256(certificate DER), as RegistrySMDPTrustOracle and the LPA compute them.
struct CertificateHashes: Sendable, Encodable {
    let spkiHash: Hash32
    let certHash: Hash32

    init(file path: String) throws(ChainCommandError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ChainCommandError(.certificate, "cannot read \(path)") }
        do {
            let certificate = try PKIDecoder.certificate(Array(data))
            spkiHash = try Hash32(try CertificateDigests.spkiSHA256(certificate))
            certHash = try Hash32(try CertificateDigests.certificateSHA256(certificate))
        } catch {
            throw ChainCommandError(.certificate, "\(path): \(error)")
        }
    }

    enum CodingKeys: String, CodingKey { case spkiHash, certHash }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(spkiHash.hex, forKey: .spkiHash)
        try c.encode(certHash.hex, forKey: .certHash)
    }
}

func parseAddress(_ text: String, _ what: String) throws(ChainCommandError) -> Address {
    do { return try Address(hex: text) } catch { throw ChainCommandError(.invalidArgument, "\(what) \(text): \(error)") }
}

/// An address as an indexed event topic (left-padded to 32 bytes).
func addressTopic(_ address: Address) -> Hash32 {
    (try? Hash32([UInt8](repeating: 0, count: 12) + address.bytes)) ?? .zero
}

/// The result of one registry transaction.
struct RegistryTransactionDocument: Encodable {
    let registry: String
    let action: String
    let entity: String?
    let certificate: CertificateHashes?
    let transaction: SubmittedTransaction
}

/// Signs `call` with `account` and sends it to the registry; prints the document.
func sendRegistryTransaction(_ call: ContractCall<Void>, action: String, entity: Address?, certificate: CertificateHashes? = nil,
                             options: RegistryOptions, account: AccountOptions, output: OutputOptions) async throws {
    try await output.reportingErrors {
        let home = DataDirectory.resolve()
        let signer = try account.signer(home: home)
        let document = try await options.withRegistry(home: home, signing: true) { registry, connection in
            let label = "registry \(action)" + (entity.map { " \($0)" } ?? "")
            let sent = try await TransactionSubmitter(connection: connection, signer: signer, home: home).send(call, to: registry, label: label)
            return RegistryTransactionDocument(registry: registry.address.checksummed, action: action, entity: entity?.checksummed,
                                               certificate: certificate, transaction: sent)
        }
        try output.emit(document) { document.transaction.human }
    }
}
