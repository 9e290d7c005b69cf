/// Base58 with the Bitcoin alphabet ("base58btc", multibase prefix `z`), as did:key uses it. Leading zero
/// bytes are leading `1`s. Quadratic in the length, which is fine for keys (tens of bytes); inputs are bounded.
public enum Base58 {
    static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = Int8(index) }
        return table
    }()
    /// Longest text `decode` takes (a did:key of a P-521 key is ~100 characters).
    public static let maxLength = 256

    public static func encode(_ bytes: [UInt8]) -> String {
        let zeros = bytes.prefix { $0 == 0 }.count
        var digits: [UInt8] = []   // base 58, least significant first
        for byte in bytes.dropFirst(zeros) {
            var carry = Int(byte)
            for i in digits.indices {
                carry += Int(digits[i]) << 8
                digits[i] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        return String(decoding: [UInt8](repeating: alphabet[0], count: zeros) + digits.reversed().map { alphabet[Int($0)] }, as: UTF8.self)
    }

    /// Nil for an empty text, a character outside the alphabet, or a text over `maxLength`.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard !characters.isEmpty, characters.count <= maxLength else { return nil }
        let zeros = characters.prefix { $0 == alphabet[0] }.count
        var bytes: [UInt8] = []   // base 256, least significant first
        for character in characters.dropFirst(zeros) {
            guard character < 128, values[Int(character)] >= 0 else { return nil }
            var carry = Int(values[Int(character)])
            for i in bytes.indices {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(carry & 0xFF)
                carry >>= 8
            }
            while carry > 0 {
                bytes.append(UInt8(carry & 0xFF))
                carry >>= 8
            }
        }
        return [UInt8](repeating: 0, count: zeros) + bytes.reversed()
    }
}
