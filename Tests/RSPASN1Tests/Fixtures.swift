import Foundation
import SwiftASN1
@testable import RSPASN1

/// Hex (spaces allowed) to bytes; test inputs only.
func h(_ string: String) -> [UInt8] {
    let digits = Array(string.replacingOccurrences(of: " ", with: "").utf8)
    precondition(digits.count % 2 == 0, "odd hex literal in test")
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

enum Fixtures {
    /// `<packageRoot>/../shared/testdata`, resolved from this file's location.
    static let testdataDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // RSPASN1Tests
        .deletingLastPathComponent() // Tests
        .deletingLastPathComponent() // package root
        .appendingPathComponent("../shared/testdata").standardizedFileURL

    static var testdataAvailable: Bool {
        FileManager.default.fileExists(atPath: testdataDirectory.appendingPathComponent("ts48/TS48v1_A.der").path)
    }

    static func file(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: testdataDirectory.appendingPathComponent(relative)))
    }

    /// SGP.26 test certificates (real DER), used as opaque certificate bytes.
    static func dpAuthCertificate() throws -> [UInt8] { try file("sgp26/CERT_S_SM_DPauth_ECDSA_NIST.der") }
    static func dpPbCertificate() throws -> [UInt8] { try file("sgp26/CERT_S_SM_DPpb_ECDSA_NIST.der") }
    static func ciCertificate() throws -> [UInt8] { try file("sgp26/CERT_CI_ECDSA_NIST.der") }

    static let transactionId = try! TransactionID(h("0102030405060708090A0B0C0D0E0F10"))
    static let signature = try! ECDSASignature(Array(0..<64))
    static let iccid = try! ICCID(digits: "89000123456789012341")
    static let isdpAid = h("A0000005591010FFFFFFFF8900001000")
    static let otpk: [UInt8] = [0x04] + Array(1...64)
    static let hashCc: [UInt8] = Array(0..<32)
    static let smdpOid: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 1]
    static let ciSKI = h("F54172BDF98A95D65CBEB88A38A1C11D800A85C3")

    static func notificationMetadata(_ event: NotificationEvent = .install, seq: Int = 5) throws -> NotificationMetadata {
        try NotificationMetadata(seqNumber: seq, profileManagementOperation: event, notificationAddress: "smdp.example.com", iccid: iccid)
    }

    static func ctxParams() throws -> CtxParams1 {
        .commonAuthentication(CtxParamsForCommonAuthentication(
            matchingId: "23", deviceInfo: try DeviceInfo(tac: h("35550607"), deviceCapabilities: DeviceCapabilities())))
    }

    static func euiccInfo2() -> EUICCInfo2 {
        EUICCInfo2(
            profileVersion: VersionType(2, 3, 1), svn: VersionType(2, 5, 0), euiccFirmwareVer: VersionType(1, 0, 0),
            extCardResource: h("810100820400010000830200FF"), uiccCapability: NamedBits(setBits: [0, 1, 2, 3, 4, 5, 8, 9, 18]),
            ts102241Version: VersionType(15, 1, 0), globalplatformVersion: VersionType(2, 3, 0),
            rspCapability: NamedBits(setBits: [0, 1, 3]), euiccCiPKIdListForVerification: [ciSKI], euiccCiPKIdListForSigning: [ciSKI],
            euiccCategory: .basicEuicc, forbiddenProfilePolicyRules: NamedBits(setBits: [1]), ppVersion: VersionType(0, 0, 1),
            sasAcreditationNumber: "OPENRSP-TEST-01", certificationDataObject: CertificationDataObject(platformLabel: "PL", discoveryBaseURL: "https://dloa.example"),
            treProperties: NamedBits(setBits: [1]), treProductReference: "TRE", additionalEuiccProfilePackageVersions: [VersionType(3, 3, 1)])
    }
}
