import Crypto
import Foundation
import X509

extension CITrustStore {
    /// Validates an SM-DP+ certificate (`role` .dpAuth, .dpPb or .dpTLS, DER) by SGP.22 rules against the
    /// trusted CI with `ciPKId`. Returns the failure reasons; empty when the chain is valid.
    public func serverCertificateFailures(der: [UInt8], role: SGP22CertificateRole, ciPKId: [UInt8], at time: Date) async -> [String] {
        let leaf: Certificate
        do { leaf = try PKIDecoder.certificate(der) } catch { return ["certificate: \(error)"] }
        do {
            let result = try await validate(leaf: leaf, role: role, againstPKId: ciPKId, at: time)
            return result.failureReasons.isEmpty && !result.isValid ? ["no chain to the CI"] : result.failureReasons
        } catch {
            return ["\(error)"]
        }
    }
}
