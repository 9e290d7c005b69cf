import ES9PlusHTTPClient
import EUICC
import EUICCSimulator
import Foundation
import LPA
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPStorePostgres
import SMDPTestSupport
import Testing

/// Runs the `openrsp` binary like an operator would and returns its stdout (a JSON envelope with `--json`).
func runOpenRSP(_ arguments: [String], home: URL) throws -> (status: Int32, stdout: String) {
    let process = Process()
    process.executableURL = try #require(SMDPServeProcess.executable)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENRSP_HOME"] = home.path
    process.environment = environment
    let stdout = Pipe()
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Issue 21 item 3: every `smdp` command an operator needs works on both stores through one store protocol.
@Suite("Operator commands on each store: import, order, serve, download, list", .serialized)
struct OperatorCommandsOnStoresTests {
    static let ready = SMDPServeProcess.executable != nil

    @Test("import → order create → serve (two processes on PostgreSQL) → one download each → profile list",
          .enabled(if: ready, "needs the built openrsp binary"), arguments: ES2StoreKind.available)
    func walk(kind: ES2StoreKind) async throws {
        let site = try await ES2Site(kind: kind)
        defer { site.remove() }
        let pki = site.directory.appendingPathComponent("pki")
        let database = kind == .postgres ? try #require(es2TestPostgresURL) : site.sqlitePath
        let storeArguments = ["--database", database] + (kind == .postgres ? ["--postgres-schema", site.schema.rawValue] : [])
        var files: [String] = []
        for index in 0..<2 {
            let upp = try MinimalProfilePackageBuilder(iccid: try ICCID(digits: "8900012345678902\(String(format: "%03d", index))"),
                                                       profileType: "walk").build()
            let file = site.directory.appendingPathComponent("upp-\(index).der")
            try Data(upp).write(to: file)
            files.append(file.path)
        }
        let imported = try runOpenRSP(["smdp", "profile", "import"] + files + storeArguments + ["--json"], home: site.directory)
        #expect(imported.status == 0, "\(imported.stdout)")
        var codes: [LPA.ActivationCode] = []
        for _ in 0..<2 {
            let ordered = try runOpenRSP(["smdp", "order", "create", "--profile-type", "walk", "--pki", pki.path, "--address", ES2Site.address,
                                          "--json"] + storeArguments, home: site.directory)
            #expect(ordered.status == 0, "\(ordered.stdout)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(ordered.stdout.utf8)) as? [String: Any])
            let data = try #require((object["payload"] as? [String: Any])?["data"] as? [String: Any])
            codes.append(try LPA.ActivationCode(parsing: try #require(data["activationCode"] as? String)))
        }
        // Two SM-DP+ processes on one database (PostgreSQL: several writers; SQLite: one file, busy timeout).
        let first = try await SMDPServeProcess.start(pki: pki, database: database, address: ES2Site.address, home: site.directory,
                                                     extra: Array(storeArguments.dropFirst(2)))
        defer { first.stop() }
        let second = try await SMDPServeProcess.start(pki: pki, database: database, address: ES2Site.address, home: site.directory,
                                                      extra: Array(storeArguments.dropFirst(2)))
        defer { second.stop() }
        let identity = try EUICCIdentity.load(pkiDirectory: pki)
        for (index, server) in [first, second].enumerated() {
            let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: site.directory.appendingPathComponent("euicc-\(index)")))
            let es10 = try ES10Client(transport: InProcessTransport(card: card))
            try await es10.open()
            let client = try ES9PlusHTTPClient(smdpAddress: "127.0.0.1:\(server.port)",
                                               configuration: ES9PlusHTTPClientConfiguration(trustRootsDER: [site.loaded.ciCertificateDER]))
            let result = try await ProfileDownloader(es10: es10, connect: { _ in client },
                                                     deviceInfo: try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities()))
                .download(codes[index])
            try await client.shutdown()
            #expect(result.notificationDelivered)
        }
        let listed = try runOpenRSP(["smdp", "profile", "list", "--json"] + storeArguments, home: site.directory)
        #expect(listed.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        let counts = try #require(((object["payload"] as? [String: Any])?["data"] as? [String: Any])?["counts"] as? [String: Int])
        #expect(counts["Installed"] == 2, "\(counts)")
        try await site.dropDatabase()
    }
}
