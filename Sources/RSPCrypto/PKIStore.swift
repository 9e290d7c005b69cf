import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import X509

/// File names of a PKI directory. Certificates may be PEM (`<name>.pem`) or DER (`<name>.der`) or both
/// (then they must be the same certificate); private keys are `<name>.key.pem` (PKCS#8 or SEC1), optional.
public enum PKIDirectoryLayout {
    public static func baseName(_ role: SGP22CertificateRole) -> String {
        switch role {
        case .ci: return "ci"
        case .eum: return "eum"
        case .euicc: return "euicc"
        case .dpAuth: return "dp-auth"
        case .dpPb: return "dp-pb"
        case .dpTLS: return "dp-tls"
        }
    }

    public static func pemName(_ role: SGP22CertificateRole) -> String { baseName(role) + ".pem" }
    public static func derName(_ role: SGP22CertificateRole) -> String { baseName(role) + ".der" }
    public static func keyName(_ role: SGP22CertificateRole) -> String { baseName(role) + ".key.pem" }

    /// The folder inside a PKI directory whose certificate files (`.pem`, `.der`, `.crt`; bundles allowed)
    /// are further trusted CIs (`openrsp euicc ci add`, `openrsp pki init --extra-ci`).
    public static let extraCIDirectory = "ci-extra"

    /// The certificate files in `directory/ci-extra`, sorted by name.
    public static func extraCIFiles(in directory: URL) -> [URL] {
        let folder = directory.appendingPathComponent(extraCIDirectory, isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".pem") || $0.hasSuffix(".der") || $0.hasSuffix(".crt") }.sorted()
            .map { folder.appendingPathComponent($0) }
    }

    /// One line per role, for `--help`.
    public static var documentation: String {
        SGP22CertificateRole.allCases.map {
            "\($0.rawValue): \(pemName($0)) and/or \(derName($0)), key \(keyName($0))"
        }.joined(separator: "\n")
    }
}

/// Errors writing or loading a PKI directory.
public enum PKIStoreError: Error, CustomStringConvertible {
    case alreadyExists(String)
    case missingCertificate(role: SGP22CertificateRole, directory: String)
    case decoding(file: String, PKIDecodingError)
    case pemAndDERDiffer(role: SGP22CertificateRole)
    case keyDoesNotMatchCertificate(role: SGP22CertificateRole)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .alreadyExists(let p): return "a PKI already exists at \(p) (use --force to replace it)"
        case .missingCertificate(let r, let d): return "no \(r.rawValue) certificate (\(PKIDirectoryLayout.pemName(r)) or \(PKIDirectoryLayout.derName(r))) in \(d)"
        case .decoding(let f, let e): return "\(f): \(e)"
        case .pemAndDERDiffer(let r): return "\(PKIDirectoryLayout.pemName(r)) and \(PKIDirectoryLayout.derName(r)) hold different certificates"
        case .keyDoesNotMatchCertificate(let r): return "\(PKIDirectoryLayout.keyName(r)) does not match the \(r.rawValue) certificate's public key"
        case .io(let p, let r): return "\(p): \(r)"
        }
    }
}

/// Writes files; private keys go to a temporary file created with mode 0600 and are renamed into place.
public enum SecureFileWriter {
    public static func write(_ bytes: [UInt8], to url: URL, mode: mode_t) throws(PKIStoreError) {
        let directory = url.deletingLastPathComponent()
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw .io(path: temp.path, reason: String(cString: strerror(errno))) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        var ok = true
        do {
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
        } catch {
            ok = false
        }
        let closed = close(fd) == 0
        guard ok, closed, chmod(temp.path, mode) == 0 else {
            unlink(temp.path)
            throw .io(path: temp.path, reason: "write failed")
        }
        guard rename(temp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp.path)
            throw .io(path: url.path, reason: reason)
        }
    }
}

/// Writes a generated PKI as DER + PEM certificates and PKCS#8 PEM keys (0600).
public enum PKIWriter {
    /// Whether any PKI file exists in `directory`.
    public static func existingFiles(in directory: URL) -> [String] {
        SGP22CertificateRole.allCases.flatMap {
            [PKIDirectoryLayout.pemName($0), PKIDirectoryLayout.derName($0), PKIDirectoryLayout.keyName($0)]
        }.filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    /// Writes every file; refuses if any PKI file exists unless `overwrite`. Returns the written file names.
    @discardableResult
    public static func write(_ pki: TestPKI, to directory: URL, overwrite: Bool) throws -> [String] {
        if !overwrite, !existingFiles(in: directory).isEmpty {
            throw PKIStoreError.alreadyExists(directory.path)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PKIStoreError.io(path: directory.path, reason: "\(error)")
        }
        var written: [String] = []
        for entity in pki.all {
            let role = entity.role
            try SecureFileWriter.write(Array(PKIEncoding.pem(entity.privateKey).utf8), to: directory.appendingPathComponent(PKIDirectoryLayout.keyName(role)), mode: 0o600)
            try SecureFileWriter.write(try PKIEncoding.der(entity.certificate), to: directory.appendingPathComponent(PKIDirectoryLayout.derName(role)), mode: 0o644)
            try SecureFileWriter.write(Array(try PKIEncoding.pem(entity.certificate).utf8), to: directory.appendingPathComponent(PKIDirectoryLayout.pemName(role)), mode: 0o644)
            written += [PKIDirectoryLayout.keyName(role), PKIDirectoryLayout.derName(role), PKIDirectoryLayout.pemName(role)]
        }
        return written
    }
}

/// A PKI loaded from disk: one certificate per role and the private keys that were present.
public struct LoadedPKI: Sendable {
    public let directory: URL
    public let certificates: [SGP22CertificateRole: Certificate]
    public let privateKeys: [SGP22CertificateRole: P256.Signing.PrivateKey]
    /// The file each certificate was read from.
    public let sources: [SGP22CertificateRole: String]
    /// CIs trusted besides `certificates[.ci]`: the further certificates of a `ci.pem` bundle and the
    /// files in `ci-extra/` (e.g. the GSMA SGP.26 test CI next to one's own).
    public let extraCIs: [Certificate]
}

/// One row of `openrsp pki verify`.
public struct PKIVerificationRow: Sendable, Codable, Equatable {
    public let certificate: String
    public let role: String
    public let subject: String
    public let notAfter: String
    public let valid: Bool
    public let result: String
}

/// Loads a PKI directory (any issuer's files, PEM or DER) and validates each chain by SGP.22 rules.
public enum PKILoader {
    public static func load(from directory: URL) throws(PKIStoreError) -> LoadedPKI {
        var certificates: [SGP22CertificateRole: Certificate] = [:]
        var keys: [SGP22CertificateRole: P256.Signing.PrivateKey] = [:]
        var sources: [SGP22CertificateRole: String] = [:]
        var extraCIs: [Certificate] = []
        for role in SGP22CertificateRole.allCases {
            let pemURL = directory.appendingPathComponent(PKIDirectoryLayout.pemName(role))
            let derURL = directory.appendingPathComponent(PKIDirectoryLayout.derName(role))
            // A PEM file may be a bundle: the first certificate is the role's (a TLS chain is leaf first);
            // the further certificates of `ci.pem` are further trusted CIs.
            let pemBundle = try readCertificates(pemURL)
            let fromPEM = pemBundle?.first
            let fromDER = try readCertificate(derURL)
            if role == .ci, let pemBundle { extraCIs += pemBundle.dropFirst() }
            switch (fromPEM, fromDER) {
            case (nil, nil):
                throw .missingCertificate(role: role, directory: directory.path)
            case (let pem?, let der?):
                guard pem == der else { throw .pemAndDERDiffer(role: role) }
                certificates[role] = pem
                sources[role] = pemURL.lastPathComponent
            case (let pem?, nil):
                certificates[role] = pem
                sources[role] = pemURL.lastPathComponent
            case (nil, let der?):
                certificates[role] = der
                sources[role] = derURL.lastPathComponent
            }
            let keyURL = directory.appendingPathComponent(PKIDirectoryLayout.keyName(role))
            if let bytes = try readIfPresent(keyURL) {
                let key: P256.Signing.PrivateKey
                do throws(PKIDecodingError) { key = try PKIDecoder.privateKey(bytes) } catch { throw .decoding(file: keyURL.lastPathComponent, error) }
                guard let cert = certificates[role], Certificate.PublicKey(key.publicKey) == cert.publicKey else {
                    throw .keyDoesNotMatchCertificate(role: role)
                }
                keys[role] = key
            }
        }
        for url in PKIDirectoryLayout.extraCIFiles(in: directory) {
            guard let bundle = try readCertificates(url) else { continue }
            extraCIs += bundle
        }
        return LoadedPKI(directory: directory, certificates: certificates, privateKeys: keys, sources: sources, extraCIs: extraCIs)
    }

    static func readIfPresent(_ url: URL) throws(PKIStoreError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber,
           size.intValue > PKIDecoder.maxInputBytes {
            throw .decoding(file: url.lastPathComponent, .oversized(size.intValue))
        }
        do { return Array(try Data(contentsOf: url)) } catch { throw .io(path: url.path, reason: "\(error)") }
    }

    static func readCertificates(_ url: URL) throws(PKIStoreError) -> [Certificate]? {
        guard let bytes = try readIfPresent(url) else { return nil }
        do throws(PKIDecodingError) { return try PKIDecoder.certificates(bytes) } catch { throw .decoding(file: url.lastPathComponent, error) }
    }

    static func readCertificate(_ url: URL) throws(PKIStoreError) -> Certificate? {
        guard let bytes = try readIfPresent(url) else { return nil }
        do throws(PKIDecodingError) { return try PKIDecoder.certificate(bytes) } catch { throw .decoding(file: url.lastPathComponent, error) }
    }

    /// Validates CI (trust-store admission, self-signature, validity), CI → EUM → eUICC and CI → DP* at `time`.
    public static func verify(_ pki: LoadedPKI, at time: Date) async -> [PKIVerificationRow] {
        var rows: [PKIVerificationRow] = []
        func row(_ role: SGP22CertificateRole, _ valid: Bool, _ result: String) {
            guard let cert = pki.certificates[role] else { return }
            rows.append(PKIVerificationRow(
                certificate: pki.sources[role] ?? "", role: role.rawValue, subject: cert.subject.description,
                notAfter: ISO8601DateFormatter().string(from: cert.notValidAfter), valid: valid, result: result))
        }
        guard let ci = pki.certificates[.ci] else { return rows }
        var store = CITrustStore()
        do {
            try store.add(ci)
            if !ci.publicKey.isValidSignature(ci.signature, for: ci) {
                row(.ci, false, "self-signature does not verify")
            } else if time > ci.notValidAfter || time < ci.notValidBefore {
                row(.ci, false, "outside its validity period")
            } else {
                row(.ci, true, "ok")
            }
        } catch {
            row(.ci, false, "\(error)")
        }
        if let euicc = pki.certificates[.euicc], let eum = pki.certificates[.eum] {
            let outcome = await SGP22ChainValidator.validate(leaf: euicc, role: .euicc, intermediates: [eum], trustedCI: ci, at: time)
            let text = outcome.isValid ? "ok (chain CI → EUM → eUICC)" : outcome.failureReasons.joined(separator: "; ")
            row(.eum, outcome.isValid, text)
            row(.euicc, outcome.isValid, text)
        }
        for role in [SGP22CertificateRole.dpAuth, .dpPb, .dpTLS] {
            guard let leaf = pki.certificates[role] else { continue }
            let outcome = await SGP22ChainValidator.validate(leaf: leaf, role: role, trustedCI: ci, at: time)
            row(role, outcome.isValid, outcome.isValid ? "ok (chain CI → \(role.rawValue))" : outcome.failureReasons.joined(separator: "; "))
        }
        return rows
    }
}
