// The subscriber id that roaming messages and records carry instead of the IMSI (issue 19): a keyed
// hash only the home network (and whoever it shares the key with) can link back to an IMSI.
import Crypto
import EthereumCore
import Foundation

/// Why an IMSI or a pseudonym key was refused.
public enum RoamingInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An IMSI is 6 to 15 decimal digits (3GPP TS 23.003 §2.2: MCC 3, MNC 2–3, MSIN up to 10).
    case invalidIMSI
    /// The pseudonym key is at least 32 bytes.
    case shortPseudonymKey(Int)

    public var description: String {
        switch self {
        case .invalidIMSI: "IMSI: 6 to 15 decimal digits"
        case .shortPseudonymKey(let n): "pseudonym key: \(n) bytes, at least 32 needed"
        }
    }
}

/// HMAC-SHA-256(key, IMSI as ASCII digits): `roaming.imsi_pseudonym` in contracts/roaming.py, and the
/// `imsiPseudonym` of RoamingClearing's records.
public struct IMSIPseudonym: Sendable, Hashable {
    public let value: Hash32

    public init(imsi: String, key: [UInt8]) throws(RoamingInputError) {
        guard (6...15).contains(imsi.utf8.count), imsi.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .invalidIMSI
        }
        guard key.count >= 32 else { throw .shortPseudonymKey(key.count) }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(imsi.utf8), using: SymmetricKey(data: key))
        value = try! Hash32(Array(mac))   // SHA-256: always 32 bytes
    }

    public init(value: Hash32) { self.value = value }
}
