import ArgumentParser
import Foundation
@testable import RSPCommands
import RSPASN1
import SMDPServer
import Testing

/// `openrsp demo` end to end against the embedded devnet (tools/devnet through .venv), the in-process
/// SM-DP+ over TLS and the software eUICC, in a temporary OPENRSP_HOME. Under CI a missing venv fails.
@Suite("openrsp demo end to end", .serialized,
       .enabled(if: DemoTestSupport.venvPresent || ProcessInfo.processInfo.environment["CI"] != nil,
                "needs .venv (scripts/setup) for the embedded devnet"))
struct DemoCommandTests {
    @Test("generated SAIP profile: bought, downloaded over HTTPS, installed and enabled; batch settled; balances conserved")
    func endToEnd() async throws {
        let home = DemoTestSupport.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let config = DemoTestSupport.configuration(home: home, profile: .generated, disputeWindow: 600, cdrCount: 4)
        let summary = try await DemoRunner.run(config)

        // Profile: installed on the eUICC through the LPA, enabled, Installed in the SM-DP+.
        #expect(summary.profile.euiccState == "enabled")
        #expect(summary.profile.smdpState == "Installed")
        #expect(summary.profile.registryTrustsSMDP == true)
        #expect(summary.profile.source.hasPrefix("generated"))
        #expect(!summary.profile.notificationsDelivered.isEmpty)
        // Registry: CI, SM-DP+, MNO, MVNO registered and trusted.
        #expect(summary.registry.map(\.role) == ["CI", "SM-DP+", "MNO", "MVNO"])
        let untrusted = summary.registry.filter { !$0.trusted }.map(\.role)
        #expect(untrusted.isEmpty)

        // Usage: settled after the devnet clock passed the window; the payout follows the contract's formula.
        #expect(summary.usage.status == "settled")
        #expect(summary.usage.cdrCount == 4)
        #expect(summary.usage.firstCDRProofVerifiesOnChain)
        // The SM-DP+ released the profile against the entitlement (the gate passed at AuthenticateClient).
        #expect(summary.entitlement.grantedICCID == summary.profile.iccid)
        // The SM-DP+ recorded the delivery on chain at HandleNotification (sha256 of the signed install result).
        let delivery = try #require(summary.entitlement.delivery)
        #expect(delivery.installResultHash.count == 66 && delivery.smdp == summary.accounts["smdp"] && delivery.profileType == "OpenRSP demo profile")
        #expect((summary.usage.timeAdvancedSeconds ?? 0) >= 600)
        let price: UInt64 = 12_000_000, planBytes: UInt64 = 1000 * 1_000_000
        let pay = price * summary.usage.totalBytes / planBytes   // fits: 12e6 × ≤ 2e8 < 2^64
        let toMvno = pay * 1500 / 10_000
        #expect(summary.usage.toMno == String(pay - toMvno))
        #expect(summary.usage.toMvno == String(toMvno))

        // Balances: the user paid the price into escrow; escrow paid MNO and MVNO; nothing created or lost.
        #expect(summary.balances.before == .init(user: "50000000", escrow: "0", mno: "0", mvno: "0"))
        #expect(summary.balances.after == .init(user: String(50_000_000 - price), escrow: String(price - pay),
                                                mno: String(pay - toMvno), mvno: String(toMvno)))
        #expect(summary.balances.conserved && summary.balances.totalBefore == "50000000" && summary.balances.totalAfter == "50000000")
        // Pull payments: settlement credited MNO and MVNO, each withdrew its share.
        #expect(summary.withdrawals.map(\.payee) == [summary.accounts["mno"], summary.accounts["mvno"]])
        #expect(summary.withdrawals.map(\.amount) == [String(pay - toMvno), String(toMvno)])

        // Transactions: every step that transacts is there with a hash and gas.
        let actions = summary.transactions.map(\.action)
        for expected in ["deploy TestStablecoin", "deploy UsageSettlement", "setSettlement", "setDeployment", "register SM-DP+",
                         "approve MVNO (MNO)", "listPlan", "buy", "markDelivered (SM-DP+)", "postUsage (outbox)", "settle (outbox)",
                         "withdraw (MNO, outbox)", "withdraw (MVNO)"] {
            #expect(actions.contains(expected), "no \(expected) transaction")
        }
        #expect(summary.transactions.allSatisfy { $0.gasUsed > 0 && $0.hash.count == 66 })
        #expect(summary.totalGasUsed == summary.transactions.reduce(0) { $0 + $1.gasUsed })

        // contracts.json in deploy.py's shape with the summary's addresses.
        let addresses = try JSONSerialization.jsonObject(with: Data(contentsOf: home.appendingPathComponent("contracts.json"))) as? [String: Any]
        let contracts = try #require(addresses?["contracts"] as? [String: String])
        #expect(contracts["UsageSettlement"] == summary.contracts["UsageSettlement"])
        #expect(contracts["Token"] == summary.contracts["TestStablecoin"])
        #expect((addresses?["chainId"] as? Int) == 1337 && (addresses?["version"] as? Int) == 2)
        let gasLabels = (addresses?["gasUsed"] as? [String: Any]).map { Array($0.keys) } ?? []
        #expect(gasLabels.contains("setSettlement(address)"))

        // The EID and salt stay with the eUICC state, owner-only.
        let secret = home.appendingPathComponent("demo/euicc/entitlement.json")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: secret.path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o077 == 0)
        let secretJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: secret)) as? [String: Any]
        #expect(secretJSON?["commitment"] as? String == summary.entitlement.commitment)

        // What the demo started is gone: the devnet no longer answers, the SM-DP+ port is closed.
        try await DemoTestSupport.expectStopped(rpcURL: summary.chain.rpcUrl, smdpURL: summary.smdpUrl)
        // One composition root: the demo ran the SM-DP+ that `smdp serve` runs.
        #expect(summary.smdpServices == SMDPProcess.serviceNames)
        #expect(summary.smdpServices == ["http", "session-purger", "progress-sender"])
        #expect(DemoTestSupport.processes(mentioning: home.path).isEmpty)

        // The JSON envelope carries the same summary.
        let envelope = try CommandEnvelope(data: summary).jsonString()
        let decoded = try JSONSerialization.jsonObject(with: Data(envelope.utf8)) as? [String: Any]
        let payload = decoded?["payload"] as? [String: Any]
        #expect(payload?["code"] as? Int == 0)
        #expect(((payload?["data"] as? [String: Any])?["usage"] as? [String: Any])?["status"] as? String == "settled")
        #expect(summary.humanReadable().contains("conserved: true"))
        #expect(summary.humanReadable().contains("delivery on chain: install result sha256"))
    }

    @Test("a failing step is named in a typed error and the devnet is stopped")
    func failureNamesTheStepAndCleansUp() async throws {
        let home = DemoTestSupport.temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        var config = DemoTestSupport.configuration(home: home, profile: .generated, disputeWindow: 600, cdrCount: 1)
        config.contractsDir = home.appendingPathComponent("no-such-build", isDirectory: true)
        do {
            _ = try await DemoRunner.run(config)
            Issue.record("the demo succeeded without contract artifacts")
        } catch let error as DemoStepError {
            #expect(error.step == "deploy")
            #expect(error.description.contains("contract artifact"))
        }
        // The devnet child (its command line names the state directory under `home`) has exited.
        #expect(DemoTestSupport.processes(mentioning: home.path).isEmpty)
    }

    @Test("option validation: --rpc-url needs --key-file; --upp excludes --generated-profile")
    func validation() throws {
        #expect(throws: (any Error).self) { try OpenRSPCommand.parseAsRoot(["demo", "--rpc-url", "http://127.0.0.1:1"]) }
        #expect(throws: (any Error).self) { try OpenRSPCommand.parseAsRoot(["demo", "--upp", "x.der", "--generated-profile"]) }
        #expect(throws: (any Error).self) { try OpenRSPCommand.parseAsRoot(["demo", "--cdr-count", "0"]) }
        let parsed = try #require(try OpenRSPCommand.parseAsRoot(["demo", "--generated-profile", "--home", "/tmp/x"]) as? DemoCommand)
        #expect(parsed.configuration().profile == .generated)
        #expect(parsed.configuration().demoDirectory.path == "/tmp/x/demo")
    }

    @Test("Luhn check digit of the generated ICCID (ISO/IEC 7812-1 example 7992739871 → 3)")
    func luhn() {
        #expect(ImportProfileStep.luhnCheckDigit("7992739871") == 3)
        #expect(ImportProfileStep.luhnCheckDigit("8900012345678901234") == 1) // 89000123456789012341 (TS.48 ICCID)
    }
}

enum DemoTestSupport {
    /// Tests/RSPCommandsTests/<file> → the package root.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var venvPresent: Bool { FileManager.default.isExecutableFile(atPath: packageRoot.appendingPathComponent(".venv/bin/python").path) }

    static func temporaryHome() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("openrsp-demo-\(UUID().uuidString)", isDirectory: true)
    }

    static func configuration(home: URL, profile: DemoConfiguration.ProfileSource, disputeWindow: UInt64, cdrCount: Int) -> DemoConfiguration {
        DemoConfiguration(
            home: DataDirectory(url: home), rpcURL: nil, keyFile: nil,
            python: packageRoot.appendingPathComponent(".venv/bin/python"),
            devnetScript: packageRoot.appendingPathComponent("tools/devnet/devnet.py"),
            contractsDir: packageRoot.appendingPathComponent("contracts/build", isDirectory: true),
            smdpPort: 0, profile: profile, disputeWindow: disputeWindow, cdrCount: cdrCount, quiet: true)
    }

    /// The devnet's JSON-RPC and (if given) the SM-DP+ port refuse connections.
    static func expectStopped(rpcURL: String, smdpURL: String?) async throws {
        await #expect(throws: (any Error).self) { _ = try await DevnetRuntime.query(url: rpcURL) }
        if let smdpURL, let port = URL(string: smdpURL)?.port {
            #expect(!tcpConnects(port: port), "the SM-DP+ still accepts connections on \(port)")
        }
    }

    /// Live processes whose command line contains `text` (Linux /proc).
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(text)
        }
    }

    static func tcpConnects(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
