/// CRC-32 as PNG and zlib use it (ISO 3309 / ITU-T V.42: reflected polynomial 0xEDB88320, initial and
/// final XOR 0xFFFFFFFF). Check value: CRC-32("123456789") = 0xCBF43926.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// Adler-32 (RFC 1950 §8.2), the zlib stream's trailer. Adler-32("Wikipedia") = 0x11E60398.
public enum Adler32 {
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}

/// A zlib stream (RFC 1950) of stored, uncompressed deflate blocks (RFC 1951 §3.2.4): no compression,
/// which keeps the writer small and the output valid for every PNG reader.
public enum StoredZlib {
    /// Largest stored block (LEN is 16 bits).
    public static let maxBlock = 65535

    public static func wrap(_ data: [UInt8]) -> [UInt8] {
        // CMF 0x78: deflate, 32 KiB window; FLG 0x01 makes CMF·256 + FLG a multiple of 31, no dictionary.
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(maxBlock, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out.append(final)  // BFINAL, BTYPE = 00, rest of the byte padding
            out += [UInt8(length & 0xFF), UInt8(length >> 8)]
            out += [UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        out += bigEndian(Adler32.checksum(data))
        return out
    }
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// A minimal PNG writer (PNG specification, ISO/IEC 15948): 1-bit greyscale, no interlace, filter 0
/// (None) on every row, one IDAT of stored zlib blocks.
public enum PNGWriter {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `white(x, y)` gives each pixel: true = white (sample 1), false = black (sample 0).
    public static func bilevel(width: Int, height: Int, white: (_ x: Int, _ y: Int) -> Bool) -> [UInt8] {
        var ihdr = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        ihdr += [1, 0, 0, 0, 0]  // bit depth 1, colour type 0 (greyscale), deflate, filter method 0, no interlace
        let rowBytes = (width + 7) / 8
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (rowBytes + 1))
        for y in 0..<height {
            raw.append(0)  // filter type None
            var row = [UInt8](repeating: 0, count: rowBytes)
            for x in 0..<width where white(x, y) { row[x / 8] |= 0x80 >> UInt8(x % 8) }
            raw += row
        }
        return signature + chunk("IHDR", ihdr) + chunk("IDAT", StoredZlib.wrap(raw)) + chunk("IEND", [])
    }

    /// length, type, data, CRC-32 over type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(CRC32.checksum(typeBytes + data))
    }
}

extension QRMatrix {
    /// The symbol as a PNG: `scale` pixels per module, `quietZone` light modules around it.
    public func png(scale: Int = 8, quietZone: Int = 4) throws(QRCodeError) -> [UInt8] {
        guard (1...64).contains(scale) else { throw .invalidImageParameters("scale \(scale) not in 1...64") }
        guard (0...64).contains(quietZone) else { throw .invalidImageParameters("quiet zone \(quietZone) not in 0...64") }
        let side = (size + 2 * quietZone) * scale
        return PNGWriter.bilevel(width: side, height: side) { x, y in
            !isDark(row: y / scale - quietZone, column: x / scale - quietZone)
        }
    }
}
