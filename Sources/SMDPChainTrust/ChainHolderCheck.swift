// The holder check of the ICCID status lookup over PlanEntitlements.ownerOf: the request's EIP-712 signature
// must recover to the entitlement's current owner, be fresh, name this SM-DP+, and not have been answered.
import EthereumCore
import Foundation
import Logging
import RSPASN1
import SMDPCore
import Settlement

/// The EIP-712 message an entitlement holder signs to read its profile's state at one SM-DP+.
public enum ProfileStatusTypedData {
    public static let domainName = "OpenRSP SM-DP+"
    public static let domainVersion = "1"

    /// `ProfileStatusRequest(uint256 entitlementId,string smdpAddress,uint256 issuedAt,bytes32 nonce)` under the domain
    /// {name, version, chainId, verifyingContract: PlanEntitlements}.
    public static func typedData(chainId: UInt64, entitlements: Address, entitlementId: UInt256, smdpAddress: String,
                                 issuedAt: Int64, nonce: Hash32) -> TypedData {
        TypedData(
            types: [
                "ProfileStatusRequest": [.init(name: "entitlementId", type: "uint256"), .init(name: "smdpAddress", type: "string"),
                                         .init(name: "issuedAt", type: "uint256"), .init(name: "nonce", type: "bytes32")],
            ],
            primaryType: "ProfileStatusRequest",
            domain: ["name": .string(domainName), "version": .string(domainVersion), "chainId": .string(String(chainId)),
                     "verifyingContract": .string(entitlements.checksummed)],
            message: ["entitlementId": .string(entitlementId.description), "smdpAddress": .string(smdpAddress),
                      "issuedAt": .string(String(issuedAt)), "nonce": .string(nonce.hex)])
    }

    /// A signed request for `entitlementId` (what `openrsp profile status` sends).
    public static func request(key: PrivateKey, chainId: UInt64, entitlements: Address, entitlementId: UInt256, smdpAddress: String,
                               issuedAt: Int64 = Int64(Date().timeIntervalSince1970), nonce: Hash32) throws -> ProfileStatusRequest {
        let data = typedData(chainId: chainId, entitlements: entitlements, entitlementId: entitlementId, smdpAddress: smdpAddress,
                             issuedAt: issuedAt, nonce: nonce)
        let signature = try data.sign(with: key)
        return ProfileStatusRequest(entitlementId: entitlementId.description, issuedAt: issuedAt, nonce: nonce.hex,
                                    signature: Hex.encode(signature.rsv))
    }
}

public actor ChainHolderCheck: EntitlementHolderCheck {
    public let entitlements: Contract<PlanEntitlements>
    public let smdpAddress: String
    /// How far `issuedAt` may be from now, either way.
    public let window: TimeInterval
    let logger: Logger
    /// Answered nonces with their `issuedAt`, kept for the window (older requests are stale anyway).
    private var answered: [Hash32: Int64] = [:]
    /// Bound on `answered`: beyond it new requests are refused as unavailable rather than the memory growing
    /// (the route's rate limit keeps honest use far below it).
    public static let maxAnswered = 100_000

    public init(entitlements: Contract<PlanEntitlements>, smdpAddress: String, window: TimeInterval = 300,
                logger: Logger = Logger(label: "openrsp.smdp.profile-status")) {
        self.entitlements = entitlements
        self.smdpAddress = smdpAddress
        self.window = window
        self.logger = logger
    }

    public func authorize(_ request: ProfileStatusRequest) async throws(ProfileStatusRefusal) -> EntitlementID {
        let id: UInt256, nonce: Hash32, signature: Signature
        do { id = try UInt256(decimal: request.entitlementId) } catch { throw .malformed("entitlementId must be a decimal token id") }
        do { nonce = try Hash32(hex: request.nonce) } catch { throw .malformed("nonce must be 32 bytes of 0x-hex") }
        do { signature = try Signature(rsv: try Hex.decode(request.signature, requirePrefix: true)) } catch {
            throw .malformed("signature must be 65 bytes r‖s‖v of 0x-hex with low s")
        }
        let now = Date().timeIntervalSince1970
        guard abs(now - TimeInterval(request.issuedAt)) <= window else { throw .notHolder }
        forgetStale(now: now)
        guard answered[nonce] == nil else { throw .notHolder }
        guard answered.count < Self.maxAnswered else { throw .unavailable("too many answered requests in the window") }
        let data = ProfileStatusTypedData.typedData(chainId: entitlements.chain.chainId, entitlements: entitlements.address,
                                                    entitlementId: id, smdpAddress: smdpAddress, issuedAt: request.issuedAt, nonce: nonce)
        let signer: Address
        do { signer = try signature.recoverAddress(digest: try data.signingHash()) } catch { throw .notHolder }
        let owner: Address
        do { owner = try await entitlements.call(PlanEntitlements.ownerOf(tokenId: id)) } catch {
            if case .reverted = error { throw .notHolder }   // no such entitlement: same answer as someone else's
            logger.warning("profile status: ownerOf unavailable", metadata: ["error": "\(error)"])
            throw .unavailable("the chain could not be read")
        }
        guard owner == signer, owner != .zero else { throw .notHolder }
        do { return try EntitlementID(bytes: id.bigEndianBytes) } catch { throw .malformed("entitlementId out of range") }
    }

    public func consume(_ request: ProfileStatusRequest) async {
        guard let nonce = try? Hash32(hex: request.nonce) else { return }
        answered[nonce] = request.issuedAt
    }

    private func forgetStale(now: TimeInterval) {
        answered = answered.filter { now - TimeInterval($0.value) <= window }
    }
}
