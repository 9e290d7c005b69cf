import Crypto
import Foundation
import RSPASN1

/// An ES2+ order operation that cannot be carried out.
public enum ES2PlusOrderError: Error, Hashable, Sendable, CustomStringConvertible {
    case profileNotFound(ICCID)
    case noAvailableProfile(profileType: String)
    case profileNotInState(ICCID, ProfileDownloadState, expected: [ProfileDownloadState])
    case orderNotFound(ICCID)
    case eidMismatch(ICCID)
    case matchingIdInUse(String)
    case invalidMatchingId(String)
    case invalidConfirmationCode
    case missingProfileSelector
    case illegalTransition(IllegalProfileTransition)
    /// The order was placed by another ES2+ requester (operator).
    case requesterNotAllowed(ICCID)
    /// The entitlement gate refused the entitlement for the order's EID and salt (nothing was stored).
    case entitlementRefused(EntitlementID, EntitlementRefusal)
    /// The gate could not answer, or the service has none (retryable; nothing was stored).
    case entitlementCheckUnavailable(String)
    /// Another order of this entitlement already took a profile (one profile per entitlement).
    case entitlementAlreadyUsed(EntitlementID)
    case store(SMDPStoreError)

    public var description: String {
        switch self {
        case .profileNotFound(let i): "profile \(i) is not in the inventory"
        case .noAvailableProfile(let t): "no Available profile of type \(t)"
        case let .profileNotInState(i, s, e): "profile \(i) is \(s.rawValue), expected \(e.map(\.rawValue).joined(separator: " or "))"
        case .orderNotFound(let i): "no download order for profile \(i)"
        case .eidMismatch(let i): "the EID does not match the order for profile \(i)"
        case .matchingIdInUse(let m): "matchingId \(m) is already in use"
        case .invalidMatchingId(let m): "invalid matchingId \(m): 1–64 characters of A–Z, a–z, 0–9 and '-'"
        case .invalidConfirmationCode: "the confirmation code must be 1–64 printable characters"
        case .missingProfileSelector: "downloadOrder needs an ICCID or a profileType"
        case .illegalTransition(let t): "\(t)"
        case .requesterNotAllowed(let i): "the order for profile \(i) belongs to another requester"
        case let .entitlementRefused(id, refusal): "entitlement \(id): \(refusal)"
        case .entitlementCheckUnavailable(let m): "entitlement check unavailable (retry later): \(m)"
        case .entitlementAlreadyUsed(let id): "entitlement \(id) already released a profile"
        case .store(let e): "\(e)"
        }
    }
}

/// The result of ConfirmOrder.
public struct ConfirmedOrder: Hashable, Sendable {
    public let iccid: ICCID
    public let eid: EID?
    public let matchingId: String
    /// `LPA:1$<smdpAddress>$<matchingId>[$<oid>[$1]]`.
    public let activationCode: String
}

/// SGP.22 activation code (SGP.22 §4.1, notes §9): `LPA:` + `1$<SM-DP+ address>$<matchingId>[$<SM-DP+ OID>[$1]]`.
public enum ActivationCode {
    public struct InvalidField: Error, Hashable, Sendable, CustomStringConvertible {
        public let field: String
        public var description: String { "activation code field \(field) is empty or contains '$'" }
    }

    public static func make(smdpAddress: String, matchingId: String, smdpOid: String? = nil,
                            confirmationCodeRequired: Bool = false) throws(InvalidField) -> String {
        for (name, value) in [("smdpAddress", smdpAddress), ("matchingId", matchingId)] where value.isEmpty || value.contains("$") {
            throw InvalidField(field: name)
        }
        if let smdpOid, smdpOid.contains("$") { throw InvalidField(field: "smdpOid") }
        var code = "LPA:1$\(smdpAddress)$\(matchingId)"
        if confirmationCodeRequired {
            code += "$\(smdpOid ?? "")$1"
        } else if let smdpOid {
            code += "$\(smdpOid)"
        }
        return code
    }
}

/// Confirmation code handling (SGP.22 §3.1.1, notes §9): the SM-DP+ keeps SHA-256(CC) only.
public enum ConfirmationCode {
    /// SHA-256 of the code's UTF-8 bytes (what the SM-DP+ stores).
    public static func storedHash(_ code: String) -> [UInt8] { Array(SHA256.hash(data: Array(code.utf8))) }

    /// `hashCc = SHA256(SHA256(CC) ‖ transactionId)`, as computed by the LPA.
    public static func hashCc(storedHash: [UInt8], transactionId: TransactionID) -> [UInt8] {
        Array(SHA256.hash(data: storedHash + transactionId.bytes))
    }
}

/// ES2+ order logic (DownloadOrder, ConfirmOrder, CancelOrder, ReleaseProfile) without a transport.
public struct ES2PlusOrderService: Sendable {
    public let store: any SMDPStore
    public let configuration: SMDPConfiguration
    public let clock: any SMDPClock
    /// Checks entitlement orders at creation (`verifiedEntitlementOrder`); nil: such orders are refused as unavailable.
    public let entitlementGate: (any EntitlementGate)?

    public init(store: any SMDPStore, configuration: SMDPConfiguration, clock: any SMDPClock = SystemClock(),
                entitlementGate: (any EntitlementGate)? = nil) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.entitlementGate = entitlementGate
    }

    /// DownloadOrder: reserves the profile with `iccid`, or an Available one of `profileType`.
    /// With an EID the profile becomes Linked, without Allocated. Returns the ICCID.
    /// `requesterId` (the ES2+ functionRequesterIdentifier) is recorded with the order: progress is
    /// reported to it, and only it may confirm, release or cancel the order.
    public func downloadOrder(eid: EID? = nil, iccid: ICCID? = nil, profileType: String? = nil,
                              expiresAt: Date? = nil, requesterId: String? = nil) async throws(ES2PlusOrderError) -> ICCID {
        let target = eid == nil ? ProfileDownloadState.allocated : .linked
        for _ in 0..<5 {
            let profile: ProfilePackageRecord
            if let iccid {
                guard let found = try await load(iccid) else { throw .profileNotFound(iccid) }
                guard found.state == .available else { throw .profileNotInState(iccid, found.state, expected: [.available]) }
                profile = found
            } else if let profileType {
                let found: ProfilePackageRecord?
                do { found = try await store.availableProfile(profileType: profileType) } catch { throw .store(error) }
                guard let found else { throw .noAvailableProfile(profileType: profileType) }
                profile = found
            } else {
                throw .missingProfileSelector
            }
            let order = DownloadOrder(iccid: profile.iccid, eid: eid, createdAt: clock.now(), expiresAt: expiresAt)
            var change = SMDPStateChange(profileTransitions: [try transition(profile.iccid, .available, target, eid)],
                                         orderUpserts: [order])
            if let requesterId { change.orderRequesters = [ES2PlusOrderRequester(iccid: profile.iccid, requesterId: requesterId)] }
            do {
                try await store.apply(change)
                return profile.iccid
            } catch .conflict {
                // Another order took this profile between read and write: pick again.
                if iccid != nil { throw .profileNotInState(profile.iccid, .allocated, expected: [.available]) }
                continue
            } catch {
                throw .store(error)
            }
        }
        throw .noAvailableProfile(profileType: profileType ?? "")
    }

    /// ConfirmOrder: sets the matchingId (generated when nil), the optional confirmation code (stored
    /// as SHA-256), binds the EID if given, and moves the profile to Confirmed, or Released with `releaseFlag`.
    public func confirmOrder(iccid: ICCID, eid: EID? = nil, matchingId: String? = nil, confirmationCode: String? = nil,
                             releaseFlag: Bool, requesterId: String? = nil) async throws(ES2PlusOrderError) -> ConfirmedOrder {
        guard let profile = try await load(iccid) else { throw .profileNotFound(iccid) }
        try await checkRequester(iccid, requesterId)
        guard profile.state == .allocated || profile.state == .linked else {
            throw .profileNotInState(iccid, profile.state, expected: [.allocated, .linked])
        }
        guard var order = try await loadOrder(iccid) else { throw .orderNotFound(iccid) }
        if let eid, let bound = order.eid, bound != eid { throw .eidMismatch(iccid) }
        let id = matchingId ?? Self.generateMatchingId()
        guard Self.isValidMatchingId(id) else { throw .invalidMatchingId(id) }
        let existing: DownloadOrder?
        do { existing = try await store.order(matchingId: id) } catch { throw .store(error) }
        if let existing, existing.iccid != iccid { throw .matchingIdInUse(id) }
        let gated: EntitlementOrder?
        do { gated = try await store.entitlementOrder(matchingId: id) } catch { throw .store(error) }
        if gated != nil { throw .matchingIdInUse(id) }
        if let code = confirmationCode {
            guard (1...64).contains(code.count), code.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw .invalidConfirmationCode
            }
            order.confirmationCodeHash = ConfirmationCode.storedHash(code)
        }
        order.matchingId = id
        order.eid = order.eid ?? eid
        let target: ProfileDownloadState = releaseFlag ? .released : .confirmed
        let change = SMDPStateChange(profileTransitions: [try transition(iccid, profile.state, target, order.eid)],
                                     orderUpserts: [order])
        try await apply(change)
        let code: String
        do {
            let oid = try configuration.dpAuth.first.map { try OIDText.dotted($0.smdpOid) }
            code = try ActivationCode.make(smdpAddress: configuration.address.description, matchingId: id, smdpOid: oid,
                                           confirmationCodeRequired: confirmationCode != nil)
        } catch { throw .invalidMatchingId(id) }
        return ConfirmedOrder(iccid: iccid, eid: order.eid, matchingId: id, activationCode: code)
    }

    /// An order tied to an on-chain entitlement (docs/CHAIN-TRUST.md): reserves nothing now; at
    /// authenticateClient the SM-DP+'s `EntitlementGate` must confirm that `entitlement` is live and
    /// bound to keccak256(EID ‖ salt) of the authenticating eUICC, and only then is an Available profile
    /// of `profileType` taken. Returns the activation code to give the user.
    public func entitlementOrder(profileType: String, entitlement: EntitlementID, salt: EntitlementSalt,
                                 matchingId: String? = nil, expiresAt: Date? = nil) async throws(ES2PlusOrderError) -> EntitlementOrderReceipt {
        guard !profileType.isEmpty else { throw .missingProfileSelector }
        let id = matchingId ?? Self.generateMatchingId()
        guard Self.isValidMatchingId(id) else { throw .invalidMatchingId(id) }
        let existing: DownloadOrder?
        do { existing = try await store.order(matchingId: id) } catch { throw .store(error) }
        if existing != nil { throw .matchingIdInUse(id) }
        let code: String
        do {
            let oid = try configuration.dpAuth.first.map { try OIDText.dotted($0.smdpOid) }
            code = try ActivationCode.make(smdpAddress: configuration.address.description, matchingId: id, smdpOid: oid)
        } catch { throw .invalidMatchingId(id) }
        let order = EntitlementOrder(matchingId: id, profileType: profileType, entitlement: entitlement, salt: salt,
                                     createdAt: clock.now(), expiresAt: expiresAt)
        do { try await store.insertEntitlementOrder(order) } catch .duplicate { throw .matchingIdInUse(id) } catch { throw .store(error) }
        return EntitlementOrderReceipt(matchingId: id, entitlement: entitlement, profileType: profileType, activationCode: code)
    }

    /// ReleaseProfile: Confirmed → Released.
    public func releaseProfile(iccid: ICCID, requesterId: String? = nil) async throws(ES2PlusOrderError) {
        guard let profile = try await load(iccid) else { throw .profileNotFound(iccid) }
        try await checkRequester(iccid, requesterId)
        guard profile.state == .confirmed else { throw .profileNotInState(iccid, profile.state, expected: [.confirmed]) }
        try await apply(SMDPStateChange(profileTransitions: [try transition(iccid, .confirmed, .released, nil)]))
    }

    /// CancelOrder: ends the order and sets the profile to the final status (Available or Unavailable).
    /// Refused once the profile is Installed. With `eid`/`matchingId`, they must match the order.
    public func cancelOrder(iccid: ICCID, eid: EID? = nil, matchingId: String? = nil,
                            finalProfileState: ProfileDownloadState, requesterId: String? = nil) async throws(ES2PlusOrderError) {
        guard finalProfileState == .available || finalProfileState == .unavailable else {
            throw .illegalTransition(IllegalProfileTransition(from: .released, to: finalProfileState))
        }
        guard let profile = try await load(iccid) else { throw .profileNotFound(iccid) }
        try await checkRequester(iccid, requesterId)
        let order = try await loadOrder(iccid)
        if let eid, order?.eid != eid { throw .eidMismatch(iccid) }
        if let matchingId, order?.matchingId != matchingId { throw .invalidMatchingId(matchingId) }
        var change = SMDPStateChange(profileTransitions: [try transition(iccid, profile.state, finalProfileState, nil)])
        if order != nil { change.orderDeletes = [iccid] }
        try await apply(change)
    }

    // MARK: Helpers

    /// 20 characters from A–Z and 0–9 in groups of 4 (`ABCD-EFGH-…`), from the system CSPRNG.
    public static func generateMatchingId() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let chars = SecureRandom.bytes(20).map { alphabet[Int($0) % alphabet.count] }
        return stride(from: 0, to: 20, by: 4).map { String(chars[$0..<$0 + 4]) }.joined(separator: "-")
    }

    static func isValidMatchingId(_ id: String) -> Bool {
        (1...64).contains(id.count) && id.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "-" }
    }

    private func transition(_ iccid: ICCID, _ from: ProfileDownloadState, _ to: ProfileDownloadState, _ eid: EID?)
        throws(ES2PlusOrderError) -> ProfileTransition {
        do { return try ProfileTransition(iccid: iccid, from: from, to: to, bindEID: eid) } catch { throw .illegalTransition(error) }
    }

    /// With a requester given: the order's recorded requester, if any, must be the same.
    private func checkRequester(_ iccid: ICCID, _ requesterId: String?) async throws(ES2PlusOrderError) {
        guard let requesterId else { return }
        let recorded: String?
        do { recorded = try await store.orderRequester(iccid: iccid) } catch { throw .store(error) }
        if let recorded, recorded != requesterId { throw .requesterNotAllowed(iccid) }
    }

    private func load(_ iccid: ICCID) async throws(ES2PlusOrderError) -> ProfilePackageRecord? {
        do { return try await store.profile(iccid: iccid) } catch { throw .store(error) }
    }

    private func loadOrder(_ iccid: ICCID) async throws(ES2PlusOrderError) -> DownloadOrder? {
        do { return try await store.order(iccid: iccid) } catch { throw .store(error) }
    }

    private func apply(_ change: SMDPStateChange) async throws(ES2PlusOrderError) {
        do { try await store.apply(change) } catch { throw .store(error) }
    }
}
