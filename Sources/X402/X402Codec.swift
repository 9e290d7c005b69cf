// Base64 JSON header values and CAIP-2 network names.
import EthereumCore
import Foundation

/// Why a header or body could not be read.
public struct X402FormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum X402Codec {
    /// Largest header value read (a payment is < 2 KiB; this leaves room and bounds the work).
    public static let maxHeaderBytes = 8 * 1024

    public static func encodeHeader(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain value types cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return data.base64EncodedString()
    }

    public static func decodeHeader<T: Decodable>(_ type: T.Type, _ value: String) throws(X402FormatError) -> T {
        guard value.utf8.count <= maxHeaderBytes else { throw X402FormatError("header longer than \(maxHeaderBytes) bytes") }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: trimmed) ?? Data(base64Encoded: Self.padded(trimmed)) else {
            throw X402FormatError("header is not base64")
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw X402FormatError("header is not a valid \(T.self) JSON object")
        }
    }

    static func padded(_ text: String) -> String {
        let standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = standard.utf8.count % 4
        return remainder == 0 ? standard : standard + String(repeating: "=", count: 4 - remainder)
    }
}

/// A CAIP-2 EVM network, `eip155:<chainId>`; v1's legacy names map to their chain ids.
public struct X402Network: Sendable, Hashable, CustomStringConvertible {
    public let chainId: UInt64

    public init(chainId: UInt64) { self.chainId = chainId }

    /// `eip155:N`, or a v1 legacy name when `legacyNames` is set.
    public init(_ text: String, legacyNames: Bool = false) throws(X402FormatError) {
        if text.hasPrefix("eip155:"), let id = UInt64(text.dropFirst("eip155:".count)), id > 0 {
            chainId = id
        } else if legacyNames, let id = Self.v1Names[text] {
            chainId = id
        } else {
            throw X402FormatError("network \(text) is not eip155:<chainId>")
        }
    }

    public var description: String { "eip155:\(chainId)" }

    /// v1's network names (x402 v1 specification) for the chains that have one.
    static let v1Names: [String: UInt64] = [
        "base": 8453, "base-sepolia": 84532, "ethereum": 1, "polygon": 137, "polygon-amoy": 80002,
        "avalanche": 43114, "avalanche-fuji": 43113, "celo": 42220, "sei": 1329, "sei-testnet": 1328,
    ]
}
