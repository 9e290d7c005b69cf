import ActivationCodeQR

/// An independent reader for what `PNGWriter` emits (1-bit greyscale, filter None, stored deflate):
/// checks the signature, every chunk CRC, the zlib header, each stored block's LEN/NLEN and the Adler-32.
enum PNGReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    struct Image {
        let width: Int
        let height: Int
        let rows: [[UInt8]]
        func white(_ x: Int, _ y: Int) -> Bool { rows[y][x / 8] & (0x80 >> UInt8(x % 8)) != 0 }
    }

    static func u32(_ b: ArraySlice<UInt8>) -> Int {
        let s = b.startIndex
        return Int(b[s]) << 24 | Int(b[s + 1]) << 16 | Int(b[s + 2]) << 8 | Int(b[s + 3])
    }

    static func decode(_ png: [UInt8]) throws -> Image {
        guard png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw Failure("signature") }
        var offset = 8
        var chunks: [(String, [UInt8])] = []
        while offset < png.count {
            guard offset + 12 <= png.count else { throw Failure("truncated chunk") }
            let length = u32(png[offset..<(offset + 4)])
            guard offset + 12 + length <= png.count else { throw Failure("truncated chunk data") }
            let typeAndData = Array(png[(offset + 4)..<(offset + 8 + length)])
            guard CRC32.checksum(typeAndData) == UInt32(u32(png[(offset + 8 + length)..<(offset + 12 + length)])) else {
                throw Failure("chunk CRC")
            }
            chunks.append((String(decoding: typeAndData.prefix(4), as: UTF8.self), Array(typeAndData.dropFirst(4))))
            offset += 12 + length
        }
        guard chunks.map(\.0) == ["IHDR", "IDAT", "IEND"] else { throw Failure("chunks \(chunks.map(\.0))") }
        let ihdr = chunks[0].1
        guard ihdr.count == 13, Array(ihdr[8...]) == [1, 0, 0, 0, 0] else { throw Failure("IHDR") }
        let width = u32(ihdr[0..<4])
        let height = u32(ihdr[4..<8])
        let raw = try inflateStored(chunks[1].1)
        let rowBytes = (width + 7) / 8
        guard raw.count == height * (rowBytes + 1) else { throw Failure("image data size") }
        let rows = (0..<height).map { y -> [UInt8] in Array(raw[(y * (rowBytes + 1))..<((y + 1) * (rowBytes + 1))]) }
        guard rows.allSatisfy({ $0[0] == 0 }) else { throw Failure("filter type") }
        return Image(width: width, height: height, rows: rows.map { Array($0.dropFirst()) })
    }

    /// RFC 1950 zlib of RFC 1951 stored blocks only.
    static func inflateStored(_ z: [UInt8]) throws -> [UInt8] {
        guard z.count >= 6, z[0] == 0x78, (Int(z[0]) << 8 | Int(z[1])) % 31 == 0, z[1] & 0x20 == 0 else { throw Failure("zlib header") }
        var i = 2
        var out: [UInt8] = []
        while true {
            guard i + 5 <= z.count else { throw Failure("truncated block") }
            let header = z[i]
            guard header & 0x06 == 0 else { throw Failure("not a stored block") }
            let len = Int(z[i + 1]) | Int(z[i + 2]) << 8
            let nlen = Int(z[i + 3]) | Int(z[i + 4]) << 8
            guard len ^ nlen == 0xFFFF, i + 5 + len <= z.count else { throw Failure("LEN/NLEN") }
            out += z[(i + 5)..<(i + 5 + len)]
            i += 5 + len
            if header & 1 == 1 { break }
        }
        guard i + 4 == z.count, UInt32(u32(z[i..<(i + 4)])) == Adler32.checksum(out) else { throw Failure("Adler-32") }
        return out
    }
}
