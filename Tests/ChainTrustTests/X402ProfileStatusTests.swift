// Issue 16 items 3 and 4: an entitlement holder's profile-status lookup on a real `SMDPProcess`, paid per request
// with x402 v2 (and v1). Real devnet, real contracts, real download; the paying client is x402's official Python
// client (PyPI `x402`, tools/x402client/pay.py); refused payments are built here and must move nothing.
import AsyncHTTPClient
import DevnetTestSupport
import EthereumCore
import Foundation
import LPA
import Logging
import NIOCore
import NIOHTTP1
import RSPASN1
@testable import RSPCommands
import SMDPChainTrust
import SMDPCore
import SMDPServer
import Settlement
import Testing
import X402

@Suite("x402-paid profile status against the real devnet", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"),
       .enabled(if: ts48Available, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
struct X402ProfileStatusTests {
    static let price: UInt256 = 25_000

    @Test("holder only; 402 with requirements; wrong amount, network, asset, expired, replayed and stranger payments refused and unpaid; the official x402 client pays and reads Installed; v1 X-PAYMENT accepted; the CLI's client pays only within its limit")
    func paidProfileStatus() async throws {
        try await withDevnet { devnet in
            let chain = try await ChainFixture.deploy(on: devnet)
            try await withStore(.sqlite) { store in
                let testbed = try await Testbed(pki: try Testbed.pki(), store: store)
                defer { testbed.remove() }
                let iccid = try await testbed.importProfile()
                let salt = try EntitlementSalt(bytes: (0..<32).map { UInt8($0 * 5 & 0xFF) })
                let commitment = try PlanEntitlements.commitment(eid: testbed.eid.bytes, salt: try Hash32(salt.bytes))
                let entitlement = try await chain.buy(planId: try await chain.listPlan(validitySeconds: 30 * 86400), commitment: commitment)
                let gate = try ChainEntitlementGate(rpcURL: devnet.url, entitlements: chain.plans.address, timeout: .seconds(10))
                let code = try LPA.ActivationCode(parsing: try await testbed.orders.entitlementOrder(
                    profileType: ts48ProfileType, entitlement: entitlement, salt: salt).activationCode)
                _ = try await testbed.downloader(gate: gate).download(code)
                try await gate.shutdown()
                #expect(try await store.profile(iccid: iccid)?.state == .installed)

                // The holder's wallet for the lookups (the purchase spent what ChainFixture minted).
                try await chain.token.send(TestStablecoin.mint(receiver: try chain.user.address(), amount: 1_000_000), signer: chain.governance)
                let keys = try devnetKeys(devnet)
                let payee = try keys[8].address()
                let facilitator = X402Facilitator(ledger: try ChainX402Ledger(chain: chain.chain, settler: keys[9]), assets: [chain.token.address])
                let domain = try await chain.token.call(TestStablecoin.eip712Domain())
                let paywall = X402Paywall(resource: X402Resource(url: "http://127.0.0.1/openrsp/v1/profile-status"), price: Self.price,
                                          asset: chain.token.address, tokenName: domain.name, tokenVersion: domain.version, payTo: payee,
                                          facilitator: facilitator)
                let holders = ChainHolderCheck(entitlements: chain.plans, smdpAddress: Testbed.address)
                try await withServer(store: store, testbed: testbed, holders: holders, paywall: paywall) { port in
                    try await exercise(port: port, chain: chain, entitlement: entitlement, iccid: iccid, payee: payee, paywall: paywall,
                                       stranger: keys[4], tokenDomain: domain)
                }
            }
        }
    }

    func exercise(port: Int, chain: ChainFixture, entitlement: EntitlementID, iccid: ICCID, payee: Address, paywall: X402Paywall,
                  stranger: PrivateKey, tokenDomain: TestStablecoin.EIP712DomainInfo) async throws {
        let url = "http://127.0.0.1:\(port)\(ProfileStatusRoute.path)"
        let id = try UInt256(bigEndian: entitlement.bytes)
        let user = chain.user, userAddress = try chain.user.address()
        func signed(_ key: PrivateKey) throws -> ProfileStatusRequest {
            try ProfileStatusTypedData.request(key: key, chainId: chain.chain.chainId, entitlements: chain.plans.address,
                                               entitlementId: id, smdpAddress: Testbed.address, nonce: Hash32(randomBytes()))
        }
        func balances() async throws -> (UInt256, UInt256) {
            (try await chain.token.call(TestStablecoin.balanceOf(userAddress)), try await chain.token.call(TestStablecoin.balanceOf(payee)))
        }
        let http = HTTPClient.shared
        func post(_ body: ProfileStatusRequest, headers: [(String, String)] = []) async throws -> (Int, HTTPHeaders, [String: String]) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
            let response = try await http.execute(request, timeout: .seconds(60))
            let data = try await response.body.collect(upTo: 64 * 1024)
            let json = (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]) ?? [:]
            return (Int(response.status.code), response.headers, json.compactMapValues { $0 as? String })
        }
        let domain = X402TokenDomain(name: tokenDomain.name, version: tokenDomain.version, chainId: tokenDomain.chainId,
                                     verifyingContract: tokenDomain.verifyingContract)
        func payment(value: UInt256 = Self.price, validBefore: UInt256? = nil, accepted: X402Requirements? = nil,
                     key: PrivateKey? = nil) throws -> X402PaymentPayload {
            let signed = try X402ExactPayload.sign(
                key: key ?? user, to: payee, value: value,
                validBefore: validBefore ?? UInt256(UInt64(Date().timeIntervalSince1970) + 600), nonce: Hash32(randomBytes()), domain: domain)
            return X402PaymentPayload(payload: signed, accepted: accepted ?? paywall.requirements, resource: paywall.resource)
        }
        func paymentHeader(_ p: X402PaymentPayload) -> (String, String) { (X402Header.paymentSignature, X402Codec.encodeHeader(p)) }

        // A stranger's signature: 403 before any payment is asked, and nothing about the profile.
        let (strangerStatus, strangerHeaders, strangerBody) = try await post(try signed(stranger))
        #expect(strangerStatus == 403 && strangerBody["error"] == "not_entitlement_holder")
        #expect(strangerHeaders[X402Header.paymentRequired].isEmpty)
        #expect(strangerBody["iccid"] == nil)

        // The holder without a payment: 402 and the requirements in PAYMENT-REQUIRED.
        let (askStatus, askHeaders, _) = try await post(try signed(user))
        #expect(askStatus == 402)
        let required = try X402Codec.decodeHeader(X402PaymentRequired.self, try #require(askHeaders[X402Header.paymentRequired].first))
        #expect(required.x402Version == 2 && required.accepts == [paywall.requirements])
        #expect(required.accepts.first?.network == "eip155:\(chain.chain.chainId)" && required.accepts.first?.amount == "25000")

        // Refused payments: each answered 402 with its x402 reason, and no token moves.
        let before = try await balances()
        var wrongNetwork = paywall.requirements
        wrongNetwork.network = "eip155:1"
        var wrongAsset = paywall.requirements
        wrongAsset.asset = chain.plans.address.checksummed
        let refusals: [(String, X402PaymentPayload, String)] = [
            ("wrong amount", try payment(value: 1), X402Reason.valueMismatch.rawValue),
            ("wrong network", try payment(accepted: wrongNetwork), X402Reason.noMatchingRequirements.rawValue),
            ("wrong asset", try payment(accepted: wrongAsset), X402Reason.noMatchingRequirements.rawValue),
            ("expired", try payment(validBefore: UInt256(UInt64(Date().timeIntervalSince1970) - 10)), X402Reason.expired.rawValue),
        ]
        for (name, bad, reason) in refusals {
            let (status, headers, _) = try await post(try signed(user), headers: [paymentHeader(bad)])
            let answer = try X402Codec.decodeHeader(X402PaymentRequired.self, try #require(headers[X402Header.paymentRequired].first, "\(name)"))
            #expect(status == 402 && answer.error == reason, "\(name): \(status) \(answer.error ?? "")")
        }
        // A forged signature: the stranger signs a payment in the user's name.
        var forged = try payment(key: stranger)
        forged.payload.authorization.from = userAddress.checksummed
        let (forgedStatus, forgedHeaders, _) = try await post(try signed(user), headers: [paymentHeader(forged)])
        #expect(forgedStatus == 402)
        #expect(try X402Codec.decodeHeader(X402PaymentRequired.self, try #require(forgedHeaders[X402Header.paymentRequired].first)).error
                == X402Reason.invalidSignature.rawValue)
        let afterRefusals = try await balances()
        #expect(afterRefusals.0 == before.0 && afterRefusals.1 == before.1)

        // The official x402 client pays and reads the state.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("x402-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let keyFile = work.appendingPathComponent("payer.key"), bodyFile = work.appendingPathComponent("body.json")
        try Data(Hex.encode(user.rawBytes).utf8).write(to: keyFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        try JSONEncoder().encode(try signed(user)).write(to: bodyFile)
        let output = try await runPython(["tools/x402client/pay.py", "--url", url, "--key-file", keyFile.path, "--body-file", bodyFile.path,
                                    "--network", paywall.requirements.network, "--asset", paywall.requirements.asset,
                                    "--max-amount", Self.price.description])
        let result = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let body = try #require(result["body"] as? [String: Any])
        let settled = try #require(result["paymentResponse"] as? [String: Any], "\(result)")
        #expect(result["status"] as? Int == 200)
        #expect(body["state"] as? String == "Installed" && body["iccid"] as? String == iccid.digits)
        #expect(settled["success"] as? Bool == true && settled["network"] as? String == "eip155:\(chain.chain.chainId)")
        let afterPaid = try await balances()
        let (payerAfter, payeeAfter) = (try before.0 - Self.price, try before.1 + Self.price)
        #expect(afterPaid.0 == payerAfter && afterPaid.1 == payeeAfter)

        // Our own v2 payment works once; replayed with a fresh holder request it is refused and unpaid.
        let good = try payment()
        let (goodStatus, goodHeaders, goodBody) = try await post(try signed(user), headers: [paymentHeader(good)])
        #expect(goodStatus == 200 && goodBody["state"] == "Installed")
        let receipt = try X402Codec.decodeHeader(X402SettleResponse.self, try #require(goodHeaders[X402Header.paymentResponse].first))
        #expect(receipt.success && receipt.amount == "25000")
        let afterGood = try await balances()
        let (replayStatus, replayHeaders, _) = try await post(try signed(user), headers: [paymentHeader(good)])
        #expect(replayStatus == 402)
        #expect(try X402Codec.decodeHeader(X402PaymentRequired.self, try #require(replayHeaders[X402Header.paymentRequired].first)).error
                == X402Reason.nonceUsed.rawValue)
        let afterReplay = try await balances()
        #expect(afterReplay.0 == afterGood.0 && afterReplay.1 == afterGood.1)

        // v1: X-PAYMENT with scheme and network at the top, answered with X-PAYMENT-RESPONSE.
        let v1 = X402PaymentPayload(v1: try payment().payload, scheme: "exact", network: "eip155:\(chain.chain.chainId)")
        let (v1Status, v1Headers, _) = try await post(try signed(user), headers: [(X402Header.xPayment, X402Codec.encodeHeader(v1))])
        #expect(v1Status == 200)
        #expect(try X402Codec.decodeHeader(X402SettleResponse.self, try #require(v1Headers[X402Header.xPaymentResponse].first)).success)

        // `openrsp entitlement profile-status`'s client: refuses to pay above its limit (nothing moves), pays within it,
        // and reports a stranger's refusal.
        func client(_ limit: UInt256) -> ProfileStatusClient {
            ProfileStatusClient(url: url, smdpAddress: Testbed.address,
                                chain: .init(chainId: chain.chain.chainId, entitlements: chain.plans.address, token: domain),
                                maxPayment: limit, trustRootsDER: [])
        }
        let beforeClient = try await balances()
        do {
            _ = try await client(Self.price - 1).fetch(entitlement: id, key: user)
            Issue.record("paid above the limit")
        } catch PlanCommandError.paymentRequired(let message) {
            #expect(message.contains("--pay-up-to 25000"))
        }
        let afterLimit = try await balances()
        #expect(afterLimit.0 == beforeClient.0 && afterLimit.1 == beforeClient.1)
        let outcome = try await client(Self.price).fetch(entitlement: id, key: user)
        #expect(outcome.status.state == "Installed" && outcome.status.iccid == iccid.digits && outcome.payment?.success == true)
        let afterClient = try await balances()
        let (payerNow, payeeNow) = (try beforeClient.0 - Self.price, try beforeClient.1 + Self.price)
        #expect(afterClient.0 == payerNow && afterClient.1 == payeeNow)
        do {
            _ = try await client(Self.price).fetch(entitlement: id, key: stranger)
            Issue.record("a stranger read the status")
        } catch PlanCommandError.smdpRefused(let message) {
            #expect(message.contains("403 not_entitlement_holder"))
        }

        // A holder request is answered once.
        let once = try signed(user)
        let (firstStatus, _, _) = try await post(once, headers: [paymentHeader(try payment())])
        let (againStatus, _, againBody) = try await post(once, headers: [paymentHeader(try payment())])
        #expect(firstStatus == 200 && againStatus == 403 && againBody["error"] == "not_entitlement_holder")
    }

    /// Runs SMDPProcess over plain HTTP on 127.0.0.1 (the explicit loopback development transport) with the status route.
    func withServer(store: any SMDPStore, testbed: Testbed, holders: any EntitlementHolderCheck, paywall: X402Paywall,
                    _ body: (Int) async throws -> Void) async throws {
        let settings = try SMDPServerSettings(host: "127.0.0.1", port: 0, transport: .insecureLoopbackHTTP)
        var logger = Logger(label: "test.smdp.profile-status")
        logger.logLevel = .notice
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let process = try SMDPProcess(SMDPProcessConfiguration(store: store, configuration: testbed.configuration, settings: settings,
                                                               profileStatus: (holders, paywall)),
                                      logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await process.run(gracefulSignals: false) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw FixtureError("the SM-DP+ did not listen") }
            defer { group.cancelAll() }
            try await body(port)
        }
    }
}

func randomBytes(_ count: Int = 32) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

/// Runs `.venv/bin/python ARGS` in the package root; its stdout, or an error with its stderr. The wait happens off
/// Swift's cooperative pool: the servers the script talks to run on that pool in this same process.
func runPython(_ arguments: [String]) async throws -> Data {
    let process = Process()
    process.executableURL = DevnetProcess.python
    process.arguments = arguments
    process.currentDirectoryURL = DevnetProcess.packageRoot
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let (output, errors, status) = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, Data, Int32), any Error>) in
        DispatchQueue.global().async {
            do {
                try process.run()
                // stderr is read on its own thread so that neither pipe can fill up and stall the script.
                let group = DispatchGroup()
                nonisolated(unsafe) var errors = Data()
                group.enter()
                DispatchQueue.global().async {
                    errors = err.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }
                let output = out.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: (output, errors, process.terminationStatus))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
    guard status == 0 else {
        throw FixtureError("python \(arguments.first ?? "") exited \(status): \(String(decoding: errors, as: UTF8.self))")
    }
    return output
}
