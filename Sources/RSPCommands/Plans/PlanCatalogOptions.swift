// The catalog side of `openrsp plan` (issue 16 item 1): metadata documents checked against the chain,
// search by country (ISO 3166-1, iso-codes) and network (MCC-MNC, mobile-broadband-provider-info).
import ArgumentParser
import Catalog
import EthereumCore
import Foundation
import Portal
import Settlement

/// Failures of the plan catalog and the portal (codes 340–348, docs/CLI-ERRORS.md).
struct CatalogCommandError: KindedCommandError {
    enum Kind: Int, CLIErrorKind {
        case dataSetMissing = 340, documentInvalid, countryUnknown, networkUnknown, hashMismatch, termsMismatch, documentMissing
        case portalSetup

        var meaning: String {
            switch self {
            case .dataSetMissing: "catalog: iso-codes or mobile-broadband-provider-info is not installed (apt-get install iso-codes mobile-broadband-provider-info)"
            case .documentInvalid: "catalog: the plan metadata document is not valid (schema, sizes, codes)"
            case .countryUnknown: "catalog: a country is not an ISO 3166-1 alpha-2 code of iso-codes"
            case .networkUnknown: "catalog: a network (MCC-MNC) is not listed in mobile-broadband-provider-info"
            case .hashMismatch: "catalog: the document's keccak256 is not the plan's on-chain metadata hash (or none is recorded)"
            case .termsMismatch: "catalog: the document's data, validity, price or profile type differ from the plan's on-chain terms"
            case .documentMissing: "catalog: the catalog directory has no document for the plan"
            case .portalSetup: "portal serve: the portal cannot start (TLS, bind address, templates)"
            }
        }
    }

    let kind: Kind
    let description: String

    init(_ kind: Kind, _ message: String) { self.kind = kind; description = message }

    init(_ error: CatalogError) {
        let kind: Kind = switch error.code {
        case .dataSetMissing: .dataSetMissing
        case .documentInvalid: .documentInvalid
        case .countryUnknown: .countryUnknown
        case .networkUnknown: .networkUnknown
        case .hashMismatch: .hashMismatch
        case .termsMismatch: .termsMismatch
        case .documentMissing: .documentMissing
        }
        self.init(kind, error.message)
    }

    /// Runs `body`, reporting a `CatalogError` with its code.
    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as CatalogError { throw CatalogCommandError(error) }
    }
}

/// `--catalog DIR`, `--country`, `--network` and the data-set paths.
struct PlanCatalogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Directory of plan metadata documents (<plan id>.json), as `portal serve --catalog` serves them.",
                                            valueName: "dir"))
    var catalog: String?

    @Option(name: .long, help: ArgumentHelp("Only plans covering this country (ISO 3166-1 alpha-2, e.g. DE); needs --catalog.", valueName: "code"))
    var country: String?

    @Option(name: .long, help: ArgumentHelp("Only plans covering this network (MCC-MNC, e.g. 262-01); needs --catalog.", valueName: "mcc-mnc"))
    var network: String?

    @Option(name: .customLong("iso-codes"), help: ArgumentHelp("iso-codes' ISO 3166-1 JSON.", valueName: "file"))
    var isoCodes: String = CatalogNames.defaultISO3166Path

    @Option(name: .customLong("providers"), help: ArgumentHelp("mobile-broadband-provider-info's serviceproviders.xml.", valueName: "file"))
    var providers: String = CatalogNames.defaultProvidersPath

    func validate() throws {
        if (country != nil || network != nil), catalog == nil { throw ValidationError("--country and --network need --catalog DIR") }
    }

    func names() throws -> CatalogNames {
        do throws(CatalogError) { return try CatalogNames(iso3166Path: isoCodes, providersPath: providers) } catch { throw CatalogCommandError(error) }
    }

    /// The parsed filters (the country checked against iso-codes).
    func filters(_ names: CatalogNames) throws -> (country: String?, network: NetworkID?) {
        let code = try country.map { text throws -> String in
            do throws(CatalogError) { return try names.country(text).code } catch { throw CatalogCommandError(error) }
        }
        let id = try network.map { text throws -> NetworkID in
            guard let id = NetworkID(text) else { throw CatalogCommandError(.documentInvalid, "--network \(text): not MCC-MNC (e.g. 262-01)") }
            return id
        }
        return (code, id)
    }
}

/// `openrsp plan set-metadata PLAN --file DOC`: the MVNO records keccak256 of the plan's document, once.
struct PlanSetMetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-metadata", abstract: "Record keccak256 of a plan's metadata document on chain (its MVNO, once).",
        discussion: """
            The document (schema openrsp.plan-metadata/1: name, description, MNO and MVNO names, countries as ISO 3166-1 \
            alpha-2, networks as MCC-MNC, dataMB, validitySeconds, price, profileType) is checked first: its terms must be \
            the plan's on-chain terms and every country and network must exist in iso-codes and mobile-broadband-provider-info. \
            Serve the same bytes as <plan id>.json from the portal's --catalog directory; the hash can never change.
            """)

    @Argument(help: "Plan id.") var plan: String
    @Option(name: .long, help: ArgumentHelp("The metadata document (JSON).", valueName: "file")) var file: String
    @OptionGroup var catalogOptions: PlanCatalogOptions
    @OptionGroup var chain: PlanChainOptions
    @OptionGroup var account: AccountOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let id = try PlanNames.uint(plan, "PLAN")
            guard let data = FileManager.default.contents(atPath: file), data.count <= PlanMetadata.maxBytes else {
                throw CatalogCommandError(.documentMissing, "--file \(file): unreadable or over \(PlanMetadata.maxBytes) bytes")
            }
            let document = Array(data)
            let names = try catalogOptions.names()
            let (hash, transaction) = try await chain.with(account: account) { session in
                let onChain = try await PlanNames.plan(id, on: session)
                let hash = PlanMetadata.hash(document)
                try await CatalogCommandError.mapping {
                    var facts = try await CatalogLoader.onChain(id, onChain, plans: session.plans)
                    facts.metadataHash = hash
                    _ = try PlanMetadataCheck.verify(document, against: facts, names: names)
                }
                let sent = try await session.send(session.plans, PlanEntitlements.setPlanMetadata(planId: id, metadataHash: hash),
                                                  label: "setPlanMetadata #\(id)")
                return (hash, sent.receipt.transactionHash)
            }
            try output.emit(["planId": id.description, "metadataHash": hash.hex, "transaction": transaction.hex]) {
                "plan #\(id) metadata \(hash.hex) recorded (\(transaction.hex))"
            }
        }
    }
}
