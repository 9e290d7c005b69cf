// `openrsp identity status-list new|show|anchor` (issue 17 item 2, docs/IDENTITY.md): an issuer's IETF Token
// Status List, its signed token for the web, and the token's SHA-256 anchored in the IdentityRegistry.
import ArgumentParser
import EthereumCore
import Foundation
import Identity
import Settlement

struct IdentityStatusListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status-list", abstract: "An issuer's credential status list: make it, show it, anchor it on chain.",
        subcommands: [StatusListNewCommand.self, StatusListShowCommand.self, StatusListAnchorCommand.self])
}

struct StatusListReport: Encodable {
    var file: String
    var uri: String
    var bits: Int
    var capacity: Int
    var counts: [String: Int]
    var token: String
    /// SHA-256 of the token: what `anchor` puts on chain.
    var digest: String
    /// keccak256(uri): the list's id in the IdentityRegistry.
    var listId: String

    init(_ file: StatusListFile, token: String) {
        self.file = file.path
        uri = file.uri
        bits = file.list.bits
        capacity = file.list.capacity
        counts = file.counts()
        self.token = file.tokenPath
        digest = Hex.encode(StatusListToken.digest(of: token))
        listId = Hex.encode(StatusListToken.listId(uri: file.uri))
    }

    var human: String {
        "\(uri): \(capacity) entries of \(bits) bit(s), \(counts["valid", default: 0]) valid, \(counts["revoked", default: 0]) revoked, "
            + "\(counts["suspended", default: 0]) suspended\ntoken \(token) (sha256 \(digest))\nlist id \(listId)"
    }
}

struct StatusListNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Make an all-valid status list and its signed token (STATE.jwt).",
        discussion: """
            --uri is where verifiers will fetch the token (e.g. https://portal.example/status/kyc-1, which \
            `openrsp portal serve --status-dir DIR` serves from DIR/kyc-1.jwt). A large list hides which entries are in \
            use: the default 131,072 one-bit entries compress to a few hundred bytes while few are revoked.
            """)

    @Option(name: .long, help: "The https URL the token will be published at.") var uri: String
    @Option(name: .long, help: "The issuer's P-256 key file (signs the token).") var key: String
    @Option(name: .long, help: "Bits per entry: 1 (valid/revoked) or 2 (also suspended), 4, 8.") var bits: Int = 2
    @Option(name: .long, help: "Entries.") var capacity: Int = 131_072
    @Option(name: .long, help: "The list file to write (STATE.json; the token goes to STATE.jwt).") var out: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let key = try DIDKeyFile.p256Key(at: self.key)
            let file = try StatusListFile.create(path: out, uri: uri, bits: bits, capacity: capacity)
            let token = try file.save(key: key, now: Int64(Date().timeIntervalSince1970))
            let report = StatusListReport(file, token: token.jws.serialized)
            try output.emit(report) { report.human }
        }
    }
}

struct StatusListShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a status list file: size, counts, token digest and list id.")

    @Argument(help: "The list file.") var statusList: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let file = try StatusListFile.read(path: statusList)
            let report = StatusListReport(file, token: try file.token())
            try output.emit(report) { report.human }
        }
    }
}

struct StatusListAnchorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anchor", abstract: "Anchor the current token's SHA-256 in the IdentityRegistry (the issuer's account sends it).",
        discussion: """
            The sender must be the issuer's TrustRegistry entity (an active MNO or KYC provider). From the block that \
            includes it, verifiers accept only this token for the list: publish STATE.jwt at the list's URI first.
            """)

    @Option(name: .long, help: "The list file.") var statusList: String
    @Option(name: .long, help: ArgumentHelp("IdentityRegistry address (default: from the deploy JSON).", valueName: "address"))
    var identityRegistry: String?
    @OptionGroup var account: AccountOptions
    @OptionGroup var chain: ChainOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var list: StatusListReport; var transaction: SubmittedTransaction }

    func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            let file = try StatusListFile.read(path: statusList)
            let token = try file.token()
            let signer = try account.signer(home: home)
            let report = try await chain.withConnection(home: home, signing: true) { connection in
                let registry = try connection.contract(IdentityRegistry.self, override: identityRegistry)
                let call = IdentityRegistry.anchorStatusList(listId: try UInt256(bigEndian: StatusListToken.listId(uri: file.uri)),
                                                             digest: try Hash32(StatusListToken.digest(of: token)), uri: file.uri)
                let sent = try await TransactionSubmitter(connection: connection, signer: signer, home: home)
                    .send(call, to: registry, label: "identity status-list anchor \(file.uri)")
                return Report(list: StatusListReport(file, token: token), transaction: sent)
            }
            try output.emit(report) { report.list.human + "\n" + report.transaction.human }
        }
    }
}
