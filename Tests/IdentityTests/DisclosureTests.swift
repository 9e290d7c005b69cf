import Foundation
import PropertyBased
import Testing
@testable import Identity

/// Known answers from RFC 9901 (Selective Disclosure for JSON Web Tokens), §4.2.1 "Disclosures for Object
/// Properties", §4.2.2 "Disclosures for Array Elements" and §4.2.3 "Hashing Disclosures" (the same examples
/// as in draft-ietf-oauth-selective-disclosure-jwt): the strings and digests are copied from there.
@Suite struct DisclosureTests {
    @Test func objectPropertyDisclosureOfTheRFC() throws {
        // ["_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius"], as printed (with spaces).
        let disclosure = try #require(Disclosure(encoded: "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"))
        #expect(disclosure.salt == "_26bc4LT-ac6q2KI6cBW5es")
        #expect(disclosure.name == "family_name")
        #expect(disclosure.value == .string("Möbius"))
        // The RFC's "no white space" variant is what this encoder produces, byte for byte.
        let encoded = Disclosure(salt: "_26bc4LT-ac6q2KI6cBW5es", name: "family_name", value: .string("Möbius")).encoded
        #expect(encoded == "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd")
        // The other encodings the RFC lists for the same claim decode to the same salt, name and value.
        for variant in ["WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNXHUwMGY2Yml1cyJd",
                        "WwoiXzI2YmM0TFQtYWM2cTJLSTZjQlc1ZXMiLAoiZmFtaWx5X25hbWUiLAoiTcO2Yml1cyIKXQ"] {
            let other = try #require(Disclosure(encoded: variant))
            #expect(other.salt == disclosure.salt && other.name == disclosure.name && other.value == disclosure.value)
            #expect(other.digest != disclosure.digest)   // digests cover the text, not the decoded value
        }
    }

    @Test func arrayElementDisclosureOfTheRFC() throws {
        let disclosure = try #require(Disclosure(encoded: "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0"))
        #expect(disclosure.salt == "lklxF5jMYlGTPUovMNIvCA")
        #expect(disclosure.name == nil)
        #expect(disclosure.value == .string("FR"))
        #expect(Disclosure(salt: "lklxF5jMYlGTPUovMNIvCA", name: nil, value: .string("FR")).encoded
                == Base64URL.encode(Array(#"["lklxF5jMYlGTPUovMNIvCA","FR"]"#.utf8)))
    }

    @Test func digestsOfTheRFC() throws {
        #expect(try #require(Disclosure(encoded: "WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0")).digest
                == "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY")
        #expect(try #require(Disclosure(encoded: "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0")).digest
                == "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs")
    }

    @Test func malformedDisclosuresAreRefused() {
        for json in [#"["salt"]"#, #"["salt", 1, 2]"#, #"[1, "name", "v"]"#, #"["a","b","c","d"]"#, #"{"salt":"x"}"#, "not json"] {
            #expect(Disclosure(encoded: Base64URL.encode(Array(json.utf8))) == nil, "\(json)")
        }
        #expect(Disclosure(encoded: "WyJh+IiwgIkZSIl0") == nil)   // '+' is not base64url
    }

    /// Encoding then decoding gives back salt, name and value; the digest depends only on the encoded text.
    @Test func disclosureRoundTrip() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...24), Gen.int(in: 0...4), Gen.int(in: Int.min...Int.max)) { bytes, kind, number in
            let text = String(decoding: bytes, as: UTF8.self) + ["", "\"", "\\", "ü€", "\n/~"][kind]
            let value: JSONValue = switch kind {
            case 0: .string(text)
            case 1: .int(Int64(number))
            case 2: .bool(number & 1 == 0)
            case 3: .array([.string(text), .null, .int(Int64(number))])
            default: .object([text: .string(text), "n": .int(Int64(number)), "nested": .object(["b": .bool(false)])])
            }
            for name in [text, nil] as [String?] {
                let disclosure = Disclosure(salt: Disclosure.randomSalt(), name: name, value: value)
                let decoded = Disclosure(encoded: disclosure.encoded)
                #expect(decoded == disclosure)
                #expect(decoded?.digest == Disclosure.digest(of: disclosure.encoded))
            }
        }
    }

    @Test func jsonKeepsIntegersBooleansAndNullApart() throws {
        let parsed = try JSONValue.parse(Array(#"[0, 1, true, false, null, -7, 2.5, "1"]"#.utf8))
        #expect(parsed == .array([.int(0), .int(1), .bool(true), .bool(false), .null, .int(-7), .double(2.5), .string("1")]))
        #expect(String(decoding: JSONValue.object(["b": .string("a/b"), "a": .string("Möbius")]).serialized(), as: UTF8.self)
                == #"{"a":"Möbius","b":"a/b"}"#)
    }

    @Test func saltsAreFreshAnd128Bits() {
        let salts = (0..<64).map { _ in Disclosure.randomSalt() }
        #expect(Set(salts).count == salts.count)
        #expect(salts.allSatisfy { Base64URL.decode($0)?.count == 16 })
    }
}
