import SwiftASN1

/// Dotted text of an OBJECT IDENTIFIER, decoded from its DER by X.690 §8.19.4 (first subidentifier
/// < 40 → 0.x, < 80 → 1.x, else 2.(x−80)). swift-asn1 1.7's `description` renders arcs under 2 with a
/// second arc ≥ 40 wrongly (2.999.10 prints as "26.39.10"), and the activation code needs the right text.
public enum OIDText {
    public static func dotted(_ oid: ASN1ObjectIdentifier) throws -> String {
        var coder = DER.Serializer()
        try coder.serialize(oid)
        let bytes = coder.serializedBytes
        guard bytes.count >= 3, bytes[0] == 0x06, Int(bytes[1]) == bytes.count - 2 else {
            throw ASN1Error.invalidASN1Object(reason: "OBJECT IDENTIFIER longer than 127 bytes")
        }
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        for byte in bytes[2...] {
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                if arcs.isEmpty {
                    let first: UInt64 = value < 40 ? 0 : (value < 80 ? 1 : 2)
                    arcs = [first, value - first * 40]
                } else {
                    arcs.append(value)
                }
                value = 0
            }
        }
        return arcs.map(String.init).joined(separator: ".")
    }
}
