import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPStoreSQLite
import SwiftASN1
import Testing
import X509

/// `<packageRoot>/../shared/testdata/<sub>` (this file is <packageRoot>/Tests/Support/SMDPTestSupport/TestSupport.swift); nil when absent (tests then skip with a message).
public func sharedTestData(_ sub: String) -> URL? {
    let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/testdata/\(sub)", isDirectory: true)
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue ? url : nil
}

/// The TS.48 UPP files, sorted by name (empty when the test data is absent).
public func ts48Files() -> [String] {
    guard let dir = sharedTestData("ts48"),
          let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
    return names.filter { $0.hasSuffix(".der") }.sorted()
}

public func ts48Package(_ name: String) throws -> [UInt8] {
    let dir = try #require(sharedTestData("ts48"), "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48")
    return Array(try Data(contentsOf: dir.appendingPathComponent(name)))
}

/// A clock the test moves by hand (session and order expiry).
public final class ManualClock: SMDPClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date()) { current = start }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func advance(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}

/// SM-DP+ credentials of the SGP.26 test PKI (public test keys).
public struct SGP26Credentials: Sendable {
    public let ci: Certificate
    public let dpAuth: SMDPSigningIdentity
    public let dpPb: SMDPSigningIdentity

    public static func load() throws -> SGP26Credentials? {
        guard let dir = sharedTestData("sgp26") else { return nil }
        func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: dir.appendingPathComponent(name))) }
        return SGP26Credentials(
            ci: try PKIDecoder.certificate(try bytes("CERT_CI_ECDSA_NIST.der")),
            dpAuth: try SMDPSigningIdentity(certificateDER: try bytes("CERT_S_SM_DPauth_ECDSA_NIST.der"),
                                            privateKey: try PKIDecoder.privateKey(try bytes("SK_S_SM_DPauth_ECDSA_NIST.pem"))),
            dpPb: try SMDPSigningIdentity(certificateDER: try bytes("CERT_S_SM_DPpb_ECDSA_NIST.der"),
                                          privateKey: try PKIDecoder.privateKey(try bytes("SK_S_SM_DPpb_ECDSA_NIST.pem"))))
    }
}

/// One SM-DP+ with a SQLite store, our generated PKI (CI → EUM → eUICC, DPauth, DPpb) and, when the
/// test data is present, the SGP.26 DPauth/DPpb as a second CI.
public struct SMDPTestbed: Sendable {
    public static let address = "smdp.openrsp.test"
    public let pki: TestPKI
    public let sgp26: SGP26Credentials?
    public let clock: ManualClock
    public let store: any SMDPStore
    public let configuration: SMDPConfiguration
    public let service: ES9PlusService
    public let orders: ES2PlusOrderService
    public let inventory: ProfileInventory

    /// `store` and `clock` (given together) replace the SQLite store, e.g. with a `PostgresSMDPStore` (TestStores.swift).
    public init(eid: EID? = nil, useSGP26: Bool = true, maxConfirmationCodeAttempts: Int = 3, database: String? = nil,
         additionalTrustedCIs: [Certificate] = [], store givenStore: (any SMDPStore)? = nil, clock givenClock: ManualClock? = nil) throws {
        let eid = try eid ?? TestPKIOptions.defaultEID
        let clock = givenClock ?? ManualClock()
        // Valid from a minute before the test clock's time, however long ago a given clock was made (setting up
        // PostgreSQL stores on a loaded machine took over a minute in CI, and the PKI was then "not yet valid").
        let notBefore = min(clock.now(), Date()).addingTimeInterval(-60)
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: eid, smdpHost: Self.address, notBefore: notBefore))
        let sgp26 = useSGP26 ? try SGP26Credentials.load() : nil
        let store: any SMDPStore
        if let givenStore {
            store = givenStore
        } else if let database {
            store = try SQLiteSMDPStore(path: database, clock: clock)
        } else {
            store = try SQLiteSMDPStore(inMemoryWith: clock)
        }
        var trust = try CITrustStore([pki.ci.certificate] + additionalTrustedCIs)
        var dpAuth = [try SMDPSigningIdentity(certificate: pki.dpAuth.certificate, privateKey: pki.dpAuth.privateKey)]
        var dpPb = [try SMDPSigningIdentity(certificate: pki.dpPb.certificate, privateKey: pki.dpPb.privateKey)]
        if let sgp26 {
            try trust.add(sgp26.ci)
            dpAuth.append(sgp26.dpAuth)
            dpPb.append(sgp26.dpPb)
        }
        let configuration = try SMDPConfiguration(address: Self.address, dpAuth: dpAuth, dpPb: dpPb, trustStore: trust,
                                                  maxConfirmationCodeAttempts: maxConfirmationCodeAttempts)
        self.pki = pki
        self.sgp26 = sgp26
        self.clock = clock
        self.store = store
        self.configuration = configuration
        service = ES9PlusService(store: store, configuration: configuration, clock: clock)
        orders = ES2PlusOrderService(store: store, configuration: configuration, clock: clock)
        inventory = ProfileInventory(store: store, clock: clock)
    }

    public var ourCIPKId: [UInt8] { get throws { try SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate) } }

    public func state(_ iccid: ICCID) async throws -> ProfileDownloadState? { try await store.profile(iccid: iccid)?.state }
}

/// JSON round trip as an HTTP binding would do it: the client encodes, the server decodes.
public func overJSON<T: Codable>(_ value: T) throws -> T {
    try ES9PlusJSON.decode(T.self, from: try ES9PlusJSON.encode(value))
}
