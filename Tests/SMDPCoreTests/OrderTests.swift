import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SwiftASN1
import SMDPTestSupport
import Testing

@Suite("ES2+ orders and activation codes")
struct OrderTests {
    static let files = ts48Files()
    static let needsTS48 = Testing.ConditionTrait.enabled(if: !files.isEmpty, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48")

    @Test("activation code format (notes §9)")
    func activationCodes() throws {
        #expect(try ActivationCode.make(smdpAddress: "smdp.example", matchingId: "ABC-1") == "LPA:1$smdp.example$ABC-1")
        #expect(try ActivationCode.make(smdpAddress: "smdp.example", matchingId: "ABC", smdpOid: "2.999.10") == "LPA:1$smdp.example$ABC$2.999.10")
        #expect(try ActivationCode.make(smdpAddress: "smdp.example", matchingId: "ABC", smdpOid: "2.999.10", confirmationCodeRequired: true)
                == "LPA:1$smdp.example$ABC$2.999.10$1")
        #expect(try ActivationCode.make(smdpAddress: "smdp.example", matchingId: "ABC", confirmationCodeRequired: true) == "LPA:1$smdp.example$ABC$$1")
        #expect(throws: ActivationCode.InvalidField.self) { try ActivationCode.make(smdpAddress: "a$b", matchingId: "ABC") }
        #expect(throws: ActivationCode.InvalidField.self) { try ActivationCode.make(smdpAddress: "a", matchingId: "") }
    }

    @Test("hashCc = SHA256(SHA256(CC) ‖ transactionId); the stored value is SHA256(CC), never the code")
    func confirmationCodeHash() throws {
        let stored = ConfirmationCode.storedHash("1234")
        #expect(HexBytes.encode(stored) == "03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4")
        let tid = try TransactionID([0x01, 0x02])
        #expect(ConfirmationCode.hashCc(storedHash: stored, transactionId: tid) != ConfirmationCode.hashCc(storedHash: stored, transactionId: try TransactionID([0x01, 0x03])))
    }

    @Test("generated matchingIds are 24 characters in 5 groups and differ")
    func matchingIds() {
        let ids = (0..<20).map { _ in ES2PlusOrderService.generateMatchingId() }
        #expect(Set(ids).count == 20)
        #expect(ids.allSatisfy { $0.count == 24 && $0.split(separator: "-").count == 5 })
    }

    @Test("downloadOrder → confirmOrder → releaseProfile → cancelOrder walk the state machine", Self.needsTS48)
    func lifecycle() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let record = try await testbed.inventory.importPackage(try ts48Package(Self.files[0]))
        #expect(record.state == .available)
        await #expect(throws: ProfileImportError.self) { try await testbed.inventory.importPackage(try ts48Package(Self.files[0])) }
        await #expect(throws: ProfileImportError.self) { try await testbed.inventory.importPackage([0xA0, 0x00]) }
        let type = try #require(record.profileType)
        let eid = try TestPKIOptions.defaultEID
        let iccid = try await testbed.orders.downloadOrder(eid: eid, profileType: type)
        #expect(iccid == record.iccid)
        #expect(try await testbed.state(iccid) == .linked)
        // The only profile of this type is taken.
        await #expect(throws: ES2PlusOrderError.noAvailableProfile(profileType: type)) {
            try await testbed.orders.downloadOrder(profileType: type)
        }
        let other = try EID.withCheckDigits(prefix30: "890490320000000000000000011111")
        await #expect(throws: ES2PlusOrderError.eidMismatch(iccid)) {
            try await testbed.orders.confirmOrder(iccid: iccid, eid: other, releaseFlag: false)
        }
        let confirmed = try await testbed.orders.confirmOrder(iccid: iccid, matchingId: "MY-ORDER-1", confirmationCode: "9876", releaseFlag: false)
        #expect(confirmed.activationCode == "LPA:1$\(SMDPTestbed.address)$MY-ORDER-1$2.999.10$1")
        #expect(try await testbed.state(iccid) == .confirmed)
        let order = try #require(try await testbed.store.order(matchingId: "MY-ORDER-1"))
        #expect(order.confirmationCodeHash == ConfirmationCode.storedHash("9876"))
        try await testbed.orders.releaseProfile(iccid: iccid)
        #expect(try await testbed.state(iccid) == .released)
        await #expect(throws: ES2PlusOrderError.self) { try await testbed.orders.releaseProfile(iccid: iccid) }
        try await testbed.orders.cancelOrder(iccid: iccid, finalProfileState: .available)
        #expect(try await testbed.state(iccid) == .available)
        #expect(try await testbed.store.order(iccid: iccid) == nil)
    }

    @Test("concurrent DownloadOrders for one Available profile: exactly one wins", Self.needsTS48)
    func concurrentOrders() async throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let record = try await testbed.inventory.importPackage(try ts48Package(Self.files[0]))
        let type = try #require(record.profileType)
        let orders = testbed.orders
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? await orders.downloadOrder(profileType: type)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
        #expect(try await testbed.state(record.iccid) == .allocated)
    }
}

@Suite("OID text")
struct OIDTextTests {
    @Test("dotted OIDs follow X.690 for every first arc", arguments: [
        ([2, 999, 10], "2.999.10"), ([2, 23, 146, 1, 2, 1, 4], "2.23.146.1.2.1.4"), ([1, 2, 840, 10045, 2, 1], "1.2.840.10045.2.1"),
        ([0, 9, 2342], "0.9.2342"), ([1, 39, 5], "1.39.5"), ([2, 40, 1], "2.40.1"),
    ] as [([UInt], String)])
    func dotted(arcs: [UInt], text: String) throws {
        #expect(try OIDText.dotted(ASN1ObjectIdentifier(elements: arcs)) == text)
    }
}

@Suite("SM-DP+ configuration")
struct ConfigurationTests {
    @Test("DPauth/DPpb chains validate against the trust store; a CI missing from it is reported")
    func certificateProblems() async throws {
        let testbed = try SMDPTestbed()
        #expect(await testbed.configuration.certificateProblems(at: Date()).isEmpty)
        let lonely = try SMDPConfiguration(address: "smdp.example", dpAuth: testbed.configuration.dpAuth, dpPb: testbed.configuration.dpPb,
                                           trustStore: CITrustStore())
        #expect(await lonely.certificateProblems(at: Date()).count == 2 * testbed.configuration.dpAuth.count)
        // Far in the future every DP certificate has expired.
        #expect(await testbed.configuration.certificateProblems(at: Date().addingTimeInterval(40 * 366 * 24 * 3600)).count
                == testbed.configuration.dpAuth.count + testbed.configuration.dpPb.count)
    }

    @Test("configuration errors: bad address, missing DPpb, no DPauth, key not matching the certificate")
    func invalidConfigurations() throws {
        let testbed = try SMDPTestbed(useSGP26: false)
        let dpAuth = testbed.configuration.dpAuth, dpPb = testbed.configuration.dpPb
        #expect(throws: SMDPConfigurationError.self) { try SMDPConfiguration(address: "a:b:c", dpAuth: dpAuth, dpPb: dpPb, trustStore: CITrustStore()) }
        #expect(throws: SMDPConfigurationError.self) { try SMDPConfiguration(address: "smdp.example", dpAuth: dpAuth, dpPb: [], trustStore: CITrustStore()) }
        #expect(throws: SMDPConfigurationError.self) { try SMDPConfiguration(address: "smdp.example", dpAuth: [], dpPb: dpPb, trustStore: CITrustStore()) }
        #expect(throws: SMDPConfigurationError.self) {
            try SMDPSigningIdentity(certificate: testbed.pki.dpAuth.certificate, privateKey: testbed.pki.dpPb.privateKey)
        }
        let address = try SMDPAddress("Smdp.Example:8443")
        let plain = try SMDPAddress("smdp.example"), samePort = try SMDPAddress("smdp.example:8443")
        let otherPort = try SMDPAddress("smdp.example:443")
        #expect(address.accepts(plain))
        #expect(address.accepts(samePort))
        #expect(!address.accepts(otherPort))
    }
}
