import ES2PlusHTTPClient
import Foundation
import Logging
@testable import RSPCommands
import RSPASN1
import SMDPCore
import SMDPServer
import SMDPStorePostgres
import SMDPStoreSQLite
import Testing

@Suite("openrsp smdp serve --config, order --url over ES2+ HTTPS, profile list, token")
struct SMDPServeConfigTests {
    func run(_ arguments: [String]) async throws {
        let command = try SMDPCommand.parseAsRoot(arguments)
        guard var runnable = command as? any AsyncParsableCommandRunnable else {
            Issue.record("\(arguments) did not parse to an async command")
            return
        }
        try await runnable.runAsync()
    }

    func serveCommand(_ arguments: [String]) throws -> SMDPServeCommand {
        try #require(try SMDPCommand.parseAsRoot(["serve"] + arguments) as? SMDPServeCommand)
    }

    /// A temp dir with a PKI, a token (via `smdp token new`) and a config file naming both (relative paths).
    func fixture(_ extra: String = "") async throws -> (root: URL, config: String, token: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try await PKICommandTests().run(["init", "--dir", root.appendingPathComponent("pki").path])
        let token = root.appendingPathComponent("mno-a.token").path
        try await run(["token", "new", "--out", token])
        let attributes = try FileManager.default.attributesOfItem(atPath: token)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let hash = ES2PlusOperator.hash(token: try String(contentsOfFile: token, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        let config = root.appendingPathComponent("smdp.json").path
        let json = """
            {"host": "127.0.0.1", "port": 0, "address": "127.0.0.1", "pki": "pki", "database": "state/smdp.sqlite",
             "logLevel": "warning", "operators": [{"id": "mno-a", "tokenSHA256": "\(HexText.encode(hash))"}]\(extra)}
            """
        try FileManager.default.createDirectory(at: root.appendingPathComponent("state"), withIntermediateDirectories: true)
        try Data(json.utf8).write(to: URL(fileURLWithPath: config))
        return (root, config, token)
    }

    @Test("config file values, relative paths resolved against the file, flags override; unknown keys refused")
    func resolve() async throws {
        let (root, config, _) = try await fixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let resolved = try serveCommand(["--config", config]).resolve(environment: [:])
        #expect(resolved.host == "127.0.0.1" && resolved.port == 0 && resolved.address == "127.0.0.1")
        #expect(resolved.pki == root.appendingPathComponent("pki").path)
        #expect(resolved.database == root.appendingPathComponent("state/smdp.sqlite").path)
        #expect(resolved.logLevel == .warning)
        #expect(resolved.operators.map(\.id) == ["mno-a"])
        let overridden = try serveCommand(["--config", config, "--port", "9443", "--database", "postgres://u@db.example/smdp",
                                           "--operator-callback", "mno-a=https://mno.example/cb"]).resolve(environment: [:])
        #expect(overridden.port == 9443)
        #expect(overridden.database == "postgres://u@db.example/smdp")
        #expect(overridden.operators.first?.callbackURL?.absoluteString == "https://mno.example/cb")
        #expect(throws: (any Error).self) {
            try serveCommand(["--config", config, "--operator-callback", "mno-a=http://plain.example/cb"]).resolve(environment: [:])
        }
        #expect(throws: (any Error).self) {
            try serveCommand(["--config", config, "--operator-callback", "nobody=https://x.example/cb"]).resolve(environment: [:])
        }
        let typo = root.appendingPathComponent("typo.json").path
        try Data(#"{"prot": 1}"#.utf8).write(to: URL(fileURLWithPath: typo))
        #expect(throws: (any Error).self) { try serveCommand(["--config", typo]).resolve(environment: [:]) }
    }

    @Test("notifications to request: default enable/disable/delete; --notify, --notify-profile-type and the file's keys; bad names refused")
    func notificationSettings() async throws {
        let (root, config, _) = try await fixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let plain = try serveCommand(["--config", config]).resolve(environment: [:])
        #expect(plain.notificationRequests == .all)
        #expect(plain.bspSegmentPlaintextBytes == nil)
        let flags = try serveCommand(["--config", config, "--notify", "delete", "--notify-profile-type", "Test profile=enable,disable",
                                      "--bsp-segment-bytes", "1008"]).resolve(environment: [:])
        #expect(flags.notificationRequests.events(forProfileType: "other") == [.delete])
        #expect(flags.notificationRequests.events(forProfileType: "Test profile") == [.enable, .disable])
        #expect(flags.bspSegmentPlaintextBytes == 1008)
        let none = try serveCommand(["--config", config, "--notify", "none"]).resolve(environment: [:])
        #expect(none.notificationRequests.configuration(forProfileType: nil, address: try SMDPAddress("smdp.example")) == nil)
        #expect(throws: (any Error).self) { try serveCommand(["--config", config, "--notify", "enable,reboot"]).resolve(environment: [:]) }
        #expect(throws: (any Error).self) { try serveCommand(["--config", config, "--notify-profile-type", "T"]).resolve(environment: [:]) }

        let file = root.appendingPathComponent("notify.json").path
        try Data(#"{"notify": "enable", "notifyByProfileType": {"T": "none"}, "bspSegmentPlaintextBytes": 1008}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let fromFile = try serveCommand(["--config", file]).resolve(environment: [:])
        #expect(fromFile.notificationRequests.events(forProfileType: nil) == [.enable])
        #expect(fromFile.notificationRequests.events(forProfileType: "T") == [])
        #expect(fromFile.bspSegmentPlaintextBytes == 1008)
    }

    @Test("serve from a config file; order create/cancel --url with the token file over HTTPS; wrong token refused; profile list shows all")
    func serveAndOrderOverHTTPS() async throws {
        let (root, config, token) = try await fixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let database = root.appendingPathComponent("state/smdp.sqlite").path
        let store = try SQLiteSMDPStore(path: database)
        let iccid = try ICCID(digits: "8949449999999990021")
        try await store.insertProfile(ProfilePackageRecord(
            iccid: iccid, profileType: "cli", unprotectedProfilePackage: [0xA0, 0x00], serviceProviderName: "SP", profileName: "P",
            profileClass: .test, state: .available, eid: nil, updatedAt: Date()))

        let command = try serveCommand(["--config", config])
        let resolved = try command.resolve(environment: [:])
        let logger: Logger = {
            var logger = Logger(label: "test.serve")
            logger.logLevel = .warning
            return logger
        }()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await SMDPServeCommand.serve(resolved, logger: logger) { port in
                    continuation.yield(port)
                    continuation.finish()
                }
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let pki = root.appendingPathComponent("pki").path
            let url = "https://127.0.0.1:\(port)"
            try await run(["order", "create", "--url", url, "--token-file", token, "--requester", "mno-a", "--pki", pki,
                           "--iccid", iccid.digits, "--json"])
            #expect(try await store.profile(iccid: iccid)?.state == .released)
            #expect(try await store.orderRequester(iccid: iccid) == "mno-a")

            let wrong = root.appendingPathComponent("wrong.token").path
            try Data("not-the-token".utf8).write(to: URL(fileURLWithPath: wrong))
            let client = try ES2PlusHTTPClient(baseURL: url, requesterId: "mno-a", token: "not-the-token",
                                               trustRootsDER: try TLSCredentialFiles.certificates([pki + "/ci.der"]))
            do {
                try await client.releaseProfile(iccid: iccid.digits)
                Issue.record("a wrong token was accepted")
            } catch ES2PlusClientError.httpStatus(let code, _) {
                #expect(code == 401)
            }
            try await client.shutdown()

            try await run(["order", "cancel", "--url", url, "--token-file", token, "--requester", "mno-a", "--pki", pki,
                           "--iccid", iccid.digits, "--final-state", "Unavailable"])
            #expect(try await store.profile(iccid: iccid)?.state == .unavailable)
        }
        try await run(["profile", "list", "--database", database, "--json"])
        #expect(try await store.allProfiles().map(\.state) == [.unavailable])
    }
}

extension SMDPServeConfigTests {
    @Test("in-process (--database): order create --hold, confirm, release, cancel move the profile; --url and --database are exclusive")
    func inProcessOrderLifecycle() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smdp-order-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = root.appendingPathComponent("pki").path
        try await PKICommandTests().run(["init", "--dir", pki])
        let database = root.appendingPathComponent("smdp.sqlite").path
        let store = try SQLiteSMDPStore(path: database)
        let iccid = try ICCID(digits: "8949449999999990031")
        try await store.insertProfile(ProfilePackageRecord(
            iccid: iccid, profileType: "cli", unprotectedProfilePackage: [0xA0, 0x00], serviceProviderName: "SP", profileName: "P",
            profileClass: .test, state: .available, eid: nil, updatedAt: Date()))
        let common = ["--pki", pki, "--database", database, "--address", "smdp.example:8443"]
        try await run(["order", "create", "--profile-type", "cli", "--hold"] + common)
        #expect(try await store.profile(iccid: iccid)?.state == .allocated)
        try await run(["order", "confirm", "--iccid", iccid.digits, "--matching-id", "CLI-1"] + common)
        #expect(try await store.profile(iccid: iccid)?.state == .confirmed)
        #expect(try await store.order(iccid: iccid)?.matchingId == "CLI-1")
        try await run(["order", "release", "--iccid", iccid.digits] + common)
        #expect(try await store.profile(iccid: iccid)?.state == .released)
        // Releasing again is refused (Released is not Confirmed) and changes nothing.
        await #expect(throws: (any Error).self) { try await run(["order", "release", "--iccid", iccid.digits] + common) }
        try await run(["order", "cancel", "--iccid", iccid.digits, "--final-state", "Available"] + common)
        #expect(try await store.profile(iccid: iccid)?.state == .available)
        #expect(throws: (any Error).self) {
            _ = try SMDPCommand.parseAsRoot(["order", "release", "--iccid", iccid.digits, "--url", "https://127.0.0.1:1",
                                             "--token-file", "t", "--requester", "r", "--database", database])
        }
        // In-process orders have no ES2+ requester.
        #expect(try await store.orderRequester(iccid: iccid) == nil)
    }
}

extension SMDPServeConfigTests {
    static let postgresURL: String? = ProcessInfo.processInfo.environment["OPENRSP_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    @Test("serve --database postgres://…: ES2+ order over HTTPS lands in PostgreSQL with its requester",
          .enabled(if: postgresURL != nil, "OPENRSP_TEST_POSTGRES_URL is not set: PostgreSQL serve test skipped"))
    func serveWithPostgres() async throws {
        let url = try #require(Self.postgresURL)
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let (root, config, token) = try await fixture()
        defer { try? FileManager.default.removeItem(at: root) }
        let iccid = try ICCID(digits: "8949449999999990041")
        try await SMDPStoreLocation.withStore(url, postgresSchema: schema) { store in
            try await store.insertProfile(ProfilePackageRecord(
                iccid: iccid, profileType: "pg", unprotectedProfilePackage: [0xA0, 0x00], serviceProviderName: "SP", profileName: "P",
                profileClass: .test, state: .available, eid: nil, updatedAt: Date()))
        }
        let resolved = try serveCommand(["--config", config, "--database", url, "--postgres-schema", schema]).resolve(environment: [:])
        #expect(resolved.database == url)
        let logger: Logger = {
            var logger = Logger(label: "test.serve.pg")
            logger.logLevel = .warning
            return logger
        }()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await SMDPServeCommand.serve(resolved, logger: logger) { port in
                    continuation.yield(port)
                    continuation.finish()
                }
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await run(["order", "create", "--url", "https://127.0.0.1:\(port)", "--token-file", token, "--requester", "mno-a",
                           "--pki", root.appendingPathComponent("pki").path, "--profile-type", "pg"])
        }
        try await SMDPStoreLocation.withStore(url, postgresSchema: schema) { store in
            #expect(try await store.profile(iccid: iccid)?.state == .released)
            #expect(try await store.orderRequester(iccid: iccid) == "mno-a")
            #expect(try await store.allProfiles().map(\.iccid) == [iccid])
            try await (store as? PostgresSMDPStore)?.dropSchema()
        }
    }
}

extension SMDPOrderConfirmCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}

extension SMDPOrderReleaseCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}

extension SMDPTokenNewCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}

extension SMDPOrderCancelCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}
