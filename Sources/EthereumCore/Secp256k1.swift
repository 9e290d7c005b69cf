// ECDSA over secp256k1 (SEC 2 §2.4.1) through Debian's libsecp256k1: Ethereum keys,
// recoverable signatures (r, s, recovery id), low-s (EIP-2), public-key recovery.
import CSecp256k1

/// Errors from key handling, signing, verification and recovery.
public enum Secp256k1Error: Error, Equatable, Sendable, CustomStringConvertible {
    case contextUnavailable
    /// Zero, or not below the group order n.
    case invalidPrivateKey
    case invalidPrivateKeyLength(Int)
    case invalidPublicKey
    case invalidSignatureLength(Int)
    /// r or s is zero or not below n.
    case invalidSignature
    /// s > n/2; EIP-2 makes such signatures invalid.
    case highS
    case invalidRecoveryID(UInt8)
    case signingFailed
    case recoveryFailed

    public var description: String {
        switch self {
        case .contextUnavailable: return "secp256k1: context could not be created"
        case .invalidPrivateKey: return "secp256k1: private key is zero or not below the group order"
        case .invalidPrivateKeyLength(let n): return "secp256k1: private key must be 32 bytes, got \(n)"
        case .invalidPublicKey: return "secp256k1: not a valid public key"
        case .invalidSignatureLength(let n): return "secp256k1: signature must be 65 bytes (r||s||v), got \(n)"
        case .invalidSignature: return "secp256k1: r or s out of range"
        case .highS: return "secp256k1: s is above n/2 (EIP-2 low-s rule)"
        case .invalidRecoveryID(let v): return "secp256k1: invalid recovery id / v value \(v)"
        case .signingFailed: return "secp256k1: signing failed"
        case .recoveryFailed: return "secp256k1: public key recovery failed"
        }
    }
}

/// One libsecp256k1 context, created and randomized once, then used read-only from any thread
/// (libsecp256k1 documents contexts as thread-safe for all operations except randomize/destroy).
final class Secp256k1Context: @unchecked Sendable {
    let raw: OpaquePointer

    private init?() {
        guard let ctx = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else { return nil }
        var seed = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in seed.indices { seed[i] = UInt8.random(in: 0...255, using: &rng) }
        guard secp256k1_context_randomize(ctx, seed) == 1 else {
            secp256k1_context_destroy(ctx)
            return nil
        }
        raw = ctx
    }

    private static let instance = Secp256k1Context()

    static func shared() throws(Secp256k1Error) -> Secp256k1Context {
        guard let c = instance else { throw .contextUnavailable }
        return c
    }
}

/// Group order n and n/2 (big-endian), SEC 2 §2.4.1.
enum Secp256k1Constants {
    static let order = UInt256(limbs: 0xBFD25E8CD0364141, 0xBAAEDCE6AF48A03B, 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFFFFFFFFFF)
    static let halfOrder = UInt256(limbs: 0xDFE92F46681B20A0, 0x5D576E7357A4501D, 0xFFFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF)
}

/// A validated secp256k1 private key (32 bytes, 1 ≤ k < n). Its description never shows the key.
public struct PrivateKey: Sendable, Hashable, CustomStringConvertible {
    public let rawBytes: [UInt8]

    public init(_ bytes: [UInt8]) throws(Secp256k1Error) {
        guard bytes.count == 32 else { throw .invalidPrivateKeyLength(bytes.count) }
        let ctx = try Secp256k1Context.shared()
        guard secp256k1_ec_seckey_verify(ctx.raw, bytes) == 1 else { throw .invalidPrivateKey }
        rawBytes = bytes
    }

    /// A fresh key from the system CSPRNG.
    public static func generate() throws(Secp256k1Error) -> PrivateKey {
        var rng = SystemRandomNumberGenerator()
        while true {
            let candidate = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            do { return try PrivateKey(candidate) } catch .invalidPrivateKey { continue }
        }
    }

    /// Uncompressed public key, 65 bytes 0x04 || x || y.
    public func publicKey() throws(Secp256k1Error) -> [UInt8] {
        let ctx = try Secp256k1Context.shared()
        var pub = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(ctx.raw, &pub, rawBytes) == 1 else { throw .invalidPrivateKey }
        return try Secp256k1.serialize(pub, ctx)
    }

    public func address() throws(Secp256k1Error) -> Address {
        let pub = try publicKey()
        return Address(unchecked: Array(Keccak256.digest(Array(pub[1...]))[12...]))
    }

    /// Deterministic (RFC 6979) recoverable signature over a 32-byte digest; s is always low.
    public func sign(digest: Hash32) throws(Secp256k1Error) -> Signature {
        let ctx = try Secp256k1Context.shared()
        var sig = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_sign_recoverable(ctx.raw, &sig, digest.bytes, rawBytes, nil, nil) == 1 else {
            throw .signingFailed
        }
        var compact = [UInt8](repeating: 0, count: 64)
        var recid: Int32 = 0
        guard secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx.raw, &compact, &recid, &sig) == 1 else {
            throw .signingFailed
        }
        return try Signature(r: Array(compact[..<32]), s: Array(compact[32...]), yParity: UInt8(recid))
    }

    public var description: String { "PrivateKey(<redacted>)" }
}

/// An Ethereum ECDSA signature: r, s (low) and the y-parity / recovery id (0 or 1).
public struct Signature: Sendable, Hashable {
    public let r: [UInt8]
    public let s: [UInt8]
    public let yParity: UInt8

    /// Validates 0 < r < n, 0 < s ≤ n/2 and yParity ∈ {0, 1}.
    public init(r: [UInt8], s: [UInt8], yParity: UInt8) throws(Secp256k1Error) {
        guard r.count == 32, s.count == 32 else { throw .invalidSignatureLength(r.count + s.count + 1) }
        guard yParity <= 1 else { throw .invalidRecoveryID(yParity) }
        let rv: UInt256, sv: UInt256
        do { rv = try UInt256(bigEndian: r); sv = try UInt256(bigEndian: s) } catch { throw .invalidSignature }
        guard !rv.isZero, rv < Secp256k1Constants.order, !sv.isZero, sv < Secp256k1Constants.order else {
            throw .invalidSignature
        }
        guard sv <= Secp256k1Constants.halfOrder else { throw .highS }
        self.r = r; self.s = s; self.yParity = yParity
    }

    /// Parses 65 bytes r || s || v with v ∈ {0, 1, 27, 28} (eth_sign / personal_sign form).
    public init(rsv bytes: [UInt8]) throws(Secp256k1Error) {
        guard bytes.count == 65 else { throw .invalidSignatureLength(bytes.count) }
        let v = bytes[64]
        let parity: UInt8
        switch v {
        case 0, 1: parity = v
        case 27, 28: parity = v - 27
        default: throw .invalidRecoveryID(v)
        }
        try self.init(r: Array(bytes[0..<32]), s: Array(bytes[32..<64]), yParity: parity)
    }

    /// 65 bytes r || s || (27 + yParity), the form returned by personal_sign.
    public var rsv: [UInt8] { r + s + [27 + yParity] }

    /// Recovers the uncompressed public key (65 bytes) that produced this signature over `digest`.
    public func recoverPublicKey(digest: Hash32) throws(Secp256k1Error) -> [UInt8] {
        let ctx = try Secp256k1Context.shared()
        var sig = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_recoverable_signature_parse_compact(ctx.raw, &sig, r + s, Int32(yParity)) == 1 else {
            throw .invalidSignature
        }
        var pub = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(ctx.raw, &pub, &sig, digest.bytes) == 1 else { throw .recoveryFailed }
        return try Secp256k1.serialize(pub, ctx)
    }

    public func recoverAddress(digest: Hash32) throws(Secp256k1Error) -> Address {
        let pub = try recoverPublicKey(digest: digest)
        return Address(unchecked: Array(Keccak256.digest(Array(pub[1...]))[12...]))
    }

    /// Plain ECDSA verification against a public key (33 or 65 bytes); low-s is required.
    public func verify(digest: Hash32, publicKey: [UInt8]) throws(Secp256k1Error) -> Bool {
        let ctx = try Secp256k1Context.shared()
        var pub = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(ctx.raw, &pub, publicKey, publicKey.count) == 1 else { throw .invalidPublicKey }
        var sig = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_signature_parse_compact(ctx.raw, &sig, r + s) == 1 else { throw .invalidSignature }
        return secp256k1_ecdsa_verify(ctx.raw, &sig, digest.bytes, &pub) == 1
    }

    /// True if the signature over `digest` recovers to `address`.
    public func verify(digest: Hash32, address: Address) -> Bool {
        (try? recoverAddress(digest: digest)) == address
    }
}

enum Secp256k1 {
    static func serialize(_ pub: secp256k1_pubkey, _ ctx: Secp256k1Context) throws(Secp256k1Error) -> [UInt8] {
        var pub = pub
        var out = [UInt8](repeating: 0, count: 65)
        var len = 65
        guard secp256k1_ec_pubkey_serialize(ctx.raw, &out, &len, &pub, UInt32(SECP256K1_EC_UNCOMPRESSED)) == 1, len == 65 else {
            throw .invalidPublicKey
        }
        return out
    }
}
