import Crypto
import Foundation
import RSPASN1

/// ANSI X9.63 key derivation with SHA-256 (SEC 1 §3.6.1, NIST SP 800-135 §4.1):
/// `K_i = SHA256(Z ‖ counter32be(i) ‖ SharedInfo)`, i = 1, 2, …, output truncated to `length`.
public enum X963KDF {
    public struct OutputTooLong: Error, CustomStringConvertible {
        public let requested: Int
        public var description: String { "X9.63 KDF output length \(requested) exceeds the allowed maximum" }
    }

    public static func sha256(sharedSecret: [UInt8], sharedInfo: [UInt8], length: Int) throws(OutputTooLong) -> [UInt8] {
        // SEC 1 limits keydatalen to hashlen × (2^32 − 1); we also refuse absurd sizes for memory reasons.
        guard length >= 0, length <= 1 << 20 else { throw OutputTooLong(requested: length) }
        return derive(sharedSecret: sharedSecret, sharedInfo: sharedInfo, length: length)
    }

    static func derive(sharedSecret: [UInt8], sharedInfo: [UInt8], length: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(length + 32)
        var counter: UInt32 = 1
        while output.count < length {
            var hasher = SHA256()
            hasher.update(data: sharedSecret)
            hasher.update(data: [UInt8(counter >> 24), UInt8((counter >> 16) & 0xFF), UInt8((counter >> 8) & 0xFF), UInt8(counter & 0xFF)])
            hasher.update(data: sharedInfo)
            output.append(contentsOf: hasher.finalize())
            counter += 1
        }
        return Array(output.prefix(length))
    }
}

/// Errors from BSP session-key derivation.
public enum BSPKeyDerivationError: Error, Equatable, CustomStringConvertible {
    /// hostId (CRT tag `84`) must be 1–16 bytes.
    case invalidHostIdLength(Int)
    /// ShS must be 32 bytes (P-256 X coordinate).
    case invalidSharedSecretLength(Int)

    public var description: String {
        switch self {
        case .invalidHostIdLength(let n): return "BSP hostId must be 1–16 bytes, got \(n)"
        case .invalidSharedSecretLength(let n): return "ECKA shared secret must be 32 bytes, got \(n)"
        }
    }
}

/// The three 16-byte values produced by the BSP key agreement (SGP.22 §2.6.4 / SGP22-NOTES §3):
/// KDF output bytes [0,16) = initial MCV, [16,32) = S-ENC, [32,48) = S-MAC.
public struct BSPSessionKeys: Hashable, Sendable, CustomStringConvertible {
    /// Redacted, so keys never reach logs through string interpolation.
    public var description: String { "BSPSessionKeys(<redacted>)" }

    public let initialMCV: [UInt8]
    public let sEnc: [UInt8]
    public let sMac: [UInt8]

    public init(initialMCV: [UInt8], sEnc: [UInt8], sMac: [UInt8]) throws(BSPError) {
        guard initialMCV.count == 16, sEnc.count == 16, sMac.count == 16 else {
            throw .structure("session keys and MCV must be 16 bytes each")
        }
        self.initialMCV = initialMCV
        self.sEnc = sEnc
        self.sMac = sMac
    }

    /// `SharedInfo = 88 ‖ 10 ‖ len(hostId) ‖ hostId ‖ 10 ‖ EID(16)` (keyType 88 = AES, keyLength 16).
    public static func sharedInfo(hostId: [UInt8], eid: EID) throws(BSPKeyDerivationError) -> [UInt8] {
        guard (1...16).contains(hostId.count) else { throw .invalidHostIdLength(hostId.count) }
        return [0x88, 0x10, UInt8(hostId.count)] + hostId + [0x10] + eid.bytes
    }

    /// Derives MCV / S-ENC / S-MAC from ShS with X9.63-SHA-256 over the SGP.22 SharedInfo.
    public static func derive(sharedSecret: [UInt8], hostId: [UInt8], eid: EID) throws(BSPKeyDerivationError) -> BSPSessionKeys {
        guard sharedSecret.count == 32 else { throw .invalidSharedSecretLength(sharedSecret.count) }
        let info = try sharedInfo(hostId: hostId, eid: eid)
        let okm = X963KDF.derive(sharedSecret: sharedSecret, sharedInfo: info, length: 48)
        return BSPSessionKeys(unchecked: Array(okm[0..<16]), Array(okm[16..<32]), Array(okm[32..<48]))
    }

    init(unchecked mcv: [UInt8], _ enc: [UInt8], _ mac: [UInt8]) {
        self.initialMCV = mcv
        self.sEnc = enc
        self.sMac = mac
    }
}

extension BSPSessionKeys {
    /// `ReplaceSessionKeysRequest ::= [38] SEQUENCE { initialMacChainingValue OCTET STRING, ppkEnc OCTET STRING,
    /// ppkCmac OCTET STRING }` (SGP.22 §5.5.3, tag `BF26`, automatic tags 80/81/82, each 16 bytes).
    /// DER admits exactly one encoding: `BF26 36 80 10 mcv 81 10 enc 82 10 mac` (57 bytes).
    public var replaceSessionKeysRequest: [UInt8] {
        [0xBF, 0x26, 0x36, 0x80, 0x10] + initialMCV + [0x81, 0x10] + sEnc + [0x82, 0x10] + sMac
    }

    /// Decodes a DER `ReplaceSessionKeysRequest` (the plaintext of the A2 `87` segment).
    public init(replaceSessionKeysRequest bytes: [UInt8]) throws(BSPError) {
        guard bytes.count == 57 else {
            throw .structure("ReplaceSessionKeysRequest must be 57 bytes, got \(bytes.count)")
        }
        let header: [UInt8] = [0xBF, 0x26, 0x36, 0x80, 0x10]
        guard Array(bytes[0..<5]) == header, bytes[21] == 0x81, bytes[22] == 0x10, bytes[39] == 0x82, bytes[40] == 0x10 else {
            throw .structure("not a DER ReplaceSessionKeysRequest (BF26 {80 10, 81 10, 82 10})")
        }
        self.init(unchecked: Array(bytes[5..<21]), Array(bytes[23..<39]), Array(bytes[41..<57]))
    }
}
