import Foundation
import X509

/// The `ci-extra/` folder of a PKI directory: further CI certificates trusted next to `ci.pem`, one
/// PEM file per CI named by its key identifier (`<SKI hex>.pem`). `openrsp pki init --extra-ci` and
/// `openrsp euicc ci add|list|remove` manage it; `EUICCIdentity.load` and `PKILoader.load` read it.
public struct ExtraCIFolder: Sendable {
    /// One trusted CI.
    public struct Entry: Sendable, Hashable, Codable {
        /// SubjectKeyIdentifier, lower-case hex: the CI PKId that EUICCInfo1/2 list.
        public let keyId: String
        public let subject: String
        public let notValidAfter: Date
        public let file: String
    }

    public let directory: URL

    /// `pkiDirectory` is the PKI directory (the folder that holds `ci.pem`).
    public init(pkiDirectory: URL) {
        directory = pkiDirectory.appendingPathComponent(PKIDirectoryLayout.extraCIDirectory, isDirectory: true)
    }

    /// Every certificate in `bytes` (PEM bundle or DER), each checked to be an SGP.22 CI certificate
    /// (self-signed CA with keyCertSign and a SubjectKeyIdentifier), written as `<SKI>.pem`. Adding a CI
    /// that is already there rewrites the same file. Nothing is written unless every certificate passes.
    @discardableResult
    public func add(certificateBytes bytes: [UInt8]) throws -> [Entry] {
        let checked = try Self.validatedCIs(bytes)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PKIStoreError.io(path: directory.path, reason: "\(error)")
        }
        var entries: [Entry] = []
        for (keyId, certificate) in checked {
            let url = directory.appendingPathComponent("\(keyId).pem")
            try SecureFileWriter.write(Array(try PKIEncoding.pem(certificate).utf8), to: url, mode: 0o644)
            entries.append(Entry(keyId: keyId, subject: certificate.subject.description, notValidAfter: certificate.notValidAfter,
                                 file: url.path))
        }
        return entries
    }

    /// The certificates of `bytes` with their key ids, each checked to be an SGP.22 CI certificate.
    public static func validatedCIs(_ bytes: [UInt8]) throws -> [(keyId: String, certificate: Certificate)] {
        try PKIDecoder.certificates(bytes).map { certificate in
            var probe = CITrustStore()
            try probe.add(certificate)
            guard certificate.publicKey.isValidSignature(certificate.signature, for: certificate) else {
                throw CITrustStoreError.notACICertificate(subject: certificate.subject.description, reason: "self-signature does not verify")
            }
            return (HexBytes.encode(try SGP22CertificateFields.subjectKeyIdentifier(certificate)), certificate)
        }
    }

    /// The CIs in the folder, by file name.
    public func list() throws -> [Entry] {
        try PKIDirectoryLayout.extraCIFiles(in: directory.deletingLastPathComponent()).flatMap { url in
            let bytes: [UInt8]
            do { bytes = Array(try Data(contentsOf: url)) } catch { throw PKIStoreError.io(path: url.path, reason: "\(error)") }
            let certificates: [Certificate]
            do throws(PKIDecodingError) { certificates = try PKIDecoder.certificates(bytes) } catch {
                throw PKIStoreError.decoding(file: url.lastPathComponent, error)
            }
            return try certificates.map { certificate in
                Entry(keyId: HexBytes.encode(try SGP22CertificateFields.subjectKeyIdentifier(certificate)),
                      subject: certificate.subject.description, notValidAfter: certificate.notValidAfter, file: url.path)
            }
        }
    }

    /// Removes the file of the CI with key identifier `keyId` (hex, any case); returns whether one was there.
    @discardableResult
    public func remove(keyId: String) throws -> Bool {
        let wanted = keyId.lowercased()
        guard let entry = try list().first(where: { $0.keyId == wanted }) else { return false }
        do { try FileManager.default.removeItem(atPath: entry.file) } catch {
            throw PKIStoreError.io(path: entry.file, reason: "\(error)")
        }
        return true
    }
}
