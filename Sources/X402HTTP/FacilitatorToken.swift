import Crypto
import Foundation

/// Bearer tokens of the facilitator service: the server keeps only their SHA-256.
public enum FacilitatorToken {
    public static func hash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }
}
