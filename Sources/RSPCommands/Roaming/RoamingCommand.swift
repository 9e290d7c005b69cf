// `openrsp roaming`: the operator side of roaming clearing (issue 19, docs/ROAMING.md): agreements,
// deposits, record files, the commitment outbox, invoices, acceptance, disputes, settlement, the
// auditor court, and roaming authorisations. Every transaction goes through the persisted
// TransactionSubmitter; contract reverts map to the 270–289 codes, local refusals to 400–419.
import ArgumentParser
import EthereumCore
import EthereumRPC
import Foundation
import Roaming
import RoamingStoreSQLite
import Settlement
import UsageService

public struct RoamingCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "roaming",
        abstract: "Roaming between operators: agreements, records, commitments, netting, the auditor court, authorisations.",
        discussion: """
            RoamingClearing is "RoamingClearing" of the deploy JSON (--contracts, default $OPENRSP_HOME/contracts.json) \
            or --clearing. Records and the commitment outbox live in a SQLite file (--database, default \
            $OPENRSP_HOME/roaming/roaming.sqlite). Amounts are token base units (6 decimals). The flow, the record file \
            format and what is proven: docs/ROAMING.md.
            """,
        subcommands: [RoamingAgreementCommand.self, RoamingDepositCommand.self, RoamingWithdrawCommand.self, RoamingBalanceCommand.self,
                      RoamingRecordsCommand.self, RoamingCommitCommand.self, RoamingInvoiceCommand.self, RoamingAcceptCommand.self,
                      RoamingDisputeCommand.self, RoamingSettleCommand.self, RoamingCourtCommand.self, RoamingAuditorCommand.self,
                      RoamingAuthorizeCommand.self, RoamingVerifyCommand.self, RoamingConfirmCommand.self]
    )

    public init() {}
}

/// Local refusals of the roaming commands (contract reverts are ChainCommandError 270–289).
struct RoamingCommandError: KindedCommandError {
    let kind: Kind
    let description: String

    init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    enum Kind: Int, CLIErrorKind {
        case invalidArgument = 400, recordFile, placement, store, noRecords, commitmentStands, notAParty, rootMismatch
        case noContradiction, voteFile, messageFile, authorizationRefused, replayed

        var meaning: String {
            switch self {
            case .invalidArgument: "roaming: an argument or option value is invalid"
            case .recordFile: "roaming records import: the record file was refused (format, field or limit)"
            case .placement: "roaming records import: a record does not fit the agreement (period, location, charge)"
            case .store: "roaming: the records database cannot be opened, read or written"
            case .noRecords: "roaming: the database holds no records for this slot (import them first)"
            case .commitmentStands: "roaming: a commitment of the slot stands on chain (import or commit refused)"
            case .notAParty: "roaming: the account is not a party of the agreement (or not the side this step needs)"
            case .rootMismatch: "roaming: the records held do not hash to the committed Merkle root"
            case .noContradiction: "roaming dispute: no record held contradicts the commitment"
            case .voteFile: "roaming auditor: the stored vote and salt cannot be written or read"
            case .messageFile: "roaming authorize/verify/confirm: the message file cannot be read or is malformed"
            case .authorizationRefused: "roaming verify: the authorisation or confirmation is refused (audience, time, signer, registry)"
            case .replayed: "roaming verify: the authorisation was already accepted (replay)"
            }
        }
    }
}

/// The options every roaming command shares: the chain, the clearing contract and the records database.
struct RoamingOptions: ParsableArguments {
    @OptionGroup var chain: ChainOptions
    @Option(name: .long, help: ArgumentHelp("RoamingClearing address (default: RoamingClearing of the deploy JSON).", valueName: "address"))
    var clearing: String?
    @Option(name: .long, help: ArgumentHelp("Records and outbox database (default: $OPENRSP_HOME/roaming/roaming.sqlite).", valueName: "path"))
    var database: String?

    /// Opens the records database (creating its directory 0700).
    func store(home: DataDirectory) throws(RoamingCommandError) -> SQLiteRoamingRecordStore {
        try Self.store(home: home, database: database)
    }

    /// The records database at `database`, default `$OPENRSP_HOME/roaming/roaming.sqlite`.
    static func store(home: DataDirectory, database: String?) throws(RoamingCommandError) -> SQLiteRoamingRecordStore {
        let path = database ?? home.url.appendingPathComponent("roaming/roaming.sqlite").path
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            return try SQLiteRoamingRecordStore(path: path)
        } catch let e as RoamingStoreError {
            throw RoamingCommandError(.store, e.description)
        } catch {
            throw RoamingCommandError(.store, "cannot create the directory of \(path): \(error.localizedDescription)")
        }
    }

    /// Runs `body` with a connection, the clearing contract and (with `signer`) a persisted submitter.
    func withClearing<T>(home: DataDirectory, signer: (any TransactionSigner)?,
                         _ body: (RoamingContext) async throws -> T) async throws -> T {
        try await chain.withConnection(home: home, signing: signer != nil) { connection in
            let contract = try connection.contract(RoamingClearing.self, override: clearing)
            let submitter = signer.map { TransactionSubmitter(connection: connection, signer: $0, home: home) }
            return try await body(RoamingContext(connection: connection, clearing: contract, submitter: submitter))
        }
    }
}

/// A connected clearing contract and, for commands that transact, the submitter.
struct RoamingContext: Sendable {
    let connection: ChainConnection
    let clearing: Contract<RoamingClearing>
    let submitter: TransactionSubmitter?

    var me: Address? { submitter?.signer.address }

    func read<T>(_ call: ContractCall<T>, _ what: String) async throws(ChainCommandError) -> T {
        do { return try await clearing.call(call) } catch {
            if case .reverted(let r) = error { throw ChainCommandError.revert(r, what) }
            throw ChainCommandError(.rpc, "\(what) on \(clearing.address): \(error)")
        }
    }

    func send<T>(_ call: ContractCall<T>, label: String) async throws(ChainCommandError) -> SubmittedTransaction {
        guard let submitter else { throw ChainCommandError(.noAccount, "this command signs: pass --account NAME|ADDRESS") }
        return try await submitter.send(call, to: clearing, label: label)
    }

    /// The agreement, refused as unknown when the contract has none with this id.
    func agreement(_ id: UInt256) async throws -> RoamingClearing.Agreement {
        let a = try await read(RoamingClearing.agreements(id), "agreements(\(id))")
        guard a.status != .none else { throw ChainCommandError(.roamingAgreementState, "agreement \(id) does not exist") }
        return a
    }

    /// The latest block's timestamp (the contract's clock).
    func chainTime() async throws(ChainCommandError) -> UInt64 {
        let block: EthereumRPC.Block?
        do { block = try await connection.client.getBlockByNumber(.latest) } catch { throw ChainCommandError.rpc(error, "eth_getBlockByNumber") }
        guard let block else { throw ChainCommandError(.rpc, "the node returned no latest block") }
        return block.timestamp
    }
}

/// `--agreement ID --period P`: one period of an agreement.
struct RoamingPeriodOptions: ParsableArguments {
    @Option(name: .long, help: "Agreement id.") var agreement: String
    @Option(name: .long, help: "Settlement period number (0 is the first period from the agreement's start).") var period: UInt64
    @Option(name: .customLong("for-mno"), help: ArgumentHelp("Act for this MNO when --account is one of its operator keys (default: the account).",
                                                             valueName: "address"))
    var forMno: String?

    /// The party the command acts for: --for-mno, else the signing account.
    func party(signer: Address) throws(ChainCommandError) -> Address {
        try forMno.map { text throws(ChainCommandError) in try parseAddress(text, "--for-mno") } ?? signer
    }

    func agreementId() throws(RoamingCommandError) -> UInt256 {
        guard let id = try? UInt256(decimal: agreement), !id.isZero else {
            throw RoamingCommandError(.invalidArgument, "--agreement \(agreement): not a positive decimal id")
        }
        return id
    }
}

/// Token amounts and hashes in JSON documents are strings.
extension RoamingClearing.ServiceTotals {
    var document: [String: String] {
        ["dataMB": String(dataMB), "voiceMinutes": String(voiceMinutes), "smsMessages": String(smsMessages)]
    }
}

func roamingDirectionName(_ d: RoamingClearing.Direction) -> String { d == .aOnB ? "A-on-B" : "B-on-A" }
