// `openrsp registry …`: TrustRegistry governance (register, suspend, reinstate, revoke,
// certificates, ownership) and reads (show, list). Operator keys: RegistryOperatorKeyCommand.swift.
import ArgumentParser
import EthereumCore
import Foundation
import Settlement

public struct RegistryCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "TrustRegistry governance: who is trusted, by GSMA role (CI, EUM, SM-DP+, SM-DS, MNO, MVNO).",
        discussion: """
            register/suspend/reinstate/revoke/add-cert/remove-cert/transfer-ownership are sent by the registry \
            owner (governance); accept-ownership by the nominated owner; operator-key and approve-mvno/revoke-mvno \
            by an MNO (operator-key also by its keys). \
            Certificates are PEM or DER files: the command computes sha256(SubjectPublicKeyInfo) and \
            sha256(certificate DER), the hashes the LPA and SM-DP+ check with isTrusted. The registry comes from \
            the deploy JSON (--contracts, default $OPENRSP_HOME/contracts.json) or --registry.
            """,
        subcommands: [RegistryRegisterCommand.self, RegistrySuspendCommand.self, RegistryReinstateCommand.self, RegistryRevokeCommand.self,
                      RegistryAddCertCommand.self, RegistryRemoveCertCommand.self, RegistryShowCommand.self, RegistryListCommand.self,
                      RegistryTransferOwnershipCommand.self, RegistryAcceptOwnershipCommand.self, RegistrySetDeploymentCommand.self,
                      RegistryOperatorKeyCommand.self, RegistryApproveMvnoCommand.self, RegistryRevokeMvnoCommand.self, RegistrySetDIDCommand.self]
    )

    public init() {}
}

struct RegistryRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register", abstract: "Register ADDRESS with a role, a name and its certificate (owner only).",
        discussion: "An address and a certificate key can be registered once; revocation is final.")

    @Argument(help: "The entity's chain address.") var address: String
    @Option(name: .long, help: "ci, eum, smdp, smds, mno or mvno.") var role: String
    @Option(name: .long, help: "Display name (1–64 bytes).") var name: String
    @Option(name: .long, help: ArgumentHelp("The entity's certificate, PEM or DER.", valueName: "file")) var cert: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var parsed: (Address, Role, CertificateHashes)?
        try await output.reportingErrors {
            guard (1...64).contains(name.utf8.count) else { throw ChainCommandError(.invalidArgument, "--name must be 1–64 bytes") }
            parsed = (try parseAddress(address, "ADDRESS"), try RoleName.parse(role), try CertificateHashes(file: cert))
        }
        guard let (entity, role, hashes) = parsed else { return }
        try await sendRegistryTransaction(
            TrustRegistry.register(entity: entity, role: role, name: name, spkiHash: hashes.spkiHash, certHash: hashes.certHash),
            action: "register \(RoleName.name(role))", entity: entity, certificate: hashes, options: options, account: account, output: output)
    }
}

/// The argument of suspend/reinstate/revoke: one entity address.
struct EntityArgument: ParsableArguments {
    @Argument(help: "The entity's chain address.") var address: String
}

struct RegistrySuspendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend", abstract: "Suspend an active entity (owner only): its keys stop being trusted until reinstated.")
    @OptionGroup var entity: EntityArgument
    @Option(name: .long, help: "Reason code recorded on chain (0–65535).") var reason: UInt16 = 0
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(entity.address, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.suspend(entity: address, reasonCode: reason), action: "suspend", entity: address,
                                          options: options, account: account, output: output)
    }
}

struct RegistryReinstateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reinstate", abstract: "Reinstate a suspended entity (owner only).")
    @OptionGroup var entity: EntityArgument
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(entity.address, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.reinstate(entity: address), action: "reinstate", entity: address,
                                          options: options, account: account, output: output)
    }
}

struct RegistryRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke an entity for good (owner only): the address and its keys can never be trusted again.")
    @OptionGroup var entity: EntityArgument
    @Option(name: .long, help: "Reason code recorded on chain (0–65535).") var reason: UInt16 = 0
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(entity.address, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.revoke(entity: address, reasonCode: reason), action: "revoke", entity: address,
                                          options: options, account: account, output: output)
    }
}

struct RegistryAddCertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-cert",
        abstract: "List one more certificate key of an entity under its role, e.g. an SM-DP+'s CERT.DPtls (owner only).")
    @OptionGroup var entity: EntityArgument
    @Option(name: .long, help: ArgumentHelp("The certificate, PEM or DER.", valueName: "file")) var cert: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var parsed: (Address, CertificateHashes)?
        try await output.reportingErrors { parsed = (try parseAddress(entity.address, "ADDRESS"), try CertificateHashes(file: cert)) }
        guard let (address, hashes) = parsed else { return }
        try await sendRegistryTransaction(TrustRegistry.addCertificate(entity: address, spkiHash: hashes.spkiHash, certHash: hashes.certHash),
                                          action: "add-cert", entity: address, certificate: hashes, options: options, account: account, output: output)
    }
}

struct RegistryRemoveCertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-cert",
        abstract: "Unlist a certificate key added with add-cert (owner only); the primary key cannot be removed.")
    @OptionGroup var entity: EntityArgument
    @Option(name: .long, help: ArgumentHelp("The certificate, PEM or DER.", valueName: "file")) var cert: String?
    @Option(name: .long, help: ArgumentHelp("Or the SPKI hash (0x + 64 hex), for a lost certificate.", valueName: "hash")) var spkiHash: String?
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (cert == nil) != (spkiHash == nil) else { throw ValidationError("give exactly one of --cert, --spki-hash") }
    }

    func run() async throws {
        var parsed: (Address, Hash32, CertificateHashes?)?
        try await output.reportingErrors {
            let address = try parseAddress(entity.address, "ADDRESS")
            if let cert {
                let hashes = try CertificateHashes(file: cert)
                parsed = (address, hashes.spkiHash, hashes)
            } else {
                do { parsed = (address, try Hash32(hex: spkiHash ?? ""), nil) } catch {
                    throw ChainCommandError(.invalidArgument, "--spki-hash: \(error)")
                }
            }
        }
        guard let (address, spki, hashes) = parsed else { return }
        try await sendRegistryTransaction(TrustRegistry.removeCertificate(entity: address, spkiHash: spki), action: "remove-cert",
                                          entity: address, certificate: hashes, options: options, account: account, output: output)
    }
}

struct RegistryTransferOwnershipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer-ownership",
        abstract: "Nominate a new registry owner (owner only); it takes over when it runs accept-ownership. The zero address cancels.")
    @Argument(help: "The nominee's address.") var newOwner: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(newOwner, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.transferOwnership(newOwner: address), action: "transfer-ownership", entity: address,
                                          options: options, account: account, output: output)
    }
}

struct RegistryAcceptOwnershipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept-ownership", abstract: "Become the registry owner (sent by the nominee of transfer-ownership).")
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await sendRegistryTransaction(TrustRegistry.acceptOwnership(), action: "accept-ownership", entity: nil,
                                          options: options, account: account, output: output)
    }
}

/// Parses an address inside `reportingErrors` (so a bad one is a coded error); nil after a reported failure.
func parsedAddress(_ text: String, _ output: OutputOptions) async throws -> Address? {
    var address: Address?
    try await output.reportingErrors { address = try parseAddress(text, "ADDRESS") }
    return address
}

struct RegistrySetDeploymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-deployment",
        abstract: "Name the current PlanEntitlements/UsageSettlement deployment (owner only; needed when governance is not the deployer).",
        discussion: "Defaults: PlanEntitlements and UsageSettlement of the deploy JSON, contracts version 2.")
    @Option(name: .long, help: "Contracts version (not below the registry's current one).") var contractsVersion: UInt64 = 2
    @Option(name: .long, help: ArgumentHelp("PlanEntitlements address (default: from the deploy JSON).", valueName: "address"))
    var entitlements: String?
    @Option(name: .long, help: ArgumentHelp("UsageSettlement address (default: from the deploy JSON).", valueName: "address"))
    var settlement: String?
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var parsed: (Address, Address)?
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let deployment = try options.chain.deployment(home: home)
            let path = options.chain.deploymentPath(home: home)
            func pick(_ flag: String?, _ name: String) throws(ChainCommandError) -> Address {
                if let flag { return try parseAddress(flag, "--\(name == "PlanEntitlements" ? "entitlements" : "settlement")") }
                guard let deployment else { throw ChainCommandError(.contractsFile, "no deploy JSON at \(path): pass --entitlements and --settlement") }
                return try deployment.address(of: name, path: path)
            }
            parsed = (try pick(entitlements, "PlanEntitlements"), try pick(settlement, "UsageSettlement"))
        }
        guard let (plans, usage) = parsed else { return }
        try await sendRegistryTransaction(
            TrustRegistry.setDeployment(version: UInt256(contractsVersion), entitlements: plans, settlement: usage),
            action: "set-deployment v\(contractsVersion)", entity: nil, options: options, account: account, output: output)
    }
}

struct RegistrySetDIDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-did", abstract: "Name an entity's DID (governance, or the entity itself while not revoked); one DID names one entity.",
        discussion: "Verifiers and wallets can then find the entity by DID (`entityByDid`, keccak256 of the DID) and show it with `registry show`.")
    @OptionGroup var entity: EntityArgument
    @Argument(help: "The DID (did:web:…, did:key:…, did:pkh:…).") var did: String
    @OptionGroup var account: AccountOptions
    @OptionGroup var options: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard let address = try await parsedAddress(entity.address, output) else { return }
        try await sendRegistryTransaction(TrustRegistry.setDid(entity: address, did: did), action: "set-did", entity: address,
                                          options: options, account: account, output: output)
    }
}
