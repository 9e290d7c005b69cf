// Issue 15 item 6: an operator places an entitlement-gated order over ES2+ HTTPS. Real devnet and
// contracts, the real SMDPProcess (the composition root of `smdp serve`) on TLS with the chain gate,
// the real ES2+ HTTPS client and the `openrsp` binary; the download runs the real LPA and software eUICC.
import LPAChainTrust
import SMDPChainTrust
import Settlement
import DevnetTestSupport
import ES9PlusAPI
import EthereumCore
import ES2PlusAPI
import ES2PlusHTTPClient
import Foundation
import LPA
import Logging
import RSPASN1
import SMDPCore
import SMDPServer
import Settlement
import Testing

@Suite("Entitlement orders over ES2+ HTTPS against the real devnet", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"),
       .enabled(if: ts48Available, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
struct ES2PlusEntitlementOrderTests {
    static let operatorId = "mvno-ops"
    static let token = "entitlement-orders-token-\(String(repeating: "z", count: 16))"

    @Test("refusals (format, unknown, wrong salt, wrong EID, other type, expired, no gate, bad token) store nothing; a live entitlement's order downloads; a second order of it is refused; the CLI maps the codes")
    func ordersOverHTTPS() async throws {
        try await withDevnet { devnet in
            try await withStore(.sqlite) { store in
                try await run(devnet: devnet, store: store)
            }
        }
    }

    func run(devnet: DevnetProcess, store: any SMDPStore) async throws {
        let chain = try await ChainFixture.deploy(on: devnet)
        let testbed = try await Testbed(pki: try Testbed.pki(), store: store)
        defer { testbed.remove() }
        let iccid = try await testbed.importProfile()

        let salt = try EntitlementSalt(bytes: (0..<32).map { UInt8(($0 * 13 + 5) & 0xFF) })
        let saltHex = HexText.encode(salt.bytes)
        let commitment = try PlanEntitlements.commitment(eid: testbed.eid.bytes, salt: try Hash32(salt.bytes))
        let monthly = try await chain.buy(planId: try await chain.listPlan(validitySeconds: 30 * 86400), commitment: commitment)
        let hourly = try await chain.buy(planId: try await chain.listPlan(validitySeconds: 3600), commitment: commitment)
        try await chain.advanceTime(seconds: 2 * 3600)

        let gate = try ChainEntitlementGate(rpcURL: devnet.url, entitlements: chain.plans.address, timeout: .seconds(10))
        let pkiDirectory = testbed.root.appendingPathComponent("pki")
        let loaded = try await SMDPServerPKI.load(directory: pkiDirectory, address: Testbed.address)
        let ciDER = pkiDirectory.appendingPathComponent("ci.der")
        try Data(loaded.ciCertificateDER).write(to: ciDER)
        let tokenFile = testbed.root.appendingPathComponent("token")
        try Data(Self.token.utf8).write(to: tokenFile)
        let saltFile = testbed.root.appendingPathComponent("salt.json")
        try Data(#"{"entitlementId":"\#(monthly)","salt":"0x\#(saltHex)"}"#.utf8).write(to: saltFile)
        let eid = testbed.eid.digits
        let otherEID = "89049032123451234512345678901235"

        func expectNothingStored(_ matchingId: String, profile: ProfileDownloadState = .available,
                                 sourceLocation: SourceLocation = #_sourceLocation) async throws {
            #expect(try await store.entitlementOrder(matchingId: matchingId) == nil, sourceLocation: sourceLocation)
            #expect(try await store.profile(iccid: iccid)?.state == profile, sourceLocation: sourceLocation)
        }

        // A server without a gate answers 8.8/3.7 (retryable) and stores nothing.
        try await withServer(store: store, loaded: loaded, gate: nil) { client, _ in
            let failure = await failed(try await client.entitlementOrder(entitlementId: monthly.description, eid: eid, salt: saltHex,
                                                                         profileType: ts48ProfileType, matchingId: "no-gate"))
            #expect(failure == ES2PlusStatus.entitlementCheckUnavailable)
            try await expectNothingStored("no-gate")
        }

        try await withServer(store: store, loaded: loaded, gate: gate) { client, port in
            func refused(_ id: String, eid: String? = eid, salt: String? = saltHex, type: String? = ts48ProfileType,
                         iccid: String? = nil, profile: ProfileDownloadState = .available, _ matchingId: String) async throws -> ES9PlusStatus? {
                let request = ES2PlusDownloadOrderRequest(header: client.header(), eid: eid, iccid: iccid, profileType: type,
                                                          entitlementId: id, entitlementSalt: salt, matchingId: matchingId)
                let (status, body) = try await client.postRaw(path: ES2PlusFunction.downloadOrder.path, body: Array(try ES9PlusJSON.encode(request)))
                #expect(status == 200)
                let answer = try ES9PlusJSON.decode(ES2PlusDownloadOrderResponse.self, from: Data(body))
                #expect(answer.matchingId == nil && answer.activationCode == nil)
                try await expectNothingStored(matchingId, profile: profile)
                return answer.header.functionExecutionStatus.statusCodeData.map { ES9PlusStatus(subjectCode: $0.subjectCode, reasonCode: $0.reasonCode) }
            }
            // Malformed or incomplete input.
            #expect(try await refused("12x", "bad-id") == ES2PlusStatus.entitlementIdInvalid)
            #expect(try await refused(monthly.description, salt: "abcd", "bad-salt") == ES2PlusStatus.entitlementSaltInvalid)
            #expect(try await refused(monthly.description, salt: String(repeating: "zz", count: 32), "hex-salt") == ES2PlusStatus.entitlementSaltInvalid)
            #expect(try await refused(monthly.description, salt: nil, "no-salt") == ES2PlusStatus.mandatoryFieldMissing)
            #expect(try await refused(monthly.description, eid: nil, "no-eid") == ES9PlusStatus.eidMissing)
            #expect(try await refused(monthly.description, eid: "1234", "bad-eid") == ES2PlusStatus.eidInvalid)
            #expect(try await refused(monthly.description, type: nil, "no-type") == ES2PlusStatus.mandatoryFieldMissing)
            #expect(try await refused(monthly.description, iccid: iccid.digits, "with-iccid") == ES2PlusStatus.invalidRequestFormat)
            // The chain says no.
            #expect(try await refused("999", "unknown") == ES2PlusStatus.entitlementUnknown)
            #expect(try await refused(monthly.description, salt: String(repeating: "5a", count: 32), "wrong-salt")
                    == ES2PlusStatus.entitlementCommitmentMismatch)
            #expect(try await refused(monthly.description, eid: otherEID, "wrong-eid") == ES2PlusStatus.entitlementCommitmentMismatch)
            #expect(try await refused(monthly.description, type: "Another Profile Type", "other-type")
                    == ES2PlusStatus.entitlementProfileTypeRefused)
            #expect(try await refused(hourly.description, "expired") == ES2PlusStatus.entitlementNotLive)

            // Another operator's token: 401 before anything is read.
            let stranger = try ES2PlusHTTPClient(baseURL: "https://127.0.0.1:\(port)", requesterId: Self.operatorId,
                                                 token: "not-the-token-\(String(repeating: "q", count: 20))",
                                                 trustRootsDER: [loaded.ciCertificateDER])
            do {
                _ = try await stranger.entitlementOrder(entitlementId: monthly.description, eid: eid, salt: saltHex,
                                                        profileType: ts48ProfileType, matchingId: "stranger")
                Issue.record("an unknown token placed an order")
            } catch {
                #expect((error as? ES2PlusClientError) == .httpStatus(401, #"{"error":"unauthorized"}"#))
            }
            try await stranger.shutdown()
            try await expectNothingStored("stranger")

            // The CLI over HTTPS: a refusal exits 1 with code 36 and stores nothing.
            let cli = ["smdp", "order", "create", "--url", "https://127.0.0.1:\(port)", "--token-file", tokenFile.path,
                       "--requester", Self.operatorId, "--trust-root", ciDER.path, "--profile-type", ts48ProfileType, "--json"]
            let wrong = try OpenRSPBinary.run(cli + ["--entitlement-id", monthly.description, "--eid", otherEID, "--salt-file", saltFile.path,
                                                     "--matching-id", "cli-wrong"], home: testbed.root)
            #expect(wrong.status == 1)
            #expect(wrong.envelope?["code"] as? Int == 36, "\(wrong.stdout)")
            #expect((wrong.envelope?["message"] as? String)?.contains("8.10.1/3.10") == true)
            #expect(!wrong.stdout.contains(saltHex) && !wrong.stderr.contains(saltHex))
            try await expectNothingStored("cli-wrong")
            let badId = try OpenRSPBinary.run(cli + ["--entitlement-id", "1x", "--eid", eid, "--salt-file", saltFile.path], home: testbed.root)
            #expect(badId.status == 1 && badId.envelope?["code"] as? Int == 35, "\(badId.stdout)")

            // The live entitlement with the right opening: stored, nothing reserved, activation code returned.
            let placed = try OpenRSPBinary.run(cli + ["--entitlement-id", monthly.description, "--eid", eid, "--salt-file", saltFile.path],
                                               home: testbed.root)
            #expect(placed.status == 0, "\(placed.stdout) \(placed.stderr)")
            let data = try #require(placed.envelope?["data"] as? [String: Any], "\(placed.stdout)")
            #expect(data["entitlementId"] as? String == monthly.description)
            let matchingId = try #require(data["matchingId"] as? String)
            let code = try LPA.ActivationCode(parsing: try #require(data["activationCode"] as? String))
            #expect(code.smdpAddress == Testbed.address && code.matchingId == matchingId)
            let stored = try #require(try await store.entitlementOrder(matchingId: matchingId))
            #expect(stored.entitlement == monthly && stored.salt == salt && stored.profileType == ts48ProfileType && stored.grant == nil)
            #expect(try await store.profile(iccid: iccid)?.state == .available)

            // The eUICC downloads it (gate checked again at authenticateClient).
            let result = try await testbed.downloader(gate: gate).download(code)
            #expect(result.iccid == iccid)
            #expect(try await store.profile(iccid: iccid)?.state == .installed)
            #expect(try await store.entitlementOrder(iccid: iccid)?.matchingId == matchingId)

            // One profile per entitlement: a second order of it is refused at creation.
            #expect(try await refused(monthly.description, profile: .installed, "second") == ES2PlusStatus.entitlementAlreadyUsed)
        }
        try await gate.shutdown()
    }

    /// Runs SMDPProcess (ES9+ and ES2+ over TLS on 127.0.0.1, one operator) with `gate` for `body`.
    func withServer(store: any SMDPStore, loaded: SMDPServerPKI, gate: (any EntitlementGate)?,
                    _ body: (ES2PlusHTTPClient, Int) async throws -> Void) async throws {
        let settings = try SMDPServerSettings(host: "127.0.0.1", port: 0, transport: .tls(loaded.tls))
        let op = try ES2PlusOperator(id: Self.operatorId, tokenSHA256: ES2PlusOperator.hash(token: Self.token))
        var logger = Logger(label: "test.smdp.es2-entitlement")
        logger.logLevel = .notice
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let process = try SMDPProcess(SMDPProcessConfiguration(store: store, configuration: loaded.configuration, settings: settings,
                                                               operators: [op], entitlementGate: gate),
                                      logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await process.run(gracefulSignals: false) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw FixtureError("the SM-DP+ did not listen") }
            let client = try ES2PlusHTTPClient(baseURL: "https://127.0.0.1:\(port)", requesterId: Self.operatorId, token: Self.token,
                                               trustRootsDER: [loaded.ciCertificateDER])
            do {
                try await body(client, port)
            } catch {
                try? await client.shutdown()
                group.cancelAll()
                throw error
            }
            try await client.shutdown()
            group.cancelAll()
        }
    }
}

/// The ES2+ status of a `Failed` answer; records an issue if the call succeeded.
func failed<T>(_ call: @autoclosure () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation) async -> ES9PlusStatus? {
    do {
        _ = try await call()
        Issue.record("the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as ES2PlusClientError {
        guard case .failed(let data) = error else {
            Issue.record("not a Failed answer: \(error)", sourceLocation: sourceLocation)
            return nil
        }
        return ES9PlusStatus(subjectCode: data.subjectCode, reasonCode: data.reasonCode)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

enum HexText {
    static func encode(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// The `openrsp` binary built next to the test bundle, run to completion with `OPENRSP_HOME` = `home`.
enum OpenRSPBinary {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        /// `payload` of the last JSON envelope line on stdout.
        var envelope: [String: Any]? {
            guard let line = stdout.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["payload"] as? [String: Any]
        }
    }

    static var executable: URL? {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        return candidates.map { $0.appendingPathComponent("openrsp") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ arguments: [String], home: URL, environment extra: [String: String] = [:]) throws -> Outcome {
        guard let executable else { throw FixtureError("openrsp binary not found next to the test bundle (swift build)") }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENRSP_HOME"] = home.path
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }
}
