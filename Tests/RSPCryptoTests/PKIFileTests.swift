import Crypto
import Foundation
import RSPASN1
import RSPCrypto
import Testing
import X509

@Suite("PKI files: decoding, writing, loading")
struct PKIFileTests {
    // Generated once with `openssl ecparam -name brainpoolP256r1 -genkey` + `openssl req -x509` (test fixture only).
    static let brainpoolCertificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBrDCCAVKgAwIBAgIUWDNFW56tUUwiZ3FdDmhZkJloliowCgYIKoZIzj0EAwIw
        KzEXMBUGA1UEAwwOYnJhaW5wb29sIHRlc3QxEDAOBgNVBAoMB09wZW5SU1AwHhcN
        MjYxMTI1MTQ1NDE2WhcNMzYxMTIyMTQ1NDE2WjArMRcwFQYDVQQDDA5icmFpbnBv
        b2wgdGVzdDEQMA4GA1UECgwHT3BlblJTUDBaMBQGByqGSM49AgEGCSskAwMCCAEB
        BwNCAAQUVGyg8czJC5tksfRTd4g12W99UBlJMCSjpHuod4a+rVnZIrzzls7myq3U
        VsAQ1aWX+/ihrOo8ukSRoFeOTXT8o1MwUTAdBgNVHQ4EFgQUYGbYHTaVO0cDwJwH
        MzQ/v+ifYqswHwYDVR0jBBgwFoAUYGbYHTaVO0cDwJwHMzQ/v+ifYqswDwYDVR0T
        AQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBzcuQOTFA25TZaFc9xj7dQUMJF
        hpR2gGI+ixxOkCGnBgIhAJUpsDd218w0Vf8AIc89kwUyLGBpqm4NnwLXx7/gYHYM
        -----END CERTIFICATE-----
        """
    static let brainpoolKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGIAgEAMBQGByqGSM49AgEGCSskAwMCCAEBBwRtMGsCAQEEIEshgUnzrbT4AG8k
        dSJRgLZKfs81wvwCvjLShw0y31RjoUQDQgAEFFRsoPHMyQubZLH0U3eINdlvfVAZ
        STAko6R7qHeGvq1Z2SK885bO5sqt1FbAENWll/v4oazqPLpEkaBXjk10/A==
        -----END PRIVATE KEY-----
        """
    static let p384KeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDxllYpwNhwiNAt0+gZ
        uZUnXxf44duPr564S2/4HgcMiuoKIaBqBd5fK5piWziH3wOhZANiAATnfnCzMZyk
        2tjEfuyjhHPCpbqZ4FNi6riLA6R/NGHjnOl6h2hNOmCIR/pmyjSoZ0UBp0acWgne
        qi/G3+x28sMrbL19A8POtmCfDWYg66Fp68IiRmN9A7k1egEaQOlfviQ=
        -----END PRIVATE KEY-----
        """

    @Test("certificate decoder: PEM and DER agree; truncated, oversized length, trailing, garbage, wrong type are typed errors")
    func certificateDecoder() throws {
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        let der = try PKIEncoding.der(pki.ci.certificate)
        let pem = Array(try PKIEncoding.pem(pki.ci.certificate).utf8)
        #expect(try PKIDecoder.certificate(der) == pki.ci.certificate)
        #expect(try PKIDecoder.certificate(pem) == pki.ci.certificate)
        // PEM after explanatory text, as `openssl x509 -text` or PKCS#12 exports write it.
        #expect(try PKIDecoder.certificate(Array("Bag Attributes\n    friendlyName: ci\nsubject=CN = x\n".utf8) + pem) == pki.ci.certificate)

        #expect(throws: PKIDecodingError.empty) { try PKIDecoder.certificate([]) }
        #expect(throws: PKIDecodingError.truncated) { try PKIDecoder.certificate(Array(der.dropLast(10))) }
        #expect(throws: PKIDecodingError.trailingData) { try PKIDecoder.certificate(der + [0x00]) }
        var oversized = der
        oversized[2] = 0xFF  // outer length claims more bytes than present
        #expect(throws: PKIDecodingError.self) { try PKIDecoder.certificate(oversized) }
        #expect(throws: PKIDecodingError.notPEMOrDER) { try PKIDecoder.certificate(Array("hello world".utf8)) }
        #expect(throws: PKIDecodingError.notPEMOrDER) { try PKIDecoder.certificate([0x31] + der.dropFirst()) }
        #expect(throws: PKIDecodingError.oversized(70_000)) { try PKIDecoder.certificate([0x30, 0x83, 0x01, 0x11, 0x6C] + [UInt8](repeating: 0, count: 69_995)) }
        #expect(throws: PKIDecodingError.oversized(70_000)) { try PKIDecoder.privateKey([UInt8](repeating: 0x2D, count: 70_000)) }
        #expect(throws: PKIDecodingError.self) { try PKIDecoder.certificate([0x30, 0x03, 0x02, 0x01, 0x01]) }
        let keyPEM = Array(PKIEncoding.pem(pki.ci.privateKey).utf8)
        #expect(throws: PKIDecodingError.wrongPEMType(expected: "CERTIFICATE", found: "PRIVATE KEY")) { try PKIDecoder.certificate(keyPEM) }
        #expect(throws: PKIDecodingError.malformedPEM) { try PKIDecoder.certificate(Array("-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n".utf8)) }
        #expect(throws: PKIDecodingError.unsupportedCurve("brainpoolP256r1")) { try PKIDecoder.certificate(Array(Self.brainpoolCertificatePEM.utf8)) }
    }

    @Test("certificate bundles: several PEM blocks or DER back to back decode in order; a key block or a truncated tail is refused")
    func certificateBundles() throws {
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        let chain = [pki.dpTLS.certificate, pki.ci.certificate]
        let pem = try chain.map { try PKIEncoding.pem($0) }.joined(separator: "\nsubject=comment between blocks\n")
        #expect(try PKIDecoder.certificates(Array(pem.utf8)) == chain)
        let der = try chain.flatMap { try PKIEncoding.der($0) }
        #expect(try PKIDecoder.certificates(der) == chain)
        #expect(try PKIDecoder.certificates(try PKIEncoding.der(pki.ci.certificate)) == [pki.ci.certificate])
        // A single-certificate reader still refuses a bundle rather than picking one silently.
        #expect(throws: PKIDecodingError.malformedPEM) { try PKIDecoder.certificate(Array(pem.utf8)) }
        let withKey = pem + "\n" + PKIEncoding.pem(pki.ci.privateKey)
        #expect(throws: PKIDecodingError.wrongPEMType(expected: "CERTIFICATE", found: "PRIVATE KEY")) { try PKIDecoder.certificates(Array(withKey.utf8)) }
        #expect(throws: PKIDecodingError.truncated) { try PKIDecoder.certificates(Array(der.dropLast(3))) }
        #expect(throws: PKIDecodingError.self) { try PKIDecoder.certificates(der + [0x05, 0x00]) }
        #expect(throws: PKIDecodingError.empty) { try PKIDecoder.certificates([]) }
    }

    @Test("private key decoder: PKCS#8 PEM/DER, wrong type, other curves")
    func keyDecoder() throws {
        let key = P256.Signing.PrivateKey()
        #expect(try PKIDecoder.privateKey(Array(key.pemRepresentation.utf8)).rawRepresentation == key.rawRepresentation)
        #expect(try PKIDecoder.privateKey(Array(key.derRepresentation)).rawRepresentation == key.rawRepresentation)
        #expect(throws: PKIDecodingError.self) { try PKIDecoder.privateKey(Array(key.derRepresentation.dropLast())) }
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        let certPEM = Array(try PKIEncoding.pem(pki.ci.certificate).utf8)
        #expect(throws: PKIDecodingError.wrongPEMType(expected: "PRIVATE KEY or EC PRIVATE KEY", found: "CERTIFICATE")) { try PKIDecoder.privateKey(certPEM) }
        #expect(throws: PKIDecodingError.unsupportedCurve("brainpoolP256r1")) { try PKIDecoder.privateKey(Array(Self.brainpoolKeyPEM.utf8)) }
        #expect(throws: PKIDecodingError.unsupportedCurve("P-384")) { try PKIDecoder.privateKey(Array(Self.p384KeyPEM.utf8)) }
    }

    @Test("write + load round trip; keys 0600; refuses to overwrite without overwrite flag")
    func writeAndLoad() async throws {
        let dir = try makeTemporaryDirectory().appendingPathComponent("pki")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        let files = try PKIWriter.write(pki, to: dir, overwrite: false)
        #expect(files.count == 18)
        for role in SGP22CertificateRole.allCases {
            let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(PKIDirectoryLayout.keyName(role)).path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(role)")
        }
        #expect(throws: PKIStoreError.self) { try PKIWriter.write(pki, to: dir, overwrite: false) }
        let loaded = try PKILoader.load(from: dir)
        #expect(loaded.certificates[.euicc] == pki.euicc.certificate)
        #expect(loaded.privateKeys.count == 6)
        let rows = await PKILoader.verify(loaded, at: Date())
        #expect(rows.count == 6)
        #expect(rows.allSatisfy { $0.valid }, "\(rows)")

        // DER only (PEM removed) still loads; a key of another certificate is rejected.
        try FileManager.default.removeItem(at: dir.appendingPathComponent(PKIDirectoryLayout.pemName(.dpAuth)))
        #expect(try PKILoader.load(from: dir).sources[.dpAuth] == PKIDirectoryLayout.derName(.dpAuth))
        try FileManager.default.removeItem(at: dir.appendingPathComponent(PKIDirectoryLayout.keyName(.dpAuth)))
        try FileManager.default.copyItem(at: dir.appendingPathComponent(PKIDirectoryLayout.keyName(.dpPb)), to: dir.appendingPathComponent(PKIDirectoryLayout.keyName(.dpAuth)))
        #expect(throws: PKIStoreError.self) { try PKILoader.load(from: dir) }

        // Overwrite replaces everything with a fresh PKI.
        try PKIWriter.write(try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID)), to: dir, overwrite: true)
        let reloaded = try PKILoader.load(from: dir)
        #expect(reloaded.certificates[.ci] != pki.ci.certificate)
    }

    @Test("PEM and DER of different certificates for one role are rejected")
    func pemDerMismatch() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        try PKIWriter.write(pki, to: dir, overwrite: false)
        let other = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        try Data(try PKIEncoding.der(other.ci.certificate)).write(to: dir.appendingPathComponent(PKIDirectoryLayout.derName(.ci)))
        #expect(throws: PKIStoreError.self) { try PKILoader.load(from: dir) }
    }
}
