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
        // State (25 lanes) and the padded last block (17 lanes) live in one stack allocation.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 25 + rate / 8) { buffer -> [UInt8] in
            let st = buffer.baseAddress!
            st.initialize(repeating: 0, count: 25 + rate / 8)
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
            // Last partial block with padding: domain byte after the data, 0x80 in the last byte.
            let block = UnsafeMutableRawBufferPointer(start: st + 25, count: rate)
            let rest = count - offset
            for i in 0..<rest { block[i] = input[offset + i] }
            block[rest] ^= domain
            block[rate - 1] ^= 0x80
            for i in 0..<(rate / 8) {
                st[i] ^= UInt64(littleEndian: block.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
            }
            keccakF1600(st)
            return [UInt8](unsafeUninitializedCapacity: 32) { out, initialized in
                for i in 0..<4 {
                    let lane = st[i]
                    for j in 0..<8 { out[8 * i + j] = UInt8(truncatingIfNeeded: lane >> (8 * UInt64(j))) }
                }
                initialized = 32
            }
        }
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

    /// Keccak-f[1600] on 25 lanes (index x + 5y), unrolled per round into locals.
    /// Generated from the ρ/π tables above; round constants from `roundConstants`.
    static func keccakF1600(_ st: UnsafeMutablePointer<UInt64>) {
        var a0 = st[0]; var a1 = st[1]; var a2 = st[2]; var a3 = st[3]; var a4 = st[4]; var a5 = st[5]; var a6 = st[6]; var a7 = st[7]; var a8 = st[8]; var a9 = st[9]; var a10 = st[10]; var a11 = st[11]; var a12 = st[12]; var a13 = st[13]; var a14 = st[14]; var a15 = st[15]; var a16 = st[16]; var a17 = st[17]; var a18 = st[18]; var a19 = st[19]; var a20 = st[20]; var a21 = st[21]; var a22 = st[22]; var a23 = st[23]; var a24 = st[24]
        roundConstants.withUnsafeBufferPointer { rc in
            for round in 0..<24 {
                let c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20
                let c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21
                let c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22
                let c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23
                let c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24
                let d0 = c4 ^ rotl(c1, 1)
                let d1 = c0 ^ rotl(c2, 1)
                let d2 = c1 ^ rotl(c3, 1)
                let d3 = c2 ^ rotl(c4, 1)
                let d4 = c3 ^ rotl(c0, 1)
                a0 ^= d0
                a1 ^= d1
                a2 ^= d2
                a3 ^= d3
                a4 ^= d4
                a5 ^= d0
                a6 ^= d1
                a7 ^= d2
                a8 ^= d3
                a9 ^= d4
                a10 ^= d0
                a11 ^= d1
                a12 ^= d2
                a13 ^= d3
                a14 ^= d4
                a15 ^= d0
                a16 ^= d1
                a17 ^= d2
                a18 ^= d3
                a19 ^= d4
                a20 ^= d0
                a21 ^= d1
                a22 ^= d2
                a23 ^= d3
                a24 ^= d4
                let b0 = a0
                let b1 = rotl(a6, 44)
                let b2 = rotl(a12, 43)
                let b3 = rotl(a18, 21)
                let b4 = rotl(a24, 14)
                let b5 = rotl(a3, 28)
                let b6 = rotl(a9, 20)
                let b7 = rotl(a10, 3)
                let b8 = rotl(a16, 45)
                let b9 = rotl(a22, 61)
                let b10 = rotl(a1, 1)
                let b11 = rotl(a7, 6)
                let b12 = rotl(a13, 25)
                let b13 = rotl(a19, 8)
                let b14 = rotl(a20, 18)
                let b15 = rotl(a4, 27)
                let b16 = rotl(a5, 36)
                let b17 = rotl(a11, 10)
                let b18 = rotl(a17, 15)
                let b19 = rotl(a23, 56)
                let b20 = rotl(a2, 62)
                let b21 = rotl(a8, 55)
                let b22 = rotl(a14, 39)
                let b23 = rotl(a15, 41)
                let b24 = rotl(a21, 2)
                a0 = b0 ^ (~b1 & b2)
                a1 = b1 ^ (~b2 & b3)
                a2 = b2 ^ (~b3 & b4)
                a3 = b3 ^ (~b4 & b0)
                a4 = b4 ^ (~b0 & b1)
                a5 = b5 ^ (~b6 & b7)
                a6 = b6 ^ (~b7 & b8)
                a7 = b7 ^ (~b8 & b9)
                a8 = b8 ^ (~b9 & b5)
                a9 = b9 ^ (~b5 & b6)
                a10 = b10 ^ (~b11 & b12)
                a11 = b11 ^ (~b12 & b13)
                a12 = b12 ^ (~b13 & b14)
                a13 = b13 ^ (~b14 & b10)
                a14 = b14 ^ (~b10 & b11)
                a15 = b15 ^ (~b16 & b17)
                a16 = b16 ^ (~b17 & b18)
                a17 = b17 ^ (~b18 & b19)
                a18 = b18 ^ (~b19 & b15)
                a19 = b19 ^ (~b15 & b16)
                a20 = b20 ^ (~b21 & b22)
                a21 = b21 ^ (~b22 & b23)
                a22 = b22 ^ (~b23 & b24)
                a23 = b23 ^ (~b24 & b20)
                a24 = b24 ^ (~b20 & b21)
                a0 ^= rc[round]
            }
        }
        st[0] = a0; st[1] = a1; st[2] = a2; st[3] = a3; st[4] = a4; st[5] = a5; st[6] = a6; st[7] = a7; st[8] = a8; st[9] = a9; st[10] = a10; st[11] = a11; st[12] = a12; st[13] = a13; st[14] = a14; st[15] = a15; st[16] = a16; st[17] = a17; st[18] = a18; st[19] = a19; st[20] = a20; st[21] = a21; st[22] = a22; st[23] = a23; st[24] = a24
    }
}
