import Crypto
import Foundation
import SwiftASN1
import X509

/// Errors loading certificates and private keys from PEM or DER bytes.
public enum PKIDecodingError: Error, Equatable, CustomStringConvertible {
    case empty
    /// Larger than any certificate or key file this loader accepts (`PKIDecoder.maxInputBytes`).
    case oversized(Int)
    /// Neither a PEM document nor DER starting with a SEQUENCE.
    case notPEMOrDER
    case malformedPEM
    /// A PEM block of another type, e.g. a key where a certificate was expected.
    case wrongPEMType(expected: String, found: String)
    /// The outer DER length runs past the end of the input.
    case truncated
    /// Bytes after the outer DER object.
    case trailingData
    case malformedDER(String)
    case unsupportedCurve(String)
    case unsupportedKeyType(String)

    public var description: String {
        switch self {
        case .empty: return "input is empty"
        case .oversized(let n): return "input of \(n) bytes exceeds the \(PKIDecoder.maxInputBytes)-byte limit"
        case .notPEMOrDER: return "input is neither PEM nor DER"
        case .malformedPEM: return "malformed PEM"
        case .wrongPEMType(let e, let f): return "expected PEM type \(e), found \(f)"
        case .truncated: return "DER input is truncated"
        case .trailingData: return "DER input has trailing bytes"
        case .malformedDER(let m): return "malformed DER: \(m)"
        case .unsupportedCurve(let c): return "unsupported curve \(c): only P-256 is supported"
        case .unsupportedKeyType(let k): return "unsupported key type: \(k)"
        }
    }
}

/// Loads certificates and P-256 private keys from PEM or DER, whoever produced them.
public enum PKIDecoder {
    /// Certificates and keys in SGP.22 PKIs are well under 2 KiB; anything past 64 KiB is refused unparsed.
    public static let maxInputBytes = 64 * 1024

    /// A certificate from PEM (`CERTIFICATE`) or DER.
    public static func certificate(_ bytes: [UInt8]) throws(PKIDecodingError) -> Certificate {
        let der = try derPayload(bytes, acceptedPEMTypes: ["CERTIFICATE"])
        do {
            return try Certificate(derEncoded: der)
        } catch {
            if let curve = ecCurveOfCertificate(der), curve != SGP22OID.prime256v1 {
                throw .unsupportedCurve(SGP22OID.curveName(curve))
            }
            throw .malformedDER("not an X.509 certificate (\(error))")
        }
    }

    /// Every certificate of a bundle: a PEM file with one or more `CERTIFICATE` blocks (other block types
    /// are refused, explanatory text between blocks is ignored), or one or more DER certificates back to back.
    /// A single certificate is a bundle of one.
    public static func certificates(_ bytes: [UInt8]) throws(PKIDecodingError) -> [Certificate] {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= maxInputBytes else { throw .oversized(bytes.count) }
        var ders: [[UInt8]] = []
        if bytes[0] != 0x30, let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN ") {
            let documents: [PEMDocument]
            do { documents = try PEMDocument.parseMultiple(pemString: text) } catch { throw .malformedPEM }
            guard !documents.isEmpty else { throw .malformedPEM }
            for document in documents {
                guard document.discriminator == "CERTIFICATE" else {
                    throw .wrongPEMType(expected: "CERTIFICATE", found: document.discriminator)
                }
                ders.append(document.derBytes)
            }
        } else {
            guard bytes[0] == 0x30 else { throw .notPEMOrDER }
            var offset = 0
            while offset < bytes.count {
                let length = try outerDERLength(bytes, at: offset)
                ders.append(Array(bytes[offset..<(offset + length)]))
                offset += length
            }
        }
        return try ders.map { der throws(PKIDecodingError) in try certificate(der) }
    }

    /// The total length (header + value) of the DER SEQUENCE starting at `offset`.
    static func outerDERLength(_ bytes: [UInt8], at offset: Int) throws(PKIDecodingError) -> Int {
        guard bytes.count - offset >= 2, bytes[offset] == 0x30 else { throw .malformedDER("expected an outer SEQUENCE at byte \(offset)") }
        var length = Int(bytes[offset + 1])
        var header = 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count) else { throw .malformedDER("unsupported length form") }
            guard bytes.count - offset >= 2 + count else { throw .truncated }
            length = 0
            for i in 0..<count { length = length << 8 | Int(bytes[offset + 2 + i]) }
            header = 2 + count
        }
        guard header + length <= bytes.count - offset else { throw .truncated }
        return header + length
    }

    /// A P-256 private key from PEM (`PRIVATE KEY` PKCS#8 or `EC PRIVATE KEY` SEC1, optionally preceded by
    /// `EC PARAMETERS`) or DER (PKCS#8 or SEC1).
    public static func privateKey(_ bytes: [UInt8]) throws(PKIDecodingError) -> P256.Signing.PrivateKey {
        let types = ["PRIVATE KEY", "EC PRIVATE KEY"]
        let der = try derPayload(bytes, acceptedPEMTypes: types, ignoredPEMTypes: ["EC PARAMETERS"])
        // swift-crypto does not reject every foreign curve (a brainpoolP256r1 PKCS#8 key parses as P-256),
        // so the named curve is checked first: in the key itself and in an `EC PARAMETERS` block.
        for curve in [ecCurveOfPrivateKey(der)] + ecParametersCurves(bytes) {
            if let curve, curve != SGP22OID.prime256v1 { throw .unsupportedCurve(SGP22OID.curveName(curve)) }
        }
        do {
            return try P256.Signing.PrivateKey(derRepresentation: der)
        } catch {
            throw .unsupportedKeyType("not a P-256 PKCS#8 or SEC1 private key")
        }
    }

    /// Named curves of `EC PARAMETERS` PEM blocks (empty for DER input).
    static func ecParametersCurves(_ bytes: [UInt8]) -> [ASN1ObjectIdentifier?] {
        guard let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN EC PARAMETERS-----"),
              let documents = try? PEMDocument.parseMultiple(pemString: text) else { return [] }
        return documents.filter { $0.discriminator == "EC PARAMETERS" }.map {
            // An unparseable block yields a non-P-256 marker so it is rejected rather than ignored.
            (try? ASN1ObjectIdentifier(derEncoded: $0.derBytes)) ?? [0]
        }
    }

    /// The DER bytes of the single relevant object: PEM is unwrapped (checking its type), DER is checked
    /// for truncation and trailing bytes.
    static func derPayload(_ bytes: [UInt8], acceptedPEMTypes: [String], ignoredPEMTypes: [String] = []) throws(PKIDecodingError) -> [UInt8] {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= maxInputBytes else { throw .oversized(bytes.count) }
        // PEM, possibly after explanatory text (`openssl x509 -text`, PKCS#12 "Bag Attributes").
        if bytes[0] != 0x30, let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN ") {
            let documents: [PEMDocument]
            do { documents = try PEMDocument.parseMultiple(pemString: text) } catch { throw .malformedPEM }
            let relevant = documents.filter { !ignoredPEMTypes.contains($0.discriminator) }
            guard let document = relevant.first else { throw .malformedPEM }
            guard relevant.count == 1 else { throw .malformedPEM }
            guard acceptedPEMTypes.contains(document.discriminator) else {
                throw .wrongPEMType(expected: acceptedPEMTypes.joined(separator: " or "), found: document.discriminator)
            }
            try checkOuterDER(document.derBytes)
            return document.derBytes
        }
        guard bytes[0] == 0x30 else { throw .notPEMOrDER }
        try checkOuterDER(bytes)
        return bytes
    }

    /// The outer TLV must be a SEQUENCE whose definite length covers exactly the input.
    static func checkOuterDER(_ der: [UInt8]) throws(PKIDecodingError) {
        guard der.count >= 2, der[0] == 0x30 else { throw .malformedDER("expected an outer SEQUENCE") }
        if try outerDERLength(der, at: 0) < der.count { throw .trailingData }
    }

    /// The named-curve OID of an id-ecPublicKey SubjectPublicKeyInfo inside a certificate, if any.
    static func ecCurveOfCertificate(_ der: [UInt8]) -> ASN1ObjectIdentifier? {
        guard let root = try? DER.parse(der), case .constructed(let top) = root.content,
              let tbs = top.first(where: { _ in true }), case .constructed(let fields) = tbs.content else { return nil }
        for field in fields {
            if let curve = ecCurve(ofAlgorithmIn: field) { return curve }
        }
        return nil
    }

    /// The curve of a PKCS#8 (algorithm in the second field) or SEC1 (parameters in `[0]`) EC private key.
    static func ecCurveOfPrivateKey(_ der: [UInt8]) -> ASN1ObjectIdentifier? {
        guard let root = try? DER.parse(der), case .constructed(let fields) = root.content else { return nil }
        for field in fields {
            if field.identifier == .sequence, case .constructed(let algorithm) = field.content {
                var iterator = algorithm.makeIterator()
                if let first = iterator.next(), (try? ASN1ObjectIdentifier(derEncoded: first)) == SGP22OID.ecPublicKey,
                   let second = iterator.next() {
                    return try? ASN1ObjectIdentifier(derEncoded: second)
                }
            }
            if field.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific),
               case .constructed(let inner) = field.content, let node = inner.first(where: { _ in true }) {
                return try? ASN1ObjectIdentifier(derEncoded: node)
            }
        }
        return nil
    }

    /// For a SubjectPublicKeyInfo node `SEQUENCE { SEQUENCE { id-ecPublicKey, curve }, BIT STRING }`, the curve.
    static func ecCurve(ofAlgorithmIn node: ASN1Node) -> ASN1ObjectIdentifier? {
        guard node.identifier == .sequence, case .constructed(let spki) = node.content,
              let algorithmNode = spki.first(where: { _ in true }),
              algorithmNode.identifier == .sequence, case .constructed(let algorithm) = algorithmNode.content else { return nil }
        var iterator = algorithm.makeIterator()
        guard let oidNode = iterator.next(), (try? ASN1ObjectIdentifier(derEncoded: oidNode)) == SGP22OID.ecPublicKey,
              let curveNode = iterator.next() else { return nil }
        return try? ASN1ObjectIdentifier(derEncoded: curveNode)
    }
}
