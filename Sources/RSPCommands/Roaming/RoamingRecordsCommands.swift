// `openrsp roaming records import|list|prove`: the record files of an operator. As the visited
// network it imports its own records (strict: its PLMN, charge = volume × rate); as the home network
// it imports the records its partner sent with a commitment (`--partner`), kept as they are so a
// contradicting record can be disputed with its Merkle proof.
import ArgumentParser
import EthereumCore
import Foundation
import Roaming
import Settlement
import UsageService

struct RoamingRecordsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "records",
        abstract: "Roaming record files: import (own or --partner), list the slots held, prove one record.",
        subcommands: [RoamingRecordsImportCommand.self, RoamingRecordsListCommand.self, RoamingRecordsProveCommand.self]
    )
}

/// One slot in a document.
struct RoamingSlotDocument: Encodable {
    let agreementId: String
    let direction: String
    let period: UInt64
    let records: Int
    let root: String?
    let totals: [String: String]?
    let committedIn: String?

    init(_ slot: RoamingSlot, records: Int, commitment: RoamingSlots.Commitment?, intent: RoamingCommitIntent?) {
        agreementId = slot.agreementId.description; direction = roamingDirectionName(slot.direction); period = slot.period
        self.records = records; root = commitment?.root.hex; totals = commitment?.totals.document
        committedIn = intent?.transaction?.hex
    }

    var human: String {
        "agreement \(agreementId) \(direction) period \(period): \(records) record(s)" + (root.map { ", root \($0)" } ?? "")
            + (committedIn.map { ", committed in \($0)" } ?? "")
    }
}

struct RoamingRecordsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a record file (CSV or JSON lines) for --agreement into the records database.",
        discussion: """
            Format (docs/ROAMING.md "Record files"): CSV with the header imsi_pseudonym,service,start,end,volume,location \
            (optionally ,charge), or JSON lines with those keys, every value a string. Each record goes to the period holding \
            its start; indices follow file order within a period. Without --partner the --account is the visited network \
            and the records are its own: each must carry its PLMN, lie within one period, and a charge (if given) must be \
            volume × rate. With --partner the records are those the partner (the visited network) committed for your \
            subscribers, kept as they are. A slot already held is replaced only with --replace; own records of a slot with \
            a standing commitment on chain are refused. The whole file is imported or nothing.
            """)
    @Argument(help: "The record file (.csv, or .jsonl/.ndjson/.json).") var file: String
    @Option(name: .long, help: "Agreement id.") var agreement: String
    @Flag(name: .long, help: "The records are the partner's (you are the home network).") var partner = false
    @Flag(name: .long, help: "Replace the records of slots already held.") var replace = false
    @Option(name: .long, help: ArgumentHelp("csv or jsonl (default: from the file extension).", valueName: "format")) var format: String?
    @Option(name: .long, help: ArgumentHelp("Whose side the records are: a keystore name, or an MNO address (no password needed).",
                                            valueName: "name|address"))
    var account: String
    @OptionGroup var options: RoamingOptions
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let file: String
        let agreementId: String
        let partner: Bool
        let slots: [RoamingSlotDocument]
        /// --partner: records that contradict the agreement already (candidates for `roaming dispute`).
        let contradictions: [String]
    }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let id = try RoamingPeriodOptions.parseId(agreement)
            // A keystore name or address, or any address (the MNO an operator key acts for).
            let me = try (try? AccountStore(home: home).find(account).address) ?? parseAddress(account, "--account")
            guard let fileFormat = format.map({ CDRFileFormat(rawValue: $0) }) ?? CDRFileFormat.infer(fromPath: file) else {
                throw RoamingCommandError(.invalidArgument, "--format must be csv or jsonl (or name the file .csv/.jsonl)")
            }
            let parsed = try Self.read(file, format: fileFormat)
            let store = try options.store(home: home)
            let document = try await options.withClearing(home: home, signer: nil) { ctx in
                let terms = try await ctx.agreement(id)
                guard terms.status == .active else { throw ChainCommandError(.roamingAgreementState, "agreement \(id) is not active") }
                guard let mine = terms.direction(committedBy: me) else {
                    throw RoamingCommandError(.notAParty, "\(me) is not a party of agreement \(id)")
                }
                let direction: RoamingClearing.Direction = partner ? (mine == .aOnB ? .bOnA : .aOnB) : mine
                let bySlot: [RoamingSlot: [RoamingClearing.Record]]
                do { bySlot = try RoamingSlots.place(parsed, agreementId: id, agreement: terms, direction: direction, strict: !partner) } catch {
                    throw RoamingCommandError(.placement, "\(error)")
                }
                var documents: [RoamingSlotDocument] = []
                var contradictions: [String] = []
                for slot in bySlot.keys.sorted() {
                    let records = bySlot[slot] ?? []
                    if !replace, !(try await Self.held(store, slot)).isEmpty {
                        throw RoamingCommandError(.invalidArgument, "\(slot) already holds records: pass --replace to replace them")
                    }
                    let onChain = try await ctx.read(RoamingClearing.commitment(id, slot.direction, period: slot.period), "commitment")
                    if !partner, [.committed, .accepted, .inCourt].contains(onChain.status) {
                        throw RoamingCommandError(.commitmentStands, "\(slot) has a \(onChain.status.name) commitment on chain: its records cannot change")
                    }
                    let commitment = try? RoamingSlots.commitment(of: records)
                    if partner, let commitment {
                        for r in records {
                            if let c = RoamingSlots.contradiction(r, leafIndex: r.index, slot: slot, agreement: terms, totals: commitment.totals) {
                                contradictions.append("\(slot) record \(r.index): \(c.name)")
                            }
                        }
                    }
                    documents.append(RoamingSlotDocument(slot, records: records.count, commitment: commitment, intent: nil))
                }
                do { try await store.replaceRecords(bySlot) } catch { throw RoamingCommandError(.store, "\(error)") }
                return Document(file: file, agreementId: id.description, partner: partner, slots: documents, contradictions: contradictions)
            }
            try output.emit(document) {
                (document.slots.map(\.human) + document.contradictions.map { "contradiction: \($0)" }).joined(separator: "\n")
            }
        }
    }

    static func read(_ path: String, format: CDRFileFormat) throws(RoamingCommandError) -> [RoamingUsageRecord] {
        let limit = RoamingRecordParser.Limits().maxFileBytes
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RoamingCommandError(.recordFile, "cannot read \(path)") }
        defer { try? handle.close() }
        // Read at most one byte past the limit: a larger file is refused without loading it whole.
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch { throw RoamingCommandError(.recordFile, "cannot read \(path)") }
        do { return try RoamingRecordParser().parse(Array(data), format: format) } catch {
            throw RoamingCommandError(.recordFile, "\(path): \(error.description)")
        }
    }

    static func held(_ store: any RoamingRecordStore, _ slot: RoamingSlot) async throws(RoamingCommandError) -> [RoamingClearing.Record] {
        do { return try await store.records(of: slot) } catch { throw RoamingCommandError(.store, "\(error)") }
    }
}

struct RoamingRecordsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The slots the records database holds: record counts, Merkle roots, commitments posted.")
    @Option(name: .long, help: ArgumentHelp("Records and outbox database (default: $OPENRSP_HOME/roaming/roaming.sqlite).", valueName: "path"))
    var database: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let store = try RoamingOptions.store(home: DataDirectory.resolve(), database: database)
            let summaries: [RoamingSlotSummary]
            do { summaries = try await store.slots() } catch { throw RoamingCommandError(.store, "\(error)") }
            var documents: [RoamingSlotDocument] = []
            for s in summaries {
                let records = try await RoamingRecordsImportCommand.held(store, s.slot)
                documents.append(RoamingSlotDocument(s.slot, records: s.records, commitment: try? RoamingSlots.commitment(of: records), intent: s.intent))
            }
            try output.emit(documents) { documents.isEmpty ? "no records" : documents.map(\.human).joined(separator: "\n") }
        }
    }
}

struct RoamingRecordsProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove", abstract: "The Merkle proof of record --index of a slot held (what `roaming dispute` sends).")
    @OptionGroup var period: RoamingPeriodOptions
    @Option(name: .long, help: "Direction: a-on-b (A's subscribers on B) or b-on-a.") var direction: String
    @Option(name: .long, help: "Leaf index.") var index: UInt64
    @Option(name: .long, help: ArgumentHelp("Records and outbox database (default: $OPENRSP_HOME/roaming/roaming.sqlite).", valueName: "path"))
    var database: String?
    @OptionGroup var output: OutputOptions

    struct Document: Encodable {
        let leaf: String
        let leafIndex: UInt64
        let count: UInt64
        let root: String
        let proof: [String]
    }

    func run() async throws {
        try await output.reportingErrors {
            let store = try RoamingOptions.store(home: DataDirectory.resolve(), database: database)
            guard let d = RoamingClearing.Direction(name: direction) else {
                throw RoamingCommandError(.invalidArgument, "--direction must be a-on-b or b-on-a")
            }
            let slot = RoamingSlot(agreementId: try period.agreementId(), direction: d, period: period.period)
            let records = try await RoamingRecordsImportCommand.held(store, slot)
            guard index < UInt64(records.count) else {
                throw RoamingCommandError(.noRecords, "\(slot) holds \(records.count) record(s); no index \(index)")
            }
            let commitment: RoamingSlots.Commitment
            do { commitment = try RoamingSlots.commitment(of: records) } catch { throw RoamingCommandError(.noRecords, "\(slot): \(error)") }
            let proof = (try? commitment.tree.proof(index: Int(index))) ?? []
            let document = Document(leaf: records[Int(index)].leaf.hex, leafIndex: index, count: commitment.count, root: commitment.root.hex,
                                    proof: proof.map(\.hex))
            try output.emit(document) { "leaf \(document.leaf) at \(index) of \(document.count), root \(document.root)\nproof: \(document.proof.joined(separator: " "))" }
        }
    }
}

extension RoamingClearing.Direction {
    /// "a-on-b" or "b-on-a".
    init?(name: String) {
        switch name.lowercased() {
        case "a-on-b": self = .aOnB
        case "b-on-a": self = .bOnA
        default: return nil
        }
    }
}
