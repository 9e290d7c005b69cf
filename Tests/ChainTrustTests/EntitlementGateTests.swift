// Issue #9 item 3: the SM-DP+ releases a profile only for a live on-chain entitlement bound to the
// EID of the authenticating eUICC. Real devnet, real contracts, real ES9PlusService on SQLite and
// PostgreSQL, real LPA and software eUICC; no stand-ins for the chain.
import SMDPChainTrust
import DevnetTestSupport
import ES9PlusAPI
import EthereumCore
import Foundation
import LPA
import RSPASN1
import RSPCrypto
import SMDPCore
import Settlement
import Testing

/// The SM-DP+ answered `expected` at authenticateClient, the LPA cancelled the session on the eUICC and
/// the SM-DP+, and the SM-DP+ kept no session.
func expectRefusedAtAuthenticateClient(_ failure: ProfileDownloadFailure?, _ expected: ES9PlusStatus, store: any SMDPStore,
                                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let failure = try #require(failure, sourceLocation: sourceLocation)
    #expect(failure.step == .authenticateClient, sourceLocation: sourceLocation)
    guard case let .server(status) = failure.error else {
        Issue.record("wrong error \(failure.error)", sourceLocation: sourceLocation); return
    }
    #expect(status == expected, sourceLocation: sourceLocation)
    let cancellation = try #require(failure.cancellation, sourceLocation: sourceLocation)
    guard case let .success(.ok(signed, _)) = cancellation.euiccResponse else {
        Issue.record("the eUICC did not sign the cancellation", sourceLocation: sourceLocation); return
    }
    guard case .success(nil) = cancellation.serverOutcome else {
        Issue.record("the SM-DP+ refused cancelSession: \(cancellation.serverOutcome)", sourceLocation: sourceLocation); return
    }
    #expect(try await store.session(transactionId: signed.transactionId) == nil, sourceLocation: sourceLocation)
}

@Suite("Chain-gated SM-DP+ against the real devnet", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"),
       .enabled(if: ts48Available, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
struct EntitlementGateTests {
    @Test("unknown id, wrong commitment, slow chain, chain down, expired: refused and the profile stays Available; live and matching: downloads and records the entitlement",
          arguments: StoreKind.available)
    func gatedDownload(kind: StoreKind) async throws {
        let first = try await DevnetProcess.start()
        var running: [DevnetProcess] = [first]
        var gates: [ChainEntitlementGate] = []
        do {
            try await withStore(kind) { store in
                try await run(first: first, store: store, running: &running, gates: &gates)
            }
        } catch {
            for gate in gates { try? await gate.shutdown() }
            for devnet in running { await devnet.stop() }
            first.removeState()
            throw error
        }
        for gate in gates { try await gate.shutdown() }
        for devnet in running { await devnet.stop() }
        first.removeState()
    }

    func run(first: DevnetProcess, store: any SMDPStore, running: inout [DevnetProcess], gates: inout [ChainEntitlementGate]) async throws {
        let chain = try await ChainFixture.deploy(on: first)
        let testbed = try await Testbed(pki: try Testbed.pki(), store: store)
        defer { testbed.remove() }
        let iccid = try await testbed.importProfile()
        func expectAvailable(sourceLocation: SourceLocation = #_sourceLocation) async throws {
            #expect(try await store.profile(iccid: iccid)?.state == .available, sourceLocation: sourceLocation)
            #expect(try await store.order(iccid: iccid) == nil, sourceLocation: sourceLocation)
            #expect(try await store.entitlementOrder(iccid: iccid) == nil, sourceLocation: sourceLocation)
        }

        // The user buys two entitlements for keccak256(EID ‖ salt): one for 30 days, one for an hour.
        let salt = try EntitlementSalt(bytes: (0..<32).map { UInt8($0 * 7 & 0xFF) })
        let commitment = try PlanEntitlements.commitment(eid: testbed.eid.bytes, salt: try Hash32(salt.bytes))
        let monthPlan = try await chain.listPlan(validitySeconds: 30 * 86400)
        let hourPlan = try await chain.listPlan(validitySeconds: 3600)
        let monthly = try await chain.buy(planId: monthPlan, commitment: commitment)
        let hourly = try await chain.buy(planId: hourPlan, commitment: commitment)

        // Entitlement orders reserve nothing.
        let orders = testbed.orders
        func order(_ id: EntitlementID, _ salt: EntitlementSalt) async throws -> LPA.ActivationCode {
            let receipt = try await orders.entitlementOrder(profileType: ts48ProfileType, entitlement: id, salt: salt)
            #expect(receipt.entitlement == id)
            return try LPA.ActivationCode(parsing: receipt.activationCode)
        }
        let unknownCode = try await order(EntitlementID(999), salt)
        let wrongSaltCode = try await order(monthly, try EntitlementSalt(bytes: [UInt8](repeating: 0x5A, count: 32)))
        let monthlyCode = try await order(monthly, salt)
        let hourlyCode = try await order(hourly, salt)
        // An order for a profile type the entitlement's plan does not deliver (issue 20 finding 11).
        let otherTypeCode = try LPA.ActivationCode(parsing: try await orders.entitlementOrder(
            profileType: "Another Profile Type", entitlement: monthly, salt: salt).activationCode)
        try await expectAvailable()
        let stored = try #require(try await store.entitlementOrder(matchingId: monthlyCode.matchingId))
        #expect(stored.entitlement == monthly && stored.salt == salt && stored.grant == nil && stored.profileType == ts48ProfileType)

        let gate = try ChainEntitlementGate(rpcURL: first.url, entitlements: chain.plans.address, timeout: .seconds(10))
        gates.append(gate)

        // No such entitlement: 8.2.6/3.8.
        try await expectRefusedAtAuthenticateClient(await refusal(try testbed.downloader(gate: gate), unknownCode),
                                                    .matchingIdRefused, store: store)
        try await expectAvailable()
        // The entitlement exists but is bound to another commitment (wrong salt for this EID): 8.1.1/3.8.
        try await expectRefusedAtAuthenticateClient(await refusal(try testbed.downloader(gate: gate), wrongSaltCode),
                                                    .eidMismatch, store: store)
        try await expectAvailable()
        // Live and bound to this EID, but the order's profile type is not the plan's: 8.2.6/3.8, nothing taken.
        try await expectRefusedAtAuthenticateClient(await refusal(try testbed.downloader(gate: gate), otherTypeCode),
                                                    .matchingIdRefused, store: store)
        try await expectAvailable()
        #expect(try await gate.check(entitlement: monthly, eid: testbed.eid, salt: salt, profileType: "Another Profile Type")
                == .profileTypeMismatch)
        #expect(try await gate.check(entitlement: monthly, eid: testbed.eid, salt: salt, profileType: ts48ProfileType) == nil)

        // A chain slower than the gate's timeout: retryable 8.8/3.7, nothing taken.
        let impatient = ChainEntitlementGate(entitlements: chain.plans, timeout: .nanoseconds(1))
        try await expectRefusedAtAuthenticateClient(await refusal(try testbed.downloader(gate: impatient), monthlyCode),
                                                    .entitlementCheckUnavailable, store: store)
        #expect(ES9PlusStatus.entitlementCheckUnavailable.isRetryable)
        try await expectAvailable()
        // No gate configured at all: the same retryable answer, never a profile without a check.
        try await expectRefusedAtAuthenticateClient(await refusal(try testbed.downloader(gate: nil), monthlyCode),
                                                    .entitlementCheckUnavailable, store: store)
        try await expectAvailable()

        // The chain goes down: retryable 8.8/3.7, the profile stays Available, the order ungranted.
        await first.stop()
        running.removeAll()
        try await expectRefusedAtAuthenticateClient(await refusal(try testbed.downloader(gate: gate), monthlyCode),
                                                    .entitlementCheckUnavailable, store: store)
        try await expectAvailable()
        #expect(try await store.entitlementOrder(matchingId: monthlyCode.matchingId)?.grant == nil)

        // The chain comes back (same state, new port).
        let second = try await DevnetProcess.start(stateDir: first.stateDir)
        running.append(second)
        let back = try ChainEntitlementGate(rpcURL: second.url, entitlements: chain.plans.address, timeout: .seconds(10))
        gates.append(back)
        // Two hours later the hourly entitlement has expired: 8.8.5/4.1.
        let resumed = ChainFixture(devnet: second, chain: try await Chain.connect(second.client), governance: chain.governance,
                                   mnoKey: chain.mnoKey, mvnoKey: chain.mvnoKey, user: chain.user, smdpEntity: chain.smdpEntity,
                                   planSmdp: chain.planSmdp, token: chain.token, registry: chain.registry, plans: chain.plans)
        try await resumed.advanceTime(seconds: 2 * 3600)
        try await expectRefusedAtAuthenticateClient(await refusal(try testbed.downloader(gate: back), hourlyCode),
                                                    .downloadOrderExpired, store: store)
        try await expectAvailable()

        // The retry of the order refused while the chain was down now passes: the profile is taken,
        // installed, and the entitlement id is recorded with the profile and the session. At the
        // install notification the SM-DP+ records the delivery on chain with its entity's key.
        let recorder = ChainDeliveryRecorder(entitlements: resumed.chain.contract(PlanEntitlements.self, at: chain.plans.address),
                                             signer: try chain.planSmdpKey)
        let result = try await testbed.downloader(gate: back, delivery: recorder).download(monthlyCode)
        #expect(result.iccid == iccid)
        #expect(try await testbed.installedICCIDs() == [iccid])
        #expect(try await store.profile(iccid: iccid)?.state == .installed)
        #expect(try await store.profile(iccid: iccid)?.eid == testbed.eid)
        let granted = try #require(try await store.entitlementOrder(iccid: iccid))
        let grant = try #require(granted.grant)
        #expect(granted.entitlement == monthly && granted.matchingId == monthlyCode.matchingId)
        #expect(grant.eid == testbed.eid && grant.iccid == iccid && grant.transactionId == result.transactionId)
        #expect(try await store.order(iccid: iccid)?.matchingId == monthlyCode.matchingId)
        let records = await recorder.records
        #expect(records.count == 1 && records.first?.entitlement == monthly && records.first?.iccid == iccid)
        #expect(await recorder.failures.isEmpty)
        let onChain = try await resumed.chain.contract(PlanEntitlements.self, at: chain.plans.address)
            .call(PlanEntitlements.deliveryTerms(tokenId: try UInt256(bigEndian: monthly.bytes)))
        #expect(onChain.delivered && onChain.installResultHash == records.first?.installResultHash && onChain.smdp == chain.planSmdp)
        // The other orders still hold nothing.
        #expect(try await store.entitlementOrder(matchingId: hourlyCode.matchingId)?.grant == nil)

        // One profile per entitlement: a second order of the same entitlement, with the right salt, is
        // refused at AuthenticateClient although another profile of the type is Available.
        let spare = try ICCID(digits: "89990010000000000012")
        _ = try await ProfileInventory(store: store)
            .importPackage(try MinimalProfilePackageBuilder(iccid: spare, profileType: ts48ProfileType).build())
        let secondCode = try await order(monthly, salt)
        try await expectRefusedAtAuthenticateClient(await refusal(try testbed.downloader(gate: back), secondCode),
                                                    .matchingIdRefused, store: store)
        #expect(try await store.profile(iccid: spare)?.state == .available)
        #expect(try await store.entitlementOrder(matchingId: secondCode.matchingId)?.grant == nil)
        #expect(try await store.grantedEntitlementOrder(entitlement: monthly)?.matchingId == monthlyCode.matchingId)
    }
}
