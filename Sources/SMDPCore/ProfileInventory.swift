import Foundation
import RSPASN1

/// A profile package that cannot be imported.
public enum ProfileImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes are not a SAIP UPP (ProfileHeader first, end PE last).
    case invalidPackage(String)
    /// StoreMetadata names violate their SIZE limits.
    case invalidMetadata(String)
    /// The inventory already holds a profile with the package's ICCID (an ICCID is imported once).
    case duplicateICCID(ICCID)
    case store(SMDPStoreError)

    public var description: String {
        switch self {
        case .invalidPackage(let m): "not a SAIP Unprotected Profile Package: \(m)"
        case .invalidMetadata(let m): "invalid profile metadata: \(m)"
        case .duplicateICCID(let iccid): "ICCID \(iccid.digits) is already in the inventory (each ICCID is imported once)"
        case .store(let e): "\(e)"
        }
    }
}

/// Imports Unprotected Profile Packages into the inventory, indexed by the ICCID of their ProfileHeader.
public struct ProfileInventory: Sendable {
    public let store: any SMDPStore
    public let clock: any SMDPClock

    public init(store: any SMDPStore, clock: any SMDPClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// Reads the ProfileHeader (ICCID, profileType) and stores the package as Available; `profileType`
    /// replaces the header's (orders pick profiles by type, and the public TS.48 files all declare one).
    @discardableResult
    public func importPackage(
        _ upp: [UInt8], serviceProviderName: String = "OpenRSP", profileName: String? = nil,
        profileClass: ProfileClass = .operational, profileType: String? = nil
    ) async throws(ProfileImportError) -> ProfilePackageRecord {
        let sequence: ProfileElementSequence
        do { sequence = try ProfileElementSequence(der: upp) } catch { throw .invalidPackage(error.description) }
        let header = sequence.header
        let name = profileName ?? header.profileType ?? "Profile \(header.iccid.digits)"
        let record = ProfilePackageRecord(
            iccid: header.iccid, profileType: profileType ?? header.profileType, unprotectedProfilePackage: upp,
            serviceProviderName: serviceProviderName, profileName: String(name.prefix(64)), profileClass: profileClass,
            state: .available, eid: nil, updatedAt: clock.now())
        do { _ = try record.storeMetadata() } catch { throw .invalidMetadata(error.description) }
        do { try await store.insertProfile(record) } catch {
            if case .duplicate = error { throw .duplicateICCID(header.iccid) }
            throw .store(error)
        }
        return record
    }
}
