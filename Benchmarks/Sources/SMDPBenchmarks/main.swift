// SM-DP+ download sessions per second (all four ES9+ calls + BPP build, the LPA ProfileDownloader and
// the software eUICC on the other side, install included), in process and over HTTPS on 127.0.0.1,
// printed next to the bound measured in the same run: the P-256 ECDSA signs/verifies and ECDH that one
// session needs (swift-crypto, the same library both sides use).
import BenchmarkTiming
import Crypto
import ES9PlusAPI
import ES9PlusHTTPClient
import EUICC
import EUICCSimulator
import Foundation
import LPA
import Logging
import NIOCore
import NIOPosix
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStoreSQLite

// As `openrsp smdp serve` does by default: Swift concurrency on the SwiftNIO event loops
// (SMDP_BENCH_EXECUTOR=pool keeps Swift's default thread pool). Before any task runs.
let executor = ProcessInfo.processInfo.environment["SMDP_BENCH_EXECUTOR"] ?? "event-loop"
if executor == "event-loop" {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
        fatalError("could not install the event loops as the concurrency executor")
    }
}

let clock = ContinuousClock()

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

/// Runs `body` repeatedly for at least `budget` after one warm-up call; operations per second.
func measure(budget: Duration = .milliseconds(800), _ body: () throws -> Void) rethrows -> Double {
    let timed = try timeRepeatedly(for: budget, body)
    return Double(timed.calls) / timed.seconds
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

// MARK: - Set-up: PKI on disk (as `openrsp pki init` writes it), SQLite database, TS.48 profiles

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let testData = ProcessInfo.processInfo.environment["OPENRSP_TESTDATA"].map { URL(fileURLWithPath: $0) }
    ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata")
let ts48 = testData.appendingPathComponent("ts48/TS48v2_SAIP2.3_NoBERTLV.der")
guard let templateData = FileManager.default.contents(atPath: ts48.path) else {
    print("TS.48 test data not found at \(ts48.path) (<packageRoot>/../shared/testdata/ts48 or $OPENRSP_TESTDATA/ts48); nothing measured")
    exit(1)
}
let template = try ProfileElementSequence(der: Array(templateData))

/// The TS.48 UPP with the ProfileHeader's ICCID replaced (each session needs its own profile).
func profile(number: Int) throws -> [UInt8] {
    var header = template.header
    let digits = String(format: "8900100000%09d", number)
    header.iccid = try ICCID(digits: digits + String(luhnCheckDigit(digits)))
    return try header.derEncoded() + template.elements.dropFirst().flatMap(\.rawDER)
}

func luhnCheckDigit(_ digits: String) -> Int {
    var sum = 0
    for (index, character) in digits.reversed().enumerated() {
        var d = character.wholeNumberValue ?? 0
        if index % 2 == 0 { d *= 2; if d > 9 { d -= 9 } }
        sum += d
    }
    return (10 - sum % 10) % 10
}

let work = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: work) }
let address = "127.0.0.1"
let pkiDirectory = work.appendingPathComponent("pki")
let generated = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "smdp.openrsp.test"))
try PKIWriter.write(generated, to: pkiDirectory, overwrite: false)
let site = try await SMDPServerPKI.load(directory: pkiDirectory, address: address)
let store = try SQLiteSMDPStore(path: work.appendingPathComponent("smdp.sqlite").path)
let service = ES9PlusService(store: store, configuration: site.configuration)
let orders = ES2PlusOrderService(store: store, configuration: site.configuration)
let inventory = ProfileInventory(store: store)
let identity = try EUICCIdentity.load(pkiDirectory: pkiDirectory)
/// Where the software eUICCs keep their state (written and fsynced twice per download: install and
/// notificationSent). Default: next to the SM-DP+ database on disk; SMDP_BENCH_EUICC_DIR=/dev/shm puts it in
/// memory (a real eUICC writes its own flash, not the host's disk).
let euiccStateBase = ProcessInfo.processInfo.environment["SMDP_BENCH_EUICC_DIR"].map {
    URL(fileURLWithPath: $0).appendingPathComponent("smdp-bench-euicc-\(UUID().uuidString)")
} ?? work
defer { try? FileManager.default.removeItem(at: euiccStateBase) }
let deviceInfo = try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities())
var nextProfile = 0

/// Imports and releases `count` new profiles (not timed); returns their activation codes.
@MainActor func releasedOrders(_ count: Int) async throws -> [LPA.ActivationCode] {
    var codes: [LPA.ActivationCode] = []
    for _ in 0..<count {
        nextProfile += 1
        let record = try await inventory.importPackage(try profile(number: nextProfile))
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let confirmed = try await orders.confirmOrder(iccid: iccid, releaseFlag: true)
        codes.append(try LPA.ActivationCode(smdpAddress: address, matchingId: confirmed.matchingId))
    }
    return codes
}

/// The SM-DP+'s ES9PlusService called directly (no JSON, no HTTP).
struct DirectClient: ES9PlusClient {
    let service: ES9PlusService
    func initiateAuthentication(_ r: InitiateAuthenticationRequest) async throws(ES9PlusClientError) -> InitiateAuthenticationResponse { await service.initiateAuthentication(r) }
    func authenticateClient(_ r: AuthenticateClientRequest) async throws(ES9PlusClientError) -> AuthenticateClientResponse { await service.authenticateClient(r) }
    func getBoundProfilePackage(_ r: GetBoundProfilePackageRequest) async throws(ES9PlusClientError) -> GetBoundProfilePackageResponse { await service.getBoundProfilePackage(r) }
    func handleNotification(_ r: HandleNotificationRequest) async throws(ES9PlusClientError) { _ = await service.handleNotification(r) }
    func cancelSession(_ r: ES9CancelSessionRequest) async throws(ES9PlusClientError) -> ES9CancelSessionResponse { await service.cancelSession(r) }
}

/// Runs `count` complete downloads (initiateAuthentication, authenticateClient, getBoundProfilePackage,
/// install on the software eUICC, handleNotification). Only the downloads are timed; a fresh eUICC
/// (new state directory) is made every 8 profiles, outside the timing. Returns sessions per second.
@MainActor func sessionsPerSecond(_ count: Int, client: any ES9PlusClient) async throws -> Double {
    let codes = try await releasedOrders(count)
    var timed = Duration.zero
    var es10: ES10Client?
    for (index, code) in codes.enumerated() {
        if index % 8 == 0 {
            var configuration = SoftEUICCConfiguration()
            configuration.maxProfiles = 8
            let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: euiccStateBase.appendingPathComponent("euicc-\(nextProfile)-\(index)")),
                                     configuration: configuration)
            es10 = try ES10Client(transport: InProcessTransport(card: card))
            try await es10?.open()
        }
        guard let es10 else { throw BenchmarkError(description: "no eUICC") }
        let downloader = ProfileDownloader(es10: es10, connect: { _ in client }, deviceInfo: deviceInfo)
        let start = clock.now
        let result = try await downloader.download(code)
        timed += clock.now - start
        guard result.notificationDelivered else { throw BenchmarkError(description: "install notification not delivered") }
    }
    let installed = try await store.profileCounts()[.installed] ?? 0
    guard installed == nextProfile else { throw BenchmarkError(description: "\(installed) of \(nextProfile) profiles Installed") }
    return Double(count) / seconds(timed)
}

// MARK: - The bound: the public-key operations of one session

// Per session, both sides (SGP.22 §3.1.2/§3.1.3, as ES9PlusService and SoftEUICC do them):
//   ECDSA sign   6: serverSignature1, smdpSignature2, smdpSign (SM-DP+); euiccSignature1, euiccSignature2,
//                   euiccSignPIR (eUICC)
//   ECDSA verify 10: CERT.EUM, CERT.EUICC, euiccSignature1, euiccSignature2, euiccSignPIR (SM-DP+);
//                   CERT.DPauth, serverSignature1, CERT.DPpb, smdpSignature2, smdpSign (eUICC)
//   ECDH         2 key pairs + 2 shared secrets (otPK.DP.ECKA, otPK.EUICC.ECKA)
let signsPerSession = 6.0
let verifiesPerSession = 10.0
let ecdhPerSession = 2.0

let signingKey = P256.Signing.PrivateKey()
let message = [UInt8](repeating: 0x5A, count: 200)
let signature = try signingKey.signature(for: message)
var sink = 0
let signsPerSecond = try measure { sink &+= try signingKey.signature(for: message).rawRepresentation.count }
let verifiesPerSecond = measure { if signingKey.publicKey.isValidSignature(signature, for: message) { sink &+= 1 } }
let peer = P256.KeyAgreement.PrivateKey().publicKey
let ecdhPerSecond = try measure {
    let ephemeral = P256.KeyAgreement.PrivateKey()
    sink &+= try ephemeral.sharedSecretFromKeyAgreement(with: peer).withUnsafeBytes { $0.count }
}
let cryptoSecondsPerSession = signsPerSession / signsPerSecond + verifiesPerSession / verifiesPerSecond + ecdhPerSession / ecdhPerSecond
let boundSessionsPerSecond = 1 / cryptoSecondsPerSession

// MARK: - Sessions

let warmup = try await sessionsPerSecond(2, client: DirectClient(service: service))
_ = warmup
let sessionCount = Int(ProcessInfo.processInfo.environment["SMDP_BENCH_SESSIONS"] ?? "") ?? 48
let inProcess = try await sessionsPerSecond(sessionCount, client: DirectClient(service: service))

var logger = Logger(label: "bench.smdp")
logger.logLevel = .warning
// No per-address rate limit: one benchmark client makes all the calls (smdp serve --rate-limit 0).
let settings = try SMDPServerSettings(host: "127.0.0.1", port: 0, transport: .tls(site.tls), rateLimit: nil)
let (ports, portContinuation) = AsyncStream<Int>.makeStream()
let app = try buildApplication(service: service, settings: settings, logger: logger) { channel in
    portContinuation.yield(channel.localAddress?.port ?? 0)
    portContinuation.finish()
}
var connectionsOpened = 0
let overHTTPS = try await withThrowingTaskGroup(of: Double?.self) { group in
    group.addTask { try await app.run(); return nil }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next(), port > 0 else { throw BenchmarkError(description: "server did not start") }
    // The LPA's client: one kept-alive TLS connection, the server certificate pinned at its handshake
    // (here to the DP-TLS key of the PKI; the LPA pins it to the TrustRegistry the same way).
    let pinnedSPKI = try CertificateDigests.spkiSHA256(PKIDecoder.certificate(site.tls.certificateChainDER[0]))
    let client = try ES9PlusHTTPClient(smdpAddress: "127.0.0.1:\(port)", configuration: ES9PlusHTTPClientConfiguration(
        trustRootsDER: [site.ciCertificateDER],
        serverCertificateCheck: { leaf in
            guard try CertificateDigests.spkiSHA256(PKIDecoder.certificate(leaf)) == pinnedSPKI else {
                throw BenchmarkError(description: "server TLS key is not the pinned one")
            }
        }))
    _ = try await sessionsPerSecond(2, client: client)
    let rate = try await sessionsPerSecond(sessionCount, client: client)
    connectionsOpened = await client.connectionsOpened
    try await client.shutdown()
    group.cancelAll()
    return rate
}

print("P-256 (swift-crypto): sign \(fmt(signsPerSecond, 0))/s, verify \(fmt(verifiesPerSecond, 0))/s, ECDH (key pair + shared secret) \(fmt(ecdhPerSecond, 0))/s")
print("bound: \(Int(signsPerSession)) signs + \(Int(verifiesPerSession)) verifies + \(Int(ecdhPerSession)) ECDH per session = \(fmt(cryptoSecondsPerSession * 1000, 2)) ms -> \(fmt(boundSessionsPerSecond)) sessions/s")
print("download sessions, in process:   \(fmt(inProcess)) sessions/s   ratio to bound \(fmt(inProcess / boundSessionsPerSecond, 2))   (\(sessionCount) sessions)")
print("download sessions, over HTTPS:   \(fmt(overHTTPS ?? 0)) sessions/s   ratio to bound \(fmt((overHTTPS ?? 0) / boundSessionsPerSecond, 2))   (\(sessionCount) sessions, one client, kept-alive pinned TLS: \(connectionsOpened) connection(s))")
print("eUICC state: \(euiccStateBase.path); concurrency executor: \(executor)")
if sink == 42 { print("") }
