import Crypto
import Foundation
import RSPASN1
import RSPCrypto
import SwiftASN1
import Testing
import X509

/// Issues a certificate signed by `issuer` with freely chosen (possibly wrong) SGP.22 attributes,
/// to build negative cases the generator never produces.
func issueCustom(
    policy: SGP22CertificateRole,
    subject: DistinguishedName,
    publicKey: Certificate.PublicKey,
    issuer: PKIEntity,
    notBefore: Date = Date().addingTimeInterval(-60),
    notAfter: Date = Date().addingTimeInterval(3600 * 24 * 365)
) throws -> Certificate {
    let issuerSKI = try SGP22CertificateFields.subjectKeyIdentifier(issuer.certificate)
    return try Certificate(
        version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x01, 0x23]), publicKey: publicKey,
        notValidBefore: notBefore, notValidAfter: notAfter,
        issuer: issuer.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
        extensions: try Certificate.Extensions {
            AuthorityKeyIdentifier(keyIdentifier: issuerSKI[...])
            SubjectKeyIdentifier(hash: publicKey)
            Critical(KeyUsage(digitalSignature: true))
            try SGP22CertificateFields.policiesExtension(for: policy)
            SubjectAlternativeNames([.registeredID([2, 999, 10])])
        },
        issuerPrivateKey: Certificate.PrivateKey(issuer.privateKey))
}

func euiccSubject(eid: String, organization: String = "OpenRSP Test EUM") throws -> DistinguishedName {
    DistinguishedName([
        RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: .RDNAttributeType.organizationName, utf8String: organization)),
        RelativeDistinguishedName(try RelativeDistinguishedName.Attribute(type: SGP22OID.serialNumber, printableString: eid)),
        RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: .RDNAttributeType.commonName, utf8String: "eUICC")),
    ])
}

@Suite("SGP.22 certificate chains (generated PKI)")
struct ChainValidationTests {
    static func makePKI() throws -> TestPKI {
        try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID))
    }

    func reasons(_ result: SGP22ChainValidationResult) -> String { result.failureReasons.joined(separator: " | ") }

    @Test("every generated chain validates; field helpers read SKI/AKI, SM-DP+ OID, EID, key")
    func generatedChainsValidate() async throws {
        let pki = try Self.makePKI()
        let now = Date()
        let euicc = await SGP22ChainValidator.validate(leaf: pki.euicc.certificate, role: .euicc, intermediates: [pki.eum.certificate], trustedCI: pki.ci.certificate, at: now)
        #expect(euicc.isValid, "\(reasons(euicc))")
        #expect(euicc.chain.count == 3)
        for entity in [pki.dpAuth, pki.dpPb, pki.dpTLS] {
            let result = await SGP22ChainValidator.validate(leaf: entity.certificate, role: entity.role, trustedCI: pki.ci.certificate, at: now)
            #expect(result.isValid, "\(entity.role): \(reasons(result))")
        }
        let ciSKI = try SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate)
        #expect(ciSKI.count == 20)
        #expect(try SGP22CertificateFields.authorityKeyIdentifier(pki.dpAuth.certificate) == ciSKI)
        #expect(try SGP22CertificateFields.authorityKeyIdentifier(pki.eum.certificate) == ciSKI)
        #expect(try SGP22CertificateFields.smdpOID(pki.dpPb.certificate) == [2, 999, 10])
        #expect(try SGP22CertificateFields.eid(pki.euicc.certificate) == (try TestPKIOptions.defaultEID))
        #expect(try SGP22CertificateFields.roles(pki.eum.certificate) == [.eum])
        let message = Array("serverSigned1".utf8)
        let signature = try SGP22ECDSA.sign(message, with: pki.dpAuth.privateKey)
        #expect(try SGP22CertificateFields.verify(signature, over: message, signedBy: pki.dpAuth.certificate))
        #expect(try !SGP22CertificateFields.verify(signature, over: message, signedBy: pki.dpPb.certificate))
    }

    @Test("wrong role OID is rejected by the role policy")
    func wrongRole() async throws {
        let pki = try Self.makePKI()
        // DPpb is presented where DPauth is required.
        let result = await SGP22ChainValidator.validate(leaf: pki.dpPb.certificate, role: .dpAuth, trustedCI: pki.ci.certificate, at: Date())
        #expect(!result.isValid)
        #expect(reasons(result).contains("SGP.22 role"), "\(reasons(result))")
    }

    @Test("expired certificate is rejected by the validity policy")
    func expired() async throws {
        let pki = try Self.makePKI()
        let later = Date().addingTimeInterval(11 * 365.25 * 24 * 3600)  // DP certs last 10 years, the CI 35
        let result = await SGP22ChainValidator.validate(leaf: pki.dpAuth.certificate, role: .dpAuth, trustedCI: pki.ci.certificate, at: later)
        #expect(!result.isValid)
        #expect(reasons(result).contains("expired"), "\(reasons(result))")
        let early = await SGP22ChainValidator.validate(leaf: pki.dpAuth.certificate, role: .dpAuth, trustedCI: pki.ci.certificate, at: Date().addingTimeInterval(-86400))
        #expect(reasons(early).contains("not yet valid"), "\(reasons(early))")
    }

    @Test("certificate of another CI does not chain")
    func wrongIssuer() async throws {
        let pki = try Self.makePKI()
        let other = try Self.makePKI()
        let result = await SGP22ChainValidator.validate(leaf: pki.dpAuth.certificate, role: .dpAuth, trustedCI: other.ci.certificate, at: Date())
        #expect(!result.isValid)
        // Both generated CIs have the same name, so the key identifier is the broken link.
        #expect(reasons(result).contains("no chain"), "\(reasons(result))")
        #expect(reasons(result).contains("AuthorityKeyIdentifier"), "\(reasons(result))")
        let euicc = await SGP22ChainValidator.validate(leaf: pki.euicc.certificate, role: .euicc, intermediates: [pki.eum.certificate], trustedCI: other.ci.certificate, at: Date())
        #expect(reasons(euicc).contains("AuthorityKeyIdentifier"), "\(reasons(euicc))")
        let noEUM = await SGP22ChainValidator.validate(leaf: pki.euicc.certificate, role: .euicc, trustedCI: pki.ci.certificate, at: Date())
        #expect(reasons(noEUM).contains("neither the CI"), "\(reasons(noEUM))")
    }

    @Test("P-384 key (standing in for an unsupported curve) is rejected by the curve policy")
    func wrongCurve() async throws {
        let pki = try Self.makePKI()
        let p384 = Certificate.PublicKey(P384.Signing.PrivateKey().publicKey)
        let subject = try DistinguishedName { CommonName("P-384 DPauth") }
        let cert = try issueCustom(policy: .dpAuth, subject: subject, publicKey: p384, issuer: pki.ci)
        let result = await SGP22ChainValidator.validate(leaf: cert, role: .dpAuth, trustedCI: pki.ci.certificate, at: Date())
        #expect(!result.isValid)
        #expect(reasons(result).contains("SGP.22 curve"), "\(reasons(result))")
        #expect(throws: SGP22CertificateFieldError.unsupportedCurve("P-384")) { try SGP22CertificateFields.verificationKey(cert) }
    }

    @Test("a flipped signature byte breaks the chain")
    func badSignature() async throws {
        let pki = try Self.makePKI()
        var der = try PKIEncoding.der(pki.dpAuth.certificate)
        der[der.count - 1] ^= 0x01  // last byte of s in the signature value
        let tampered = try Certificate(derEncoded: der)
        let result = await SGP22ChainValidator.validate(leaf: tampered, role: .dpAuth, trustedCI: pki.ci.certificate, at: Date())
        #expect(!result.isValid)
        #expect(reasons(result).contains("does not verify"), "\(reasons(result))")
    }

    @Test("eUICC whose EID is outside the EUM's permitted prefix is rejected")
    func eidOutsideEUMRange() async throws {
        let pki = try Self.makePKI()
        let foreignEID = try EID.withCheckDigits(prefix30: "890440320000000000000000012345")
        let key = Certificate.PublicKey(P256.Signing.PrivateKey().publicKey)
        let outside = try issueCustom(policy: .euicc, subject: try euiccSubject(eid: foreignEID.digits), publicKey: key, issuer: pki.eum)
        let result = await SGP22ChainValidator.validate(leaf: outside, role: .euicc, intermediates: [pki.eum.certificate], trustedCI: pki.ci.certificate, at: Date())
        #expect(!result.isValid)
        #expect(reasons(result).contains("EUM name constraints"), "\(reasons(result))")
        // Same EUM, EID inside the range, wrong organisation: also outside the permitted subtree.
        let wrongOrg = try issueCustom(policy: .euicc, subject: try euiccSubject(eid: (try TestPKIOptions.defaultEID).digits, organization: "Other"), publicKey: key, issuer: pki.eum)
        let orgResult = await SGP22ChainValidator.validate(leaf: wrongOrg, role: .euicc, intermediates: [pki.eum.certificate], trustedCI: pki.ci.certificate, at: Date())
        #expect(reasons(orgResult).contains("EUM name constraints"), "\(reasons(orgResult))")
        // Inside the range and the right organisation: valid.
        let inside = try issueCustom(policy: .euicc, subject: try euiccSubject(eid: (try TestPKIOptions.defaultEID).digits), publicKey: key, issuer: pki.eum)
        let ok = await SGP22ChainValidator.validate(leaf: inside, role: .euicc, intermediates: [pki.eum.certificate], trustedCI: pki.ci.certificate, at: Date())
        #expect(ok.isValid, "\(reasons(ok))")
    }

    @Test("trust store answers which CI PKIds it trusts and validates against the chosen one only")
    func trustStore() async throws {
        let a = try Self.makePKI()
        let b = try Self.makePKI()
        let store = try CITrustStore([a.ci.certificate, b.ci.certificate])
        let idA = try SGP22CertificateFields.subjectKeyIdentifier(a.ci.certificate)
        let idB = try SGP22CertificateFields.subjectKeyIdentifier(b.ci.certificate)
        let unknown = [UInt8](repeating: 0xAB, count: 20)
        #expect(store.trustedPKIds(among: [unknown, idB, idA]) == [idB, idA])
        #expect(try await store.validate(leaf: a.dpAuth.certificate, role: .dpAuth, againstPKId: idA, at: Date()).isValid)
        #expect(try await !store.validate(leaf: a.dpAuth.certificate, role: .dpAuth, againstPKId: idB, at: Date()).isValid)
        #expect(await store.validatingPKIds(leaf: b.dpPb.certificate, role: .dpPb, at: Date()) == [idB])
        await #expect(throws: CITrustStoreError.self) { try await store.validate(leaf: a.dpAuth.certificate, role: .dpAuth, againstPKId: unknown, at: Date()) }
        var rejecting = CITrustStore()
        #expect(throws: CITrustStoreError.self) { try rejecting.add(a.dpAuth.certificate) }
        #expect(throws: CITrustStoreError.self) { try rejecting.add(a.eum.certificate) }
    }
}
