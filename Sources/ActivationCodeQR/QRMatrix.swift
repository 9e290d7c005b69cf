import CQREncode
import Foundation

/// QR Code error correction level (ISO/IEC 18004 §5.3.4: L ≈ 7 %, M ≈ 15 %, Q ≈ 25 %, H ≈ 30 %).
public enum QRErrorCorrection: Sendable, CaseIterable {
    case low, medium, quartile, high

    var libqrencodeLevel: QRecLevel {
        switch self {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
    }
}

/// Why a QR Code could not be made.
public enum QRCodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The data does not fit into the largest symbol (version 40) at this error correction level.
    case dataTooLong(bytes: Int)
    /// Empty input (a QR Code needs at least one byte).
    case empty
    /// libqrencode failed for another reason (errno).
    case encoderFailed(errno: Int32)
    /// The PNG scale or quiet zone is outside 1...64 / 0...64.
    case invalidImageParameters(String)

    public var description: String {
        switch self {
        case .dataTooLong(let n): "\(n) bytes do not fit into a QR Code"
        case .empty: "nothing to encode"
        case .encoderFailed(let e): "QR Code encoder failed (errno \(e))"
        case .invalidImageParameters(let m): "invalid QR image parameters: \(m)"
        }
    }
}

/// A QR Code symbol: `size` × `size` modules, `true` for dark. No quiet zone included.
public struct QRMatrix: Hashable, Sendable {
    /// The symbol version (1...40); `size` = 17 + 4 × version.
    public let version: Int
    public let size: Int
    /// Row-major, `size * size` entries.
    public let modules: [Bool]

    public init(version: Int, size: Int, modules: [Bool]) {
        self.version = version
        self.size = size
        self.modules = modules
    }

    /// Whether the module at (row, column) is dark; outside the symbol (the quiet zone) is light.
    public func isDark(row: Int, column: Int) -> Bool {
        guard row >= 0, row < size, column >= 0, column < size else { return false }
        return modules[row * size + column]
    }

    /// Encodes `data` in 8-bit byte mode with libqrencode (smallest version that fits, mask chosen by
    /// the ISO/IEC 18004 penalty rules).
    public static func encode(_ data: [UInt8], level: QRErrorCorrection = .medium) throws(QRCodeError) -> QRMatrix {
        guard !data.isEmpty else { throw .empty }
        errno = 0
        guard let code = data.withUnsafeBufferPointer({ buffer in
            QRcode_encodeData(Int32(buffer.count), buffer.baseAddress, 0, level.libqrencodeLevel)
        }) else {
            if errno == ERANGE { throw .dataTooLong(bytes: data.count) }
            throw .encoderFailed(errno: errno)
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        // libqrencode: bit 0 of each byte is the module colour (1 = dark); the other bits are bookkeeping.
        let modules = (0..<(width * width)).map { code.pointee.data[$0] & 0x01 == 1 }
        return QRMatrix(version: Int(code.pointee.version), size: width, modules: modules)
    }

    /// Encodes the UTF-8 bytes of `text` (an activation code is ASCII).
    public static func encode(_ text: String, level: QRErrorCorrection = .medium) throws(QRCodeError) -> QRMatrix {
        try encode(Array(text.utf8), level: level)
    }
}

extension QRMatrix {
    /// The symbol as terminal text with Unicode half blocks, two module rows per line, surrounded by a
    /// `quietZone` of light modules (ISO/IEC 18004 asks for 4). Light modules are drawn (`█`, `▀`, `▄`)
    /// and dark modules are blank, as `qrencode -t UTF8` does: meant for light text on a dark background.
    public func terminalText(quietZone: Int = 4) -> String {
        let low = -quietZone
        let high = size + quietZone
        var lines: [String] = []
        var row = low
        while row < high {
            var line = ""
            for column in low..<high {
                let topLight = !isDark(row: row, column: column)
                // The last line of an odd total height has no lower row: treat it as dark (blank).
                let bottomLight = row + 1 < high ? !isDark(row: row + 1, column: column) : false
                switch (topLight, bottomLight) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
            row += 2
        }
        return lines.joined(separator: "\n")
    }
}
