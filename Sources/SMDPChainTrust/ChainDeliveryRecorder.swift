import EthereumCore
import EthereumRPC
import Foundation
import Logging
import RSPASN1
import SMDPCore
import Settlement

/// `DeliveryRecorder` on chain: the SM-DP+, with the key of its registered SMDP entity (the one the
/// plan names), calls `PlanEntitlements.markDelivered(id, sha256(ProfileInstallationResult))` when
/// the profile of a granted entitlement order is installed (contracts v2, issue 20 item 10). The
/// record is the SM-DP+'s statement, checkable off chain against the eUICC's signature; the contract
/// does not verify it. A transaction that fails is logged and kept in `failures` (`retryFailures()`
/// sends them again before the activation deadline); nothing blocks the notification.
public actor ChainDeliveryRecorder: DeliveryRecorder {
    /// One recorded delivery: the entitlement, the ICCID, the hash and the `Delivered` event's transaction.
    public struct Record: Sendable, Hashable {
        public let entitlement: EntitlementID
        public let iccid: ICCID
        public let installResultHash: Hash32
        public let transaction: Hash32
    }

    public struct Failure: Sendable, Hashable {
        public let entitlement: EntitlementID
        public let iccid: ICCID
        public let installResultHash: Hash32
        public let reason: String
    }

    public let entitlements: Contract<PlanEntitlements>
    let signer: PrivateKey
    let logger: Logger
    public private(set) var records: [Record] = []
    public private(set) var failures: [Failure] = []

    public init(entitlements: Contract<PlanEntitlements>, signer: PrivateKey,
                logger: Logger = Logger(label: "openrsp.smdp.delivery-recorder")) {
        self.entitlements = entitlements
        self.signer = signer
        self.logger = logger
    }

    public func recordDelivery(entitlement: EntitlementID, iccid: ICCID, installResultSHA256: [UInt8]) async {
        guard let hash = try? Hash32(installResultSHA256) else {
            logger.error("delivery not recorded: the install result hash is not 32 bytes", metadata: ["entitlement": "\(entitlement)"])
            return
        }
        await send(entitlement: entitlement, iccid: iccid, hash: hash)
    }

    /// Sends the failed records again; returns how many are still failing.
    @discardableResult
    public func retryFailures() async -> Int {
        let pending = failures
        failures = []
        for f in pending { await send(entitlement: f.entitlement, iccid: f.iccid, hash: f.installResultHash) }
        return failures.count
    }

    func send(entitlement: EntitlementID, iccid: ICCID, hash: Hash32) async {
        do {
            let tokenId = try UInt256(bigEndian: entitlement.bytes)
            let outcome = try await entitlements.send(PlanEntitlements.markDelivered(tokenId: tokenId, installResultHash: hash), signer: signer)
            let delivered = try entitlements.event(PlanEntitlements.Delivered.self, in: outcome)
            records.append(Record(entitlement: entitlement, iccid: iccid, installResultHash: delivered.installResultHash,
                                  transaction: outcome.receipt.transactionHash))
            logger.info("delivery recorded on chain", metadata: [
                "entitlement": "\(entitlement)", "iccid": "\(iccid.digits)", "transaction": "\(outcome.receipt.transactionHash.hex)"])
        } catch {
            failures.append(Failure(entitlement: entitlement, iccid: iccid, installResultHash: hash, reason: "\(error)"))
            logger.error("delivery not recorded on chain", metadata: ["entitlement": "\(entitlement)", "error": "\(error)"])
        }
    }
}
