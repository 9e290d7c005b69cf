import EthereumCore
import Foundation
import RSPASN1
import RSPCrypto
import Settlement

/// Creates the SGP.22 test PKI in `$OPENRSP_HOME/pki`, or reuses the one there when every chain is valid.
struct PKIStep: DemoStep {
    let name = "pki"
    let title = "create or reuse the SGP.22 test PKI"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let dir = env.config.pkiDirectory
        if PKIWriter.existingFiles(in: dir).isEmpty {
            let pki = try TestPKIGenerator.generate(TestPKIOptions(eid: try TestPKIOptions.defaultEID, smdpHost: "localhost"))
            _ = try PKIWriter.write(pki, to: dir, overwrite: false)
            state.pkiCreated = true
        }
        let loaded = try PKILoader.load(from: dir)
        let rows = await PKILoader.verify(loaded, at: Date())
        let invalid = rows.filter { !$0.valid }
        guard invalid.isEmpty else {
            throw DemoError.invalid("the PKI in \(dir.path) does not validate (\(invalid.map { "\($0.certificate): \($0.result)" }.joined(separator: "; "))); "
                + "fix it or move it away and run again")
        }
        env.progress("\(state.pkiCreated ? "created" : "reused") \(dir.path): \(rows.count) certificates valid by SGP.22 rules")
    }
}

/// Governance registers the CI (its certificate), the SM-DP+ (CERT.DPauth, then its TLS certificate
/// CERT.DPtls as a second key with `addCertificate`), the MNO and the MVNO in the TrustRegistry:
/// address, role, name, SHA-256 of the SubjectPublicKeyInfo and of the certificate.
/// MNO and MVNO have no X.509 certificate here: they are identified by their secp256k1 account key as a
/// DER SubjectPublicKeyInfo, whose SHA-256 is used for both fields.
struct RegisterTrustStep: DemoStep {
    let name = "register"
    let title = "register CI, SM-DP+, MNO and MVNO in the TrustRegistry"

    func run(_ state: inout DemoState, _ env: DemoEnvironment) async throws {
        let accounts = try state.require(state.accounts, "the accounts")
        let registry = try state.require(state.contracts, "the contracts").registry
        let pki = try PKILoader.load(from: env.config.pkiDirectory)
        guard let ci = pki.certificates[.ci], let dpAuth = pki.certificates[.dpAuth], let dpTLS = pki.certificates[.dpTLS] else {
            throw DemoError.missing("the PKI has no CI, DPauth or DPtls certificate")
        }
        let entries: [(Settlement.Role, String, PrivateKey, [UInt8], [UInt8])] = [
            (.ci, "OpenRSP test CI", accounts.ci, try CertificateDigests.spkiSHA256(ci), try CertificateDigests.certificateSHA256(ci)),
            (.smdp, "OpenRSP SM-DP+ (DPauth)", accounts.smdp, try CertificateDigests.spkiSHA256(dpAuth), try CertificateDigests.certificateSHA256(dpAuth)),
            (.mno, "Demo MNO", accounts.mno, try Self.accountSPKIDigest(accounts.mno), try Self.accountSPKIDigest(accounts.mno)),
            (.mvno, "Demo MVNO", accounts.mvno, try Self.accountSPKIDigest(accounts.mvno), try Self.accountSPKIDigest(accounts.mvno)),
        ]
        for (role, label, key, spki, cert) in entries {
            let address = try key.address()
            let spkiHash = try Hash32(spki), certHash = try Hash32(cert)
            let outcome = try await registry.send(TrustRegistry.register(entity: address, role: role, name: label, spkiHash: spkiHash,
                                                                         certHash: certHash), signer: accounts.deployer)
            _ = try registry.event(TrustRegistry.EntityRegistered.self, in: outcome)
            state.record(name, "register \(Self.label(role))", outcome)
            let trusted = try await registry.call(TrustRegistry.isTrusted(role: role, spkiHash: spkiHash))
            state.registered.append(.init(role: Self.label(role), name: label, address: address.checksummed, spkiSha256: spkiHash.hex,
                                          certificateSha256: certHash.hex, trusted: trusted))
            env.progress("\(Self.label(role)) \(address) spki \(spkiHash.hex.prefix(18))… trusted \(trusted)")
        }
        // The LPA pins the TLS certificate too: its key must be an active SM-DP+ key on every connection.
        let smdp = try accounts.smdp.address()
        let tlsSPKI = try Hash32(try CertificateDigests.spkiSHA256(dpTLS))
        let added = try await registry.send(TrustRegistry.addCertificate(entity: smdp, spkiHash: tlsSPKI,
                                                                         certHash: try Hash32(try CertificateDigests.certificateSHA256(dpTLS))),
                                            signer: accounts.deployer)
        _ = try registry.event(TrustRegistry.CertificateAdded.self, in: added)
        state.record(name, "add SM-DP+ TLS key", added)
        let tlsTrusted = try await registry.call(TrustRegistry.isTrusted(role: .smdp, spkiHash: tlsSPKI))
        env.progress("SM-DP+ TLS key (CERT.DPtls) spki \(tlsSPKI.hex.prefix(18))… trusted \(tlsTrusted)")
        // The MNO approves the MVNO to resell it, at margins up to 20 % (contracts v2).
        let approved = try await registry.send(TrustRegistry.approveMvno(try accounts.mvno.address(), maxMarginBps: 2000),
                                               signer: accounts.mno)
        _ = try registry.event(TrustRegistry.MvnoApproved.self, in: approved)
        state.record(name, "approve MVNO (MNO)", approved)
        env.progress("MNO approves the MVNO (max margin 2000 bps)")
    }

    static func label(_ role: Settlement.Role) -> String {
        switch role {
        case .ci: "CI"
        case .eum: "EUM"
        case .smdp: "SM-DP+"
        case .smds: "SM-DS"
        case .mno: "MNO"
        case .mvno: "MVNO"
        case .kyc: "KYC provider"
        }
    }

    /// SHA-256 of `SEQUENCE { SEQUENCE { id-ecPublicKey, secp256k1 }, BIT STRING 04‖x‖y }` (RFC 5480 §2).
    static func accountSPKIDigest(_ key: PrivateKey) throws -> [UInt8] {
        // 30 56 | 30 10 06 07 2A8648CE3D0201 (id-ecPublicKey) 06 05 2B8104000A (secp256k1) | 03 42 00 <65 bytes>
        let prefix: [UInt8] = [0x30, 0x56, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
                               0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x0A, 0x03, 0x42, 0x00]
        let point = try key.publicKey()
        guard point.count == 65 else { throw DemoError.invalid("secp256k1 public key is not 65 bytes") }
        return CertificateDigests.sha256(prefix + point)
    }
}
