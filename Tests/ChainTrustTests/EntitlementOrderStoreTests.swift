// Entitlement orders in both stores (no chain needed): insert, read, and the compare-and-set grant.
import Settlement
import Foundation
import RSPASN1
import SMDPCore
import Testing

@Suite("Entitlement orders in the SQLite and PostgreSQL stores",
       .enabled(if: ts48Available, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
struct EntitlementOrderStoreTests {
    @Test("insert and read back; a second insert of the matchingId is a duplicate; a grant is atomic and happens once",
          arguments: StoreKind.available)
    func grantOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let inventory = ProfileInventory(store: store)
            let profile = try await inventory.importPackage(Array(try Data(contentsOf: ts48File)))
            let salt = try EntitlementSalt(bytes: [UInt8](repeating: 7, count: 32))
            let order = EntitlementOrder(matchingId: "ENT-1", profileType: ts48ProfileType, entitlement: EntitlementID(42), salt: salt,
                                         createdAt: Date(timeIntervalSince1970: 1_700_000_000), expiresAt: Date(timeIntervalSince1970: 1_800_000_000))
            try await store.insertEntitlementOrder(order)
            #expect(try await store.entitlementOrder(matchingId: "ENT-1") == order)
            #expect(try await store.entitlementOrder(matchingId: "ENT-2") == nil)
            await #expect(throws: SMDPStoreError.self) { try await store.insertEntitlementOrder(order) }

            let eid = try EID.withCheckDigits(prefix30: "890490320000000000000000012345")
            let tid = try TransactionID([UInt8](repeating: 0xA5, count: 16))
            let grant = EntitlementGrant(matchingId: "ENT-1", iccid: profile.iccid, eid: eid, transactionId: tid,
                                         grantedAt: Date(timeIntervalSince1970: 1_700_000_100))
            func take() throws -> SMDPStateChange {
                SMDPStateChange(
                    profileTransitions: [try ProfileTransition(iccid: profile.iccid, from: .available, to: .linked, bindEID: eid),
                                         try ProfileTransition(iccid: profile.iccid, from: .linked, to: .released)],
                    orderUpserts: [DownloadOrder(iccid: profile.iccid, matchingId: "ENT-1", eid: eid, createdAt: grant.grantedAt)],
                    entitlementGrants: [grant])
            }
            // A grant of an unknown order rolls the whole change back.
            var unknown = try take()
            unknown.entitlementGrants = [EntitlementGrant(matchingId: "NOPE", iccid: profile.iccid, eid: eid, transactionId: tid,
                                                          grantedAt: grant.grantedAt)]
            await #expect(throws: SMDPStoreError.conflict("entitlement order NOPE is unknown or already granted")) {
                try await store.apply(unknown)
            }
            #expect(try await store.profile(iccid: profile.iccid)?.state == .available)
            #expect(try await store.order(iccid: profile.iccid) == nil)

            try await store.apply(try take())
            #expect(try await store.profile(iccid: profile.iccid)?.state == .released)
            let granted = try #require(try await store.entitlementOrder(iccid: profile.iccid))
            #expect(granted.grant == grant && granted.entitlement == EntitlementID(42) && granted.salt == salt)
            #expect(try await store.entitlementOrder(matchingId: "ENT-1")?.grant == grant)

            // Granting again (even without profile transitions) is a conflict and writes nothing.
            let again = SMDPStateChange(orderDeletes: [profile.iccid], entitlementGrants: [grant])
            await #expect(throws: SMDPStoreError.self) { try await store.apply(again) }
            #expect(try await store.order(iccid: profile.iccid) != nil)
        }
    }
}

@Suite("Entitlement values")
struct EntitlementValueTests {
    static let maxUInt256 = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

    @Test("decimal ids round-trip through 32 big-endian bytes", arguments: ["0", "1", "255", "256", "999", "18446744073709551616", maxUInt256])
    func decimalRoundTrip(text: String) throws {
        let id = try EntitlementID(decimal: text)
        #expect(id.bytes.count == 32 && id.description == text)
        #expect(try EntitlementID(bytes: id.bytes) == id)
    }

    @Test("the UInt64 initializer matches the decimal parser")
    func fromUInt64() throws {
        #expect(EntitlementID(1) == (try EntitlementID(decimal: "1")))
        #expect(EntitlementID(UInt64.max) == (try EntitlementID(decimal: "18446744073709551615")))
        #expect(EntitlementID(256).bytes.suffix(2) == [1, 0])
    }

    @Test("malformed ids and salts are refused",
          arguments: ["", "-1", "12a", "0x10", "115792089237316195423570985008687907853269984665640564039457584007913129639936"])
    func malformedId(text: String) {
        #expect(throws: EntitlementValueError.self) { try EntitlementID(decimal: text) }
    }

    @Test("ids and salts must be 32 bytes; the salt never prints")
    func lengths() throws {
        #expect(throws: EntitlementValueError.self) { try EntitlementID(bytes: [1]) }
        #expect(throws: EntitlementValueError.self) { try EntitlementSalt(bytes: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: EntitlementValueError.self) { try EntitlementSalt(bytes: [UInt8](repeating: 0, count: 33)) }
        #expect("\(try EntitlementSalt(bytes: [UInt8](repeating: 0xAB, count: 32)))" == "<salt>")
    }

    @Test("refusals map to the documented SGP.22 codes")
    func statusMapping() {
        #expect(EntitlementRefusal.unknown.status == .matchingIdRefused)
        #expect(EntitlementRefusal.commitmentMismatch.status == .eidMismatch)
        #expect(EntitlementRefusal.profileTypeMismatch.status == .matchingIdRefused)
        #expect(EntitlementRefusal.expired.status == .downloadOrderExpired)
        #expect(EntitlementRefusal.cancelled.status == .downloadOrderExpired)
        #expect(!EntitlementRefusal.expired.status.isRetryable)
    }
}

@Suite("contracts/deploy.py's contracts.json")
struct DeployedContractsTests {
    @Test("reads chain id and the two addresses")
    func reads() throws {
        let json = """
            {"chainId": 1337, "version": 2, "deployer": "0x0000000000000000000000000000000000000001",
             "contracts": {"TrustRegistry": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                           "PlanEntitlements": "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512", "Token": "0x0000000000000000000000000000000000000002"}}
            """
        let deployed = try DeployedContracts(json: Array(json.utf8))
        #expect(deployed.chainId == 1337 && deployed.version == 2)
        // a file of contracts version 1 has no "version"
        #expect(try DeployedContracts(json: Array(#"{"contracts": {}}"#.utf8)).version == 1)
        #expect(deployed.trustRegistry?.description.lowercased() == "0x5fbdb2315678afecb367f032d93f642f64180aa3")
        #expect(deployed.planEntitlements?.description.lowercased() == "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512")
    }

    @Test("refuses what is not deploy.py's format",
          arguments: ["", "[]", "{}", "{\"contracts\": 5}", "{\"contracts\": {\"TrustRegistry\": 7}}",
                      "{\"contracts\": {\"TrustRegistry\": \"0x12\"}}", "{\"chainId\": \"x\", \"contracts\": {}}",
                      "{\"version\": -1, \"contracts\": {}}"])
    func refuses(json: String) {
        #expect(throws: DeployedContracts.Unreadable.self) { try DeployedContracts(json: Array(json.utf8)) }
    }
}
