// Keccak-f[1600] sponge (FIPS 202 §3, §5) with two paddings:
//   Keccak-256 (Ethereum): original Keccak padding, domain byte 0x01.
//   SHA3-256 (FIPS 202 §6.1): domain byte 0x06 (suffix 01 then pad10*1).
// Both use rate 1088 bits (136 bytes) and capacity 512 bits.

/// Keccak-256 as used by Ethereum (not FIPS 202 SHA3-256; the padding differs).
public enum Keccak256 {
    /// The 32-byte Keccak-256 digest of `data`.
    public static func hash(_ data: [UInt8]) -> Hash32 {
        Hash32(unchecked: digest(data))
    }

    /// The 32-byte Keccak-256 digest of `data` as bytes.
    public static func digest(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { KeccakSponge.hash256($0, domain: 0x01) }
    }

    /// Keccak-256 over raw memory (no copy).
    public static func digest(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        KeccakSponge.hash256(data, domain: 0x01)
    }
}

/// FIPS 202 SHA3-256, sharing the permutation with `Keccak256`. Kept to show the padding difference.
public enum FIPS202SHA3_256 {
    public static func digest(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { KeccakSponge.hash256($0, domain: 0x06) }
    }
}

enum KeccakSponge {
    static let rate = 136

    static func hash256(_ input: UnsafeRawBufferPointer, domain: UInt8) -> [UInt8] {
        var state = [UInt64](repeating: 0, count: 25)
        var out = [UInt8](repeating: 0, count: 32)
        state.withUnsafeMutableBufferPointer { stBuf in
            let st = stBuf.baseAddress!
            var offset = 0
            let count = input.count
            // Absorb full blocks.
            while count - offset >= rate {
                for i in 0..<(rate / 8) {
                    st[i] ^= UInt64(littleEndian: input.loadUnaligned(fromByteOffset: offset + 8 * i, as: UInt64.self))
                }
                keccakF1600(st)
                offset += rate
            }
            // Last partial block with padding.
            var block = [UInt8](repeating: 0, count: rate)
            let rest = count - offset
            for i in 0..<rest { block[i] = input[offset + i] }
            block[rest] ^= domain
            block[rate - 1] ^= 0x80
            block.withUnsafeBytes { b in
                for i in 0..<(rate / 8) {
                    st[i] ^= UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                }
            }
            keccakF1600(st)
            for i in 0..<4 {
                let lane = st[i].littleEndian
                for j in 0..<8 { out[8 * i + j] = UInt8(truncatingIfNeeded: lane >> (8 * UInt64(j))) }
            }
        }
        return out
    }

    static let roundConstants: [UInt64] = [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ]
    /// ρ rotation offsets in π visiting order.
    static let rotations: [UInt64] = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44]
    /// π lane order starting from lane 1.
    static let piLanes: [Int] = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1]

    @inline(__always)
    static func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 { (x << n) | (x >> (64 &- n)) }

    /// Keccak-f[1600]: 24 rounds of θ, ρ, π, χ, ι on 25 little-endian lanes (index x + 5y).
    static func keccakF1600(_ st: UnsafeMutablePointer<UInt64>) {
        roundConstants.withUnsafeBufferPointer { rc in
        rotations.withUnsafeBufferPointer { rot in
        piLanes.withUnsafeBufferPointer { pi in
            for round in 0..<24 {
                // θ
                let c0 = st[0] ^ st[5] ^ st[10] ^ st[15] ^ st[20]
                let c1 = st[1] ^ st[6] ^ st[11] ^ st[16] ^ st[21]
                let c2 = st[2] ^ st[7] ^ st[12] ^ st[17] ^ st[22]
                let c3 = st[3] ^ st[8] ^ st[13] ^ st[18] ^ st[23]
                let c4 = st[4] ^ st[9] ^ st[14] ^ st[19] ^ st[24]
                let d0 = c4 ^ rotl(c1, 1), d1 = c0 ^ rotl(c2, 1), d2 = c1 ^ rotl(c3, 1)
                let d3 = c2 ^ rotl(c4, 1), d4 = c3 ^ rotl(c0, 1)
                var j = 0
                while j < 25 {
                    st[j] ^= d0; st[j + 1] ^= d1; st[j + 2] ^= d2; st[j + 3] ^= d3; st[j + 4] ^= d4
                    j += 5
                }
                // ρ and π
                var t = st[1]
                for i in 0..<24 {
                    let k = pi[i]
                    let next = st[k]
                    st[k] = rotl(t, rot[i])
                    t = next
                }
                // χ
                j = 0
                while j < 25 {
                    let a0 = st[j], a1 = st[j + 1], a2 = st[j + 2], a3 = st[j + 3], a4 = st[j + 4]
                    st[j] = a0 ^ (~a1 & a2)
                    st[j + 1] = a1 ^ (~a2 & a3)
                    st[j + 2] = a2 ^ (~a3 & a4)
                    st[j + 3] = a3 ^ (~a4 & a0)
                    st[j + 4] = a4 ^ (~a0 & a1)
                    j += 5
                }
                // ι
                st[0] ^= rc[round]
            }
        }
        }
        }
    }
}
