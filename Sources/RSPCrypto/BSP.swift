import Crypto
import _CryptoExtras
import Foundation

/// Errors from BSP ("SCP03t") segment protection, with the SGP.22 ES8+ error they map to
/// (`BppCommandId`/`ErrorReason` in ProfileInstallationResult: scp03tStructureError(3), scp03tSecurityError(4)).
public enum BSPError: Error, Equatable, CustomStringConvertible {
    /// MAC mismatch (including replayed or reordered segments, which break the MAC chain) or bad padding.
    case security(String)
    /// Malformed TLV: unknown tag, bad length encoding, truncated, trailing bytes, oversized segment.
    case structure(String)

    /// The SGP.22 ErrorReason name this failure is reported as.
    public var sgp22ErrorReason: String {
        switch self {
        case .security: return "scp03tSecurityError"
        case .structure: return "scp03tStructureError"
        }
    }

    public var description: String {
        switch self {
        case .security(let m): return "scp03tSecurityError: \(m)"
        case .structure(let m): return "scp03tStructureError: \(m)"
        }
    }
}

/// The three BSP segment kinds of a Bound Profile Package (SGP.22 §2.5.4 / SGP22-NOTES §4–5).
public enum BSPSegmentTag: UInt8, Sendable, CaseIterable {
    /// `86`: encrypted + MAC, sequenceOf86 (the profile data).
    case profileElement = 0x86
    /// `87`: encrypted + MAC, firstSequenceOf87 (ConfigureISDP) and secondSequenceOf87 (ReplaceSessionKeys).
    case encryptedCommand = 0x87
    /// `88`: MAC only, sequenceOf88 (StoreMetadata).
    case macOnly = 0x88

    public var isEncrypted: Bool { self != .macOnly }

    /// Largest plaintext per TLV so the whole TLV (tag, length, value, MAC) is ≤ 1020 bytes (SGP.22 §2.5.3).
    public var maxPlaintextBytes: Int { isEncrypted ? 1007 : 1008 }

    /// Largest plaintext whose TLV still fits `BSPContext.maxReceivedSegmentBytes` (tag, 3-byte length,
    /// padding to 16, 8-byte MAC): what an interop test may generate to emulate other SM-DP+s.
    public var maxInteropPlaintextBytes: Int {
        let room = BSPContext.maxReceivedSegmentBytes - 4 - 8
        return isEncrypted ? (room / 16) * 16 - 1 : room
    }
}

/// One BSP session context: S-ENC, S-MAC, the MAC chaining value and the ICV block counter (starting at 1).
/// Both sides hold one: the SM-DP+ protects, the eUICC verifies and decrypts; segments must be processed in order.
public struct BSPContext: Sendable, CustomStringConvertible {
    /// Shows only the counter, so keys never reach logs through string interpolation.
    public var description: String { "BSPContext(counter: \(counter))" }

    private var sEnc: [UInt8]
    private var sMac: [UInt8]
    /// The current MAC chaining value (the full CMAC of the last segment, or the initial MCV).
    public private(set) var mcv: [UInt8]
    /// The block counter for the next segment's ICV.
    public private(set) var counter: UInt64

    /// Largest TLV the SM-DP+ side generates (tag + length + value incl. MAC), SGP.22 §2.5.3.
    public static let maxSegmentBytes = 1020
    /// Largest TLV the eUICC side accepts. Deployed SM-DP+s cut the UPP into 1008-byte plaintext
    /// pieces (1036-byte `86` TLVs after padding and MAC); anything well formed up to this bound is
    /// accepted (Postel), and `isOversized` lets the receiver log it.
    public static let maxReceivedSegmentBytes = 2048

    /// Whether a received TLV is larger than what SGP.22 lets an SM-DP+ generate (accepted, but worth a log line).
    public static func isOversized(_ tlv: [UInt8]) -> Bool { tlv.count > maxSegmentBytes }

    public init(keys: BSPSessionKeys) {
        self.sEnc = keys.sEnc
        self.sMac = keys.sMac
        self.mcv = keys.initialMCV
        self.counter = 1
    }

    /// ReplaceSessionKeys (SGP.22 `BF26`): new S-ENC (ppkEnc), S-MAC (ppkCmac) and MCV; the counter restarts at 1.
    public mutating func replaceSessionKeys(_ keys: BSPSessionKeys) {
        self = BSPContext(keys: keys)
    }

    // MARK: Protect (SM-DP+ side)

    /// Protects one plaintext as one TLV: `86`/`87` encrypted + MAC, `88` MAC only. Advances counter and MCV.
    /// `limit` is the largest plaintext allowed: SGP.22's `tag.maxPlaintextBytes` unless a caller
    /// deliberately emulates a peer that cuts larger pieces (then at most `tag.maxInteropPlaintextBytes`).
    public mutating func protect(_ plaintext: [UInt8], tag: BSPSegmentTag, limit: Int? = nil) throws(BSPError) -> [UInt8] {
        let limit = min(limit ?? tag.maxPlaintextBytes, tag.maxInteropPlaintextBytes)
        guard plaintext.count <= limit else {
            throw .structure("segment plaintext of \(plaintext.count) bytes exceeds \(limit) for tag \(String(format: "%02X", tag.rawValue))")
        }
        var padded = plaintext
        if tag.isEncrypted {
            padded.append(0x80)
            while padded.count % 16 != 0 { padded.append(0) }
        }
        return try protect(alreadyPadded: padded, tag: tag)
    }

    /// Protects bytes that are already block-aligned (encrypted tags) without adding the `80 00…` padding.
    /// Internal: lets tests build a correctly MACed segment with invalid padding.
    mutating func protect(alreadyPadded padded: [UInt8], tag: BSPSegmentTag) throws(BSPError) -> [UInt8] {
        let icv = try nextICV()
        let body: [UInt8]
        if tag.isEncrypted {
            guard padded.count % 16 == 0 else { throw .structure("padded plaintext is not block-aligned") }
            body = try cbc(encrypt: true, padded, iv: icv)
        } else {
            body = padded
        }
        let tagAndLength = [tag.rawValue] + BERLength.encode(body.count + 8)
        let full = try cmac(mcv + tagAndLength + body)
        counter += 1
        mcv = full
        return tagAndLength + body + Array(full[0..<8])
    }

    /// Splits `data` into segments of at most `pieceBytes` (default `tag.maxPlaintextBytes`) and protects
    /// each in order. Empty data yields one empty segment.
    public mutating func protectSegmented(_ data: [UInt8], tag: BSPSegmentTag, pieceBytes: Int? = nil) throws(BSPError) -> [[UInt8]] {
        let piece = pieceBytes ?? tag.maxPlaintextBytes
        guard piece > 0, piece <= tag.maxInteropPlaintextBytes else {
            throw .structure("piece size \(piece) is outside 1...\(tag.maxInteropPlaintextBytes) for tag \(String(format: "%02X", tag.rawValue))")
        }
        var segments: [[UInt8]] = []
        var offset = 0
        repeat {
            let end = min(offset + piece, data.count)
            segments.append(try protect(Array(data[offset..<end]), tag: tag, limit: piece))
            offset = end
        } while offset < data.count
        return segments
    }

    // MARK: Verify and decrypt (eUICC side)

    /// Verifies the MAC of one received TLV against the current MCV, decrypts it (86/87) and removes padding.
    /// On success the context advances (counter +1, MCV = full CMAC); on any failure it is left unchanged.
    public mutating func unprotect(_ tlv: [UInt8]) throws(BSPError) -> (tag: BSPSegmentTag, plaintext: [UInt8]) {
        guard tlv.count <= Self.maxReceivedSegmentBytes else {
            throw .structure("segment of \(tlv.count) bytes exceeds the \(Self.maxReceivedSegmentBytes)-byte receive limit")
        }
        guard let first = tlv.first else { throw .structure("empty segment") }
        guard let tag = BSPSegmentTag(rawValue: first) else {
            throw .structure(String(format: "unexpected segment tag %02X", first))
        }
        let (length, headerSize) = try BERLength.decode(tlv, at: 1)
        guard headerSize + length == tlv.count else {
            throw .structure("length field says \(length) bytes, \(tlv.count - headerSize) present")
        }
        guard length >= 8 else { throw .structure("segment shorter than its 8-byte MAC") }
        let body = Array(tlv[headerSize..<(tlv.count - 8)])
        let receivedMAC = Array(tlv[(tlv.count - 8)...])
        if tag.isEncrypted, body.isEmpty || body.count % 16 != 0 {
            throw .structure("ciphertext length \(body.count) is not a positive multiple of 16")
        }
        let full = try cmac(mcv + Array(tlv[0..<headerSize]) + body)
        guard constantTimeEqual(Array(full[0..<8]), receivedMAC) else {
            throw .security("MAC verification failed (wrong key, tampered, replayed or out-of-order segment)")
        }
        let plaintext: [UInt8]
        if tag.isEncrypted {
            let icv = try nextICV()
            let padded = try cbc(encrypt: false, body, iv: icv)
            guard let marker = padded.lastIndex(where: { $0 != 0 }), padded[marker] == 0x80 else {
                throw .security("bad padding after decryption")
            }
            plaintext = Array(padded[..<marker])
        } else {
            plaintext = body
        }
        counter += 1
        mcv = full
        return (tag, plaintext)
    }

    // MARK: Primitives

    /// ICV = AES-ECB(S-ENC, counter as 16-byte big-endian).
    private func nextICV() throws(BSPError) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 16)
        var c = counter
        for i in stride(from: 15, through: 8, by: -1) {
            block[i] = UInt8(c & 0xFF)
            c >>= 8
        }
        do {
            try AES.permute(&block, key: SymmetricKey(data: sEnc))
        } catch {
            throw .security("AES block operation failed: \(error)")
        }
        return block
    }

    private func cbc(encrypt: Bool, _ data: [UInt8], iv: [UInt8]) throws(BSPError) -> [UInt8] {
        do {
            let key = SymmetricKey(data: sEnc)
            let ivValue = try AES._CBC.IV(ivBytes: iv)
            if encrypt {
                return Array(try AES._CBC.encrypt(data, using: key, iv: ivValue, noPadding: true))
            }
            return Array(try AES._CBC.decrypt(data, using: key, iv: ivValue, noPadding: true))
        } catch {
            throw .security("AES-CBC failed: \(error)")
        }
    }

    private func cmac(_ data: [UInt8]) throws(BSPError) -> [UInt8] {
        do {
            return try AESCMAC.mac(data, key: sMac)
        } catch {
            throw .security("AES-CMAC failed: \(error)")
        }
    }
}

/// AES-CMAC (NIST SP 800-38B, RFC 4493) via swift-crypto's `AES.CMAC`, full 16-byte tag.
public enum AESCMAC {
    /// Throws for key sizes other than 128, 192 or 256 bits.
    public static func mac(_ data: [UInt8], key: [UInt8]) throws -> [UInt8] {
        var mac = try AES.CMAC(key: SymmetricKey(data: key))
        mac.update(data: data)
        return mac.finalize().withUnsafeBytes { Array($0) }
    }
}

/// BER definite length (X.690 §8.1.3) as used in BSP TLVs: `xx`, `81 xx`, `82 xx xx`.
public enum BERLength {
    public static func encode(_ length: Int) -> [UInt8] {
        if length < 0x80 { return [UInt8(length)] }
        if length <= 0xFF { return [0x81, UInt8(length)] }
        if length <= 0xFFFF { return [0x82, UInt8(length >> 8), UInt8(length & 0xFF)] }
        return [0x83, UInt8(length >> 16), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
    }

    /// Decodes the length starting at `index`; returns the length and the offset of the first value byte.
    public static func decode(_ bytes: [UInt8], at index: Int) throws(BSPError) -> (length: Int, valueOffset: Int) {
        guard index < bytes.count else { throw .structure("truncated before length") }
        let first = bytes[index]
        if first < 0x80 { return (Int(first), index + 1) }
        let count = Int(first & 0x7F)
        guard (1...2).contains(count) else { throw .structure(String(format: "unsupported length form %02X", first)) }
        guard index + count < bytes.count else { throw .structure("truncated length field") }
        var length = 0
        for i in 1...count { length = length << 8 | Int(bytes[index + i]) }
        guard (count == 1 && length >= 0x80) || (count == 2 && length > 0xFF) else {
            throw .structure("non-minimal length encoding")
        }
        return (length, index + 1 + count)
    }
}

func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}
