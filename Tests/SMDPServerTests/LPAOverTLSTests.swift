import ES9PlusAPI
import ES9PlusHTTPClient
import EUICC
import EUICCSimulator
import Foundation
import LPA
import RSPASN1
import SMDPCore
import SMDPTestSupport
import Testing

@Suite("LPA ProfileDownloader + software eUICC → ES9PlusHTTPClient → SMDPServer over TLS")
struct LPAOverTLSTests {
    static let files = ts48Files()

    @Test("activation code download end to end over HTTPS: installed on the eUICC and Installed in the SM-DP+ database",
          .enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
    func download() async throws {
        let site = try await LiveSite()
        defer { site.remove() }
        let upp = try ts48Package(Self.files[0])
        let record = try await ProfileInventory(store: site.store).importPackage(upp)
        let orders = ES2PlusOrderService(store: site.store, configuration: site.loaded.configuration)
        let iccid = try await orders.downloadOrder(iccid: record.iccid)
        let order = try await orders.confirmOrder(iccid: iccid, confirmationCode: "4711", releaseFlag: true)
        let code = try ActivationCode(smdpAddress: LiveSite.address, matchingId: order.matchingId, confirmationCodeRequired: true)

        // The software eUICC is issued from the same PKI directory the server loaded.
        let identity = try EUICCIdentity.load(pkiDirectory: site.directory.appendingPathComponent("pki"))
        let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: site.directory.appendingPathComponent("euicc")))
        let es10 = try ES10Client(transport: InProcessTransport(card: card))
        try await es10.open()
        let deviceInfo = try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities())

        let result = try await site.withServer { port in
            let client = try site.client(port: port)
            let downloader = ProfileDownloader(es10: es10, connect: { address in
                guard address == LiveSite.address else { throw LiveTestError.serverDidNotStart }
                return client
            }, deviceInfo: deviceInfo)
            do {
                let result = try await downloader.download(code, confirmationCode: "4711")
                try await client.shutdown()
                return result
            } catch {
                try await client.shutdown()
                throw error
            }
        }
        #expect(result.iccid == iccid)
        #expect(result.notificationDelivered)
        guard case let .ok(profiles) = try await es10.getProfilesInfo() else {
            Issue.record("GetProfilesInfo failed")
            return
        }
        #expect(profiles.map(\.iccid) == [iccid])
        #expect(try await site.store.profile(iccid: iccid)?.state == .installed)
    }
}
