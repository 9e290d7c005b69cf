import Foundation

/// Reads a file that holds a secret (a key): refused when group or others may read it.
enum PrivateFile {
    enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case readableByOthers(String, mode: Int)

        var description: String {
            switch self {
            case .unreadable(let label): "cannot read \(label)"
            case .readableByOthers(let label, let mode): "\(label) is readable by others (mode \(String(mode, radix: 8))): chmod 600 it"
            }
        }
    }

    /// The text of the file at `path`; `label` names it in failures (e.g. "--imsi-key /path").
    static func text(at path: String, label: String) throws(Failure) -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(label)
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw .readableByOthers(label, mode: mode & 0o777)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
