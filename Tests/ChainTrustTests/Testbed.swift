import ES9PlusAPI
import ES9PlusTestSupport
import EUICC
import EUICCSimulator
import Foundation
import PostgresSupport
import LPA
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPStorePostgres
import SMDPStoreSQLite
import Testing

/// One SM-DP+ (the real ES9PlusService on `store`) and one software eUICC, issued from `pki`.
struct Testbed {
    static let address = "smdp.openrsp.test"
    let root: URL
    let store: any SMDPStore
    let configuration: SMDPConfiguration
    let orders: ES2PlusOrderService
    let inventory: ProfileInventory
    let es10: ES10Client
    let eid: EID

    static func pki() throws -> TestPKI {
        try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: address))
    }

    init(pki: TestPKI, store: any SMDPStore) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("chain-trust-\(UUID().uuidString)")
        _ = try PKIWriter.write(pki, to: root.appendingPathComponent("pki"), overwrite: false)
        self.store = store
        configuration = try SMDPConfiguration(
            address: Self.address,
            dpAuth: [try SMDPSigningIdentity(certificate: pki.dpAuth.certificate, privateKey: pki.dpAuth.privateKey)],
            dpPb: [try SMDPSigningIdentity(certificate: pki.dpPb.certificate, privateKey: pki.dpPb.privateKey)],
            trustStore: try CITrustStore([pki.ci.certificate]))
        orders = ES2PlusOrderService(store: store, configuration: configuration)
        inventory = ProfileInventory(store: store)
        let identity = try EUICCIdentity.load(pkiDirectory: root.appendingPathComponent("pki"))
        let card = try SoftEUICC(identity: identity, store: EUICCStateStore(directory: root.appendingPathComponent("euicc")))
        es10 = try ES10Client(transport: InProcessTransport(card: card))
        try await es10.open()
        eid = try TestPKIOptions.defaultEID
    }

    /// Imports the TS.48 UPP (profileType "GSMA Generic eUICC Test Profile") as Available.
    func importProfile() async throws -> ICCID {
        try await inventory.importPackage(Array(try Data(contentsOf: ts48File))).iccid
    }

    /// An ordinary released order for the imported profile; returns its activation code.
    func releasedOrder(_ iccid: ICCID) async throws -> LPA.ActivationCode {
        let ordered = try await orders.downloadOrder(iccid: iccid)
        let confirmed = try await orders.confirmOrder(iccid: ordered, releaseFlag: true)
        return try LPA.ActivationCode(smdpAddress: Self.address, matchingId: confirmed.matchingId)
    }

    /// The LPA's downloader against this SM-DP+ with `gate`, checking the SM-DP+ by `trust`.
    func downloader(gate: (any EntitlementGate)? = nil, trust: SMDPTrustPolicy? = nil,
                    delivery: (any DeliveryRecorder)? = nil) throws -> ProfileDownloader {
        let client = InProcessES9PlusClient(service: ES9PlusService(store: store, configuration: configuration, entitlementGate: gate,
                                                                    deliveryRecorder: delivery))
        let deviceInfo = try DeviceInfo(tac: [0x35, 0x55, 0x06, 0x07], deviceCapabilities: DeviceCapabilities())
        return ProfileDownloader(es10: es10, connect: { address in
            guard address == Self.address else { throw FixtureError("unknown SM-DP+ \(address)") }
            return client
        }, deviceInfo: deviceInfo, trust: trust)
    }

    /// ICCIDs installed on the software eUICC.
    func installedICCIDs() async throws -> [ICCID] {
        guard case let .ok(profiles) = try await es10.getProfilesInfo() else { throw FixtureError("GetProfilesInfo failed") }
        return profiles.compactMap(\.iccid)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// Runs `download` and returns its failure; records an issue if it succeeded.
func refusal(_ downloader: ProfileDownloader, _ code: LPA.ActivationCode,
             sourceLocation: SourceLocation = #_sourceLocation) async -> ProfileDownloadFailure? {
    do throws(ProfileDownloadFailure) {
        let result = try await downloader.download(code)
        Issue.record("download succeeded (ICCID \(result.iccid?.digits ?? "-"))", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// `OPENRSP_TEST_POSTGRES_URL` (scripts/start-postgres); nil when unset.
let testPostgresURL: String? = ProcessInfo.processInfo.environment["OPENRSP_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

enum StoreKind: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    /// SQLite always; PostgreSQL when `OPENRSP_TEST_POSTGRES_URL` is set.
    static var available: [StoreKind] { testPostgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    var testDescription: String { rawValue }
}

/// A fresh store of `kind` (a temporary SQLite file, or a fresh PostgreSQL schema), removed afterwards.
func withStore(_ kind: StoreKind, _ body: (any SMDPStore) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chain-trust-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        try await body(try SQLiteSMDPStore(path: path))
    case .postgres:
        let url = try #require(testPostgresURL, "OPENRSP_TEST_POSTGRES_URL is not set")
        let schema = try PostgresSchemaName("ct_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
        try await PostgresSMDPStore.withStore(try PostgresStoreConfiguration(url: url), schema: schema) { store in
            do { try await body(store) } catch {
                try? await store.dropSchema()
                throw error
            }
            try await store.dropSchema()
        }
    }
}
