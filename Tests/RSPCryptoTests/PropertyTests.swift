import PropertyBased
import RSPCrypto
import Testing

@Suite("Property checks")
struct PropertyTests {
    @Test("r‖s → DER → r‖s is the identity for every valid scalar pair")
    func rawDERRoundTrip() async {
        await propertyCheck(count: 200, input: Gen.uint8().array(of: 64)) { raw in
            guard let signature = try? SGP22Signature(raw: raw) else { return }  // r or s ≥ n or zero: out of scope
            let der = try signature.der
            #expect(try SGP22Signature(der: der) == signature)
        }
    }

    @Test("BSP: protect then unprotect returns the plaintext for every size up to the segment limit")
    func bspRoundTrip() async throws {
        let keys = try BSPSessionKeys(initialMCV: [UInt8](repeating: 9, count: 16), sEnc: [UInt8](repeating: 8, count: 16), sMac: [UInt8](repeating: 7, count: 16))
        await propertyCheck(count: 100, input: Gen.uint8().array(of: 0...1007), Gen.element(of: BSPSegmentTag.allCases)) { plaintext, maybeTag in
            let tag = try #require(maybeTag)
            var dp = BSPContext(keys: keys)
            var euicc = BSPContext(keys: keys)
            let segment = try dp.protect(plaintext, tag: tag)
            #expect(segment.count <= 1020)
            let received = try euicc.unprotect(segment)
            #expect(received.tag == tag)
            #expect(received.plaintext == plaintext)
            #expect(euicc.mcv == dp.mcv)
        }
    }

    @Test("decoders reject arbitrary bytes with typed errors instead of crashing")
    func decodersTotal() async {
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...300)) { bytes in
            #expect(throws: PKIDecodingError.self) { try PKIDecoder.certificate([0x30, 0x82, 0x01, 0x2C] + bytes) }
            #expect(throws: PKIDecodingError.self) { try PKIDecoder.privateKey([0x30] + bytes) }
            var context = BSPContext(keys: try BSPSessionKeys(initialMCV: [UInt8](repeating: 0, count: 16), sEnc: [UInt8](repeating: 1, count: 16), sMac: [UInt8](repeating: 2, count: 16)))
            #expect(throws: BSPError.self) { try context.unprotect([0x86] + bytes) }
        }
    }
}
