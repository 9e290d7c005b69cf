import Crypto
import ES9PlusAPI
import Foundation
import RSPASN1
import RSPCrypto
import X509

/// An ES9+ function failure: the spec's subject/reason code plus a message for logs.
public struct ES9PlusFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public let status: ES9PlusStatus
    public let message: String

    public init(_ status: ES9PlusStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.subjectCode)/\(status.reasonCode): \(message)" }
}

/// The SM-DP+ side of ES9+ (SGP.22 §5.6) without a transport: each function takes the ES9PlusAPI
/// request type and returns the response type, with failures as `Failed` headers carrying the
/// SGP.22 subject/reason codes. State lives only in the store; every change is one `SMDPStateChange`.
public struct ES9PlusService: Sendable {
    public let store: any SMDPStore
    public let configuration: SMDPConfiguration
    public let clock: any SMDPClock
    public let builder: BoundProfilePackageBuilder
    /// Checks entitlement orders at authenticateClient; nil: entitlement orders are answered 8.8/3.7.
    public let entitlementGate: (any EntitlementGate)?
    /// Told when the profile of a granted entitlement order was installed (on chain: `markDelivered`).
    public let deliveryRecorder: (any DeliveryRecorder)?

    public init(store: any SMDPStore, configuration: SMDPConfiguration, clock: any SMDPClock = SystemClock(),
                entitlementGate: (any EntitlementGate)? = nil, deliveryRecorder: (any DeliveryRecorder)? = nil) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.builder = BoundProfilePackageBuilder(hostId: configuration.bspHostId,
                                                   profileElementPieceBytes: configuration.bspProfileElementPieceBytes)
        self.entitlementGate = entitlementGate
        self.deliveryRecorder = deliveryRecorder
    }

    // MARK: - initiateAuthentication (SGP.22 §5.6.1)

    public func initiateAuthentication(_ request: InitiateAuthenticationRequest) async -> InitiateAuthenticationResponse {
        do {
            return .success(try await initiate(request))
        } catch {
            return .failed(error.status, message: error.message)
        }
    }

    func initiate(_ request: InitiateAuthenticationRequest) async throws(ES9PlusFailure) -> InitiateAuthenticationOutput {
        let requested: SMDPAddress
        do { requested = try SMDPAddress(request.smdpAddress) } catch {
            throw ES9PlusFailure(.invalidSMDPAddress, "smdpAddress \(request.smdpAddress) is malformed")
        }
        guard configuration.address.accepts(requested) else {
            throw ES9PlusFailure(.invalidSMDPAddress, "smdpAddress \(request.smdpAddress) is not this SM-DP+ (\(configuration.address))")
        }
        guard request.euiccInfo1.svn.major == 2 else {
            throw ES9PlusFailure(.svnNotSupported, "SVN \(request.euiccInfo1.svn) is not supported (2.x only)")
        }
        let proposed = request.euiccInfo1.euiccCiPKIdListForVerification
        guard let dpAuth = proposed.lazy.compactMap({ configuration.dpAuth(forCI: $0) }).first else {
            let known = Set(configuration.dpAuth.map(\.ciPKId) + configuration.trustStore.pkIds)
            if proposed.contains(where: { known.contains($0) }) {
                throw ES9PlusFailure(.noDPauthForSupportedCI, "no CERT.DPauth for the CIs the eUICC supports")
            }
            throw ES9PlusFailure(.ciPKIdNotSupported, "none of the \(proposed.count) proposed CI PKIds is supported")
        }
        let transactionId: TransactionID
        let serverSigned1: ServerSigned1
        let signature: ECDSASignature
        let serverChallenge = SecureRandom.bytes(16)
        do {
            transactionId = try TransactionID(SecureRandom.bytes(16))
            serverSigned1 = try ServerSigned1(transactionId: transactionId, euiccChallenge: request.euiccChallenge,
                                              serverAddress: request.smdpAddress, serverChallenge: serverChallenge)
            signature = try ECDSASignature(try SGP22ECDSA.sign(serverSigned1.rawDER, with: dpAuth.privateKey).raw)
        } catch {
            throw ES9PlusFailure(.invalidRequestFormat, "cannot build serverSigned1: \(error)")
        }
        let now = clock.now()
        let session = DownloadSession(
            transactionId: transactionId, phase: .authenticationInitiated, createdAt: now,
            expiresAt: now.addingTimeInterval(configuration.sessionLifetime), euiccChallenge: request.euiccChallenge,
            serverChallenge: serverChallenge, ciPKId: dpAuth.ciPKId)
        try await apply(SMDPStateChange(sessionUpserts: [session]))
        return InitiateAuthenticationOutput(
            transactionId: transactionId, serverSigned1: serverSigned1, serverSignature1: signature,
            euiccCiPKIdToBeUsed: dpAuth.ciPKId, serverCertificate: dpAuth.certificateDER)
    }

    /// Deletes expired sessions that can no longer complete (for a periodic maintenance task).
    public func purgeExpiredSessions() async throws(SMDPStoreError) -> Int {
        try await store.purgeExpiredSessions(before: clock.now())
    }

    // MARK: - Shared helpers

    /// The live session for `transactionId`; an expired one is deleted and reported as unknown.
    func liveSession(_ transactionId: TransactionID) async throws(ES9PlusFailure) -> DownloadSession {
        let found: DownloadSession?
        do { found = try await store.session(transactionId: transactionId) } catch { throw storeFailure(error) }
        guard let session = found else {
            throw ES9PlusFailure(.transactionIdUnknown, "transactionId \(transactionId) is unknown")
        }
        guard clock.now() < session.expiresAt else {
            try await apply(SMDPStateChange(sessionDeletes: [transactionId]))
            throw ES9PlusFailure(.transactionIdUnknown, "session \(transactionId) expired")
        }
        return session
    }

    func apply(_ change: SMDPStateChange) async throws(ES9PlusFailure) {
        do { try await store.apply(change) } catch { throw storeFailure(error) }
    }

    func storeFailure(_ error: SMDPStoreError) -> ES9PlusFailure {
        // A lost compare-and-set means another session took the profile.
        if case .conflict = error { return ES9PlusFailure(.bppNotAvailable, "\(error)") }
        return ES9PlusFailure(.storeUnavailable, "\(error)")
    }

    func transition(_ iccid: ICCID, _ from: ProfileDownloadState, _ to: ProfileDownloadState, bind eid: EID? = nil)
        throws(ES9PlusFailure) -> ProfileTransition {
        do { return try ProfileTransition(iccid: iccid, from: from, to: to, bindEID: eid) } catch {
            throw ES9PlusFailure(.noEligibleProfile, "\(error)")
        }
    }

    /// Verifies an SGP.22 r‖s signature by the holder of `certificateDER`. A certificate that no longer
    /// decodes, or r/s outside [1, n−1], counts as "does not verify" (the caller answers 8.1/6.1); the
    /// certificate itself was validated when the session stored it.
    func verify(_ signature: ECDSASignature, over message: [UInt8], certificateDER: [UInt8]) -> Bool {
        guard let certificate = try? PKIDecoder.certificate(certificateDER),
              let raw = try? SGP22Signature(raw: signature.rawValue),
              let valid = try? SGP22CertificateFields.verify(raw, over: message, signedBy: certificate) else { return false }
        return valid
    }
}
