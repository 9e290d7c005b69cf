// `openrsp registry show|list`: the registry's owner and deployment, one entity, or every entity
// (from EntityRegistered logs, with its current state).
import ArgumentParser
import EthereumCore
import EthereumRPC
import Foundation
import Settlement

/// One entity as shown.
struct EntityDocument: Encodable {
    let address: String
    let role: String
    let status: String
    let reasonCode: UInt16
    let name: String
    let spkiHash: String
    let certHash: String
    /// isTrusted(role, primary spkiHash).
    let trusted: Bool
    /// The entity's DID (`setDid`), if it has one.
    let did: String?

    init(_ address: Address, _ entity: TrustRegistry.Entity, trusted: Bool, did: String?) {
        self.address = address.checksummed
        role = RoleName.name(entity.role)
        status = "\(entity.status)"
        reasonCode = entity.reasonCode
        name = entity.name
        spkiHash = entity.spkiHash.hex
        certHash = entity.certHash.hex
        self.trusted = trusted
        self.did = did
    }

    var human: String {
        "\(address)  \(role)  \(status)\(reasonCode != 0 ? " (reason \(reasonCode))" : "")  \"\(name)\"  spki \(spkiHash)\(trusted ? "  trusted" : "")\(did.map { "  \($0)" } ?? "")"
    }
}

/// The registry itself.
struct RegistryDocument: Encodable {
    let registry: String
    let chainId: UInt64
    let version: String
    let owner: String
    let pendingOwner: String?
    let deploymentVersion: String
    let deploymentEntitlements: String
    let deploymentSettlement: String

    var human: String {
        """
        TrustRegistry \(registry) (chain \(chainId), VERSION \(version))
        owner          \(owner)\(pendingOwner.map { "\npending owner  \($0)" } ?? "")
        deployment     v\(deploymentVersion): PlanEntitlements \(deploymentEntitlements), UsageSettlement \(deploymentSettlement)
        """
    }
}

func readEntity(_ registry: Contract<TrustRegistry>, _ address: Address) async throws(ChainCommandError) -> EntityDocument? {
    do {
        guard let entity = try await registry.call(TrustRegistry.entities(address)) else { return nil }
        let trusted = try await registry.call(TrustRegistry.isTrusted(role: entity.role, spkiHash: entity.spkiHash))
        let did = try await registry.call(TrustRegistry.didOf(entity: address))
        return EntityDocument(address, entity, trusted: trusted, did: did.isEmpty ? nil : did)
    } catch {
        throw ChainCommandError(.rpc, "reading entity \(address): \(error)")
    }
}

struct RegistryShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one entity (by ADDRESS, or by --cert and --role), or without arguments the registry's owner and deployment.")

    @Argument(help: "The entity's chain address.") var address: String?
    @Option(name: .long, help: ArgumentHelp("Find the entity holding this certificate's key (PEM or DER).", valueName: "file")) var cert: String?
    @Option(name: .long, help: "The role to look --cert up under.") var role: String?
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if cert != nil, role == nil { throw ValidationError("--cert needs --role") }
        if cert != nil, address != nil { throw ValidationError("give ADDRESS or --cert, not both") }
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            try await options.withRegistry(home: home, signing: false) { registry, connection in
                var target: Address?
                if let address { target = try parseAddress(address, "ADDRESS") }
                if let cert, let role {
                    let hashes = try CertificateHashes(file: cert)
                    let found: Address
                    do { found = try await registry.call(TrustRegistry.entityBySpki(role: try RoleName.parse(role), spkiHash: hashes.spkiHash)) } catch let e as ChainCommandError {
                        throw e
                    } catch { throw ChainCommandError(.rpc, "entityBySpki: \(error)") }
                    guard found != .zero else { throw ChainCommandError(.entityNotRegistered, "no \(role) entity holds the key of \(cert)") }
                    target = found
                }
                if let target {
                    guard let entity = try await readEntity(registry, target) else {
                        throw ChainCommandError(.entityNotRegistered, "\(target) is not registered in \(registry.address)")
                    }
                    try output.emit(entity) { entity.human }
                    return
                }
                let document: RegistryDocument
                do {
                    let pending = try await registry.call(TrustRegistry.pendingOwner())
                    document = RegistryDocument(
                        registry: registry.address.checksummed, chainId: connection.chainId,
                        version: try await registry.call(TrustRegistry.VERSION()).description,
                        owner: try await registry.call(TrustRegistry.owner()).checksummed,
                        pendingOwner: pending == .zero ? nil : pending.checksummed,
                        deploymentVersion: try await registry.call(TrustRegistry.deploymentVersion()).description,
                        deploymentEntitlements: try await registry.call(TrustRegistry.deploymentEntitlements()).checksummed,
                        deploymentSettlement: try await registry.call(TrustRegistry.deploymentSettlement()).checksummed)
                } catch { throw ChainCommandError(.rpc, "reading \(registry.address): \(error)") }
                try output.emit(document) { document.human }
            }
        }
    }
}

struct RegistryListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every registered entity with its current status (from EntityRegistered logs).",
        discussion: "Needs a node that serves eth_getLogs over the registry's whole history (or pass --from-block).")

    @Option(name: .long, help: "Only this role.") var role: String?
    @Option(name: .long, help: "First block to search (default 0).") var fromBlock: UInt64 = 0
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let only = try role.map { text throws(ChainCommandError) in try RoleName.parse(text) }
            let entities = try await options.withRegistry(home: DataDirectory.resolve(), signing: false) { registry, _ in
                let logs: [(log: Log, event: TrustRegistry.EntityRegistered)]
                do { logs = try await registry.logs(TrustRegistry.EntityRegistered.self, from: .number(fromBlock)) } catch {
                    throw ChainCommandError(.rpc, "eth_getLogs: \(error)")
                }
                var out: [EntityDocument] = []
                for (_, event) in logs where only == nil || event.role == only {
                    if let entity = try await readEntity(registry, event.entity) { out.append(entity) }
                }
                return out
            }
            try output.emit(entities) { entities.isEmpty ? "no entities" : entities.map(\.human).joined(separator: "\n") }
        }
    }
}
