// scrypt (RFC 7914) for keystore files whose parameters swift-crypto's BoringSSL scrypt refuses
// (BoringSSL enforces N < 2^(16·r); the Web3 Secret Storage test vector uses N = 2^18 with r = 1,
// which geth and pycryptodome accept). The outer PBKDF2-HMAC-SHA256 steps use swift-crypto.
import Crypto
import _CryptoExtras

enum ScryptRFC7914 {
    /// DK = PBKDF2(P, ROMix(PBKDF2(P, S, 1, p·128·r)), 1, dkLen). Parameters must be validated by the caller.
    static func derive(password: [UInt8], salt: [UInt8], n: Int, r: Int, p: Int, length: Int) throws -> [UInt8] {
        let blockBytes = 128 * r
        let b = try KDF.Insecure.PBKDF2.deriveKey(from: password, salt: salt, using: .sha256,
                                                   outputByteCount: p * blockBytes, unsafeUncheckedRounds: 1)
        var bytes = b.withUnsafeBytes { Array($0) }
        let words = 32 * r
        var x = [UInt32](repeating: 0, count: words)
        var v = [UInt32](repeating: 0, count: words * n)
        var scratch = [UInt32](repeating: 0, count: words + 16)
        for i in 0..<p {
            let base = i * blockBytes
            for w in 0..<words {
                let o = base + 4 * w
                x[w] = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
            }
            x.withUnsafeMutableBufferPointer { xp in
                v.withUnsafeMutableBufferPointer { vp in
                    scratch.withUnsafeMutableBufferPointer { sp in
                        roMix(xp.baseAddress!, vp.baseAddress!, sp.baseAddress!, r: r, n: n)
                    }
                }
            }
            for w in 0..<words {
                let o = base + 4 * w
                bytes[o] = UInt8(truncatingIfNeeded: x[w]); bytes[o + 1] = UInt8(truncatingIfNeeded: x[w] >> 8)
                bytes[o + 2] = UInt8(truncatingIfNeeded: x[w] >> 16); bytes[o + 3] = UInt8(truncatingIfNeeded: x[w] >> 24)
            }
        }
        let dk = try KDF.Insecure.PBKDF2.deriveKey(from: password, salt: bytes, using: .sha256,
                                                    outputByteCount: length, unsafeUncheckedRounds: 1)
        return dk.withUnsafeBytes { Array($0) }
    }

    /// RFC 7914 §5 scryptROMix on 32·r little-endian words.
    static func roMix(_ x: UnsafeMutablePointer<UInt32>, _ v: UnsafeMutablePointer<UInt32>, _ t: UnsafeMutablePointer<UInt32>, r: Int, n: Int) {
        let words = 32 * r
        for i in 0..<n {
            (v + i * words).update(from: x, count: words)
            blockMix(x, t, r: r)
        }
        for _ in 0..<n {
            let j = Int(x[(2 * r - 1) * 16]) & (n - 1)
            let vj = v + j * words
            for k in 0..<words { x[k] ^= vj[k] }
            blockMix(x, t, r: r)
        }
    }

    /// RFC 7914 §4 scryptBlockMix: Y_i = Salsa20/8(X xor B_i); output even Y's then odd Y's.
    /// `y` is scratch of 32·r + 16 words (the last 16 hold X).
    static func blockMix(_ b: UnsafeMutablePointer<UInt32>, _ y: UnsafeMutablePointer<UInt32>, r: Int) {
        let xp = y + 32 * r
        xp.update(from: b + (2 * r - 1) * 16, count: 16)
        for i in 0..<(2 * r) {
            let bi = b + i * 16
            xp[0] ^= bi[0]; xp[1] ^= bi[1]; xp[2] ^= bi[2]; xp[3] ^= bi[3]; xp[4] ^= bi[4]; xp[5] ^= bi[5]
            xp[6] ^= bi[6]; xp[7] ^= bi[7]; xp[8] ^= bi[8]; xp[9] ^= bi[9]; xp[10] ^= bi[10]; xp[11] ^= bi[11]
            xp[12] ^= bi[12]; xp[13] ^= bi[13]; xp[14] ^= bi[14]; xp[15] ^= bi[15]
            salsa20_8(xp)
            let dest = (i % 2 == 0 ? i / 2 : r + i / 2) * 16
            (y + dest).update(from: xp, count: 16)
        }
        b.update(from: y, count: 32 * r)
    }

    @inline(__always) static func rotl(_ a: UInt32, _ n: UInt32) -> UInt32 { (a << n) | (a >> (32 - n)) }

    /// Salsa20/8 core (RFC 7914 §3): 8 rounds, then add the input.
    static func salsa20_8(_ b: UnsafeMutablePointer<UInt32>) {
        var x0 = b[0], x1 = b[1], x2 = b[2], x3 = b[3], x4 = b[4], x5 = b[5], x6 = b[6], x7 = b[7]
        var x8 = b[8], x9 = b[9], x10 = b[10], x11 = b[11], x12 = b[12], x13 = b[13], x14 = b[14], x15 = b[15]
        for _ in 0..<4 {
            x4 ^= rotl(x0 &+ x12, 7); x8 ^= rotl(x4 &+ x0, 9); x12 ^= rotl(x8 &+ x4, 13); x0 ^= rotl(x12 &+ x8, 18)
            x9 ^= rotl(x5 &+ x1, 7); x13 ^= rotl(x9 &+ x5, 9); x1 ^= rotl(x13 &+ x9, 13); x5 ^= rotl(x1 &+ x13, 18)
            x14 ^= rotl(x10 &+ x6, 7); x2 ^= rotl(x14 &+ x10, 9); x6 ^= rotl(x2 &+ x14, 13); x10 ^= rotl(x6 &+ x2, 18)
            x3 ^= rotl(x15 &+ x11, 7); x7 ^= rotl(x3 &+ x15, 9); x11 ^= rotl(x7 &+ x3, 13); x15 ^= rotl(x11 &+ x7, 18)
            x1 ^= rotl(x0 &+ x3, 7); x2 ^= rotl(x1 &+ x0, 9); x3 ^= rotl(x2 &+ x1, 13); x0 ^= rotl(x3 &+ x2, 18)
            x6 ^= rotl(x5 &+ x4, 7); x7 ^= rotl(x6 &+ x5, 9); x4 ^= rotl(x7 &+ x6, 13); x5 ^= rotl(x4 &+ x7, 18)
            x11 ^= rotl(x10 &+ x9, 7); x8 ^= rotl(x11 &+ x10, 9); x9 ^= rotl(x8 &+ x11, 13); x10 ^= rotl(x9 &+ x8, 18)
            x12 ^= rotl(x15 &+ x14, 7); x13 ^= rotl(x12 &+ x15, 9); x14 ^= rotl(x13 &+ x12, 13); x15 ^= rotl(x14 &+ x13, 18)
        }
        b[0] &+= x0; b[1] &+= x1; b[2] &+= x2; b[3] &+= x3; b[4] &+= x4; b[5] &+= x5; b[6] &+= x6; b[7] &+= x7
        b[8] &+= x8; b[9] &+= x9; b[10] &+= x10; b[11] &+= x11; b[12] &+= x12; b[13] &+= x13; b[14] &+= x14; b[15] &+= x15
    }
}
