import Crypto
import Testing
import X509
@testable import RSPCrypto

/// CertificateDigests against swift-crypto's own SubjectPublicKeyInfo encoding of the same key.
struct CertificateDigestsTests {
    @Test func spkiDigestMatchesSwiftCryptoDERRepresentation() throws {
        let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "localhost"))
        for entity in [pki.ci, pki.dpAuth, pki.dpTLS] {
            let expected = entity.privateKey.publicKey.derRepresentation
            #expect(try CertificateDigests.subjectPublicKeyInfoDER(entity.certificate) == Array(expected))
            #expect(try CertificateDigests.spkiSHA256(entity.certificate) == Array(SHA256.hash(data: expected)))
            #expect(try CertificateDigests.certificateSHA256(entity.certificate)
                == Array(SHA256.hash(data: try PKIEncoding.der(entity.certificate))))
        }
        // FIPS 180-2 "abc" known answer.
        #expect(CertificateDigests.sha256(Array("abc".utf8)).prefix(4) == [0xBA, 0x78, 0x16, 0xBF])
    }
}
