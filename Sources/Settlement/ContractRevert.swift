// Revert reasons of the OpenRSP contracts: every `assert …, "reason"` in contracts/src/*.vy is a
// case here, so a failed call or transaction surfaces as a typed Swift error.
import EthereumCore

/// A revert of one of the OpenRSP contracts, mapped from `Error(string)` revert data.
public enum ContractRevert: Error, Hashable, Sendable, CustomStringConvertible {
    case trustRegistry(TrustRegistry.Revert)
    case planEntitlements(PlanEntitlements.Revert)
    case usageSettlement(UsageSettlement.Revert)
    case testStablecoin(TestStablecoin.Revert)
    case roamingClearing(RoamingClearing.Revert)
    case identityRegistry(IdentityRegistry.Revert)
    /// Revert data that is not one of the contract's reasons (empty, Panic, unknown string or selector).
    case other(RevertReason)

    public var description: String {
        switch self {
        case .trustRegistry(let r): return "TrustRegistry reverted: \(r.rawValue)"
        case .planEntitlements(let r): return "PlanEntitlements reverted: \(r.rawValue)"
        case .usageSettlement(let r): return "UsageSettlement reverted: \(r.rawValue)"
        case .testStablecoin(let r): return "TestStablecoin reverted: \(r.rawValue)"
        case .roamingClearing(let r): return "RoamingClearing reverted: \(r.rawValue)"
        case .identityRegistry(let r): return "IdentityRegistry reverted: \(r.rawValue)"
        case .other(let r): return r.description
        }
    }

    /// Maps revert data of a call to `contract` to its typed reason. Revert data bubbles up from
    /// the contracts it calls (a purchase reverts with the token's "insufficient allowance"), so a
    /// reason `contract` does not declare is looked up in the token, the registry, the entitlements
    /// and the settlement contract, in that order; the callee's own reasons win where texts are
    /// shared. Malformed `Error(string)` or `Panic(uint256)` payloads are a `BindingError`.
    public static func decode(_ data: [UInt8], contract: any ContractBinding.Type) throws(BindingError) -> ContractRevert {
        let reason: RevertReason
        do { reason = try RevertReason.decode(data) } catch { throw .abi(error) }
        guard case .error(let text) = reason else { return .other(reason) }
        let lookups: [any ContractBinding.Type] = [contract, TestStablecoin.self, TrustRegistry.self, PlanEntitlements.self, UsageSettlement.self]
        for candidate in lookups {
            if let typed = typed(text, in: candidate) { return typed }
        }
        return .other(reason)
    }

    static func typed(_ text: String, in contract: any ContractBinding.Type) -> ContractRevert? {
        switch contract {
        case is TrustRegistry.Type: return TrustRegistry.Revert(rawValue: text).map { .trustRegistry($0) }
        case is PlanEntitlements.Type: return PlanEntitlements.Revert(rawValue: text).map { .planEntitlements($0) }
        case is UsageSettlement.Type: return UsageSettlement.Revert(rawValue: text).map { .usageSettlement($0) }
        case is TestStablecoin.Type: return TestStablecoin.Revert(rawValue: text).map { .testStablecoin($0) }
        case is RoamingClearing.Type: return RoamingClearing.Revert(rawValue: text).map { .roamingClearing($0) }
        case is IdentityRegistry.Type: return IdentityRegistry.Revert(rawValue: text).map { .identityRegistry($0) }
        default: return nil
        }
    }
}

extension TrustRegistry {
    /// Revert reasons of TrustRegistry.vy.
    public enum Revert: String, Error, Hashable, Sendable, CaseIterable {
        case notOwner = "not owner"
        case notPendingOwner = "not pending owner"
        case notOwnerOrEntity = "not owner or entity"
        case didEmpty = "did: empty"
        case didNotADID = "did: not a did: URI"
        case didAlreadyNamed = "did: already named"
        case ownerZeroAddress = "owner: zero address"
        case entityZeroAddress = "entity: zero address"
        case entityAlreadyRegistered = "entity: already registered"
        case entityNotActive = "entity: not active"
        case entityNotSuspended = "entity: not suspended"
        case entityNotRegisteredOrAlreadyRevoked = "entity: not registered or already revoked"
        case entityNotRegistered = "entity: not registered"
        case entityRevoked = "entity: revoked"
        case roleInvalid = "role: invalid"
        case nameEmpty = "name: empty"
        case spkiHashZero = "spki hash: zero"
        case spkiHashAlreadyRegisteredForRole = "spki hash: already registered for role"
        case spkiHashNotThisEntitys = "spki hash: not this entity's"
        case spkiHashPrimary = "spki hash: primary"
        case certHashZero = "cert hash: zero"
        case callerNotAnMNO = "caller: not an MNO"
        case callerNotAnActiveMNO = "caller: not an active MNO"
        case keyZeroAddress = "key: zero address"
        case keyAlreadyRegistered = "key: already registered"
        case keyNotActive = "key: not active"
        case keyNotThisMNOsKey = "key: not this MNO's key"
        case keyNotOfferedByCaller = "key: not offered by caller"
        case keyNotOfferedByThisMNO = "key: not offered by this MNO"
        case mnoNotAnActiveMNO = "mno: not an active MNO"
        case mvnoNotAnMVNO = "mvno: not an MVNO"
        case mvnoNotApproved = "mvno: not approved"
        case marginAbove10000Bps = "margin: above 10000 bps"
        case deploymentZeroAddress = "deployment: zero address"
        case deploymentOlderVersion = "deployment: older version"
    }
}

extension PlanEntitlements {
    /// Revert reasons of PlanEntitlements.vy.
    public enum Revert: String, Error, Hashable, Sendable, CaseIterable {
        case registryZeroAddress = "registry: zero address"
        case tokenZeroAddress = "token: zero address"
        case notDeployer = "not deployer"
        case identityAlreadySet = "identity: already set"
        case identityZeroAddress = "identity: zero address"
        case identityRegistryNotSet = "identity: registry not set"
        case identityPredicateNotMet = "identity: predicate not met"
        case notGovernance = "not governance"
        case settlementZeroAddress = "settlement: zero address"
        case settlementAlreadySet = "settlement: already set"
        case settlementNotSet = "settlement: not set"
        case callerNotAnActiveMVNO = "caller: not an active MVNO"
        case callerNotThePlansMVNO = "caller: not the plan's MVNO"
        case mnoNotAnActiveMNO = "mno: not an active MNO"
        case dataOutOfRange = "data: out of range"
        case validityOutOfRange = "validity: out of range"
        case priceOutOfRange = "price: out of range"
        case marginAbove10000Bps = "margin: above 10000 bps"
        case supplyCapOutOfRange = "supply cap: out of range"
        case refundRuleInvalid = "refund rule: invalid"
        case usagePosterInvalid = "usage poster: invalid"
        case planUnknown = "plan: unknown"
        case planNotActive = "plan: not active"
        case planSoldOut = "plan: sold out"
        case planNotCancellable = "plan: not cancellable"
        case commitmentZero = "commitment: zero"
        case buyerZeroAddress = "buyer: zero address"
        case paymentTransferFailed = "payment: transfer failed"
        case paymentAmountNotReceived = "payment: amount not received"
        case entitlementUnknown = "entitlement: unknown"
        case entitlementExpired = "entitlement: expired"
        case entitlementAlreadyCancelled = "entitlement: already cancelled"
        case callerNotOwner = "caller: not owner"
        case callerNotOwnerNorApproved = "caller: not owner nor approved"
        case soulbound = "soulbound"
        case transferToZeroAddress = "transfer to zero address"
        case insufficientBalance = "insufficient balance"
        case lengthMismatch = "length mismatch"
        case receiverRejected = "receiver: rejected"
        case approvalSelf = "approval: self"
        case balanceQueryForZeroAddress = "balance query for zero address"
        case mnoHasNotApprovedThisMVNO = "mno: has not approved this MVNO"
        case marginAboveTheMNOsMaximum = "margin: above the MNO's maximum"
        case smdpNotAnActiveSMDP = "smdp: not an active SM-DP+"
        case smdpNotActive = "smdp: not active"
        case profileTypeZero = "profile type: zero"
        case activationWindowOutOfRange = "activation window: out of range"
        case planAlreadyActive = "plan: already active"
        case callerNotThePlansSMDP = "caller: not the plan's SM-DP+"
        case installResultZeroHash = "install result: zero hash"
        case entitlementAlreadyDelivered = "entitlement: already delivered"
        case entitlementCancelled = "entitlement: cancelled"
        case deliveryDeadlinePassed = "delivery: deadline passed"
        case commitmentAlreadyBound = "commitment: already bound"
        case metadataZeroHash = "metadata: zero hash"
        case metadataAlreadySet = "metadata: already set"
        case depositAlreadyUsed = "deposit: already used"
        case depositNotPaid = "deposit: not paid"
        case depositAddressMismatch = "deposit: address mismatch"
        case depositEmpty = "deposit: empty"
    }
}

extension UsageSettlement {
    /// Revert reasons of UsageSettlement.vy.
    public enum Revert: String, Error, Hashable, Sendable, CaseIterable {
        case registryZeroAddress = "registry: zero address"
        case entitlementsZeroAddress = "entitlements: zero address"
        case tokenZeroAddress = "token: zero address"
        case disputeWindowZero = "dispute window: zero"
        case entitlementUnknown = "entitlement: unknown"
        case entitlementClosed = "entitlement: closed"
        case posterNotAuthorized = "poster: not authorized"
        case nonceNotIncreasing = "nonce: not increasing"
        case rootZero = "root: zero"
        case usageZeroBytes = "usage: zero bytes"
        case usageExceedsPlan = "usage: exceeds plan"
        case sequenceEmptyRange = "sequence: empty range"
        case sequenceRangeTooLarge = "sequence: range too large"
        case sequenceNotAfterLastPosted = "sequence: not after last posted"
        case postingWindowOver = "posting: window over"
        case ledgerStale = "ledger: stale"
        case usageBatchPending = "usage: batch pending"
        case batchNonePending = "batch: none pending"
        case batchDisputeWindowOpen = "batch: dispute window open"
        case disputeWindowClosed = "dispute: window closed"
        case disputeNotEntitlementOwner = "dispute: not entitlement owner"
        case disputeNoContradiction = "dispute: no contradiction"
        case proofIndexOutOfRange = "proof: index out of range"
        case proofInvalid = "proof: invalid"
        case closePostingWindowOpen = "close: posting window open"
        case closeBatchPending = "close: batch pending"
        case postingGraceMustOutlastTheDisputeWindow = "posting grace: must outlast the dispute window"
        case usageNotDelivered = "usage: not delivered"
        case voidNotThePlansPoster = "void: not the plan's poster"
        case withdrawNothingOwed = "withdraw: nothing owed"
        case withdrawTransferFailed = "withdraw: transfer failed"
        case receiverZeroAddress = "receiver: zero address"
    }
}

extension TestStablecoin {
    /// Revert reasons of TestStablecoin.vy.
    public enum Revert: String, Error, Hashable, Sendable, CaseIterable {
        case mintNotMinter = "mint: not minter"
        case mintZeroAddress = "mint: zero address"
        case mintNotADevnetChain = "mint: not a devnet chain"
        case setMinterNotMinter = "setMinter: not minter"
        case transferToZeroAddress = "transfer to zero address"
        case approveToZeroAddress = "approve to zero address"
        case insufficientBalance = "insufficient balance"
        case insufficientAllowance = "insufficient allowance"
        case permitExpired = "permit: expired"
        case permitZeroOwner = "permit: zero owner"
        case permitWrongSigner = "permit: wrong signer"
        case authorizationNotYetValid = "authorization: not yet valid"
        case authorizationExpired = "authorization: expired"
        case authorizationUsedOrCanceled = "authorization: used or canceled"
        case authorizationWrongSigner = "authorization: wrong signer"
        case authorizationCallerMustBeThePayee = "authorization: caller must be the payee"
        case signatureBadV = "signature: bad v"
        case signatureHighS = "signature: high s"
        case signatureInvalid = "signature: invalid"
    }
}

extension RoamingClearing {
    /// Revert reasons of RoamingClearing.vy (its asserts and its one `raise`).
    public enum Revert: String, Error, Hashable, Sendable, CaseIterable {
        case registryZeroAddress = "registry: zero address"
        case tokenZeroAddress = "token: zero address"
        case windowZero = "window: zero"
        case depositNoticeZero = "deposit notice: zero"
        case minStakeZero = "min stake: zero"
        case slashAbove10000Bps = "slash: above 10000 bps"
        case drawDelayOutOfRange = "draw delay: out of range"
        case courtPeriodZero = "court period: zero"
        case agreementNotActive = "agreement: not active"
        case directionInvalid = "direction: invalid"
        case periodAfterTermination = "period: after termination"
        case tokenTransferFailed = "token: transfer failed"
        case tokenFeeOnTransfer = "token: fee on transfer"
        case callerNotAnActiveMNO = "caller: not an active MNO"
        case partnerSelf = "partner: self"
        case partnerNotAnActiveMNO = "partner: not an active MNO"
        case plmnZero = "plmn: zero"
        case plmnSameNetwork = "plmn: same network"
        case ratesAllZero = "rates: all zero"
        case periodOutOfRange = "period: out of range"
        case startInThePast = "start: in the past"
        case agreementUnknown = "agreement: unknown"
        case agreementNotProposed = "agreement: not proposed"
        case callerNotThePartner = "caller: not the partner"
        case proposerNotAnActiveMNO = "proposer: not an active MNO"
        case callerNotAParty = "caller: not a party"
        case agreementAlreadyTerminated = "agreement: already terminated"
        case callerNotTheVisitedNetwork = "caller: not the visited network"
        case periodNotEnded = "period: not ended"
        case commitWindowOver = "commit: window over"
        case commitAlreadyCommitted = "commit: already committed"
        case rootZero = "root: zero"
        case countOutOfRange = "count: out of range"
        case totalsZero = "totals: zero"
        case callerNotTheHomeNetwork = "caller: not the home network"
        case commitmentNotInReview = "commitment: not in review"
        case reviewWindowClosed = "review: window closed"
        case proofIndexOutOfRange = "proof: index out of range"
        case proofInvalid = "proof: invalid"
        case disputeNoContradiction = "dispute: no contradiction"
        case periodNotFinal = "period: not final"
        case periodAlreadySettled = "period: already settled"
        case settleDepositInsufficient = "settle: deposit insufficient"
        case depositZero = "deposit: zero"
        case withdrawalZero = "withdrawal: zero"
        case withdrawalExceedsDeposit = "withdrawal: exceeds deposit"
        case withdrawalNoneAnnounced = "withdrawal: none announced"
        case withdrawalNoticePeriodOpen = "withdrawal: notice period open"
        case receiverZeroAddress = "receiver: zero address"
        case withdrawalDepositSpent = "withdrawal: deposit spent"
        case withdrawNothingOwed = "withdraw: nothing owed"
        case stakeZero = "stake: zero"
        case auditorsListFull = "auditors: list full"
        case unstakeZero = "unstake: zero"
        case unstakeLockedOrInsufficient = "unstake: locked or insufficient"
        case courtFeeNotDeposited = "court: fee not deposited"
        case caseNotDrawing = "case: not drawing"
        case drawSeedBlockNotMined = "draw: seed block not mined"
        case panelNotEnoughAuditors = "panel: not enough auditors"
        case caseNotVoting = "case: not voting"
        case voteCommitPhaseOver = "vote: commit phase over"
        case voteZeroHash = "vote: zero hash"
        case voteAlreadyCommitted = "vote: already committed"
        case voteCommitPhaseOpen = "vote: commit phase open"
        case voteRevealPhaseOver = "vote: reveal phase over"
        case voteNotCommitted = "vote: not committed"
        case voteAlreadyRevealed = "vote: already revealed"
        case voteRevealMismatch = "vote: reveal mismatch"
        case voteInvalid = "vote: invalid"
        case voteRevealPhaseOpen = "vote: reveal phase open"
        case caseNotDecided = "case: not decided"
        case appealObjectionPeriodOver = "appeal: objection period over"
        case appealNoRoundsLeft = "appeal: no rounds left"
        case appealNotTheLosingParty = "appeal: not the losing party"
        case caseObjectionPeriodOpen = "case: objection period open"
        case voteNotOnThePanel = "vote: not on the panel"
    }
}
