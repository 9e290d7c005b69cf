import ES9PlusAPI
import ES9PlusHTTPClient
import EUICC
import EUICCSimulator
import Foundation
import LPA
import NIOCore
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer
import SMDPStorePostgres
import SMDPTestSupport
import Testing

/// SplitMix64: a seeded generator, so a failing run can be repeated with its printed seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The SM-DP+ crash harness (issue 14 item 9): `openrsp smdp serve` on one SQLite file or PostgreSQL schema,
/// several software eUICCs downloading at once, the server SIGKILLed at random moments and restarted on the
/// same database until every download is done. Then the invariants: each profile Installed in the SM-DP+ and
/// on exactly one eUICC exactly once, no profile left Released/Downloaded/Available, no notification pending,
/// no order lost, and the operator told of each transition exactly once (HandleDownloadProgressInfo: one
/// report id per transition, Downloaded then Installed; a report may arrive more than once, with its id). `OPENRSP_CHAOS_KILLS` sets how many kills (default 6; the benchmark job runs more),
/// `OPENRSP_CHAOS_SEED` the seed.
@Suite("SM-DP+ crash harness: random SIGKILLs under concurrent downloads, restart on the same database", .serialized)
struct ServerChaosTests {
    static let ready = SMDPServeProcess.executable != nil
    static let kills = Int(ProcessInfo.processInfo.environment["OPENRSP_CHAOS_KILLS"] ?? "") ?? 6
    static let devices = 4

    @Test("random kills until every download is done; invariants hold", .enabled(if: ready, "needs the built openrsp binary"),
          arguments: ES2StoreKind.available)
    func chaos(kind: ES2StoreKind) async throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["OPENRSP_CHAOS_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        print("ServerChaosTests seed \(seed) (\(kind.rawValue), \(Self.kills) kills)")
        var random = SeededGenerator(state: seed)
        let site = try await ES2Site(kind: kind)
        defer { site.remove() }
        let pkiDirectory = site.directory.appendingPathComponent("pki")
        let database: String
        switch kind {
        case .sqlite: database = site.sqlitePath
        case .postgres: database = try #require(es2TestPostgresURL)
        }
        let schemaArguments = kind == .postgres ? ["--postgres-schema", site.schema.rawValue] : []
        let receiver = ProgressReceiver()
        try await receiver.serve(tls: site.loaded.tls) { callbackPort in
        let tokenFile = site.directory.appendingPathComponent("mno-1.token")
        try Data(TestOperators.tokenA.utf8).write(to: tokenFile)
        let operatorArguments = ["--operator-token", "mno-1=\(tokenFile.path)",
                                 "--operator-callback", "mno-1=https://127.0.0.1:\(callbackPort)\(ProgressReceiver.path)",
                                 "--callback-trust-root", pkiDirectory.appendingPathComponent("ci.pem").path]

        // One order per device, each a generated profile; every device is a software eUICC of its own.
        var codes: [LPA.ActivationCode] = []
        var iccids: [ICCID] = []
        try await site.withStore { store in
            let orders = ES2PlusOrderService(store: store, configuration: site.loaded.configuration)
            for index in 0..<Self.devices {
                let iccid = try ICCID(digits: "8900012345678901\(String(format: "%03d", index))")
                let upp = try MinimalProfilePackageBuilder(iccid: iccid, profileType: "chaos").build()
                _ = try await ProfileInventory(store: store).importPackage(upp)
                let ordered = try await orders.downloadOrder(iccid: iccid, requesterId: "mno-1")
                codes.append(try LPA.ActivationCode(smdpAddress: ES2Site.address, matchingId: try await orders.confirmOrder(
                    iccid: ordered, releaseFlag: true, requesterId: "mno-1").matchingId))
                iccids.append(iccid)
            }
        }
        let (activationCodes, profiles) = (codes, iccids)
        let identity = try EUICCIdentity.load(pkiDirectory: pkiDirectory)
        let stateDirectories = (0..<Self.devices).map { site.directory.appendingPathComponent("euicc-\($0)") }
        let deviceInfo = try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities())

        let ciDER = site.loaded.ciCertificateDER
        /// One device's attempt: download (if its profile is not on it yet), then deliver pending notifications.
        let attempt: @Sendable (Int, Int) async -> Void = { index, port in
            do {
                let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: stateDirectories[index]))
                let es10 = try ES10Client(transport: InProcessTransport(card: card))
                try await es10.open()
                let client = try ES9PlusHTTPClient(smdpAddress: "127.0.0.1:\(port)", configuration: ES9PlusHTTPClientConfiguration(
                    trustRootsDER: [ciDER], timeout: .seconds(3)))
                defer { Task { try? await client.shutdown() } }
                guard case let .ok(installed) = try await es10.getProfilesInfo() else { return }
                if !installed.contains(where: { $0.iccid == profiles[index] }) {
                    _ = try? await ProfileDownloader(es10: es10, connect: { _ in client }, deviceInfo: deviceInfo).download(activationCodes[index])
                }
                _ = try? await NotificationProcessor(es10: es10, connect: { _ in client }).process()
            } catch {
                // A dead server mid-call: the next round retries.
            }
        }

        func settled() async throws -> Bool {
            try await site.withStore { store in
                for iccid in profiles where try await store.profile(iccid: iccid)?.state != .installed { return false }
                return true
            }
        }

        var killsDone = 0
        var rounds = 0
        while rounds < Self.kills + 20 {
            rounds += 1
            let server = try await SMDPServeProcess.start(pki: pkiDirectory, database: database, address: ES2Site.address,
                                                          home: site.directory,
                                                          extra: schemaArguments + operatorArguments + ["--rate-limit", "0"])
            let killing = killsDone < Self.kills
            let delay = Int.random(in: 20...600, using: &random)
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<Self.devices { group.addTask { await attempt(index, server.port) } }
                if killing {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(delay))
                        server.kill9()
                    }
                }
            }
            if killing { killsDone += 1 }
            if !killing, try await settled() {
                // Let the progress sender deliver what is queued, then stop gracefully.
                let deadline = ContinuousClock.now + .seconds(30)
                while await receiver.reports.count < 2 * Self.devices, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(200))
                }
                server.stop()
                break
            }
            server.kill9()
        }
        #expect(killsDone == Self.kills)

        // Invariants.
        try await site.withStore { store in
            for iccid in iccids {
                #expect(try await store.profile(iccid: iccid)?.state == .installed, "\(iccid.digits) (seed \(seed))")
                #expect(try await store.order(iccid: iccid) != nil, "order of \(iccid.digits) lost (seed \(seed))")
            }
            let counts = try await store.profileCounts()
            #expect(counts[.installed] == Self.devices)
            #expect(counts.filter { $0.key != .installed }.values.reduce(0, +) == 0, "\(counts) (seed \(seed))")
        }
        for (index, directory) in stateDirectories.enumerated() {
            let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: directory))
            let installed = await card.state.profiles.map(\.iccid)
            #expect(installed == [iccids[index].digits], "device \(index) holds \(installed) (seed \(seed))")
            #expect(await card.state.notifications.isEmpty, "device \(index) has pending notifications (seed \(seed))")
        }
        let reports = await receiver.reports
        for iccid in profiles {
            let mine = reports.filter { $0.iccid == iccid.digits }
            let ids = Dictionary(grouping: mine, by: \.header.functionCallIdentifier)
            let transitions = ids.values.compactMap(\.first).sorted { $0.notificationPointId < $1.notificationPointId }
            #expect(transitions.map(\.profileState) == ["Downloaded", "Installed"], "\(iccid.digits): \(transitions) (seed \(seed))")
        }
        try await site.dropDatabase()
        }
    }
}
