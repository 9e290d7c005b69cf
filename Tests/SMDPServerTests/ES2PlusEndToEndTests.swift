import ES9PlusAPI
import ES9PlusHTTPClient
import Foundation
import Logging
import RSPASN1
import SMDPCore
import SMDPServer
import SMDPTestSupport
import Testing

@Suite("TS.48 end to end over HTTPS: operator orders over ES2+, eUICC downloads over ES9+, operator receives progress reports")
struct ES2PlusEndToEndTests {
    static let files = ts48Files()

    @Test("downloadOrder/confirmOrder over ES2+, full ES9+ download, Installed; Downloaded and Installed reported to the operator",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"),
          .timeLimit(.minutes(3)), arguments: ES2StoreKind.available)
    func endToEnd(kind: ES2StoreKind) async throws {
        let site = try await ES2Site(kind: kind)
        defer { site.remove() }
        let upp = try ts48Package(Self.files[0])
        let euicc = try TestEUICC(pki: site.pki, trustedCIs: [site.pki.ci.certificate])
        let receiver = ProgressReceiver()
        do {
            try await receiver.serve(tls: site.loaded.tls) { receiverPort in
                let callback = try #require(URL(string: "https://127.0.0.1:\(receiverPort)\(ProgressReceiver.path)"))
                try await site.withStore { store in
                    let record = try await ProfileInventory(store: store).importPackage(upp)
                    let operators = try TestOperators.registry(callbackA: callback)
                    var logger = Logger(label: "test.progress")
                    logger.logLevel = .warning
                    let sender = try DownloadProgressSender(
                        outbox: store, operators: operators,
                        settings: DownloadProgressSenderSettings(requesterId: ES2Site.address, trustRootsDER: [site.loaded.ciCertificateDER],
                                                                 pollInterval: .milliseconds(50)),
                        logger: logger)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { await sender.run() }
                        defer { group.cancelAll() }
                        try await site.withServer(store: store, operators: operators) { port in
                            let es2 = try site.client(port: port)
                            let es9 = try ES9PlusHTTPClient(smdpAddress: "127.0.0.1:\(port)",
                                                            configuration: .init(trustRootsDER: [site.loaded.ciCertificateDER]))
                            do {
                                let ordered = try await es2.downloadOrder(eid: euicc.eid.digits, iccid: record.iccid.digits)
                                #expect(ordered.iccid == record.iccid.digits)
                                let confirmed = try await es2.confirmOrder(iccid: record.iccid.digits, confirmationCode: "2468", releaseFlag: true)
                                let matchingId = try #require(confirmed.matchingId)
                                #expect(confirmed.smdpAddress == ES2Site.address)

                                let initiated = try await es9.initiateAuthentication(
                                    try euicc.initiateAuthenticationRequest(smdpAddress: try #require(confirmed.smdpAddress))).requireOutput()
                                let authenticated = try await es9.authenticateClient(
                                    try await euicc.authenticateServer(initiated, matchingId: matchingId)).requireOutput()
                                let bpp = try await es9.getBoundProfilePackage(
                                    try await euicc.prepareDownload(authenticated, confirmationCode: "2468")).requireOutput()
                                #expect(try euicc.unbind(bpp.boundProfilePackage, dpPbCertificateDER: authenticated.smdpCertificate).upp == upp)
                                try await es9.handleNotification(try euicc.installationResult(iccid: record.iccid, success: true))
                                try await es2.shutdown()
                                try await es9.shutdown()
                            } catch {
                                try await es2.shutdown()
                                try await es9.shutdown()
                                throw error
                            }
                        }
                        #expect(try await store.profile(iccid: record.iccid)?.state == .installed)
                        // The background sender delivers both reports and then removes them from the queue.
                        await receiver.waitFor(2)
                        while try await !store.pendingDownloadProgress().isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                    }
                    try await sender.shutdown()
                }
            }
        } catch {
            try await site.dropDatabase()
            throw error
        }
        try await site.dropDatabase()
        let reports = await receiver.reports
        #expect(reports.map(\.profileState) == ["Downloaded", "Installed"])
        #expect(reports.map(\.notificationPointId) == [3, 4])
        #expect(reports.allSatisfy { $0.notificationPointStatus.status == .executedSuccess })
        #expect(reports.allSatisfy { $0.eid == euicc.eid.digits })
    }
}
