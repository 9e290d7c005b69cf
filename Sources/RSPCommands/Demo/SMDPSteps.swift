import SMDPChainTrust
import EthereumCore
import Foundation
import Logging
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStoreSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Runs the SM-DP+ in this process: Hummingbird over TLS with CERT.DP.TLS on 127.0.0.1, database
/// demo/smdp.sqlite, SM-DP+ address `127.0.0.1:<port>` (the DP-TLS certificate carries iPAddress 127.0.0.1).
struct StartSMDPStep: DemoStep {
    let name = "smdp-start"
    let title = "start the SM-DP+ (HTTPS, 127.0.0.1)"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let port = env.config.smdpPort == 0 ? try Self.freeLoopbackPort() : env.config.smdpPort
        let address = "127.0.0.1:\(port)"
        let pki = try await SMDPServerPKI.load(directory: env.config.pkiDirectory, address: address)
        let store = try SQLiteSMDPStore(path: env.config.demoDirectory.appendingPathComponent("smdp.sqlite").path)
        // The gate: a profile leaves the pool only for a live entitlement whose commitment opens to
        // the EID of the eUICC that authenticated (PlanEntitlements.isLive over JSON-RPC).
        let contracts = try state.require(state.contracts, "the contracts")
        let gate = ChainEntitlementGate(entitlements: contracts.plans, timeout: .seconds(10))
        // Delivery: when the profile of a granted entitlement order is installed (HandleNotification),
        // the SM-DP+ records it on chain with its registry entity's key (PlanEntitlements.markDelivered).
        let recorder = ChainDeliveryRecorder(entitlements: contracts.plans, signer: try state.require(state.accounts, "the accounts").smdp)
        state.deliveryRecorder = recorder
        let settings = try SMDPServerSettings(host: "127.0.0.1", port: port, transport: .tls(pki.tls))
        var logger = Logger(label: "openrsp.demo.smdp") { StreamLogHandler.standardError(label: $0) }
        // Stopping the server by task cancellation makes HummingbirdCore log a CancellationError at
        // error level; failures the demo cares about surface through the LPA's typed errors instead.
        logger.logLevel = .critical
        let (listening, continuation) = AsyncStream<Int>.makeStream()
        // The same composition root as `openrsp smdp serve`: HTTP, session purger, progress sender.
        let process = try SMDPProcess(SMDPProcessConfiguration(store: store, configuration: pki.configuration, settings: settings,
                                                               entitlementGate: gate, deliveryRecorder: recorder),
                                      logger: logger) { continuation.yield($0) }
        let task = Task {
            defer { continuation.finish() }
            try await process.run(gracefulSignals: false)
        }
        env.resources.adopt(server: task)
        var iterator = listening.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            let outcome = await task.result
            if case .failure(let error) = outcome { throw DemoError.invalid("the SM-DP+ did not start: \(error)") }
            throw DemoError.invalid("the SM-DP+ stopped before listening")
        }
        state.smdp = DemoSMDP(address: address, port: bound, pki: pki, store: store, services: process.serviceNames)
        env.progress("SM-DP+ listening on https://\(address) (database \(env.config.demoDirectory.path)/smdp.sqlite)")
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (the SM-DP+ address, which carries the port,
    /// must be known before the server configuration is built).
    static func freeLoopbackPort() throws -> Int {
        // Below Linux's ephemeral range (32768–60999), so that no outgoing connection of this host takes
        // the port between this check and the server binding it; the kernel's choice only as a fallback.
        for _ in 0..<64 {
            let candidate = Int.random(in: 20000...32767)
            if (try? bindLoopback(port: candidate)) != nil { return candidate }
        }
        return try bindLoopback(port: 0)
    }

    /// Binds 127.0.0.1:`port` once and releases it; returns the bound port.
    private static func bindLoopback(port: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DemoError.invalid("socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw DemoError.invalid("bind(127.0.0.1:\(port)): \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw DemoError.invalid("getsockname(): \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Imports the profile package into the SM-DP+ inventory (Available): a TS.48 test profile or
/// `--upp`, else a generated minimal SAIP package (also written to demo/profile.der).
struct ImportProfileStep: DemoStep {
    let name = "profile-import"
    let title = "import a profile package into the SM-DP+"
    /// 19 digits; the 20th is the Luhn check digit.
    static let generatedICCIDPrefix = "8999001000000000001"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let smdp = try state.require(state.smdp, "the SM-DP+")
        let upp: [UInt8]
        switch env.config.profile {
        case .file(let url):
            guard let data = FileManager.default.contents(atPath: url.path) else { throw DemoError.missing("cannot read \(url.path)") }
            guard data.count <= SMDPProfileImportCommand.maxFileBytes else { throw DemoError.invalid("\(url.path) is larger than 4 MiB") }
            upp = Array(data)
            state.profileSource = url.path
        case .generated:
            let iccid = try ICCID(digits: Self.generatedICCIDPrefix + String(Self.luhnCheckDigit(Self.generatedICCIDPrefix)))
            upp = try MinimalProfilePackageBuilder(iccid: iccid, profileType: "OpenRSP demo profile").build()
            let file = env.config.demoDirectory.appendingPathComponent("profile.der")
            try SecureFileWriter.write(upp, to: file, mode: 0o644)
            state.profileSource = "generated minimal SAIP package (\(file.path))"
        }
        let record = try await ProfileInventory(store: smdp.store).importPackage(upp, serviceProviderName: "OpenRSP Demo MVNO")
        state.iccid = record.iccid
        env.progress("ICCID \(record.iccid.digits) \(record.state.rawValue) from \(state.profileSource)")
    }

    /// ISO/IEC 7812 (Luhn) check digit of `digits`.
    static func luhnCheckDigit(_ digits: String) -> Int {
        var sum = 0
        for (index, character) in digits.reversed().enumerated() {
            var d = Int(character.asciiValue ?? 48) - 48
            if index % 2 == 0 { d *= 2; if d > 9 { d -= 9 } }
            sum += d
        }
        return (10 - sum % 10) % 10
    }
}

/// The entitlement-gated order: the user hands the SM-DP+ the entitlement id and the commitment's
/// salt (never the chain). The order reserves nothing; at ES9+ AuthenticateClient the SM-DP+ checks
/// `PlanEntitlements.isLive(id, keccak256(EID ‖ salt))` for the EID of the eUICC that authenticated and
/// only then takes an Available profile of the order's profile type.
struct CreateOrderStep: DemoStep {
    let name = "order"
    let title = "create the entitlement-gated download order"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let smdp = try state.require(state.smdp, "the SM-DP+")
        let iccid = try state.require(state.iccid, "the ICCID")
        let entitlementId = try state.require(state.entitlementId, "the entitlement")
        let salt = try state.require(state.salt, "the commitment's salt")
        guard let profile = try await smdp.store.profile(iccid: iccid), let profileType = profile.profileType, !profileType.isEmpty else {
            throw DemoError.invalid("the imported profile \(iccid.digits) has no profile type to order by")
        }
        let orders = ES2PlusOrderService(store: smdp.store, configuration: smdp.pki.configuration)
        let receipt = try await orders.entitlementOrder(profileType: profileType,
                                                        entitlement: try EntitlementID(bytes: entitlementId.bigEndianBytes),
                                                        salt: try EntitlementSalt(bytes: salt.bytes))
        state.activationCode = receipt.activationCode
        state.matchingId = receipt.matchingId
        env.progress("order for entitlement #\(entitlementId) (profile type \"\(profileType)\"): activation code \(receipt.activationCode)")
    }
}
