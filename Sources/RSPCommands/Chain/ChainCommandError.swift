// Errors of the chain commands (account, contracts, registry and every command built on
// ChainOptions/AccountOptions/TransactionSubmitter). Codes 200–289 (docs/CLI-ERRORS.md).
import EthereumCore
import EthereumRPC
import Settlement

/// One failure of a chain command: its kind (code) and a message for people.
struct ChainCommandError: KindedCommandError {
    let kind: Kind
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    enum Kind: Int, CLIErrorKind {
        // Chain access, 200–209
        case invalidArgument = 200, rpcURL, rpc, chainIdMismatch, chainIdUnknown, contractsFile, noBaseFee
        // Accounts, 210–219
        case accountNotFound = 210, accountExists, wrongPassword, noPassword, keystore, keyFile, noAccount
        // Transactions, 220–229
        case reverted = 220, transactionFailed, insufficientFunds, timeout, nonceTaken, signing, pendingStore
        // contracts deploy, 240–249
        case artifacts = 240, notDevnet, outputExists, versionMismatch, deploymentMismatch
        // registry, 250–269
        case certificate = 250, notOwner, notPendingOwner, entityNotActive, entityNotSuspended, entityNotRegistered
        case alreadyRegistered, entityRevoked, notActiveMNO, operatorKeyState, notMVNO, mvnoNotApproved
        // token, 230–239
        case notMinter = 230, mintNotDevnet, tokenInsufficientBalance
        // RoamingClearing reverts, 270–289
        case roamingNotAParty = 270, roamingAgreementState, roamingPeriodState, roamingWindowClosed, roamingCommitmentState
        case roamingNotFinal, roamingAlreadySettled, roamingDepositInsufficient, roamingProof, roamingNoContradiction
        case roamingCourtState, roamingVoteState, roamingStake

        var meaning: String {
            switch self {
            case .invalidArgument: "chain: an argument or option value is invalid"
            case .rpcURL: "chain: --rpc-url is not a usable JSON-RPC endpoint (https, or http to loopback)"
            case .rpc: "chain: a JSON-RPC call failed or the node is unreachable"
            case .chainIdMismatch: "chain: the node's eth_chainId differs from --chain-id (or the deploy JSON's chainId)"
            case .chainIdUnknown: "chain: the command signs but no --chain-id was given and the deploy JSON has none"
            case .contractsFile: "chain: the deploy JSON (--contracts) cannot be read or lacks the contract"
            case .noBaseFee: "chain: the node reports no EIP-1559 base fee"
            case .accountNotFound: "account: no keystore with that name or address"
            case .accountExists: "account: a keystore with that name or address already exists"
            case .wrongPassword: "account: wrong password (the keystore MAC does not match)"
            case .noPassword: "account: no password (use --password-file, --password-env or a terminal)"
            case .keystore: "account: the keystore is invalid or cannot be written"
            case .keyFile: "account: the key file cannot be read or is not a private key"
            case .noAccount: "chain: the command signs but no --account was given"
            case .reverted: "chain: the call reverts (eth_estimateGas); nothing was signed or sent"
            case .transactionFailed: "chain: the transaction was mined but failed (status 0)"
            case .insufficientFunds: "chain: the account cannot pay the transaction's gas and value"
            case .timeout: "chain: the transaction did not get its confirmations in time (kept; rerun to resume)"
            case .nonceTaken: "chain: another transaction used the persisted transaction's nonce"
            case .signing: "chain: signing the transaction failed"
            case .pendingStore: "chain: the persisted-transaction directory cannot be read or written"
            case .artifacts: "contracts deploy: a compiled artifact (contracts/build) is missing or invalid"
            case .notDevnet: "contracts deploy: TestStablecoin is for devnet chain ids only; pass --token"
            case .outputExists: "contracts deploy: --out already names another deployment (use --force)"
            case .versionMismatch: "contracts deploy: a deployed contract reports another VERSION"
            case .deploymentMismatch: "contracts deploy: an unfinished deployment with other parameters exists (use --restart)"
            case .certificate: "registry: the certificate file is not a PEM or DER X.509 certificate"
            case .notOwner: "registry: the account is not the registry owner"
            case .notPendingOwner: "registry: the account is not the nominated owner"
            case .entityNotActive: "registry: the entity is not active (suspended, revoked or not registered)"
            case .entityNotSuspended: "registry: the entity is not suspended"
            case .entityNotRegistered: "registry: no entity is registered at that address"
            case .alreadyRegistered: "registry: the address or certificate key is already registered"
            case .entityRevoked: "registry: the entity is revoked (final)"
            case .notActiveMNO: "registry: the account (or --mno) is not an active MNO"
            case .operatorKeyState: "registry: the operator key is not in a state that allows this"
            case .notMVNO: "registry approve-mvno: the address is not registered as an MVNO"
            case .mvnoNotApproved: "registry revoke-mvno: the MNO has not approved this MVNO"
            case .notMinter: "token mint: the account is not the TestStablecoin minter"
            case .mintNotDevnet: "token mint: the chain id is not a devnet (TestStablecoin mints on devnets only)"
            case .tokenInsufficientBalance: "token: the account's token balance is below the amount; nothing was sent"
            case .roamingNotAParty: "roaming: the account is not the party (visited, home, partner, active MNO) this step needs"
            case .roamingAgreementState: "roaming: the agreement is unknown, not proposed, not active or terminated"
            case .roamingPeriodState: "roaming: the period has not ended, is after termination, or its terms are invalid"
            case .roamingWindowClosed: "roaming: the commit or review window of the slot is over"
            case .roamingCommitmentState: "roaming: the slot's commitment is not in a state that allows this"
            case .roamingNotFinal: "roaming settle: a direction of the period is not final yet"
            case .roamingAlreadySettled: "roaming settle: the period is already settled"
            case .roamingDepositInsufficient: "roaming: the payer's deposit does not cover the net amount or the court fee"
            case .roamingProof: "roaming dispute: the Merkle proof does not match the commitment"
            case .roamingNoContradiction: "roaming dispute: the record does not contradict the commitment"
            case .roamingCourtState: "roaming court: the case is not in a state (or phase) that allows this"
            case .roamingVoteState: "roaming auditor: the vote is not allowed (not on the panel, phase, already done, mismatch)"
            case .roamingStake: "roaming auditor: stake, unstake, deposit or withdrawal amount not allowed"
            }
        }
    }
}

extension ChainCommandError {
    static func rpc(_ error: EthereumRPCError, _ context: String) -> ChainCommandError {
        let text = "\(error)".lowercased()
        if text.contains("insufficient funds") || text.contains("insufficient balance") || text.contains("not have enough balance") { return ChainCommandError(.insufficientFunds, "\(context): \(error)") }
        return ChainCommandError(.rpc, "\(context): \(error)")
    }

    /// A typed contract revert: registry reasons get their own codes, the rest is `.reverted`.
    static func revert(_ revert: ContractRevert, _ context: String) -> ChainCommandError {
        let message = "\(context): \(revert)"
        if case .testStablecoin(let reason) = revert {
            switch reason {
            case .mintNotMinter: return ChainCommandError(.notMinter, message)
            case .mintNotADevnetChain: return ChainCommandError(.mintNotDevnet, message)
            case .insufficientBalance: return ChainCommandError(.tokenInsufficientBalance, message)
            default: return ChainCommandError(.reverted, message)
            }
        }
        if case .roamingClearing(let reason) = revert { return ChainCommandError(roamingKind(reason), message) }
        guard case .trustRegistry(let reason) = revert else { return ChainCommandError(.reverted, message) }
        switch reason {
        case .notOwner: return ChainCommandError(.notOwner, message)
        case .notPendingOwner: return ChainCommandError(.notPendingOwner, message)
        case .entityNotActive: return ChainCommandError(.entityNotActive, message)
        case .entityNotSuspended: return ChainCommandError(.entityNotSuspended, message)
        case .entityNotRegistered, .entityNotRegisteredOrAlreadyRevoked: return ChainCommandError(.entityNotRegistered, message)
        case .entityAlreadyRegistered, .spkiHashAlreadyRegisteredForRole: return ChainCommandError(.alreadyRegistered, message)
        case .entityRevoked: return ChainCommandError(.entityRevoked, message)
        case .callerNotAnMNO, .callerNotAnActiveMNO, .mnoNotAnActiveMNO: return ChainCommandError(.notActiveMNO, message)
        case .keyAlreadyRegistered, .keyNotActive, .keyNotThisMNOsKey, .keyNotOfferedByCaller, .keyNotOfferedByThisMNO:
            return ChainCommandError(.operatorKeyState, message)
        case .mvnoNotAnMVNO: return ChainCommandError(.notMVNO, message)
        case .mvnoNotApproved: return ChainCommandError(.mvnoNotApproved, message)
        default: return ChainCommandError(.reverted, message)
        }
    }
}

extension ChainCommandError {
    /// The code of each RoamingClearing revert reason.
    static func roamingKind(_ reason: RoamingClearing.Revert) -> Kind {
        switch reason {
        case .callerNotAnActiveMNO, .partnerSelf, .partnerNotAnActiveMNO, .callerNotThePartner, .proposerNotAnActiveMNO, .callerNotAParty,
             .callerNotTheVisitedNetwork, .callerNotTheHomeNetwork, .appealNotTheLosingParty:
            return .roamingNotAParty
        case .agreementNotActive, .agreementUnknown, .agreementNotProposed, .agreementAlreadyTerminated: return .roamingAgreementState
        case .periodAfterTermination, .periodNotEnded, .periodOutOfRange, .startInThePast, .plmnZero, .plmnSameNetwork, .ratesAllZero,
             .directionInvalid:
            return .roamingPeriodState
        case .commitWindowOver, .reviewWindowClosed: return .roamingWindowClosed
        case .commitAlreadyCommitted, .commitmentNotInReview, .rootZero, .countOutOfRange, .totalsZero: return .roamingCommitmentState
        case .periodNotFinal: return .roamingNotFinal
        case .periodAlreadySettled: return .roamingAlreadySettled
        case .settleDepositInsufficient, .courtFeeNotDeposited: return .roamingDepositInsufficient
        case .proofIndexOutOfRange, .proofInvalid: return .roamingProof
        case .disputeNoContradiction: return .roamingNoContradiction
        case .caseNotDrawing, .drawSeedBlockNotMined, .panelNotEnoughAuditors, .caseNotVoting, .caseNotDecided, .appealObjectionPeriodOver,
             .appealNoRoundsLeft, .caseObjectionPeriodOpen:
            return .roamingCourtState
        case .voteCommitPhaseOver, .voteZeroHash, .voteAlreadyCommitted, .voteCommitPhaseOpen, .voteRevealPhaseOver, .voteNotCommitted,
             .voteAlreadyRevealed, .voteRevealMismatch, .voteInvalid, .voteRevealPhaseOpen, .voteNotOnThePanel:
            return .roamingVoteState
        case .stakeZero, .auditorsListFull, .unstakeZero, .unstakeLockedOrInsufficient, .depositZero, .withdrawalZero, .withdrawalExceedsDeposit,
             .withdrawalNoneAnnounced, .withdrawalNoticePeriodOpen, .withdrawalDepositSpent, .withdrawNothingOwed, .receiverZeroAddress:
            return .roamingStake
        case .registryZeroAddress, .tokenZeroAddress, .windowZero, .depositNoticeZero, .minStakeZero, .slashAbove10000Bps, .drawDelayOutOfRange,
             .courtPeriodZero, .tokenTransferFailed, .tokenFeeOnTransfer:
            return .reverted
        }
    }
}
