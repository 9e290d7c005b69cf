import Foundation
import PostgresNIO
import RSPASN1
import SMDPCore

/// Rows of `SELECT *` from the store's tables to model values. Undecodable text (an ICCID that is not
/// one, an unknown state) throws; the store reports it as `.corrupt`.
enum PostgresRowDecoding {
    private struct Columns {
        let row: PostgresRandomAccessRow

        init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

        func value<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T {
            guard row.contains(name) else { throw SMDPStoreError.corrupt("column \(name) missing") }
            return try row[name].decode(T.self)
        }

        func bytes(_ name: String) throws -> [UInt8]? {
            try value(name, ByteBuffer?.self).map { Array($0.readableBytesView) }
        }

        func requiredBytes(_ name: String) throws -> [UInt8] {
            guard let bytes = try bytes(name) else { throw SMDPStoreError.corrupt("column \(name) is NULL") }
            return bytes
        }

        func date(_ name: String) throws -> Date { Date(timeIntervalSince1970: try value(name, Double.self)) }
        func eid(_ name: String) throws -> EID? { try value(name, String?.self).map { try EID(digits: $0) } }
        func iccid(_ name: String) throws -> ICCID? { try value(name, String?.self).map { try ICCID(digits: $0) } }
    }

    static func profile(_ row: PostgresRow) throws -> ProfilePackageRecord {
        let c = Columns(row)
        let stateText = try c.value("state", String.self)
        guard let state = ProfileDownloadState(rawValue: stateText) else { throw SMDPStoreError.corrupt("profile state \(stateText)") }
        return ProfilePackageRecord(
            iccid: try ICCID(digits: try c.value("iccid", String.self)), profileType: try c.value("profile_type", String?.self),
            unprotectedProfilePackage: try c.requiredBytes("upp"), serviceProviderName: try c.value("service_provider_name"),
            profileName: try c.value("profile_name"), profileClass: ProfileClass(rawValue: try c.value("profile_class", Int.self)),
            state: state, eid: try c.eid("eid"), updatedAt: try c.date("updated_at"))
    }

    static func order(_ row: PostgresRow) throws -> DownloadOrder {
        let c = Columns(row)
        return DownloadOrder(
            iccid: try ICCID(digits: try c.value("iccid", String.self)), matchingId: try c.value("matching_id", String?.self),
            eid: try c.eid("eid"), confirmationCodeHash: try c.bytes("cc_hash"),
            confirmationCodeFailures: try c.value("cc_failures", Int.self), isLocked: try c.value("locked", Bool.self),
            createdAt: try c.date("created_at"),
            expiresAt: try c.value("expires_at", Double?.self).map { Date(timeIntervalSince1970: $0) })
    }

    static func summary(_ row: PostgresRow) throws -> ProfileSummary {
        let c = Columns(row)
        let stateText = try c.value("state", String.self)
        guard let state = ProfileDownloadState(rawValue: stateText) else { throw SMDPStoreError.corrupt("profile state \(stateText)") }
        return ProfileSummary(iccid: try ICCID(digits: try c.value("iccid", String.self)), profileType: try c.value("profile_type", String?.self),
                              state: state, eid: try c.eid("eid"), updatedAt: try c.date("updated_at"))
    }

    static func progress(_ row: PostgresRow) throws -> PendingDownloadProgress {
        let c = Columns(row)
        func state(_ name: String) throws -> ProfileDownloadState {
            let text = try c.value(name, String.self)
            guard let state = ProfileDownloadState(rawValue: text) else { throw SMDPStoreError.corrupt("progress state \(text)") }
            return state
        }
        return PendingDownloadProgress(
            id: try c.value("id", Int64.self), requesterId: try c.value("requester_id", String.self),
            iccid: try ICCID(digits: try c.value("iccid", String.self)), eid: try c.eid("eid"),
            profileType: try c.value("profile_type", String?.self), from: try state("from_state"), to: try state("to_state"),
            occurredAt: try c.date("occurred_at"), attempts: try c.value("attempts", Int.self),
            nextAttemptAt: try c.date("next_attempt_at"), lastError: try c.value("last_error", String?.self))
    }

    static func session(_ row: PostgresRow) throws -> DownloadSession {
        let c = Columns(row)
        let phaseText = try c.value("phase", String.self)
        guard let phase = DownloadSessionPhase(rawValue: phaseText) else { throw SMDPStoreError.corrupt("session phase \(phaseText)") }
        return DownloadSession(
            transactionId: try TransactionID(try c.requiredBytes("transaction_id")), phase: phase,
            createdAt: try c.date("created_at"), expiresAt: try c.date("expires_at"),
            euiccChallenge: try c.requiredBytes("euicc_challenge"), serverChallenge: try c.requiredBytes("server_challenge"),
            ciPKId: try c.requiredBytes("ci_pkid"), eid: try c.eid("eid"), iccid: try c.iccid("iccid"),
            matchingId: try c.value("matching_id", String?.self), euiccCertificate: try c.bytes("euicc_certificate"),
            smdpSignature2: try c.bytes("smdp_signature2"), ccRequired: try c.value("cc_required", Bool.self),
            profileMetadata: try c.bytes("profile_metadata"))
    }

    static func entitlementOrder(_ row: PostgresRow) throws -> EntitlementOrder {
        let c = Columns(row)
        let matchingId = try c.value("matching_id", String.self)
        var grant: EntitlementGrant?
        if let iccid = try c.iccid("iccid") {
            guard let eid = try c.eid("eid"), let transaction = try c.bytes("transaction_id"),
                  let grantedAt = try c.value("granted_at", Double?.self) else {
                throw SMDPStoreError.corrupt("entitlement order \(matchingId): incomplete grant")
            }
            grant = EntitlementGrant(matchingId: matchingId, iccid: iccid, eid: eid, transactionId: try TransactionID(transaction),
                                     grantedAt: Date(timeIntervalSince1970: grantedAt))
        }
        return EntitlementOrder(
            matchingId: matchingId, profileType: try c.value("profile_type", String.self),
            entitlement: try EntitlementID(bytes: try c.requiredBytes("entitlement_id")),
            salt: try EntitlementSalt(bytes: try c.requiredBytes("salt")), createdAt: try c.date("created_at"),
            expiresAt: try c.value("expires_at", Double?.self).map { Date(timeIntervalSince1970: $0) }, grant: grant)
    }
}
