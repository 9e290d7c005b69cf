// Web3 Secret Storage (keystore v3): scrypt or PBKDF2-HMAC-SHA256 key derivation, AES-128-CTR,
// MAC = Keccak-256(derivedKey[16..<32] || ciphertext).
import Crypto
import _CryptoExtras
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors from keystore decryption, encryption and file handling.
public enum KeystoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidJSON(String)
    case unsupportedVersion(Int)
    case unsupportedCipher(String)
    case unsupportedKDF(String)
    case invalidKDFParameters(String)
    case invalidHex(field: String)
    /// Wrong password (or a tampered file): the Keccak MAC does not match.
    case macMismatch
    case invalidPrivateKey(Secp256k1Error)
    case cryptoFailure(String)
    case fileError(String)

    public var description: String {
        switch self {
        case .invalidJSON(let m): return "keystore: invalid JSON (\(m))"
        case .unsupportedVersion(let v): return "keystore: unsupported version \(v)"
        case .unsupportedCipher(let c): return "keystore: unsupported cipher \(c)"
        case .unsupportedKDF(let k): return "keystore: unsupported KDF \(k)"
        case .invalidKDFParameters(let m): return "keystore: invalid KDF parameters (\(m))"
        case .invalidHex(let f): return "keystore: field \(f) is not hex"
        case .macMismatch: return "keystore: MAC mismatch (wrong password or corrupted file)"
        case .invalidPrivateKey(let e): return "keystore: decrypted key invalid: \(e)"
        case .cryptoFailure(let m): return "keystore: \(m)"
        case .fileError(let m): return "keystore: \(m)"
        }
    }
}

/// The keystore v3 JSON document.
public struct KeystoreFile: Codable, Sendable, Equatable {
    public struct CipherParams: Codable, Sendable, Equatable { public var iv: String }
    /// Union of scrypt (n, r, p) and PBKDF2 (c, prf) parameters.
    public struct KDFParams: Codable, Sendable, Equatable {
        public var dklen: Int
        public var salt: String
        public var n: Int?
        public var r: Int?
        public var p: Int?
        public var c: Int?
        public var prf: String?
    }
    public struct CryptoSection: Codable, Sendable, Equatable {
        public var cipher: String
        public var cipherparams: CipherParams
        public var ciphertext: String
        public var kdf: String
        public var kdfparams: KDFParams
        public var mac: String
    }

    public var crypto: CryptoSection
    public var id: String
    public var version: Int
    /// Lower-case hex without 0x, as geth writes it. Informational; not trusted on decrypt.
    public var address: String?

    enum CodingKeys: String, CodingKey { case crypto, legacyCrypto = "Crypto", id, version, address }

    public init(crypto: CryptoSection, id: String, version: Int, address: String?) {
        self.crypto = crypto; self.id = id; self.version = version; self.address = address
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        crypto = try c.decodeIfPresent(CryptoSection.self, forKey: .crypto) ?? c.decode(CryptoSection.self, forKey: .legacyCrypto)
        id = try c.decode(String.self, forKey: .id)
        version = try c.decode(Int.self, forKey: .version)
        address = try c.decodeIfPresent(String.self, forKey: .address)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(crypto, forKey: .crypto)
        try c.encode(id, forKey: .id)
        try c.encode(version, forKey: .version)
        try c.encodeIfPresent(address, forKey: .address)
    }
}

/// Key derivation choice for new keystores.
public enum KeystoreKDF: Sendable {
    case scrypt(n: Int, r: Int, p: Int)
    case pbkdf2(iterations: Int)
    /// geth's "standard" scrypt parameters.
    public static let standard = KeystoreKDF.scrypt(n: 262_144, r: 8, p: 1)
}

public enum Keystore {
    /// Upper bounds that keep a hostile file from exhausting memory or time.
    static let maxScryptMemory = 1 << 30
    static let maxPBKDF2Iterations = 10_000_000

    public static func decrypt(_ json: Data, password: String) throws(KeystoreError) -> PrivateKey {
        let file: KeystoreFile
        do { file = try JSONDecoder().decode(KeystoreFile.self, from: json) } catch { throw .invalidJSON("\(error)") }
        return try decrypt(file, password: password)
    }

    public static func decrypt(_ file: KeystoreFile, password: String) throws(KeystoreError) -> PrivateKey {
        guard file.version == 3 else { throw .unsupportedVersion(file.version) }
        let c = file.crypto
        guard c.cipher == "aes-128-ctr" else { throw .unsupportedCipher(c.cipher) }
        let iv = try hexField(c.cipherparams.iv, "cipherparams.iv")
        guard iv.count == 16 else { throw .invalidKDFParameters("iv must be 16 bytes") }
        let ciphertext = try hexField(c.ciphertext, "ciphertext")
        let mac = try hexField(c.mac, "mac")
        let derived = try deriveKey(password: password, kdf: c.kdf, params: c.kdfparams)
        let expected = Keccak256.digest(Array(derived[16..<32]) + ciphertext)
        guard mac.count == 32, constantTimeEqual(expected, mac) else { throw .macMismatch }
        let plain = try aes128CTR(key: Array(derived[0..<16]), iv: iv, ciphertext)
        do { return try PrivateKey(plain) } catch { throw .invalidPrivateKey(error) }
    }

    /// Encrypts `key` into a new keystore v3 document with a random salt, IV and UUID.
    public static func encrypt(_ key: PrivateKey, password: String, kdf: KeystoreKDF = .standard) throws(KeystoreError) -> KeystoreFile {
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let iv = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let params: KeystoreFile.KDFParams, kdfName: String
        switch kdf {
        case .scrypt(let n, let r, let p):
            kdfName = "scrypt"
            params = .init(dklen: 32, salt: Hex.encode(salt, prefix: false), n: n, r: r, p: p, c: nil, prf: nil)
        case .pbkdf2(let iterations):
            kdfName = "pbkdf2"
            params = .init(dklen: 32, salt: Hex.encode(salt, prefix: false), n: nil, r: nil, p: nil, c: iterations, prf: "hmac-sha256")
        }
        let derived = try deriveKey(password: password, kdf: kdfName, params: params)
        let ciphertext = try aes128CTR(key: Array(derived[0..<16]), iv: iv, key.rawBytes)
        let mac = Keccak256.digest(Array(derived[16..<32]) + ciphertext)
        let address: String
        do { address = Hex.encode(try key.address().bytes, prefix: false) } catch { throw .invalidPrivateKey(error) }
        let crypto = KeystoreFile.CryptoSection(
            cipher: "aes-128-ctr", cipherparams: .init(iv: Hex.encode(iv, prefix: false)),
            ciphertext: Hex.encode(ciphertext, prefix: false), kdf: kdfName, kdfparams: params, mac: Hex.encode(mac, prefix: false))
        return KeystoreFile(crypto: crypto, id: UUID().uuidString.lowercased(), version: 3, address: address)
    }

    /// Writes the keystore JSON with mode 0600: a temp file created 0600 (O_EXCL) in the same directory, then rename.
    public static func write(_ file: KeystoreFile, to path: String) throws(KeystoreError) {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            data = try encoder.encode(file)
        } catch { throw .invalidJSON("\(error)") }
        let tmp = path + ".tmp-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .fileError("cannot create \(tmp): errno \(errno)") }
        let written = data.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == data.count, synced == 0 else {
            unlink(tmp)
            throw .fileError("short write to \(tmp)")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw .fileError("cannot rename to \(path): errno \(errno)")
        }
    }

    public static func read(path: String, password: String) throws(KeystoreError) -> PrivateKey {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw .fileError("cannot read \(path)") }
        return try decrypt(data, password: password)
    }

    static func deriveKey(password: String, kdf: String, params p: KeystoreFile.KDFParams) throws(KeystoreError) -> [UInt8] {
        guard p.dklen == 32 else { throw .invalidKDFParameters("dklen must be 32") }
        let salt = try hexField(p.salt, "kdfparams.salt")
        let pw = Array(password.utf8)
        do {
            switch kdf {
            case "scrypt":
                guard let n = p.n, let r = p.r, let pp = p.p, n > 1, n & (n - 1) == 0, r >= 1, pp >= 1,
                      r <= 1 << 10, pp <= 1 << 10, 128 * r * n <= maxScryptMemory else {
                    throw KeystoreError.invalidKDFParameters("scrypt n must be a power of two > 1, r and p positive, memory ≤ 1 GiB")
                }
                // BoringSSL refuses N >= 2^(16·r) (RFC 7914's bound); such files exist (the spec's own
                // test vector), so those use the RFC 7914 implementation in Scrypt.swift.
                if r >= 4 || n < 1 << (16 * r) {
                    let key = try KDF.Scrypt.deriveKey(from: pw, salt: salt, outputByteCount: 32, rounds: n, blockSize: r, parallelism: pp)
                    return key.withUnsafeBytes { Array($0) }
                }
                return try ScryptRFC7914.derive(password: pw, salt: salt, n: n, r: r, p: pp, length: 32)
            case "pbkdf2":
                guard p.prf == "hmac-sha256" else { throw KeystoreError.unsupportedKDF("pbkdf2 with prf \(p.prf ?? "none")") }
                guard let c = p.c, c >= 1, c <= maxPBKDF2Iterations else {
                    throw KeystoreError.invalidKDFParameters("pbkdf2 iterations must be 1…\(maxPBKDF2Iterations)")
                }
                let key = try KDF.Insecure.PBKDF2.deriveKey(from: pw, salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: c)
                return key.withUnsafeBytes { Array($0) }
            default:
                throw KeystoreError.unsupportedKDF(kdf)
            }
        } catch let e as KeystoreError {
            throw e
        } catch {
            throw .cryptoFailure("key derivation failed: \(error)")
        }
    }

    static func aes128CTR(key: [UInt8], iv: [UInt8], _ input: [UInt8]) throws(KeystoreError) -> [UInt8] {
        do {
            let out = try AES._CTR.encrypt(input, using: SymmetricKey(data: key), nonce: AES._CTR.Nonce(nonceBytes: iv))
            return Array(out)
        } catch { throw .cryptoFailure("AES-128-CTR failed: \(error)") }
    }

    static func hexField(_ text: String, _ field: String) throws(KeystoreError) -> [UInt8] {
        do { return try Hex.decode(text) } catch { throw .invalidHex(field: field) }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
