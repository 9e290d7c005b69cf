import Foundation
import Settlement
import UsageService

/// Failures of `openrsp plan` and `openrsp entitlement` (codes 300–316; chain access, accounts and transactions report ChainCommandError, docs/CLI-ERRORS.md).
enum PlanCommandError: KindedCommandError {
    case input(String)
    case chain(String)
    case device(String)
    case secret(String)
    /// A contract call or transaction failed; refusals are classified by their revert reason.
    case contract(Error)
    /// Checked before any transaction: the buyer's token balance is below the price.
    case insufficientFunds(String)
    /// Checked before any transaction (or a revert): the plan is delisted or sold out.
    case planNotAvailable(String)
    case planUnknown(String)
    case entitlementUnknown(String)
    /// Checked before any transaction (or a revert): the signer does not own the entitlement.
    case notOwner(String)
    /// entitlement profile-status: the SM-DP+ refused the request or could not be reached.
    case smdpRefused(String)
    /// entitlement profile-status: the SM-DP+ asks for a payment this client does not make (above --pay-up-to, or another kind).
    case paymentRequired(String)
    /// plan buy --x402: the portal refused the purchase or could not be reached.
    case portalRefused(String)

    enum Kind: Int, CLIErrorKind {
        case input = 300, chain, device, secret, rpc, reverted, wrongRole, planUnknown, planNotAvailable
        case insufficientFunds, entitlementUnknown, notOwner, notCancellable, notClosable, authorizationRefused
        case smdpRefused, paymentRequired, portalRefused

        var meaning: String {
            switch self {
            case .input: "plan/entitlement: an argument or option is invalid"
            case .chain: "plan/entitlement: PlanEntitlements (--plans or the deploy JSON) does not answer as one"
            case .device: "plan buy: the EID cannot be read from the device (--simulator, --reader)"
            case .secret: "plan buy: the commitment's salt cannot be written to the device's data directory"
            case .rpc: "plan/entitlement: a JSON-RPC call or transaction failed (not a contract refusal)"
            case .reverted: "plan/entitlement: the contract refused the transaction (reason in the message)"
            case .wrongRole: "plan create/delist: the signer is not an active MVNO, or not the plan's MVNO"
            case .planUnknown: "plan: no plan with this id"
            case .planNotAvailable: "plan buy: the plan is delisted or sold out; nothing was sent"
            case .insufficientFunds: "plan buy: the buyer's token balance is below the price; nothing was sent"
            case .entitlementUnknown: "entitlement: no entitlement with this id"
            case .notOwner: "entitlement cancel: the signer does not own the entitlement; nothing was sent"
            case .notCancellable: "entitlement cancel: the plan's refund rule does not allow cancelling, or it is expired or already cancelled"
            case .notClosable: "entitlement close: the posting window is still open, a usage batch is pending, or it is already closed"
            case .authorizationRefused: "plan buy --gasless: the token refuses the buyer's EIP-3009 authorization (used, expired, not yet valid or another signer); nothing was sent"
            case .smdpRefused: "entitlement profile-status: the SM-DP+ refused the request (not the holder, no profile, unavailable) or could not be reached"
            case .paymentRequired: "entitlement profile-status / plan buy --x402: the server asks for a payment above --pay-up-to, of a kind this client does not make, or (purchase) not to the purchase's deposit address or not the plan's price; or it refused the payment"
            case .portalRefused: "plan buy --x402: the portal refused the purchase (plan not on sale, deposit withdrawn, chain unavailable) or could not be reached; a payment made stays in the deposit address for the buyer"
            }
        }
    }

    var kind: Kind {
        switch self {
        case .input: return .input
        case .chain: return .chain
        case .device: return .device
        case .secret: return .secret
        case .insufficientFunds: return .insufficientFunds
        case .planNotAvailable: return .planNotAvailable
        case .planUnknown: return .planUnknown
        case .entitlementUnknown: return .entitlementUnknown
        case .notOwner: return .notOwner
        case .smdpRefused: return .smdpRefused
        case .paymentRequired: return .paymentRequired
        case .portalRefused: return .portalRefused
        case .contract(let error):
            guard let error = error as? ContractError else { return .rpc }
            let revert: ContractRevert?
            switch error {
            case .reverted(let r): revert = r
            case .transactionFailed(_, let r): revert = r
            default: return .rpc
            }
            switch revert {
            case .planEntitlements(let r):
                switch r {
                case .callerNotAnActiveMVNO, .callerNotThePlansMVNO: return .wrongRole
                case .planUnknown: return .planUnknown
                case .planNotActive, .planSoldOut: return .planNotAvailable
                case .entitlementUnknown: return .entitlementUnknown
                case .callerNotOwner, .callerNotOwnerNorApproved: return .notOwner
                case .planNotCancellable, .entitlementExpired, .entitlementAlreadyCancelled: return .notCancellable
                default: return .reverted
                }
            case .testStablecoin(.insufficientBalance), .testStablecoin(.insufficientAllowance): return .insufficientFunds
            case .testStablecoin(.authorizationUsedOrCanceled), .testStablecoin(.authorizationExpired),
                 .testStablecoin(.authorizationNotYetValid), .testStablecoin(.authorizationWrongSigner):
                return .authorizationRefused
            case .usageSettlement(.closePostingWindowOpen), .usageSettlement(.closeBatchPending), .usageSettlement(.entitlementClosed):
                return .notClosable
            case .usageSettlement(.entitlementUnknown): return .entitlementUnknown
            default: return .reverted
            }
        }
    }

    var description: String {
        switch self {
        case .input(let m), .chain(let m), .device(let m), .secret(let m), .insufficientFunds(let m),
             .planNotAvailable(let m), .planUnknown(let m), .entitlementUnknown(let m), .notOwner(let m),
             .smdpRefused(let m), .paymentRequired(let m), .portalRefused(let m):
            m
        case .contract(let e): "\(e)"
        }
    }
}

extension PlanCommandError {
    /// A refusal of the shared entitlement actions (cancel, close) with this command family's codes.
    init(_ error: EntitlementActionError) {
        switch error.kind {
        case .entitlementUnknown: self = .entitlementUnknown(error.description)
        case .notOwner: self = .notOwner(error.description)
        case .refused:
            if let revert = error.revert { self = .contract(ContractError.reverted(revert)) } else { self = .contract(error) }
        case .input, .noPendingBatch, .batchMismatch, .proofInvalid, .noContradiction, .windowClosed, .nothingOwed: self = .input(error.description)
        case .rpc: self = .contract(error)
        }
    }
}
