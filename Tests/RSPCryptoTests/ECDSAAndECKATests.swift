import Crypto
import Foundation
import RSPCrypto
import Testing

@Suite("ECDSA P-256 in SGP.22 r‖s form")
struct ECDSATests {
    struct SigVer: Sendable, CustomStringConvertible {
        let msg, qx, qy, r, s: String
        let valid: Bool
        var description: String { "\(r.prefix(8)) valid=\(valid)" }
    }

    // NIST CAVP FIPS 186-3 ECDSA SigVer.rsp, section [P-256,SHA-256], as transcribed in
    // Microsoft msrCrypto scripts/testVectors/tv_ecdsa.verify.js (comments give the NIST failure reason).
    static let vectors: [SigVer] = [
        .init(msg: "e1130af6a38ccb412a9c8d13e15dbfc9e69a16385af3c3f1e5da954fd5e7c45fd75e2b8c36699228e92840c0562fbf3772f07e17f1add56588dd45f7450e1217ad239922dd9c32695dc71ff2424ca0dec1321aa47064a044b7fe3c2b97d03ce470a592304c5ef21eed9f93da56bb232d1eeb0035f9bf0dfafdcc4606272b20a3",
              qx: "e424dc61d4bb3cb7ef4344a7f8957a0c5134e16f7a67c074f82e6e12f49abf3c", qy: "970eed7aa2bc48651545949de1dddaf0127e5965ac85d1243d6f60e7dfaee927",
              r: "bf96b99aa49c705c910be33142017c642ff540c76349b9dab72f981fd9347f4f", s: "17c55095819089c2e03b9cd415abdf12444e323075d98f31920b9e0f57ec871c", valid: true),
        .init(msg: "73c5f6a67456ae48209b5f85d1e7de7758bf235300c6ae2bdceb1dcb27a7730fb68c950b7fcada0ecc4661d3578230f225a875e69aaa17f1e71c6be5c831f22663bac63d0c7a9635edb0043ff8c6f26470f02a7bc56556f1437f06dfa27b487a6c4290d8bad38d4879b334e341ba092dde4e4ae694a9c09302e2dbf443581c08",
              qx: "e0fc6a6f50e1c57475673ee54e3a57f9a49f3328e743bf52f335e3eeaa3d2864", qy: "7f59d689c91e463607d9194d99faf316e25432870816dde63f5d4b373f12f22a",
              r: "1d75830cd36f4c9aa181b2c4221e87f176b7f05b7c87824e82e396c88315c407", s: "cb2acb01dac96efc53a32d4a0d85d0c2e48955214783ecf50a4f0414a319c05a", valid: true),
        .init(msg: "60cd64b2cd2be6c33859b94875120361a24085f3765cb8b2bf11e026fa9d8855dbe435acf7882e84f3c7857f96e2baab4d9afe4588e4a82e17a78827bfdb5ddbd1c211fbc2e6d884cddd7cb9d90d5bf4a7311b83f352508033812c776a0e00c003c7e0d628e50736c7512df0acfa9f2320bd102229f46495ae6d0857cc452a84",
              qx: "2d98ea01f754d34bbc3003df5050200abf445ec728556d7ed7d5c54c55552b6d", qy: "9b52672742d637a32add056dfd6d8792f2a33c2e69dafabea09b960bc61e230a",
              r: "06108e525f845d0155bf60193222b3219c98e3d49424c2fb2a0987f825c17959", s: "62b5cdd591e5b507e560167ba8f6f7cda74673eb315680cb89ccbc4eec477dce", valid: true),
        // S changed
        .init(msg: "e4796db5f785f207aa30d311693b3702821dff1168fd2e04c0836825aefd850d9aa60326d88cde1a23c7745351392ca2288d632c264f197d05cd424a30336c19fd09bb229654f0222fcb881a4b35c290a093ac159ce13409111ff0358411133c24f5b8e2090d6db6558afc36f06ca1f6ef779785adba68db27a409859fc4c4a0",
              qx: "87f8f2b218f49845f6f10eec3877136269f5c1a54736dbdf69f89940cad41555", qy: "e15f369036f49842fac7a86c8a2b0557609776814448b8f5e84aa9f4395205e9",
              r: "d19ff48b324915576416097d2544f7cbdf8768b1454ad20e0baac50e211f23b0", s: "a3e81e59311cdfff2d4784949f7a2cb50ba6c3a91fa54710568e61aca3e847c6", valid: false),
        // R changed
        .init(msg: "069a6e6b93dfee6df6ef6997cd80dd2182c36653cef10c655d524585655462d683877f95ecc6d6c81623d8fac4e900ed0019964094e7de91f1481989ae1873004565789cbf5dc56c62aedc63f62f3b894c9c6f7788c8ecaadc9bd0e81ad91b2b3569ea12260e93924fdddd3972af5273198f5efda0746219475017557616170e",
              qx: "5cf02a00d205bdfee2016f7421807fc38ae69e6b7ccd064ee689fc1a94a9f7d2", qy: "ec530ce3cc5c9d1af463f264d685afe2b4db4b5828d7e61b748930f3ce622a85",
              r: "dc23d130c6117fb5751201455e99f36f59aba1a6a21cf2d0e7481a97451d6693", s: "d6ce7708c18dbf35d4f8aa7240922dc6823f2e7058cbc1484fcad1599db5018c", valid: false),
        // Q changed
        .init(msg: "df04a346cf4d0e331a6db78cca2d456d31b0a000aa51441defdb97bbeb20b94d8d746429a393ba88840d661615e07def615a342abedfa4ce912e562af714959896858af817317a840dcff85a057bb91a3c2bf90105500362754a6dd321cdd86128cfc5f04667b57aa78c112411e42da304f1012d48cd6a7052d7de44ebcc01de",
              qx: "2ddfd145767883ffbb0ac003ab4a44346d08fa2570b3120dcce94562422244cb", qy: "5f70c7d11ac2b7a435ccfbbae02c3df1ea6b532cc0e9db74f93fffca7c6f9a64",
              r: "9913111cff6f20c5bf453a99cd2c2019a4e749a49724a08774d14e4c113edda8", s: "9467cd4cd21ecb56b0cab0a9a453b43386845459127a952421f5c6382866c5cc", valid: false),
        // Message changed
        .init(msg: "1669bfb657fdc62c3ddd63269787fc1c969f1850fb04c933dda063ef74a56ce13e3a649700820f0061efabf849a85d474326c8a541d99830eea8131eaea584f22d88c353965dabcdc4bf6b55949fd529507dfb803ab6b480cd73ca0ba00ca19c438849e2cea262a1c57d8f81cd257fb58e19dec7904da97d8386e87b84948169",
              qx: "69b7667056e1e11d6caf6e45643f8b21e7a4bebda463c7fdbc13bc98efbd0214", qy: "d3f9b12eb46c7c6fda0da3fc85bc1fd831557f9abc902a3be3cb3e8be7d1aa2f",
              r: "288f7a1cd391842cce21f00e6f15471c04dc182fe4b14d92dc18910879799790", s: "247b3c4e89a3bcadfea73c7bfd361def43715fa382b8c3edf4ae15d6e55e9979", valid: false),
    ]

    @Test("NIST CAVP SigVer [P-256,SHA-256]", arguments: vectors)
    func nistSigVer(_ v: SigVer) throws {
        let key = try P256.Signing.PublicKey(x963Representation: [0x04] + hex(v.qx) + hex(v.qy))
        let signature = try SGP22Signature(raw: hex(v.r) + hex(v.s))
        #expect(SGP22ECDSA.verify(signature, over: hex(v.msg), with: key) == v.valid)
    }

    @Test("sign/verify round trip, TLV 5F37 40, DER conversion both ways")
    func roundTrip() throws {
        let key = P256.Signing.PrivateKey()
        let message = Array("euiccSigned1".utf8)
        let sig = try SGP22ECDSA.sign(message, with: key)
        #expect(sig.raw.count == 64)
        #expect(SGP22ECDSA.verify(sig, over: message, with: key.publicKey))
        #expect(!SGP22ECDSA.verify(sig, over: message + [0], with: key.publicKey))
        #expect(Array(sig.tlv.prefix(3)) == [0x5F, 0x37, 0x40])
        #expect(try SGP22Signature(tlv: sig.tlv) == sig)
        let der = try sig.der
        #expect(der.first == 0x30)
        #expect(try SGP22Signature(der: der) == sig)
        // swift-crypto agrees on the DER form.
        #expect(try P256.Signing.ECDSASignature(rawRepresentation: sig.raw).derRepresentation == Data(der))
    }

    @Test("DER with small r and s is left-padded to 32 bytes each")
    func derLeftPadding() throws {
        // SEQUENCE { INTEGER 1, INTEGER 0x0080 }
        let sig = try SGP22Signature(der: [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80])
        #expect(sig.raw == [UInt8](repeating: 0, count: 31) + [1] + [UInt8](repeating: 0, count: 31) + [0x80])
    }

    @Test("wrong lengths and out-of-range scalars are typed errors")
    func invalidRaw() throws {
        #expect(throws: ECDSASignatureError.wrongRawLength(actual: 63)) { try SGP22Signature(raw: [UInt8](repeating: 1, count: 63)) }
        #expect(throws: ECDSASignatureError.wrongRawLength(actual: 65)) { try SGP22Signature(raw: [UInt8](repeating: 1, count: 65)) }
        let n = hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")
        let one = [UInt8](repeating: 0, count: 31) + [1]
        #expect(throws: ECDSASignatureError.scalarOutOfRange(component: "r")) { try SGP22Signature(raw: [UInt8](repeating: 0, count: 32) + one) }
        #expect(throws: ECDSASignatureError.scalarOutOfRange(component: "s")) { try SGP22Signature(raw: one + n) }
        #expect(throws: ECDSASignatureError.scalarOutOfRange(component: "r")) { try SGP22Signature(raw: [UInt8](repeating: 0xFF, count: 32) + one) }
        var nMinus1 = n
        nMinus1[31] -= 1
        #expect(try SGP22Signature(raw: nMinus1 + nMinus1).raw.count == 64)
        #expect(throws: ECDSASignatureError.malformedSignatureTLV) { try SGP22Signature(tlv: [0x5F, 0x37, 0x41] + one + one) }
    }

    @Test("malformed DER: truncated, garbage, trailing bytes, wrong tag")
    func invalidDER() throws {
        let valid = try SGP22ECDSA.sign([1, 2, 3], with: P256.Signing.PrivateKey()).der
        // r = 2^256 (33 significant bytes): longer than any P-256 scalar.
        let oversizedR: [UInt8] = [0x30, 0x26, 0x02, 0x21, 0x01] + [UInt8](repeating: 0, count: 32) + [0x02, 0x01, 0x01]
        let cases: [[UInt8]] = [Array(valid.dropLast()), [0x00, 0x01], valid + [0x00], [0x31] + valid.dropFirst(), [], oversizedR]
        for bad in cases {
            #expect(throws: ECDSASignatureError.self) { try SGP22Signature(der: bad) }
        }
    }
}

@Suite("ECKA one-time keys and shared secret")
struct ECKATests {
    @Test("both sides derive the same 32-byte X coordinate")
    func agreement() throws {
        let dp = ECKAKeyPair()
        let euicc = ECKAKeyPair()
        let a = try dp.sharedSecret(with: euicc.publicPoint)
        let b = try euicc.sharedSecret(with: dp.publicPoint)
        #expect(a.count == 32)
        #expect(a == b)
        #expect(dp.publicPoint.uncompressed.count == 65)
        #expect(dp.publicPoint.uncompressed.first == 0x04)
    }

    // RFC 5903 §8.1 (ECDH with NIST P-256): i, g^i, r, g^r and the shared x coordinate g^ir.
    @Test("RFC 5903 §8.1 P-256 ECDH vector")
    func rfc5903() throws {
        let initiator = try ECKAKeyPair(rawPrivateScalar: hex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"))
        #expect(initiator.publicPoint.uncompressed == hex("04 DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180 5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3"))
        let responder = try ECKAPublicPoint(uncompressed: hex("04 D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63 56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB"))
        #expect(try initiator.sharedSecret(with: responder) == hex("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"))
    }

    @Test("point import validation")
    func pointValidation() throws {
        let good = ECKAKeyPair().publicPoint.uncompressed
        #expect(throws: ECKAError.wrongPointLength(actual: 64)) { try ECKAPublicPoint(uncompressed: Array(good.dropLast())) }
        #expect(throws: ECKAError.wrongPointLength(actual: 33)) { try ECKAPublicPoint(uncompressed: [0x02] + [UInt8](repeating: 1, count: 32)) }
        var compressedPrefix = good
        compressedPrefix[0] = 0x03
        #expect(throws: ECKAError.notUncompressed(firstByte: 0x03)) { try ECKAPublicPoint(uncompressed: compressedPrefix) }
        var offCurve = good
        offCurve[64] ^= 0x01
        #expect(throws: ECKAError.pointNotOnCurve) { try ECKAPublicPoint(uncompressed: offCurve) }
        #expect(throws: ECKAError.invalidPrivateKey) { try ECKAKeyPair(rawPrivateScalar: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: ECKAError.invalidPrivateKey) { try ECKAKeyPair(rawPrivateScalar: [1, 2]) }
    }
}
