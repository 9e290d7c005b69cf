// Creating a software eUICC's identity from a PKI directory, in one place for the CLI, the demo and tests.
import EUICC
import EUICCSimulator
import Foundation
import RSPCrypto

public enum SoftEUICCProvisioningError: Error, CustomStringConvertible, Equatable {
    /// The PKI directory holds no eUICC key (`openrsp pki init` makes one).
    case noEUICCKey(pkiDirectory: String)
    /// Files could not be read or written, or the identity does not load.
    case failed(String)

    public var description: String {
        switch self {
        case .noEUICCKey(let directory): "no eUICC key in \(directory); create the PKI first with `openrsp pki init`"
        case .failed(let message): message
        }
    }
}

public enum SoftEUICCProvisioning {
    /// The software eUICC whose state lives in `directory`. On first use its identity (eUICC certificate
    /// and key, EUM and CI certificates, further CIs) is copied from `pkiSource` into `directory/pki`.
    public static func open(at directory: URL, pkiSource: URL) throws(SoftEUICCProvisioningError) -> SoftEUICC {
        let identityDirectory = directory.appendingPathComponent("pki", isDirectory: true)
        if !FileManager.default.fileExists(atPath: identityDirectory.path) {
            try provisionIdentity(from: pkiSource, into: identityDirectory)
        }
        do {
            let identity = try EUICCIdentity.load(pkiDirectory: identityDirectory)
            return try SoftEUICC(identity: identity, store: EUICCStateStore(directory: directory))
        } catch {
            throw .failed("software eUICC in \(directory.path): \(error)")
        }
    }

    /// Copies the eUICC certificate and key (mode 0600), the EUM and CI certificates and the PKI's further
    /// CIs (`pki init --extra-ci`) from `source` into `target` (mode 0700). Writes nothing without a key.
    public static func provisionIdentity(from source: URL, into target: URL) throws(SoftEUICCProvisioningError) {
        var files: [(String, mode_t)] = [(PKIDirectoryLayout.keyName(.euicc), 0o600)]
        for role in [SGP22CertificateRole.euicc, .eum, .ci] {
            files.append((PKIDirectoryLayout.derName(role), 0o644))
            files.append((PKIDirectoryLayout.pemName(role), 0o644))
        }
        let present = files.filter { FileManager.default.fileExists(atPath: source.appendingPathComponent($0.0).path) }
        guard present.contains(where: { $0.0 == PKIDirectoryLayout.keyName(.euicc) }) else {
            throw .noEUICCKey(pkiDirectory: source.path)
        }
        do {
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for (name, mode) in present {
                let bytes = Array(try Data(contentsOf: source.appendingPathComponent(name)))
                try SecureFileWriter.write(bytes, to: target.appendingPathComponent(name), mode: mode)
            }
            let extraCIs = ExtraCIFolder(pkiDirectory: target)
            for file in PKIDirectoryLayout.extraCIFiles(in: source) {
                try extraCIs.add(certificateBytes: Array(try Data(contentsOf: file)))
            }
        } catch {
            throw .failed("cannot create the software eUICC identity in \(target.path): \(error)")
        }
    }
}
