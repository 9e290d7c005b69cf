import ES9PlusAPI
import ES2PlusAPI
import Foundation
import RSPASN1
import SMDPCore

// downloadOrder with `entitlementId` (issue 15 item 6, docs/CHAIN-TRUST.md "Orders over ES2+").
extension ES2PlusRoutes {
    /// Parses the entitlement fields (each malformed or missing one has its own code), then lets the
    /// service check the entitlement through the gate and store the order. Stores nothing on refusal.
    func entitlementOrder(_ input: ES2PlusDownloadOrderRequest) async throws(Failure) -> any Encodable & Sendable {
        guard let idText = input.entitlementId else {
            throw Failure(ES2PlusStatus.mandatoryFieldMissing, "entitlementSalt needs entitlementId")
        }
        guard let saltText = input.entitlementSalt else {
            throw Failure(ES2PlusStatus.mandatoryFieldMissing, "entitlementId needs entitlementSalt (the commitment's salt)")
        }
        guard let eidText = input.eid else {
            throw Failure(ES9PlusStatus.eidMissing, "an entitlement order needs the eid the entitlement's commitment opens to")
        }
        guard input.iccid == nil else {
            throw Failure(ES2PlusStatus.invalidRequestFormat, "an entitlement order takes profileType, not iccid (no profile is reserved)")
        }
        guard let profileType = input.profileType, !profileType.isEmpty else {
            throw Failure(ES2PlusStatus.mandatoryFieldMissing, "an entitlement order needs profileType")
        }
        let entitlement: EntitlementID
        do { entitlement = try EntitlementID(decimal: idText) } catch {
            throw Failure(ES2PlusStatus.entitlementIdInvalid, "entitlementId: \(error)")
        }
        let salt: EntitlementSalt
        do { salt = try EntitlementSalt(bytes: try Self.hex32(saltText)) } catch {
            throw Failure(ES2PlusStatus.entitlementSaltInvalid, "entitlementSalt must be 64 hex digits (32 bytes)")
        }
        let eid = try Self.eid(eidText)
        do {
            let receipt = try await service.verifiedEntitlementOrder(profileType: profileType, entitlement: entitlement, salt: salt,
                                                                     eid: eid, matchingId: input.matchingId)
            return ES2PlusDownloadOrderResponse(header: .success, entitlementId: receipt.entitlement.description,
                                                matchingId: receipt.matchingId, smdpAddress: service.configuration.address.description,
                                                activationCode: receipt.activationCode)
        } catch {
            throw Self.map(error, .downloadOrder)
        }
    }

    /// 64 hex digits (optional 0x) → 32 bytes.
    static func hex32(_ text: String) throws(EntitlementValueError) -> [UInt8] {
        let digits = Array((text.hasPrefix("0x") || text.hasPrefix("0X") ? String(text.dropFirst(2)) : text).utf8)
        guard digits.count == 64 else { throw EntitlementValueError("expected 64 hex digits") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let high = Self.nibble(digits[i]), let low = Self.nibble(digits[i + 1]) else {
                throw EntitlementValueError("not hexadecimal")
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}

/// OpenRSP extension codes for entitlement orders over ES2+ (docs/CHAIN-TRUST.md "Orders over ES2+"):
/// subject 8.10.1 "Entitlement", 8.10.2 "Entitlement salt" (not SGP.22 table entries; reason codes as SGP.22
/// uses them). Each gate refusal has its own code so the operator can tell them apart.
extension ES2PlusStatus {
    /// 8.10.1 / 2.1 entitlementId is not a decimal uint256.
    public static let entitlementIdInvalid = ES9PlusStatus(subjectCode: "8.10.1", reasonCode: "2.1")
    /// 8.10.2 / 2.1 entitlementSalt is not 64 hex digits.
    public static let entitlementSaltInvalid = ES9PlusStatus(subjectCode: "8.10.2", reasonCode: "2.1")
    /// 8.10.1 / 3.9 No entitlement with this id on chain.
    public static let entitlementUnknown = ES9PlusStatus(subjectCode: "8.10.1", reasonCode: "3.9")
    /// 8.10.1 / 3.10 The entitlement's commitment is not keccak256(eid ‖ entitlementSalt).
    public static let entitlementCommitmentMismatch = ES9PlusStatus(subjectCode: "8.10.1", reasonCode: "3.10")
    /// 8.10.1 / 4.1 The entitlement expired, was cancelled, or is otherwise not live.
    public static let entitlementNotLive = ES9PlusStatus(subjectCode: "8.10.1", reasonCode: "4.1")
    /// 8.10.1 / 3.3 Another order of this entitlement already took a profile (one profile per entitlement).
    public static let entitlementAlreadyUsed = ES9PlusStatus(subjectCode: "8.10.1", reasonCode: "3.3")
    /// 8.2.5 / 3.8 The profileType is not the one the entitlement's plan delivers.
    public static let entitlementProfileTypeRefused = ES9PlusStatus(subjectCode: "8.2.5", reasonCode: "3.8")
    /// 8.8 / 3.7, retryable, as at authenticateClient: the chain could not be asked (or the SM-DP+ has no gate).
    public static let entitlementCheckUnavailable = ES9PlusStatus.entitlementCheckUnavailable

    /// The code of a gate refusal.
    public static func entitlementRefusal(_ refusal: EntitlementRefusal) -> ES9PlusStatus {
        switch refusal {
        case .unknown: entitlementUnknown
        case .commitmentMismatch: entitlementCommitmentMismatch
        case .expired, .cancelled, .notLive: entitlementNotLive
        case .profileTypeMismatch: entitlementProfileTypeRefused
        }
    }
}
