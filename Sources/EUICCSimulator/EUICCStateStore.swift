import Foundation
import RSPASN1

/// One installed profile as the ISD-R keeps it.
public struct InstalledProfile: Codable, Sendable, Equatable {
    /// ICCID digits.
    public var iccid: String
    /// ISD-P AID.
    public var isdpAid: Data
    /// `ProfileState` raw value: 0 disabled, 1 enabled.
    public var state: Int
    public var nickname: String?
    /// The StoreMetadata request (`BF25`) exactly as received in the BPP.
    public var storeMetadata: Data
    /// The unprotected profile package (concatenated PEs) as received in sequenceOf86.
    public var profilePackage: Data

    public func metadata() throws(RSPASN1Error) -> StoreMetadataRequest {
        try StoreMetadataRequest(der: Array(storeMetadata))
    }

    public func iccidValue() throws(RSPASN1Error) -> ICCID {
        do { return try ICCID(digits: iccid) } catch { throw .invalidEncoding("\(error)") }
    }
}

/// One pending notification: a `PendingNotification` TLV (`BF37` PIR or `30` OtherSignedNotification).
public struct StoredNotification: Codable, Sendable, Equatable {
    public var seqNumber: Int
    /// `NotificationEvent` raw bits (install 0x01, enable 0x02, disable 0x04, delete 0x08).
    public var event: UInt8
    public var pendingNotification: Data
}

/// Everything an eUICC keeps across power cycles. Changed only at commit points, as a whole.
public struct EUICCPersistentState: Codable, Sendable, Equatable {
    public var profiles: [InstalledProfile] = []
    public var notifications: [StoredNotification] = []
    /// The next NotificationMetadata seqNumber (never reused).
    public var nextSequenceNumber: Int = 1
    /// Counter for ISD-P AIDs.
    public var nextISDPNumber: Int = 1
    public var defaultDpAddress: String?
    public var rootDsAddress: String

    public init(defaultDpAddress: String? = nil, rootDsAddress: String = "lpa.ds.gsma.com") {
        self.defaultDpAddress = defaultDpAddress
        self.rootDsAddress = rootDsAddress
    }
}

/// A point inside `EUICCStateStore.save` where a test can inject a failure (as a crash would leave it).
public enum PersistencePoint: String, Sendable, CaseIterable {
    /// The temporary file is written and fsynced, not yet renamed.
    case temporaryFileWritten
    /// The temporary file has been renamed over the state file, the directory is not yet fsynced.
    case renamed
}

/// Failures reading or writing the eUICC state file.
public enum EUICCStateStoreError: Error, CustomStringConvertible {
    case io(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case injected(PersistencePoint)

    public var description: String {
        switch self {
        case let .io(path, reason): "\(path): \(reason)"
        case let .corrupt(path, reason): "\(path) is not a valid eUICC state file: \(reason)"
        case let .injected(point): "injected failure at \(point.rawValue)"
        }
    }
}

/// The eUICC state file (`euicc-state.json` in a directory given by the caller). Saved atomically:
/// a temporary file created with mode 0600 is written and fsynced, renamed over the state file, then
/// the directory is fsynced. A crash at any moment leaves either the old or the new state.
public struct EUICCStateStore: Sendable {
    public let directory: URL
    public static let fileName = "euicc-state.json"
    /// Called at each `PersistencePoint`; throwing there aborts the save like a crash would.
    public var faultInjector: (@Sendable (PersistencePoint) throws -> Void)?

    public init(directory: URL, faultInjector: (@Sendable (PersistencePoint) throws -> Void)? = nil) {
        self.directory = directory
        self.faultInjector = faultInjector
    }

    public var fileURL: URL { directory.appendingPathComponent(Self.fileName) }

    /// The saved state, or `nil` when no state file exists yet.
    public func load() throws(EUICCStateStoreError) -> EUICCPersistentState? {
        let path = fileURL.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: fileURL)
        } catch {
            throw .io(path: path, reason: "\(error)")
        }
        do {
            return try JSONDecoder().decode(EUICCPersistentState.self, from: data)
        } catch {
            throw .corrupt(path: path, reason: "\(error)")
        }
    }

    /// Writes `state` atomically.
    public func save(_ state: EUICCPersistentState) throws(EUICCStateStoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(state)
        } catch {
            throw .corrupt(path: fileURL.path, reason: "\(error)")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io(path: directory.path, reason: "\(error)")
        }
        let temp = directory.appendingPathComponent(".\(Self.fileName).\(UUID().uuidString).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .io(path: temp.path, reason: String(cString: strerror(errno))) }
        var written = 0
        let total = data.count
        let writeOK = data.withUnsafeBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return total == 0 }
            while written < total {
                let n = write(fd, base + written, total - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += n
            }
            return true
        }
        let synced = writeOK && fsync(fd) == 0
        let closed = close(fd) == 0
        guard synced, closed else {
            unlink(temp.path)
            throw .io(path: temp.path, reason: "write/fsync failed")
        }
        do {
            try faultInjector?(.temporaryFileWritten)
        } catch {
            // A crash here leaves the temporary file behind; it is ignored by `load` and swept on the next save.
            throw .injected(.temporaryFileWritten)
        }
        guard rename(temp.path, fileURL.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp.path)
            throw .io(path: fileURL.path, reason: reason)
        }
        do {
            try faultInjector?(.renamed)
        } catch {
            throw .injected(.renamed)
        }
        let dirFD = open(directory.path, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
        sweepTemporaryFiles()
    }

    /// Removes temporary files left by an interrupted save.
    func sweepTemporaryFiles() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(".\(Self.fileName).") && name.hasSuffix(".tmp") {
            unlink(directory.appendingPathComponent(name).path)
        }
    }
}
