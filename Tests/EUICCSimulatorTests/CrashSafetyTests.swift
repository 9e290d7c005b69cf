import EUICC
import EUICCSimulator
import Foundation
import RSPASN1
import RSPCrypto
import Testing

/// Checks the invariant a crash must never break: every stored profile is complete (metadata and
/// UPP parse, UPP header ICCID = profile ICCID), it has exactly one install notification, and no
/// install notification refers to an absent profile.
func expectConsistent(_ state: EUICCPersistentState, sourceLocation: SourceLocation = #_sourceLocation) {
    for profile in state.profiles {
        let metadata = try? profile.metadata()
        let upp = try? ProfileElementSequence(der: Array(profile.profilePackage))
        #expect(metadata?.iccid.digits == profile.iccid, sourceLocation: sourceLocation)
        #expect(upp?.header.iccid.digits == profile.iccid, sourceLocation: sourceLocation)
    }
    var installs: [String] = []
    var deletes: Set<String> = []
    for record in state.notifications {
        let pending = try? PendingNotification(der: Array(record.pendingNotification))
        #expect(pending != nil, sourceLocation: sourceLocation)
        guard let iccid = pending?.notificationMetadata.iccid?.digits else { continue }
        // An error PIR (a failed installation) announces no profile.
        if case let .profileInstallationResult(pir) = pending, case .error = pir.profileInstallationResultData.finalResult { continue }
        if record.event == NotificationEvent.install.rawValue { installs.append(iccid) }
        if record.event == NotificationEvent.delete.rawValue { deletes.insert(iccid) }
    }
    // Every profile was announced by exactly one install notification; an install notification
    // without its profile is only possible after a delete (which left its own notification).
    let profiles = Set(state.profiles.map(\.iccid))
    #expect(profiles.allSatisfy { iccid in installs.filter { $0 == iccid }.count == 1 }, sourceLocation: sourceLocation)
    #expect(installs.allSatisfy { profiles.contains($0) || deletes.contains($0) }, sourceLocation: sourceLocation)
    #expect(Set(state.notifications.map(\.seqNumber)).count == state.notifications.count, sourceLocation: sourceLocation)
}

/// Throws at the `failAt`-th visit of `point` (1-based).
final class FaultPlan: @unchecked Sendable {
    struct Injected: Error {}
    let point: PersistencePoint
    let failAt: Int
    private var visits = 0
    private let lock = NSLock()

    init(point: PersistencePoint, failAt: Int) {
        self.point = point
        self.failAt = failAt
    }

    func visit(_ reached: PersistencePoint) throws {
        guard reached == point else { return }
        lock.lock()
        visits += 1
        let now = visits
        lock.unlock()
        if now == failAt { throw Injected() }
    }
}

@Suite struct CrashSafetyTests {
    @Test("A failure injected at every persistence point of every commit leaves old-or-new, consistent state",
          arguments: PersistencePoint.allCases, [1, 2, 3, 4])
    func injectedFailures(point: PersistencePoint, commit: Int) async throws {
        guard let upp = TS48.upp() else {
            print("skipped: TS.48 test data not found at \(TS48.directory.path)")
            return
        }
        let iccid = try ProfileElementSequence(der: upp).header.iccid
        let plan = FaultPlan(point: point, failAt: commit)
        let fixture = try await Fixture(faultInjector: { try plan.visit($0) })
        // Commits: 1 install, 2 enable, 3 disable, 4 delete.
        var snapshots: [EUICCPersistentState] = [await fixture.card.state]
        var failed = false
        let pir = try await fixture.download(upp: upp)
        if case .success = finalResult(pir) {} else { failed = true }
        snapshots.append(await fixture.card.state)
        if !failed {
            failed = try await fixture.client.enableProfile(.iccid(iccid)) != .ok
            snapshots.append(await fixture.card.state)
        }
        if !failed {
            failed = try await fixture.client.disableProfile(.iccid(iccid)) != .ok
            snapshots.append(await fixture.card.state)
        }
        if !failed {
            failed = try await fixture.client.deleteProfile(.iccid(iccid)) != .ok
            snapshots.append(await fixture.card.state)
        }
        #expect(failed, "the injected failure must surface as a failed operation")
        let last = snapshots[snapshots.count - 1], previous = snapshots[snapshots.count - 2]
        let onDisk = try EUICCStateStore(directory: fixture.directory).load() ?? EUICCPersistentState()
        expectConsistent(onDisk)
        if snapshots.count == 2 {
            // The install commit failed: no profile, and the error PIR is the one new pending notification
            // (its own commit, after the injected failure, went through: memory and disk agree).
            #expect(last.profiles == previous.profiles)
            #expect(last.notifications.dropLast() == previous.notifications[...])
            let stored = try #require(last.notifications.last)
            guard case let .profileInstallationResult(errorPIR) = try PendingNotification(der: Array(stored.pendingNotification)),
                  case .error = errorPIR.profileInstallationResultData.finalResult else { throw TestFailure("no error PIR stored") }
            #expect(onDisk == last)
        } else {
            // In memory: the failed operation changed nothing.
            #expect(last == previous)
            // On disk (what a restart sees): the old state, or the new one if the rename had happened.
            #expect(onDisk == previous || point == .renamed)
        }
        let reloaded = try SoftEUICC(identity: fixture.identity, store: EUICCStateStore(directory: fixture.directory))
        #expect(await reloaded.state == onDisk)
    }

    @Test("SIGKILL of a child-process eUICC at 24 random moments of a download: profile complete or absent")
    func killedChildProcess() async throws {
        guard let upp = TS48.upp() else {
            print("skipped: TS.48 test data not found at \(TS48.directory.path)")
            return
        }
        guard let harness = HarnessProcess.executable else {
            Issue.record("euicc-crash-harness executable not found next to the test bundle")
            return
        }
        let pkiFixture = try #require(Fixture.sharedPKI)
        let pkiDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("euicc-crash-pki-\(UUID().uuidString)")
        _ = try PKIWriter.write(pkiFixture, to: pkiDirectory, overwrite: true)
        let identity = try EUICCIdentity.load(pkiDirectory: pkiDirectory)
        let smdp = try TestSMDP(pki: pkiFixture)

        // Count the exchanges of one complete download to choose kill points in range.
        let reference = try await HarnessProcess.run(harness, pki: pkiDirectory, state: tempDirectory(), killAfter: nil) { client in
            try await fullDownload(client: client, smdp: smdp, upp: upp, eid: identity.eid)
        }
        let total = reference.exchanges
        try #require(total > 10)
        var generator = SystemRandomNumberGenerator()
        var outcomes: [Bool] = []
        for round in 0..<24 {
            let state = tempDirectory()
            // The last rounds kill right after the final APDU was sent (during the commit).
            let killAfter = round >= 20 ? total - 1 : Int.random(in: 1..<total, using: &generator)
            let afterSend = round >= 20 || Bool.random(using: &generator)
            _ = try? await HarnessProcess.run(harness, pki: pkiDirectory, state: state, killAfter: (killAfter, afterSend)) { client in
                try await fullDownload(client: client, smdp: smdp, upp: upp, eid: identity.eid)
            }
            let onDisk = try EUICCStateStore(directory: state).load() ?? EUICCPersistentState()
            expectConsistent(onDisk)
            #expect(onDisk.profiles.count <= 1)
            outcomes.append(onDisk.profiles.count == 1)
            // A restarted eUICC reports exactly what is on disk.
            let restarted = try await HarnessProcess.run(harness, pki: pkiDirectory, state: state, killAfter: nil) { client in
                guard case let .ok(list) = try await client.getProfilesInfo() else { throw TestFailure("GetProfilesInfo") }
                #expect(list.count == onDisk.profiles.count)
                #expect(list.allSatisfy { $0.profileState == .disabled })
            }
            _ = restarted
        }
        print("crash rounds: \(outcomes.filter { $0 }.count) of \(outcomes.count) ended with the profile installed")
    }
}

func tempDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("euicc-crash-\(UUID().uuidString)")
}

func fullDownload(client: ES10Client, smdp: TestSMDP, upp: [UInt8], eid: EID) async throws {
    let challenge = try await client.getEUICCChallenge()
    guard case let .ok(_, signature1, _, _) = try await client.authenticateServer(try smdp.authenticateServerRequest(euiccChallenge: challenge)) else {
        throw TestFailure("authenticate")
    }
    guard case let .ok(signed2, _) = try await client.prepareDownload(try smdp.prepareDownloadRequest(euiccSignature1: signature1)) else {
        throw TestFailure("prepare")
    }
    let bpp = try smdp.boundProfilePackage(upp: upp, euiccOtpk: signed2.euiccOtpk, eid: eid)
    let pir = try await client.loadBoundProfilePackage(bpp)
    guard case .success = pir.profileInstallationResultData.finalResult else { throw TestFailure("install: \(pir)") }
}
