// Issue #9 item 2: the LPA checks the SM-DP+ in the on-chain TrustRegistry before the eUICC sees it.
// Real devnet, real contracts, real ES9PlusService, real software eUICC; no stand-ins for the chain.
import LPAChainTrust
import Crypto
import DevnetTestSupport
import EthereumCore
import Foundation
import LPA
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPStoreSQLite
import Settlement
import Testing

@Suite("LPA chain-pinned trust against the real devnet", .serialized,
       .enabled(if: DevnetProcess.isAvailable, "needs .venv (scripts/setup)"),
       .enabled(if: ts48Available, "TS.48 test data not found at <packageRoot>/../shared/testdata/ts48"))
struct LPATrustTests {
    @Test("unknown and suspended SM-DP+ refused, a foreign CI refused in ci mode, registry down refused; active: downloads")
    func registryStates() async throws {
        try await withDevnet { devnet in
            let chain = try await ChainFixture.deploy(on: devnet)
            let pki = try Testbed.pki()
            let testbed = try await Testbed(pki: pki, store: try SQLiteSMDPStore(inMemoryWith: SystemClock()))
            defer { testbed.remove() }
            let iccid = try await testbed.importProfile()
            let code = try await testbed.releasedOrder(iccid)
            let oracle = RegistrySMDPTrustOracle(registry: chain.registry)
            let ciStore = try CITrustStore([pki.ci.certificate])
            let both = try SMDPTrustPolicy(mode: .both, oracle: oracle, ciTrustStore: ciStore)
            let spki = try CertificateDigests.spkiSHA256(pki.dpAuth.certificate)

            // Unknown: the chain to the CI is valid, the registry has never heard of the key.
            let unknown = try #require(await refusal(try testbed.downloader(trust: both), code))
            #expect(unknown.step == .checkSMDPTrust)
            guard case let .smdpNotTrusted(.notTrustedOnChain(status, hash)) = unknown.error else {
                Issue.record("wrong error \(unknown.error)"); return
            }
            #expect(status == .unregistered && hash == spki)
            #expect(unknown.cancellation != nil)
            #expect(try await testbed.installedICCIDs().isEmpty)
            #expect(try await testbed.store.profile(iccid: iccid)?.state == .released)

            // Registered, then suspended: refused as suspended.
            try await chain.registerSMDP(spkiSHA256: spki, certificateSHA256: Array(SHA256Digest.of(try PKIEncoding.der(pki.dpAuth.certificate))))
            try await chain.registry.send(TrustRegistry.suspend(entity: chain.smdpEntity, reasonCode: 1), signer: chain.governance)
            let suspended = try #require(await refusal(try testbed.downloader(trust: both), code))
            guard case .smdpNotTrusted(.notTrustedOnChain(.suspended, _)) = suspended.error else {
                Issue.record("wrong error \(suspended.error)"); return
            }

            // ci mode against a CI the SM-DP+ does not chain to: refused by the LPA itself.
            let foreign = try Testbed.pki()
            let foreignCI = try SMDPTrustPolicy(mode: .ci, oracle: nil, ciTrustStore: try CITrustStore([foreign.ci.certificate]))
            let notChained = try #require(await refusal(try testbed.downloader(trust: foreignCI), code))
            guard case .smdpNotTrusted(.ciChainInvalid) = notChained.error else { Issue.record("wrong error \(notChained.error)"); return }

            // Registry unreachable: refused (never trusted by default).
            let down = try RegistrySMDPTrustOracle(rpcURL: "http://127.0.0.1:1", registry: chain.registry.address, timeout: .seconds(5))
            let chainOnly = try SMDPTrustPolicy(mode: .chain, oracle: down, ciTrustStore: nil)
            let unreachable = try #require(await refusal(try testbed.downloader(trust: chainOnly), code))
            try await down.shutdown()
            guard case .smdpNotTrusted(.registryUnavailable) = unreachable.error else { Issue.record("wrong error \(unreachable.error)"); return }
            #expect(try await testbed.installedICCIDs().isEmpty)

            // Reinstated: active, the download goes through and reports what was checked.
            try await chain.registry.send(TrustRegistry.reinstate(entity: chain.smdpEntity), signer: chain.governance)
            let result = try await testbed.downloader(trust: both).download(code)
            #expect(result.iccid == iccid)
            #expect(result.trustEvidence == SMDPTrustEvidence(mode: .both, dpAuthSPKISHA256: spki))
            #expect(try await testbed.installedICCIDs() == [iccid])
        }
    }

    @Test("a revoked SM-DP+ with a valid chain to the CI is refused; --trust ci ignores the chain and downloads")
    func revoked() async throws {
        try await withDevnet { devnet in
            let chain = try await ChainFixture.deploy(on: devnet)
            let pki = try Testbed.pki()
            let spki = try CertificateDigests.spkiSHA256(pki.dpAuth.certificate)
            try await chain.registerSMDP(spkiSHA256: spki, certificateSHA256: Array(SHA256Digest.of(try PKIEncoding.der(pki.dpAuth.certificate))))
            try await chain.registry.send(TrustRegistry.revoke(entity: chain.smdpEntity, reasonCode: 9), signer: chain.governance)
            let testbed = try await Testbed(pki: pki, store: try SQLiteSMDPStore(inMemoryWith: SystemClock()))
            defer { testbed.remove() }
            let iccid = try await testbed.importProfile()
            let code = try await testbed.releasedOrder(iccid)
            let ciStore = try CITrustStore([pki.ci.certificate])
            let oracle = RegistrySMDPTrustOracle(registry: chain.registry)

            for mode in [SMDPTrustMode.both, .chain] {
                let policy = try SMDPTrustPolicy(mode: mode, oracle: oracle, ciTrustStore: mode == .chain ? nil : ciStore)
                let failure = try #require(await refusal(try testbed.downloader(trust: policy), code))
                #expect(failure.step == .checkSMDPTrust)
                guard case .smdpNotTrusted(.notTrustedOnChain(.revoked, spki)) = failure.error else {
                    Issue.record("\(mode): wrong error \(failure.error)"); continue
                }
                #expect("\(failure.error)".contains("revoked"))
            }
            // The chain to the CI is valid: the same CI check alone passes, and so does the eUICC's.
            #expect(await ciStore.serverCertificateFailures(der: try PKIEncoding.der(pki.dpAuth.certificate), role: .dpAuth,
                                                            ciPKId: try SGP22CertificateFields.subjectKeyIdentifier(pki.ci.certificate),
                                                            at: Date()).isEmpty)
            let ciOnly = try SMDPTrustPolicy(mode: .ci, oracle: nil, ciTrustStore: ciStore)
            let result = try await testbed.downloader(trust: ciOnly).download(code)
            #expect(result.iccid == iccid && result.trustEvidence?.mode == .ci)
            #expect(try await testbed.installedICCIDs() == [iccid])
        }
    }

    @Test("the TLS certificate pin: an unlisted CERT.DPtls key is refused, listed (addCertificate) it passes, it follows the entity's status, removed it is refused")
    func tlsCertificatePin() async throws {
        try await withDevnet { devnet in
            let chain = try await ChainFixture.deploy(on: devnet)
            let pki = try Testbed.pki()
            let dpAuthSPKI = try CertificateDigests.spkiSHA256(pki.dpAuth.certificate)
            try await chain.registerSMDP(spkiSHA256: dpAuthSPKI, certificateSHA256: try CertificateDigests.certificateSHA256(pki.dpAuth.certificate))
            let tlsDER = try PKIEncoding.der(pki.dpTLS.certificate)
            let tlsSPKI = try CertificateDigests.spkiSHA256(pki.dpTLS.certificate)
            let oracle = RegistrySMDPTrustOracle(registry: chain.registry)
            let both = try SMDPTrustPolicy(mode: .both, oracle: oracle, ciTrustStore: try CITrustStore([pki.ci.certificate]))
            func status() async -> SMDPRegistryStatus? {
                do {
                    try await both.checkTLSServerCertificate(der: tlsDER)
                    return .active
                } catch {
                    guard case let .tlsKeyNotTrustedOnChain(status, hash) = error, hash == tlsSPKI else {
                        Issue.record("wrong error \(error)"); return nil
                    }
                    return status
                }
            }
            // DPauth registered, the TLS key not: refused although the TLS certificate chains to the CI.
            #expect(await status() == .unregistered)
            try await chain.registry.send(TrustRegistry.addCertificate(entity: chain.smdpEntity, spkiHash: try Hash32(tlsSPKI),
                                                                       certHash: try Hash32(try CertificateDigests.certificateSHA256(pki.dpTLS.certificate))),
                                          signer: chain.governance)
            #expect(await status() == .active)
            try await chain.registry.send(TrustRegistry.suspend(entity: chain.smdpEntity, reasonCode: 3), signer: chain.governance)
            #expect(await status() == .suspended)
            try await chain.registry.send(TrustRegistry.reinstate(entity: chain.smdpEntity), signer: chain.governance)
            #expect(await status() == .active)
            try await chain.registry.send(TrustRegistry.removeCertificate(entity: chain.smdpEntity, spkiHash: try Hash32(tlsSPKI)),
                                          signer: chain.governance)
            #expect(await status() == .unregistered)
            // --trust ci asks no registry: the hook is absent, and the check itself passes.
            let ciOnly = try SMDPTrustPolicy(mode: .ci, oracle: nil, ciTrustStore: try CITrustStore([pki.ci.certificate]))
            #expect(ciOnly.tlsServerCertificateCheck == nil && both.tlsServerCertificateCheck != nil)
            try await ciOnly.checkTLSServerCertificate(der: tlsDER)
        }
    }

    @Test("a policy without what its mode needs is refused at construction")
    func misconfigured() throws {
        #expect(throws: SMDPTrustPolicy.Misconfigured.self) { try SMDPTrustPolicy(mode: .chain, oracle: nil, ciTrustStore: nil) }
        #expect(throws: SMDPTrustPolicy.Misconfigured.self) { try SMDPTrustPolicy(mode: .ci, oracle: nil, ciTrustStore: CITrustStore()) }
    }
}

/// SHA-256 as bytes (test helper).
enum SHA256Digest {
    static func of(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}
