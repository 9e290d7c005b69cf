import ActivationCodeQR
import Foundation
import Testing

@Suite("Checksums for the PNG writer")
struct ChecksumTests {
    // Check value from the CRC catalogue (CRC-32/ISO-HDLC): CRC-32("123456789") = 0xCBF43926.
    @Test func crc32CheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    // Example from Wikipedia "Adler-32": Adler-32("Wikipedia") = 0x11E60398; RFC 1950: empty input = 1.
    @Test func adler32KnownAnswers() {
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Adler32.checksum([UInt8]()) == 1)
    }

    // PNG specification: the IEND chunk's CRC is always AE 42 60 82.
    @Test func iendCRC() {
        #expect(CRC32.checksum(Array("IEND".utf8)) == 0xAE42_6082)
    }

    @Test("stored zlib: blocks split at 65535 bytes, parse back to the input")
    func storedBlocks() throws {
        let data = (0..<140_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let stream = StoredZlib.wrap(data)
        #expect(try PNGReader.inflateStored(stream) == data)
        #expect(try PNGReader.inflateStored(StoredZlib.wrap([])) == [])
        var corrupted = stream
        corrupted[corrupted.count - 1] ^= 1
        #expect(throws: PNGReader.Failure.self) { try PNGReader.inflateStored(corrupted) }
    }
}

@Suite("QR Code symbols for activation codes")
struct QRMatrixTests {
    static let activationCode = "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815"

    static var qrencodeCLI: String? {
        ["/usr/bin/qrencode", "/usr/local/bin/qrencode"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `qrencode -8 -l M -m 0 -t ASCII`: two characters per module, `#` dark.
    static func reference(_ text: String, level: String) throws -> [[Bool]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(qrencodeCLI))
        process.arguments = ["-8", "-l", level, "-m", "0", "-t", "ASCII", text]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map { line in
            stride(from: 0, to: line.count, by: 2).map { line[line.index(line.startIndex, offsetBy: $0)] == "#" }
        }
    }

    func rows(_ matrix: QRMatrix) -> [[Bool]] {
        (0..<matrix.size).map { r in (0..<matrix.size).map { matrix.isDark(row: r, column: $0) } }
    }

    @Test("same modules as the qrencode command-line tool",
          .enabled(if: qrencodeCLI != nil, "qrencode CLI not installed (Debian package qrencode, scripts/setup)"),
          arguments: [(activationCode, QRErrorCorrection.medium, "M"), ("LPA:1$127.0.0.1:8443$AB12", .low, "L"),
                      ("LPA:1$smdp.openrsp.test$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$1.3.6.1.4.1.31746$1", .high, "H")])
    func matchesReference(text: String, level: QRErrorCorrection, flag: String) throws {
        let matrix = try QRMatrix.encode(text, level: level)
        #expect(rows(matrix) == (try Self.reference(text, level: flag)))
    }

    /// ISO/IEC 18004 §7.9: the 15-bit format information, read from both copies; XOR mask 101010000010010,
    /// BCH(15,5) with generator 10100110111.
    static func formatInformation(_ m: QRMatrix) -> (first: Int, second: Int) {
        var first = 0
        let firstPositions = (0...5).map { (8, $0) } + [(8, 7), (8, 8), (7, 8)] + (0...5).reversed().map { ($0, 8) }
        for (r, c) in firstPositions { first = first << 1 | (m.isDark(row: r, column: c) ? 1 : 0) }
        var second = 0
        let n = m.size
        let secondPositions = (0...6).map { (n - 1 - $0, 8) } + (0...7).map { (8, n - 8 + $0) }
        for (r, c) in secondPositions { second = second << 1 | (m.isDark(row: r, column: c) ? 1 : 0) }
        return (first, second)
    }

    static func bchRemainder(_ value: Int) -> Int {
        var v = value
        for shift in stride(from: 4, through: 0, by: -1) where v & (1 << (shift + 10)) != 0 { v ^= 0x537 << shift }
        return v
    }

    @Test("structure per ISO/IEC 18004: finder patterns, timing, dark module, format information with valid BCH and the asked level",
          arguments: [(QRErrorCorrection.low, 0b01), (.medium, 0b00), (.quartile, 0b11), (.high, 0b10)])
    func structure(level: QRErrorCorrection, levelBits: Int) throws {
        let m = try QRMatrix.encode(Self.activationCode, level: level)
        #expect(m.size == 17 + 4 * m.version)
        #expect(m.modules.count == m.size * m.size)
        // Finder patterns: 7×7, dark ring, light ring, dark 3×3 core.
        for (top, left) in [(0, 0), (0, m.size - 7), (m.size - 7, 0)] {
            for r in 0..<7 {
                for c in 0..<7 {
                    let ring = max(abs(r - 3), abs(c - 3))
                    #expect(m.isDark(row: top + r, column: left + c) == (ring != 2), "finder at (\(top),\(left)) module (\(r),\(c))")
                }
            }
        }
        for i in 8..<(m.size - 8) {
            #expect(m.isDark(row: 6, column: i) == (i % 2 == 0))
            #expect(m.isDark(row: i, column: 6) == (i % 2 == 0))
        }
        #expect(m.isDark(row: m.size - 8, column: 8))
        let (first, second) = Self.formatInformation(m)
        #expect(first == second)
        let unmasked = first ^ 0b101010000010010
        #expect(Self.bchRemainder(unmasked) == 0)
        #expect(unmasked >> 13 == levelBits)
    }

    @Test("bad input: empty, too long for version 40")
    func badInput() throws {
        #expect(throws: QRCodeError.empty) { try QRMatrix.encode([UInt8]()) }
        // Version 40-H holds 1273 bytes in byte mode.
        #expect(throws: QRCodeError.dataTooLong(bytes: 1274)) { try QRMatrix.encode([UInt8](repeating: 0x41, count: 1274), level: .high) }
        let biggest = try QRMatrix.encode([UInt8](repeating: 0x41, count: 1273), level: .high)
        #expect(biggest.version == 40)
    }

    @Test("terminal text: half blocks decode back to the matrix with a 4-module quiet zone")
    func terminal() throws {
        let m = try QRMatrix.encode(Self.activationCode)
        let lines = m.terminalText().split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        let side = m.size + 8
        #expect(lines.count == (side + 1) / 2)
        for (index, line) in lines.enumerated() {
            #expect(line.count == side)
            for (column, character) in line.enumerated() {
                let (topLight, bottomLight): (Bool, Bool) = switch character {
                case "█": (true, true)
                case "▀": (true, false)
                case "▄": (false, true)
                default: (false, false)
                }
                let row = 2 * index - 4
                #expect(topLight == !m.isDark(row: row, column: column - 4))
                if 2 * index + 1 < side { #expect(bottomLight == !m.isDark(row: row + 1, column: column - 4)) }
            }
        }
        // The quiet zone: the first line is all light.
        #expect(lines[0].allSatisfy { $0 == "█" })
    }

    @Test("PNG: chunks and CRCs check, stored deflate inflates, pixels equal the modules", arguments: [1, 3, 8])
    func png(scale: Int) throws {
        let m = try QRMatrix.encode(Self.activationCode)
        let image = try PNGReader.decode(try m.png(scale: scale, quietZone: 4))
        let side = (m.size + 8) * scale
        #expect(image.width == side && image.height == side)
        for y in 0..<side {
            for x in 0..<side {
                let dark = m.isDark(row: y / scale - 4, column: x / scale - 4)
                if image.white(x, y) == dark { Issue.record("pixel (\(x),\(y)) differs"); return }
            }
        }
        #expect(throws: QRCodeError.self) { try m.png(scale: 0) }
        #expect(throws: QRCodeError.self) { try m.png(scale: 4, quietZone: 65) }
    }

    @Test("PNG reader refuses a corrupted chunk CRC")
    func corruptedPNG() throws {
        var bytes = try QRMatrix.encode("x").png(scale: 1)
        bytes[20] ^= 0x01  // inside IHDR's data
        #expect(throws: PNGReader.Failure.self) { try PNGReader.decode(bytes) }
    }
}
