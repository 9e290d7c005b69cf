import Crypto
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPTestSupport
import Testing

/// Hex helper for fixed vectors in tests.
func hexToBytes(_ hex: String) throws -> [UInt8] { try HexBytes.decode(hex) }

@Suite("BoundProfilePackageBuilder")
struct BoundProfilePackageBuilderTests {
    /// SGP22-NOTES §3 key vector: ShS = 01…20, hostId = 0102030405060708, EID 8904…1235.
    static func notesSessionKeys() throws -> BSPSessionKeys {
        let eid = try EID(digits: "89049032123451234512345678901235")
        return try BSPSessionKeys.derive(sharedSecret: Array(1...32), hostId: try hexToBytes("0102030405060708"), eid: eid)
    }

    /// StoreMetadata from notes §5: `bf25115a0a98001032547698103214910092014f`.
    static func notesStoreMetadata() throws -> StoreMetadataRequest {
        try StoreMetadataRequest(der: try hexToBytes("bf25115a0a98001032547698103214910092014f"))
    }

    @Test("notes §5 worked example: 87 ConfigureISDP and 88 StoreMetadata are byte-exact")
    func notesWorkedExample() throws {
        let metadata = try Self.notesStoreMetadata()
        #expect(try metadata.derEncoded() == hexToBytes("bf25115a0a98001032547698103214910092014f"))
        let segments = try BoundProfilePackageBuilder.protect(
            sessionKeys: try Self.notesSessionKeys(), configureISDP: ConfigureISDPRequest(),
            storeMetadata: metadata, unprotectedProfilePackage: Array(repeating: 0xAB, count: 40))
        #expect(segments.firstSequenceOf87 == [try hexToBytes("87186c5ec9e878991afa621e580c84bf9743f988347332b0963b")])
        #expect(segments.sequenceOf88 == [try hexToBytes("881cbf25115a0a98001032547698103214910092014fa3166f3b07838065")])
        #expect(segments.secondSequenceOf87 == nil)
        #expect(segments.sequenceOf86.count == 1)
    }

    /// One eUICC side of the exchange: its one-time key, used to unprotect and reassemble.
    struct EUICCSide {
        let oneTimeKey = ECKAKeyPair()
        let eid: EID

        /// Verifies smdpSign, agrees the keys and unprotects every segment in order; returns the parts.
        func unbind(_ built: BuiltBoundProfilePackage, dpPbPublicKey: P256.Signing.PublicKey, hostId: [UInt8])
            throws -> (configureISDP: [UInt8], metadata: [UInt8], replace: [UInt8]?, upp: [UInt8]) {
            let bpp = try BoundProfilePackage(der: built.der)
            let isc = bpp.initialiseSecureChannelRequest
            let signed = try isc.signedData(euiccOtpk: oneTimeKey.publicPoint.uncompressed)
            #expect(SGP22ECDSA.verify(try SGP22Signature(raw: isc.smdpSign.rawValue), over: signed, with: dpPbPublicKey))
            #expect(isc.controlRefTemplate.keyType == 0x88 && isc.controlRefTemplate.keyLen == 0x10)
            #expect(isc.controlRefTemplate.hostId == hostId)
            #expect(isc.remoteOpId == 1)
            let shared = try oneTimeKey.sharedSecret(with: try ECKAPublicPoint(uncompressed: isc.smdpOtpk))
            var context = BSPContext(keys: try BSPSessionKeys.derive(sharedSecret: shared, hostId: isc.controlRefTemplate.hostId, eid: eid))
            func open(_ segments: [[UInt8]]) throws -> [UInt8] {
                try segments.flatMap { try context.unprotect($0).plaintext }
            }
            let configure = try open(bpp.firstSequenceOf87)
            let metadata = try open(bpp.sequenceOf88)
            var replace: [UInt8]?
            if let second = bpp.secondSequenceOf87 {
                let bytes = try open(second)
                let request = try ReplaceSessionKeysRequest(der: bytes)
                context.replaceSessionKeys(try BSPSessionKeys(initialMCV: request.initialMacChainingValue, sEnc: request.ppkEnc, sMac: request.ppkCmac))
                replace = bytes
            }
            return (configure, metadata, replace, try open(bpp.sequenceOf86))
        }
    }

    static func metadata(iccid: String = "89000123456789012341") throws -> StoreMetadataRequest {
        try StoreMetadataRequest(iccid: ICCID(digits: iccid), serviceProviderName: "OpenRSP", profileName: "Test profile")
    }

    @Test("a bound package verifies and decrypts on the eUICC side; every TLV is ≤ 1020 bytes", arguments: [0, 1, 1006, 1007, 1008, 2014, 5000])
    func roundTrip(uppSize: Int) throws {
        let eid = try TestPKIOptions.defaultEID
        let euicc = EUICCSide(eid: eid)
        let dpPb = P256.Signing.PrivateKey()
        let upp = (0..<uppSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let tid = try TransactionID(Array(0..<16))
        let builder = BoundProfilePackageBuilder()
        let built = try builder.build(
            euiccOtpk: euicc.oneTimeKey.publicPoint.uncompressed, eid: eid, transactionId: tid, dpPbKey: dpPb,
            storeMetadata: try Self.metadata(), unprotectedProfilePackage: upp)
        let bpp = built.boundProfilePackage
        #expect(bpp.initialiseSecureChannelRequest.transactionId == tid)
        let all = bpp.firstSequenceOf87 + bpp.sequenceOf88 + bpp.sequenceOf86
        #expect(all.allSatisfy { $0.count <= 1020 })
        #expect(bpp.sequenceOf86.count == max(1, (uppSize + 1006) / 1007))
        let parts = try euicc.unbind(built, dpPbPublicKey: dpPb.publicKey, hostId: builder.hostId)
        #expect(parts.configureISDP == [0xBF, 0x24, 0x00])
        #expect(parts.metadata == (try Self.metadata().derEncoded()))
        #expect(parts.replace == nil)
        #expect(parts.upp == upp)
        // The LPA's ES8+ segments reassemble to the same DER.
        #expect(try bpp.loadSegments().flatMap { $0 } == built.der)
    }

    @Test("a full 1007-byte plaintext gives a 1020-byte 86 TLV (86 82 03 F8 …)")
    func maximumSegment() throws {
        let eid = try TestPKIOptions.defaultEID
        let euicc = EUICCSide(eid: eid)
        let built = try BoundProfilePackageBuilder().build(
            euiccOtpk: euicc.oneTimeKey.publicPoint.uncompressed, eid: eid, transactionId: try TransactionID([1]),
            dpPbKey: P256.Signing.PrivateKey(), storeMetadata: try Self.metadata(),
            unprotectedProfilePackage: Array(repeating: 0x5A, count: 1008))
        let first = try #require(built.boundProfilePackage.sequenceOf86.first)
        #expect(first.count == 1020)
        #expect(Array(first.prefix(4)) == [0x86, 0x82, 0x03, 0xF8])
        #expect(built.boundProfilePackage.sequenceOf86.count == 2)
    }

    @Test("with profile protection keys, A2 ReplaceSessionKeys switches the 86 segments to the PPKs")
    func replaceSessionKeys() throws {
        let eid = try TestPKIOptions.defaultEID
        let euicc = EUICCSide(eid: eid)
        let ppk = try ProfileProtectionKeys.random()
        let upp = Array(repeating: UInt8(0x42), count: 3000)
        let dpPb = P256.Signing.PrivateKey()
        let built = try BoundProfilePackageBuilder().build(
            euiccOtpk: euicc.oneTimeKey.publicPoint.uncompressed, eid: eid, transactionId: try TransactionID([9, 9]),
            dpPbKey: dpPb, storeMetadata: try Self.metadata(), unprotectedProfilePackage: upp, profileProtectionKeys: ppk)
        #expect(built.boundProfilePackage.secondSequenceOf87?.count == 1)
        let parts = try euicc.unbind(built, dpPbPublicKey: dpPb.publicKey, hostId: BoundProfilePackageBuilder.defaultHostId)
        #expect(parts.upp == upp)
        let replace = try ReplaceSessionKeysRequest(der: try #require(parts.replace))
        #expect(replace.ppkEnc == ppk.keys.sEnc && replace.ppkCmac == ppk.keys.sMac && replace.initialMacChainingValue == ppk.keys.initialMCV)
        // The session keys alone cannot open the 86 segments.
        var sessionOnly = BSPContext(keys: ppk.keys)
        sessionOnly.replaceSessionKeys(try BSPSessionKeys(initialMCV: Array(repeating: 0, count: 16), sEnc: ppk.keys.sEnc, sMac: ppk.keys.sMac))
        #expect(throws: BSPError.self) { try sessionOnly.unprotect(built.boundProfilePackage.sequenceOf86[0]) }
    }

    @Test("a large StoreMetadata splits into 88 segments of ≤ 1008 plaintext bytes")
    func largeMetadataSplits() throws {
        let metadata = try StoreMetadataRequest(
            iccid: ICCID(digits: "89000123456789012341"), serviceProviderName: "OpenRSP", profileName: "Icon profile",
            iconType: .png, icon: Array(repeating: 0x11, count: 1024))
        let segments = try BoundProfilePackageBuilder.protect(
            sessionKeys: try Self.notesSessionKeys(), configureISDP: ConfigureISDPRequest(),
            storeMetadata: metadata, unprotectedProfilePackage: [1, 2, 3])
        #expect(segments.sequenceOf88.count == 2)
        #expect(segments.sequenceOf88[0].count == 1 + 3 + 1008 + 8)
    }

    @Test("an invalid otPK.EUICC.ECKA is rejected with a typed error")
    func invalidEuiccKey() throws {
        let eid = try TestPKIOptions.defaultEID
        var point = ECKAKeyPair().publicPoint.uncompressed
        point[64] ^= 0x01
        #expect(throws: BoundProfilePackageBuildError.self) {
            try BoundProfilePackageBuilder().build(
                euiccOtpk: point, eid: eid, transactionId: try TransactionID([1]), dpPbKey: P256.Signing.PrivateKey(),
                storeMetadata: try Self.metadata(), unprotectedProfilePackage: [1])
        }
        #expect(throws: BoundProfilePackageBuildError.self) {
            try BoundProfilePackageBuilder(hostId: []).build(
                euiccOtpk: ECKAKeyPair().publicPoint.uncompressed, eid: eid, transactionId: try TransactionID([1]),
                dpPbKey: P256.Signing.PrivateKey(), storeMetadata: try Self.metadata(), unprotectedProfilePackage: [1])
        }
    }
}
