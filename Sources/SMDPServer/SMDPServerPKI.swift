import Crypto
import Foundation
import RSPCrypto
import SMDPCore
import X509

/// The SM-DP+ credentials in a PKI directory (`openrsp pki init` layout): CERT.DPauth, CERT.DPpb and
/// CERT.DP.TLS with their keys, and the CI certificate as the trust anchor for eUICC chains.
public struct SMDPServerPKI: Sendable {
    public let configuration: SMDPConfiguration
    public let tls: SMDPTLSCredentials
    /// DER of the CI certificate (what an ES9+ client trusts for our TLS certificate).
    public let ciCertificateDER: [UInt8]

    /// Loads the directory, checks every DP certificate chains to the CI by SGP.22 rules at `time`,
    /// and builds the SM-DP+ configuration for `address` (`host[:port]`).
    /// `notificationRequests` and `bspProfileElementPieceBytes` pass through to `SMDPConfiguration`.
    public static func load(directory: URL, address: String, at time: Date = Date(),
                            notificationRequests: NotificationRequestPolicy = .all,
                            bspProfileElementPieceBytes: Int? = nil,
                            deliveryTimeout: TimeInterval = 86_400) async throws(SMDPServerError) -> SMDPServerPKI {
        let pki: LoadedPKI
        do { pki = try PKILoader.load(from: directory) } catch { throw .pki(error.description) }
        let rows = await PKILoader.verify(pki, at: time)
        let serverRoles = [SGP22CertificateRole.ci, .dpAuth, .dpPb, .dpTLS].map(\.rawValue)
        for row in rows where !row.valid && serverRoles.contains(row.role) {
            throw .pki("\(row.certificate): \(row.result)")
        }
        func identity(_ role: SGP22CertificateRole) throws(SMDPServerError) -> (Certificate, P256.Signing.PrivateKey) {
            guard let certificate = pki.certificates[role] else { throw .pki("no \(role.rawValue) certificate") }
            guard let key = pki.privateKeys[role] else {
                throw .pki("no private key \(PKIDirectoryLayout.keyName(role)) for \(role.rawValue)")
            }
            return (certificate, key)
        }
        guard let ci = pki.certificates[.ci] else { throw .pki("no CI certificate") }
        let (authCert, authKey) = try identity(.dpAuth)
        let (pbCert, pbKey) = try identity(.dpPb)
        let (tlsCert, tlsKey) = try identity(.dpTLS)
        do {
            let configuration = try SMDPConfiguration(
                address: address,
                dpAuth: [try SMDPSigningIdentity(certificate: authCert, privateKey: authKey)],
                dpPb: [try SMDPSigningIdentity(certificate: pbCert, privateKey: pbKey)],
                trustStore: try CITrustStore([ci] + pki.extraCIs),
                deliveryTimeout: deliveryTimeout,
                bspProfileElementPieceBytes: bspProfileElementPieceBytes,
                notificationRequests: notificationRequests)
            return SMDPServerPKI(
                configuration: configuration,
                tls: try SMDPTLSCredentials(certificateChainDER: [try PKIEncoding.der(tlsCert)], privateKey: tlsKey),
                ciCertificateDER: try PKIEncoding.der(ci))
        } catch let error as SMDPServerError {
            throw error
        } catch {
            throw .pki("\(error)")
        }
    }
}
