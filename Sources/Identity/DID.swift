// Decentralized identifiers (W3C DID Core) of the three methods OpenRSP uses (issue 17 item 3, docs/IDENTITY.md):
//   did:key  — a public key itself (P-256 or secp256k1, compressed, multicodec + base58btc), resolved offline;
//   did:pkh  — an Ethereum account (CAIP-10 `eip155:<chainId>:<address>`), resolved offline;
//   did:web  — a domain that serves its DID document over HTTPS (`/.well-known/did.json` or `<path>/did.json`).
import Crypto
import EthereumCore
import Foundation

public enum DIDError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case unsupportedMethod(String)
    case unsupportedKey(String)

    public var description: String {
        switch self {
        case .malformed(let m): "DID: \(m)"
        case .unsupportedMethod(let m): "DID: method \(m) is not supported (did:key, did:pkh, did:web are)"
        case .unsupportedKey(let m): "DID: \(m)"
        }
    }
}

/// A public key a did:key names.
public enum DIDPublicKey: Sendable, Equatable {
    /// 33 bytes, SEC 1 compressed.
    case p256(compressed: [UInt8])
    /// 33 bytes, SEC 1 compressed.
    case secp256k1(compressed: [UInt8])

    /// The multicodec prefixes (unsigned varints) of `p256-pub` (0x1200) and `secp256k1-pub` (0xe7).
    static let p256Prefix: [UInt8] = [0x80, 0x24]
    static let secp256k1Prefix: [UInt8] = [0xE7, 0x01]

    public init(p256 key: P256.Signing.PublicKey) { self = .p256(compressed: Array(key.compressedRepresentation)) }

    /// From a secp256k1 public key, 33 bytes compressed or 65 bytes uncompressed (0x04 ‖ x ‖ y).
    public init(secp256k1 key: [UInt8]) throws(DIDError) {
        switch key.count {
        case 33 where key[0] == 2 || key[0] == 3: self = .secp256k1(compressed: key)
        case 65 where key[0] == 4: self = .secp256k1(compressed: [2 | (key[64] & 1)] + Array(key[1...32]))
        default: throw .unsupportedKey("a secp256k1 public key is 33 or 65 bytes")
        }
    }

    public var compressed: [UInt8] {
        switch self { case .p256(let k), .secp256k1(let k): k }
    }

    /// The multibase text (`z` + base58btc of multicodec ‖ key): the did:key's method-specific id.
    public var multibase: String {
        switch self {
        case .p256(let k): "z" + Base58.encode(Self.p256Prefix + k)
        case .secp256k1(let k): "z" + Base58.encode(Self.secp256k1Prefix + k)
        }
    }

    /// Parses a multibase key; the point must be on its curve for P-256 (swift-crypto checks it).
    public init(multibase text: some StringProtocol) throws(DIDError) {
        guard text.first == "z", let bytes = Base58.decode(text.dropFirst()), bytes.count == 35 else {
            throw .malformed("a did:key id is z + base58btc of a 2-byte multicodec and a 33-byte compressed key")
        }
        let prefix = Array(bytes[0..<2]), key = Array(bytes[2...])
        guard key[0] == 2 || key[0] == 3 else { throw .malformed("the key is not SEC 1 compressed") }
        switch prefix {
        case Self.p256Prefix:
            guard (try? P256.Signing.PublicKey(compressedRepresentation: key)) != nil else { throw .malformed("not a P-256 point") }
            self = .p256(compressed: key)
        case Self.secp256k1Prefix:
            self = .secp256k1(compressed: key)
        default:
            throw .unsupportedKey("multicodec 0x\(prefix.map { String($0, radix: 16) }.joined()) is not p256-pub or secp256k1-pub")
        }
    }

    /// The P-256 key for ES256 verification; nil for a secp256k1 key.
    public var p256SigningKey: P256.Signing.PublicKey? {
        guard case .p256(let k) = self else { return nil }
        return try? P256.Signing.PublicKey(compressedRepresentation: k)
    }
}

/// A DID of one of the supported methods.
public enum DID: Sendable, Equatable, CustomStringConvertible {
    case key(DIDPublicKey)
    /// did:pkh:eip155:<chainId>:<address>
    case pkh(chainId: UInt64, address: Address)
    /// did:web:<host>[%3A<port>][:<path>…]
    case web(host: String, port: Int?, path: [String])

    /// Longest DID text accepted.
    public static let maxLength = 512

    public var description: String {
        switch self {
        case .key(let k): "did:key:\(k.multibase)"
        case .pkh(let chainId, let address): "did:pkh:eip155:\(chainId):\(address.checksummed)"
        case .web(let host, let port, let path):
            (["did:web:" + host + (port.map { "%3A\($0)" } ?? "")] + path).joined(separator: ":")
        }
    }

    public init(_ text: String) throws(DIDError) {
        guard text.utf8.count <= Self.maxLength else { throw .malformed("longer than \(Self.maxLength) bytes") }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "did", !parts[1].isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
            throw .malformed("not did:<method>:<id>")
        }
        switch parts[1] {
        case "key":
            guard parts.count == 3 else { throw .malformed("did:key has one id") }
            self = .key(try DIDPublicKey(multibase: parts[2]))
        case "pkh":
            guard parts.count == 5, parts[2] == "eip155" else { throw .unsupportedMethod("did:pkh other than eip155") }
            guard let chainId = UInt64(parts[3]), chainId > 0, parts[3].first != "0" else { throw .malformed("did:pkh: chain id") }
            guard let address = try? Address(hex: String(parts[4])), parts[4].hasPrefix("0x") else {
                throw .malformed("did:pkh: not a 0x address (or a wrong EIP-55 checksum)")
            }
            self = .pkh(chainId: chainId, address: address)
        case "web":
            let authority = parts[2].replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%3a", with: ":")
            let hostAndPort = authority.split(separator: ":", omittingEmptySubsequences: false)
            let host = String(hostAndPort[0]).lowercased()
            guard !host.isEmpty, host.count <= 253, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }),
                  host.unicodeScalars.allSatisfy(\.isASCII), !host.hasPrefix("."), !host.hasSuffix(".") else {
                throw .malformed("did:web: not a domain name")
            }
            var port: Int?
            if hostAndPort.count == 2 {
                guard let p = Int(hostAndPort[1]), (1...65535).contains(p) else { throw .malformed("did:web: port") }
                port = p
            } else if hostAndPort.count > 2 {
                throw .malformed("did:web: host")
            }
            let path = parts.dropFirst(3).map(String.init)
            guard path.allSatisfy({ segment in
                segment != "." && segment != ".." && segment.allSatisfy { $0.isLetter || $0.isNumber || "-._~".contains($0) }
                    && segment.unicodeScalars.allSatisfy(\.isASCII)
            }) else {
                throw .malformed("did:web: path segments are unreserved characters only")
            }
            self = .web(host: host, port: port, path: path)
        default:
            throw .unsupportedMethod(String(parts[1]))
        }
    }

    /// did:web: where its document is served (did:web spec §3.2): `https://host[:port]/.well-known/did.json`
    /// without a path, else `https://host[:port]/<path>/did.json`. Nil for other methods.
    public var documentURL: URL? {
        guard case .web(let host, let port, let path) = self else { return nil }
        let authority = host + (port.map { ":\($0)" } ?? "")
        let route = path.isEmpty ? "/.well-known/did.json" : "/" + path.joined(separator: "/") + "/did.json"
        return URL(string: "https://\(authority)\(route)")
    }
}
