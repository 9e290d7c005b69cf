import ArgumentParser
import LPAChainTrust
import SMDPChainTrust
import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Settlement
import Foundation
import LPA
import Logging
import RSPCrypto
import SMDPCore

extension SMDPTrustMode: ExpressibleByArgument {}

/// The `--rpc-url` default: the embedded devnet (docs/ARCHITECTURE.md §3).
let defaultRPCURL = "http://127.0.0.1:8545"

/// Reads a contract address from `--flag` or, when absent, from `$OPENRSP_HOME/contracts.json`
/// (written by contracts/deploy.py).
func contractAddress(_ explicit: String?, flag: String, pick: (DeployedContracts) -> Address?, name: String) throws -> Address {
    if let explicit {
        do { return try Address(hex: explicit) } catch {
            throw DeviceCommandError.invalidArgument("\(flag) \(explicit): \(error)")
        }
    }
    let home = DataDirectory.resolve().url
    let deployed: DeployedContracts
    do { deployed = try DeployedContracts.load(dataDirectory: home) } catch {
        throw DeviceCommandError.invalidArgument("no \(flag) given and \(error)")
    }
    // This release speaks contracts version 2; entitlements of version 1 are served by a version-1
    // SM-DP+ until they end (docs/TRUST-MODEL.md "Versions and migration").
    guard deployed.version == PlanEntitlements.bindingVersion.w0 else {
        throw DeviceCommandError.invalidArgument("\(home.path)/\(DeployedContracts.fileName) describes contracts version \(deployed.version); "
            + "this openrsp speaks version \(PlanEntitlements.bindingVersion)")
    }
    guard let address = pick(deployed) else {
        throw DeviceCommandError.invalidArgument("no \(flag) given and \(home.path)/\(DeployedContracts.fileName) has no \(name)")
    }
    return address
}

/// Refuses a node on another chain than expected: `--chain-id`, else the chainId of
/// `$OPENRSP_HOME/contracts.json` when the contract address comes from that file. A node that does not
/// answer is left to the caller's own chain checks (they refuse or retry with their own codes).
func refuseOtherChain(rpcURL: String, chainId: UInt64?, addressFromDeployment: Bool, timeout: Duration) async throws {
    var expected = chainId
    var source = "--chain-id"
    if expected == nil, addressFromDeployment,
       let deployed = try? DeployedContracts.load(dataDirectory: DataDirectory.resolve().url), let fileChain = deployed.chainId {
        expected = fileChain
        source = "\(DeployedContracts.fileName)"
    }
    guard let expected else { return }
    guard let client = try? RPCClient(url: rpcURL, retry: .none, requestTimeout: timeout) else { return }
    let reported = try? await client.chainId()
    // Closing the one-off client after the check; a failure here changes no result.
    try? await client.shutdown()
    guard let reported else { return }
    if reported != expected {
        throw ChainCommandError(.chainIdMismatch, "\(rpcURL) is chain \(reported), \(source) says \(expected): refusing")
    }
}

/// `openrsp profile download --trust chain|ci|both --rpc-url URL --registry ADDRESS`.
struct LPATrustOptions: ParsableArguments {
    @Option(name: .customLong("trust"), help: ArgumentHelp(
        "How the LPA decides to trust the SM-DP+ before the eUICC sees it: chain, ci or both.",
        discussion: """
            chain: sha256(SubjectPublicKeyInfo) of CERT.DPauth must be an active SM-DP+ in the on-chain \
            TrustRegistry (isTrusted(SMDP, hash)); revoked, suspended or unknown keys are refused. \
            ci: the LPA validates CERT.DPauth by SGP.22 rules to the CI certificate in $OPENRSP_HOME/pki; no chain query. \
            both: both checks must pass. In every mode the eUICC still verifies the chain to its CI. \
            The server's TLS certificate always has to chain to the CI or a --tls-ca root (HTTPS trust); \
            with chain and both, sha256(SubjectPublicKeyInfo) of that certificate (CERT.DPtls) must also be \
            an active SM-DP+ key in the TrustRegistry (TrustRegistry.addCertificate), checked on every \
            connection before any request is sent.
            """))
    var trust: SMDPTrustMode = .both

    @Option(name: .customLong("rpc-url"), help: "Ethereum JSON-RPC URL of the chain holding the TrustRegistry.")
    var rpcURL: String = defaultRPCURL

    @Option(name: .customLong("registry"), help: "TrustRegistry address (default: $OPENRSP_HOME/contracts.json from contracts/deploy.py).")
    var registry: String?

    @Option(name: .customLong("chain-id"), help: ArgumentHelp(
        "Expected chain id of --rpc-url; refused if the node's eth_chainId differs (default: chainId of contracts.json when the registry address comes from it).",
        valueName: "id"))
    var chainId: UInt64?

    @Option(name: .customLong("chain-timeout"), help: "Seconds to wait for the TrustRegistry before refusing.")
    var chainTimeout: Int = 5

    /// The policy and, for chain/both, the oracle (whose RPC client the caller shuts down).
    func policy(tlsCAFiles: [String]) async throws -> (SMDPTrustPolicy, RegistrySMDPTrustOracle?) {
        guard chainTimeout > 0 else { throw DeviceCommandError.invalidArgument("--chain-timeout must be positive") }
        var oracle: RegistrySMDPTrustOracle?
        if trust.checksRegistry {
            try await refuseOtherChain(rpcURL: rpcURL, chainId: chainId, addressFromDeployment: registry == nil,
                                       timeout: .seconds(chainTimeout))
            let address: Address
            do {
                address = try contractAddress(registry, flag: "--registry", pick: { $0.trustRegistry }, name: "TrustRegistry")
            } catch let error as DeviceCommandError {
                throw DeviceCommandError.invalidArgument(
                    "--trust \(trust) (the default is both) checks CERT.DPauth against the on-chain TrustRegistry, so it needs " +
                        "the registry's address and a chain: \(error.description). Give --registry ADDRESS and --rpc-url URL " +
                        "(default \(defaultRPCURL)), or deploy the contracts (contracts/deploy.py or `openrsp demo` write " +
                        "$OPENRSP_HOME/\(DeployedContracts.fileName)); or run with --trust ci to trust the SM-DP+ by the CI " +
                        "certificate alone (the eUICC still verifies it)")
            }
            do { oracle = try RegistrySMDPTrustOracle(rpcURL: rpcURL, registry: address, timeout: .seconds(chainTimeout)) } catch {
                throw DeviceCommandError.invalidArgument("--rpc-url: \(error)")
            }
        }
        do {
            var ciStore: CITrustStore?
            if trust.checksCIChain {
                ciStore = try Self.ciTrustStore(extraFiles: tlsCAFiles)
            }
            do {
                return (try SMDPTrustPolicy(mode: trust, oracle: oracle, ciTrustStore: ciStore), oracle)
            } catch {
                throw DeviceCommandError.invalidArgument("\(error)")
            }
        } catch {
            // The registry client is closed on every failure (AsyncHTTPClient traps on an unclosed client).
            try? await oracle?.shutdown()
            throw error
        }
    }

    /// The CI certificates in `$OPENRSP_HOME/pki` (`ci.pem` or `ci.der`, a bundle allowed, and `ci-extra/`)
    /// plus every certificate of the `--tls-ca` files that is an SGP.22 CI certificate (other TLS roots
    /// are not CIs and are left to the HTTPS client).
    static func ciTrustStore(extraFiles: [String]) throws -> CITrustStore {
        let pki = DataDirectory.resolve().url.appendingPathComponent("pki", isDirectory: true)
        let names = [PKIDirectoryLayout.pemName(.ci), PKIDirectoryLayout.derName(.ci)]
        var store = CITrustStore()
        var files = PKIDirectoryLayout.extraCIFiles(in: pki)
        if let file = names.map({ pki.appendingPathComponent($0) }).first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            files.insert(file, at: 0)
        }
        for file in files {
            do {
                for certificate in try PKIDecoder.certificates(Array(try Data(contentsOf: file))) { try store.add(certificate) }
            } catch {
                throw DeviceCommandError.noPKI("CI certificate \(file.path): \(error)")
            }
        }
        for path in extraFiles {
            do {
                for certificate in try PKIDecoder.certificates(Array(try Data(contentsOf: URL(fileURLWithPath: path)))) {
                    // A root that is not an SGP.22 CI is a plain TLS root: the HTTPS client uses it, this store does not.
                    do { try store.add(certificate) } catch { continue }
                }
            } catch {
                throw DeviceCommandError.invalidArgument("--tls-ca \(path): \(error)")
            }
        }
        guard !store.pkIds.isEmpty else {
            throw DeviceCommandError.noPKI("--trust ci/both needs a CI certificate in \(pki.path) or as --tls-ca")
        }
        return store
    }
}

/// `openrsp smdp serve --rpc-url URL --entitlements ADDRESS`: the entitlement gate.
struct SMDPEntitlementGateOptions: ParsableArguments {
    @Option(name: .customLong("rpc-url"), help: "Ethereum JSON-RPC URL; enables the entitlement gate.")
    var rpcURL: String?

    @Option(name: .customLong("entitlements"),
            help: "PlanEntitlements address; enables the entitlement gate (default with --rpc-url: $OPENRSP_HOME/contracts.json).")
    var entitlements: String?

    @Option(name: .customLong("chain-timeout"), help: "Seconds an entitlement check may take before the download is refused as retryable (8.8/3.7).")
    var chainTimeout: Int = 5

    @Option(name: .customLong("chain-id"), help: ArgumentHelp(
        "Expected chain id of --rpc-url, checked at start; refused if the node's eth_chainId differs (default: chainId of contracts.json when the PlanEntitlements address comes from it).",
        valueName: "id"))
    var chainId: UInt64?

    @Option(name: .customLong("delivery-key"), help: ArgumentHelp(
        "Key file of this SM-DP+'s TrustRegistry entity (hex or V3 keystore): records deliveries on chain.",
        discussion: """
            With the gate on, each installed profile of an entitlement order is recorded with \
            PlanEntitlements.markDelivered(id, sha256(ProfileInstallationResult)) signed by this key, \
            which must be the SM-DP+ entity the plan names. Without it nothing is recorded, and buyers \
            are refunded in full after the plan's activation deadline.
            """))
    var deliveryKey: String?

    @Option(name: .customLong("delivery-key-password-env"), help: "Environment variable holding the --delivery-key keystore password.")
    var deliveryKeyPasswordEnv: String = "OPENRSP_KEY_PASSWORD"

    /// The gate, or nil when neither --rpc-url nor --entitlements is given.
    func gate(logger: Logger) async throws -> ChainEntitlementGate? {
        guard rpcURL != nil || entitlements != nil else { return nil }
        guard chainTimeout > 0 else { throw SMDPCommandError.invalidArgument("--chain-timeout must be positive") }
        try await refuseOtherChain(rpcURL: rpcURL ?? defaultRPCURL, chainId: chainId, addressFromDeployment: entitlements == nil,
                                   timeout: .seconds(chainTimeout))
        let address: Address
        do {
            address = try contractAddress(entitlements, flag: "--entitlements", pick: { $0.planEntitlements }, name: "PlanEntitlements")
        } catch let error as DeviceCommandError {
            throw SMDPCommandError.invalidArgument(error.description)
        }
        do {
            return try ChainEntitlementGate(rpcURL: rpcURL ?? defaultRPCURL, entitlements: address, timeout: .seconds(chainTimeout),
                                            logger: logger)
        } catch {
            throw SMDPCommandError.invalidArgument("--rpc-url: \(error)")
        }
    }

    /// The delivery recorder on the gate's PlanEntitlements (nil without --delivery-key) and the RPC
    /// client it owns (shut it down when done).
    func deliveryRecorder(gate: ChainEntitlementGate?, logger: Logger) async throws -> (ChainDeliveryRecorder, RPCClient)? {
        guard let deliveryKey else { return nil }
        guard let gate else { throw SMDPCommandError.invalidArgument("--delivery-key needs the entitlement gate (--rpc-url or --entitlements)") }
        let signer: PrivateKey
        do { signer = try loadSigningKey(path: deliveryKey, passwordEnv: deliveryKeyPasswordEnv) } catch {
            throw SMDPCommandError.invalidArgument("--delivery-key: \(error)")
        }
        let client: RPCClient
        do { client = try RPCClient(url: rpcURL ?? defaultRPCURL) } catch { throw SMDPCommandError.invalidArgument("--rpc-url: \(error)") }
        do {
            let chain = try await Chain.connect(client)
            let plans = chain.contract(PlanEntitlements.self, at: gate.entitlements.address)
            return (ChainDeliveryRecorder(entitlements: plans, signer: signer, logger: logger), client)
        } catch {
            try? await client.shutdown()
            throw SMDPCommandError.invalidArgument("--rpc-url: cannot reach the chain: \(error)")
        }
    }
}
