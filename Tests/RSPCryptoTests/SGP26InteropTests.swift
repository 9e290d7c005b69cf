import Crypto
import Foundation
import RSPCrypto
import Testing
import X509

/// GSMA SGP.26 NIST test certificates, from `<packageRoot>/../shared/testdata/sgp26`.
@Suite("SGP.26 test PKI interop")
struct SGP26InteropTests {
    static let directory = sharedTestData("sgp26")

    func load(_ name: String) throws -> Certificate {
        let dir = try #require(Self.directory)
        return try PKIDecoder.certificate(Array(try Data(contentsOf: dir.appendingPathComponent(name))))
    }

    func loadKey(_ name: String) throws -> P256.Signing.PrivateKey {
        let dir = try #require(Self.directory)
        return try PKIDecoder.privateKey(Array(try Data(contentsOf: dir.appendingPathComponent(name))))
    }

    @Test("DPauth and DPpb validate against the SGP.26 CI by SGP.22 rules; DP-TLS is rejected as expired",
          .enabled(if: directory != nil, "SGP.26 test data not found at <packageRoot>/../shared/testdata/sgp26"))
    func sgp26Chains() async throws {
        let ci = try load("CERT_CI_ECDSA_NIST.der")
        #expect(try load("CERT_CI_ECDSA_NIST.pem") == ci)
        #expect(try SGP22CertificateFields.subjectKeyIdentifier(ci) == hex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3"))
        let now = Date()
        for (file, role) in [("CERT_S_SM_DPauth_ECDSA_NIST.der", SGP22CertificateRole.dpAuth), ("CERT_S_SM_DPpb_ECDSA_NIST.der", .dpPb)] {
            let leaf = try load(file)
            let result = await SGP22ChainValidator.validate(leaf: leaf, role: role, trustedCI: ci, at: now)
            #expect(result.isValid, "\(file): \(result.failureReasons)")
            #expect(try SGP22CertificateFields.smdpOID(leaf) == [2, 999, 10])
        }
        let tls = try load("CERT_S_SM_DP_TLS_NIST.der")
        // notAfter 2026-08-02 13:14:38 UTC.
        #expect(tls.notValidAfter == Date(timeIntervalSince1970: 1_785_676_478))
        let tlsNow = await SGP22ChainValidator.validate(leaf: tls, role: .dpTLS, trustedCI: ci, at: now)
        if now > tls.notValidAfter {
            #expect(!tlsNow.isValid)
            #expect(tlsNow.failureReasons.joined().contains("expired"), "\(tlsNow.failureReasons)")
        }
        // Independent of the machine clock: a day after notAfter it is rejected as expired, and only for that.
        let dayAfter = await SGP22ChainValidator.validate(leaf: tls, role: .dpTLS, trustedCI: ci, at: tls.notValidAfter.addingTimeInterval(86400))
        #expect(dayAfter.failureReasons.count == 1)
        #expect(dayAfter.failureReasons.first?.hasPrefix("SGP.22 validity") == true, "\(dayAfter.failureReasons)")
        // Within its validity period every other TLS rule holds, so expiry is the only reason.
        let tlsInPeriod = await SGP22ChainValidator.validate(leaf: tls, role: .dpTLS, trustedCI: ci, at: tls.notValidAfter.addingTimeInterval(-86400))
        #expect(tlsInPeriod.isValid, "\(tlsInPeriod.failureReasons)")
    }

    @Test("SK_*.pem keys (EC PARAMETERS + EC PRIVATE KEY) match their certificates",
          .enabled(if: directory != nil, "SGP.26 test data not found at <packageRoot>/../shared/testdata/sgp26"))
    func sgp26Keys() throws {
        for (key, cert) in [
            ("SK_S_SM_DPauth_ECDSA_NIST.pem", "CERT_S_SM_DPauth_ECDSA_NIST.der"),
            ("SK_S_SM_DPpb_ECDSA_NIST.pem", "CERT_S_SM_DPpb_ECDSA_NIST.der"),
            ("SK_S_SM_DP_TLS_NIST.pem", "CERT_S_SM_DP_TLS_NIST.der"),
        ] {
            let privateKey = try loadKey(key)
            let certificate = try load(cert)
            #expect(Certificate.PublicKey(privateKey.publicKey) == certificate.publicKey, "\(key)")
            // And an r‖s signature made with it verifies with the certificate's key.
            let signature = try SGP22ECDSA.sign([1, 2, 3], with: privateKey)
            #expect(try SGP22CertificateFields.verify(signature, over: [1, 2, 3], signedBy: certificate))
        }
        #expect(Certificate.PublicKey(try loadKey("SK_S_SM_DPauth_ECDSA_NIST.pem").publicKey) != (try load("CERT_S_SM_DPpb_ECDSA_NIST.der")).publicKey)
    }

    @Test("trust store with our CI and the SGP.26 CI: each chain validates only against its own CI",
          .enabled(if: directory != nil, "SGP.26 test data not found at <packageRoot>/../shared/testdata/sgp26"))
    func mixedTrustStore() async throws {
        let sgp26CI = try load("CERT_CI_ECDSA_NIST.der")
        let sgp26DPauth = try load("CERT_S_SM_DPauth_ECDSA_NIST.der")
        let ours = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
        let store = try CITrustStore([sgp26CI, ours.ci.certificate])
        let sgp26Id = hex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3")
        let ourId = try SGP22CertificateFields.subjectKeyIdentifier(ours.ci.certificate)
        #expect(Set(store.pkIds) == Set([sgp26Id, ourId]))
        let now = Date()
        #expect(await store.validatingPKIds(leaf: sgp26DPauth, role: .dpAuth, at: now) == [sgp26Id])
        #expect(await store.validatingPKIds(leaf: ours.dpAuth.certificate, role: .dpAuth, at: now) == [ourId])
        #expect(await store.validatingPKIds(leaf: ours.euicc.certificate, role: .euicc, intermediates: [ours.eum.certificate], at: now) == [ourId])
        #expect(try await !store.validate(leaf: sgp26DPauth, role: .dpAuth, againstPKId: ourId, at: now).isValid)
        #expect(try await !store.validate(leaf: ours.dpPb.certificate, role: .dpPb, againstPKId: sgp26Id, at: now).isValid)
    }
}
