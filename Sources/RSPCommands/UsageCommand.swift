// `openrsp usage`: the operator's usage outbox (docs/USAGE.md): generate demo CDRs, import CDR
// files as batches, post them on chain exactly once, settle after the dispute window, show the
// outbox, and print the Merkle proof an entitlement owner needs to dispute a CDR.
import ArgumentParser
import EthereumCore
import EthereumRPC
import EthereumRPCHTTP
import Foundation
import PostgresSupport
import Settlement
import UsageService
import SMDPStorePostgres
import UsageStorePostgres
import UsageStoreSQLite

public struct UsageCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Usage CDRs → Merkle batches → postUsage / settle through a persisted outbox.",
        discussion: """
            The outbox lives in the SM-DP+ database: a SQLite file (default $OPENRSP_HOME/smdp/smdp.sqlite) or, with \
            --database postgres://…, the SM-DP+ PostgreSQL schema (--postgres-schema, default openrsp_smdp). \
            The UsageSettlement address comes from --settlement or the deploy JSON written by \
            contracts/deploy.py (default $OPENRSP_HOME/contracts.json). CDR formats: docs/USAGE.md.
            """,
        subcommands: [UsageGenerateCommand.self, UsageImportCommand.self, UsagePostCommand.self, UsageSettleCommand.self,
                      UsageStatusCommand.self, UsageProveCommand.self, UsageWithdrawCommand.self, UsageDisputeCommand.self]
    )

    public init() {}
}

enum UsageCommandError: KindedCommandError {
    case database(String)
    case input(String)
    case chain(String)
    case key(String)
    case service(UsageServiceError)

    enum Kind: Int, CLIErrorKind {
        case database = 40, input, chain, key, nonceConflict, postRejected, postReverted, settleReverted, rpc, cdrNotFound
        case cdrMismatch, store, importRefused, contract, binding, noSigner, signing, unknownBatch, wrongState, missingEvent
        case entitlementHasPendingBatch

        var meaning: String {
            switch self {
            case .database: "usage: the database cannot be opened"
            case .input: "usage: the CDR input or an option is invalid"
            case .chain: "usage: the chain (--rpc-url, --contracts) is not usable"
            case .key: "usage: the signing key file cannot be read"
            case .nonceConflict: "usage post: another transaction took the outbox's nonce"
            case .postRejected: "usage post: the node rejected the batch transaction"
            case .postReverted: "usage post: the batch transaction reverted"
            case .settleReverted: "usage settle: the settlement transaction reverted"
            case .rpc: "usage: a JSON-RPC call failed"
            case .cdrNotFound: "usage prove: no such CDR"
            case .cdrMismatch: "usage prove: the stored CDR does not match its batch"
            case .store: "usage: the outbox store failed"
            case .importRefused: "usage import: the CDR file was refused"
            case .contract: "usage: a contract call failed"
            case .binding: "usage: a contract answer cannot be decoded"
            case .noSigner: "usage: a transaction is needed but no --key was given"
            case .signing: "usage: signing a transaction failed"
            case .unknownBatch: "usage: no such batch in the outbox"
            case .wrongState: "usage: the batch is not in a state that allows this"
            case .missingEvent: "usage: a mined transaction lacks its expected event"
            case .entitlementHasPendingBatch: "usage post: the entitlement already has a batch being posted"
            }
        }
    }

    var kind: Kind {
        switch self {
        case .database: return .database
        case .input: return .input
        case .chain: return .chain
        case .key: return .key
        case .service(let e):
            switch e {
            case .store: return .store
            case .importRefused: return .importRefused
            case .rpc: return .rpc
            case .contract: return .contract
            case .binding: return .binding
            case .noSigner: return .noSigner
            case .signing: return .signing
            case .nonceConflict: return .nonceConflict
            case .postReverted: return .postReverted
            case .postRejected: return .postRejected
            case .settleReverted: return .settleReverted
            case .cdrNotFound: return .cdrNotFound
            case .cdrMismatch: return .cdrMismatch
            case .unknownBatch: return .unknownBatch
            case .wrongState: return .wrongState
            case .missingEvent: return .missingEvent
            case .entitlementHasPendingBatch: return .entitlementHasPendingBatch
            }
        }
    }

    var description: String {
        switch self {
        case .database(let m), .input(let m), .chain(let m), .key(let m): return m
        case .service(let e): return e.description
        }
    }
}

/// `--database PATH|URL`: the SM-DP+ database that also holds the usage outbox, a SQLite file or a
/// PostgreSQL `postgres://` URL (the outbox tables then live in the SM-DP+ schema, `--postgres-schema`).
struct UsageDatabaseOption: ParsableArguments {
    @Option(name: .long, help: "SQLite database path or postgres://user:pw@host:port/db URL (default: $OPENRSP_HOME/smdp/smdp.sqlite, shared with the SM-DP+).")
    var database: String?

    @Option(name: .customLong("postgres-schema"), help: "PostgreSQL schema of the SM-DP+ (default openrsp_smdp).")
    var postgresSchema: String?

    /// Opens the outbox store `database` names for `body`. A PostgreSQL store is migrated first and its
    /// client shut down when `body` returns.
    func withStore<T: Sendable>(_ body: (any UsageOutboxStore) async throws -> T) async throws -> T {
        if let database, SMDPStoreLocation.isPostgresURL(database) {
            let configuration: PostgresStoreConfiguration
            let schema: PostgresSchemaName
            do {
                configuration = try PostgresStoreConfiguration(url: database)
                schema = try PostgresSchemaName(postgresSchema ?? "openrsp_smdp")
            } catch {
                throw UsageCommandError.database(error.description)
            }
            do {
                return try await PostgresUsageOutboxStore.withStore(configuration, schema: schema) { store in try await body(store) }
            } catch let error as UsageOutboxStoreError {
                throw UsageCommandError.database(error.description)
            }
        }
        if postgresSchema != nil { throw UsageCommandError.input("--postgres-schema needs a postgres:// --database") }
        return try await body(try openSQLite())
    }

    private func openSQLite() throws -> SQLiteUsageOutboxStore {
        let path: String
        if let database, !database.isEmpty {
            path = database
        } else {
            do { path = try DataDirectory.resolve().ensure("smdp").appendingPathComponent("smdp.sqlite").path } catch {
                throw UsageCommandError.database("cannot create the data directory: \(error)")
            }
        }
        do { return try SQLiteUsageOutboxStore(path: path) } catch { throw UsageCommandError.database(error.description) }
    }
}

/// `--rpc-url`, `--contracts`, `--settlement`: which chain and which UsageSettlement.
struct UsageChainOptions: ParsableArguments {
    @Option(name: .long, help: "JSON-RPC URL (default: rpcUrl from the deploy JSON, else http://127.0.0.1:8545).")
    var rpcUrl: String?

    @Option(name: .long, help: "Deploy JSON from contracts/deploy.py (default: $OPENRSP_HOME/contracts.json).")
    var contracts: String?

    @Option(name: .long, help: "UsageSettlement address (overrides the deploy JSON).")
    var settlement: String?

    @Option(name: .long, help: "Expected chain id; refused if the node's eth_chainId differs (default: chainId of the deploy JSON).")
    var chainId: UInt64?

    func connect() async throws -> (Contract<UsageSettlement>, RPCClient) {
        var deployed: [String: Any]?
        let path = contracts ?? DataDirectory.resolve().url.appendingPathComponent("contracts.json").path
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw UsageCommandError.input("\(path) is not a JSON object")
            }
            deployed = obj
        } else if contracts != nil {
            throw UsageCommandError.input("no deploy JSON at \(path)")
        }
        let addressText = settlement ?? ((deployed?["contracts"] as? [String: Any])?["UsageSettlement"] as? String)
        guard let addressText else {
            throw UsageCommandError.input("no UsageSettlement address: pass --settlement or --contracts (deploy JSON from contracts/deploy.py)")
        }
        let address: Address
        do { address = try Address(hex: addressText) } catch { throw UsageCommandError.input("UsageSettlement address: \(error)") }
        let url = rpcUrl ?? (deployed?["rpcUrl"] as? String) ?? "http://127.0.0.1:8545"
        let client: RPCClient
        do { client = try RPCClient(url: url) } catch { throw UsageCommandError.chain("\(error)") }
        do {
            let chain = try await Chain.connect(client)
            let fileChainId = (deployed?["chainId"] as? NSNumber)?.uint64Value
            for (expected, source) in [(chainId, "--chain-id"), (fileChainId, "the deploy JSON")] {
                if let expected, expected != chain.chainId {
                    try? await client.shutdown()
                    throw ChainCommandError(.chainIdMismatch, "\(url) is chain \(chain.chainId), \(source) says \(expected): refusing")
                }
            }
            return (chain.contract(UsageSettlement.self, at: address), client)
        } catch let error as ChainCommandError {
            throw error
        } catch {
            try? await client.shutdown()
            throw UsageCommandError.chain("cannot reach \(url): \(error)")
        }
    }
}

/// The operator's signer: `--account NAME|ADDRESS` (a keystore in $OPENRSP_HOME/keystore, see
/// `openrsp account`) or, for compatibility, `--key FILE` (hex private key or V3 keystore JSON).
struct UsageKeyOptions: ParsableArguments {
    @Option(name: .long, help: "Operator key file: hex private key (mode 0600) or V3 keystore JSON (kept for compatibility; prefer --account).")
    var key: String?

    @Option(name: .long, help: "Environment variable holding the --key keystore's password (default OPENRSP_KEY_PASSWORD).")
    var keyPasswordEnv: String = "OPENRSP_KEY_PASSWORD"

    @OptionGroup var account: AccountOptions

    func load() throws -> PrivateKey {
        if let key {
            if account.account != nil { throw UsageCommandError.key("give either --key or --account, not both") }
            do { return try loadSigningKey(path: key, passwordEnv: keyPasswordEnv) } catch { throw UsageCommandError.key(error.description) }
        }
        guard account.account != nil else { throw UsageCommandError.key("no signer: pass --account NAME|ADDRESS (or --key FILE)") }
        return try account.privateKey(home: DataDirectory.resolve())
    }
}

/// Runs `body` with a service bound to the chain; always closes the RPC client (and the database client).
func withUsageService<T: Sendable>(database: UsageDatabaseOption, chain: UsageChainOptions, key: UsageKeyOptions?, json: Bool,
                                   _ body: (UsageOutboxService) async throws -> T) async throws -> T {
    try await database.withStore { store in
        let signer = try key?.load()
        let (settlement, client) = try await chain.connect()
        var progress: (@Sendable (UsageEvent) -> Void)?
        if !json {
            progress = { @Sendable event in FileHandle.standardError.write(Data((UsageEventDocument(event).human + "\n").utf8)) }
        }
        do {
            let service: UsageOutboxService
            do throws(UsageServiceError) {
                service = try UsageOutboxService(store: store, settlement: settlement, signer: signer, progress: progress)
            } catch {
                throw UsageCommandError.service(error)
            }
            let result = try await body(service)
            try? await client.shutdown()
            return result
        } catch let e as UsageServiceError {
            try? await client.shutdown()
            throw UsageCommandError.service(e)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

struct UsageGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Write deterministic demo CDRs (CSV or JSON lines).")

    @Option(name: .long, help: "Entitlement id (decimal).") var entitlement: String
    @Option(name: .long, help: "Number of CDRs.") var count: Int = 10
    @Option(name: .long, help: "Seed; the same seed gives the same CDRs.") var seed: UInt64 = 1
    @Option(name: .long, help: "Sequence of the first CDR.") var firstSequence: UInt64 = 1
    @Option(name: .long, help: "Start of the first session, unix seconds.") var periodStart: UInt64
    @Option(name: .long, help: "No session ends after this time, unix seconds (default: now; usage after the batch's posting time is disputable).")
    var latestEnd: UInt64?
    @Option(name: .long, help: "csv or jsonl.") var format: String = "csv"
    @Option(name: .long, help: "Output file (default: standard output).") var out: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            guard let format = CDRFileFormat(rawValue: format) else { throw UsageCommandError.input("--format must be csv or jsonl") }
            guard (1...1_000_000).contains(count) else { throw UsageCommandError.input("--count must be 1...1000000") }
            guard firstSequence >= 1 else { throw UsageCommandError.input("--first-sequence starts at 1") }
            let id: UInt256
            do { id = try UInt256(decimal: entitlement) } catch { throw UsageCommandError.input("--entitlement: \(error)") }
            let until = latestEnd ?? UInt64(Date().timeIntervalSince1970)
            let cdrs = CDRGenerator(seed: seed, entitlementId: id, firstSequence: firstSequence, periodStart: periodStart,
                                    latestEnd: until).generate(count: count)
            var text = format == .csv ? CDRParser.csvHeader + "\n" : ""
            for c in cdrs { text += (format == .csv ? c.csvLine : c.jsonLine) + "\n" }
            if let out {
                do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw UsageCommandError.input("cannot write \(out): \(error)")
                }
                try output.emit(["file": out, "records": "\(cdrs.count)"]) { "wrote \(cdrs.count) CDRs to \(out)" }
            } else {
                print(text, terminator: "")
            }
        }
    }
}

struct UsageImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import a CDR file into the outbox as batches.")

    @Argument(help: "CDR file (.csv or .jsonl).") var file: String
    @Option(name: .long, help: "csv or jsonl (default: from the file extension).") var format: String?
    @Option(name: .long, help: "Maximum CDRs per batch.") var maxBatch: Int = 10_000
    @OptionGroup var database: UsageDatabaseOption
    @OptionGroup var chain: UsageChainOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let fmt: CDRFileFormat
            if let format {
                guard let f = CDRFileFormat(rawValue: format) else { throw UsageCommandError.input("--format must be csv or jsonl") }
                fmt = f
            } else {
                guard let f = CDRFileFormat.infer(fromPath: file) else { throw UsageCommandError.input("cannot tell the format of \(file): pass --format") }
                fmt = f
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw UsageCommandError.input("cannot read \(file)") }
            let cdrs: [CDR]
            do { cdrs = try CDRParser().parse([UInt8](data), format: fmt) } catch { throw UsageCommandError.input("\(file): \(error)") }
            let batches = try await withUsageService(database: database, chain: chain, key: nil, json: output.json) { service in
                try await service.importCDRs(cdrs, maxBatchSize: maxBatch)
            }
            let docs = batches.map { OutboxBatchDocument($0, transactions: []) }
            try output.emit(docs) { "imported \(cdrs.count) CDRs as \(batches.count) batch(es)" }
        }
    }
}

struct UsagePostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post", abstract: "Resume in-flight posts and post every pending batch (exactly once).",
        discussion: """
            The contract keeps one batch per entitlement pending at a time: a batch whose entitlement \
            still has an earlier batch in its dispute window is left pending (event \
            `waiting-for-previous`) and is posted by a later `post` once `settle` has settled that one. \
            It watches for `Cancelled` and expiry of the entitlements it has batches for: for an ended \
            entitlement it reports `final-batch-due` (post by end + POSTING_GRACE), settles its batch \
            whose dispute window has closed and posts the final batch in the same run.
            """)

    @Option(name: .long, help: "First put this batch, stuck in `conflict`, back to pending (after re-checking the chain).")
    var resolveConflict: Int64?
    @Flag(name: .long, help: "First put batches the contract refused (`rejected`) back to pending.")
    var retryRejected = false
    @OptionGroup var database: UsageDatabaseOption
    @OptionGroup var chain: UsageChainOptions
    @OptionGroup var key: UsageKeyOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let events = try await withUsageService(database: database, chain: chain, key: key, json: output.json) { service in
                if let resolveConflict { try await service.resolveConflict(batch: resolveConflict) }
                if retryRejected { try await service.retryRejected() }
                return try await service.postFinalBatches()
            }
            let docs = events.map(UsageEventDocument.init)
            try output.emit(docs) {
                let waiting = docs.filter { $0.event == "waiting-for-previous" }.count
                return docs.filter { $0.event == "posted" }.count.description + " batch(es) posted"
                    + (waiting > 0 ? ", \(waiting) waiting for their entitlement's previous batch" : "")
            }
        }
    }
}

struct UsageSettleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle", abstract: "Settle posted batches whose dispute window has passed.")

    @OptionGroup var database: UsageDatabaseOption
    @OptionGroup var chain: UsageChainOptions
    @OptionGroup var key: UsageKeyOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let events = try await withUsageService(database: database, chain: chain, key: key, json: output.json) { service in
                try await service.settle()
            }
            let docs = events.map(UsageEventDocument.init)
            try output.emit(docs) { docs.filter { $0.event == "settled" }.count.description + " batch(es) settled" }
        }
    }
}

struct UsageStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the outbox: batches, states, transactions.")

    @OptionGroup var database: UsageDatabaseOption
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let docs = try await database.withStore { store in
                var docs = [OutboxBatchDocument]()
                do {
                    for b in try await store.batches(in: nil) {
                        docs.append(OutboxBatchDocument(b, transactions: try await store.transactions(batch: b.id)))
                    }
                } catch { throw UsageCommandError.database("\(error)") }
                return docs
            }
            try output.emit(docs) {
                if docs.isEmpty { return "outbox empty" }
                return docs.map { d in
                    "batch \(d.id)  entitlement \(d.entitlementId)  seq \(d.firstSeq)–\(d.lastSeq)  \(d.totalBytes) bytes  \(d.state)"
                        + (d.batchId.map { "  id \($0)" } ?? "") + (d.lastError.map { "  (\($0))" } ?? "")
                }.joined(separator: "\n")
            }
        }
    }
}

struct UsageProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove", abstract: "Print the Merkle proof of one CDR (what `dispute` needs).")

    @Option(name: .long, help: "ENTITLEMENT:SEQUENCE, or a CDR record line (CSV record or JSON object).")
    var cdr: String
    @OptionGroup var database: UsageDatabaseOption
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let (entitlement, sequence, expected) = try Self.parseSelector(cdr)
            let document = try await database.withStore { store in
                try await Self.proof(store: store, entitlementId: entitlement, sequence: sequence, expected: expected)
            }
            try output.emit(document) { document.human }
        }
    }

    static func proof(store: any UsageOutboxStore, entitlementId: UInt256, sequence: UInt64, expected: CDR?) async throws -> UsageProofDocument {
        do {
            return UsageProofDocument(try await UsageProofBuilder.proof(store: store, entitlementId: entitlementId, sequence: sequence,
                                                                        expected: expected))
        } catch { throw UsageCommandError.service(error) }
    }

    /// `ENT:SEQ`, a CSV record line, or a JSON object line.
    static func parseSelector(_ text: String) throws -> (UInt256, UInt64, CDR?) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("{") || t.contains(",") {
            let parser = CDRParser()
            do {
                let c = t.hasPrefix("{") ? try parser.parseJSONRecord(t, line: 1) : try parser.parseCSVRecord(t, line: 1)
                return (c.entitlementId, c.sequence, c)
            } catch { throw UsageCommandError.input("--cdr: \(error)") }
        }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let seq = UInt64(parts[1]), let id = try? UInt256(decimal: String(parts[0])) else {
            throw UsageCommandError.input("--cdr must be ENTITLEMENT:SEQUENCE or a CDR record line")
        }
        return (id, seq, nil)
    }
}
