// A plan's metadata document (issue 16 item 1, docs/PORTAL.md "Catalog"): where the plan works and
// what it is called. keccak256 of the document's exact bytes is recorded on chain per plan
// (PlanEntitlements.planMetadata); the MVNO's portal serves the bytes and anyone checks them.
import EthereumCore
import Foundation

/// The JSON document (schema `openrsp.plan-metadata/1`). Terms repeated from the chain (data, validity,
/// price, profile type) must equal the plan's on-chain terms; `PlanMetadataCheck` enforces it.
public struct PlanMetadata: Codable, Sendable, Hashable {
    public static let schemaName = "openrsp.plan-metadata/1"
    /// Largest document accepted (bytes): it is read from files and from strangers' portals.
    public static let maxBytes = 64 * 1024

    public var schema: String
    public var planId: String
    public var name: String
    public var description: String
    /// Display names of the parties (their registry addresses are on chain).
    public var mno: String
    public var mvno: String
    /// ISO 3166-1 alpha-2 codes, upper case.
    public var countries: [String]
    /// Networks as MCC-MNC ("262-01").
    public var networks: [String]
    public var dataMB: String
    public var validitySeconds: String
    /// Stablecoin base units.
    public var price: String
    /// The profile type name (its keccak256 is the plan's on-chain profile type id).
    public var profileType: String

    public init(planId: String, name: String, description: String, mno: String, mvno: String, countries: [String],
                networks: [String], dataMB: String, validitySeconds: String, price: String, profileType: String) {
        schema = Self.schemaName
        self.planId = planId; self.name = name; self.description = description; self.mno = mno; self.mvno = mvno
        self.countries = countries; self.networks = networks; self.dataMB = dataMB
        self.validitySeconds = validitySeconds; self.price = price; self.profileType = profileType
    }

    /// The hash recorded on chain: keccak256 of the document's bytes exactly as served.
    public static func hash(_ document: [UInt8]) -> Hash32 { Keccak256.hash(document) }

    /// Parses and checks the document's own form (sizes, codes' shape); names are checked by `CatalogNames`.
    public static func parse(_ document: [UInt8]) throws(CatalogError) -> PlanMetadata {
        guard document.count <= maxBytes else { throw CatalogError(.documentInvalid, "the document is over \(maxBytes) bytes") }
        let metadata: PlanMetadata
        do { metadata = try JSONDecoder().decode(PlanMetadata.self, from: Data(document)) } catch {
            throw CatalogError(.documentInvalid, "not a plan metadata document: \(Self.describe(error))")
        }
        try metadata.checkForm()
        return metadata
    }

    func checkForm() throws(CatalogError) {
        guard schema == Self.schemaName else { throw CatalogError(.documentInvalid, "schema must be \(Self.schemaName)") }
        for (field, text, limit) in [("name", name, 120), ("description", description, 2000), ("mno", mno, 120),
                                     ("mvno", mvno, 120), ("profileType", profileType, 120)] {
            guard !text.isEmpty, text.count <= limit else { throw CatalogError(.documentInvalid, "\(field): 1 to \(limit) characters") }
        }
        guard !countries.isEmpty, countries.count <= 250 else { throw CatalogError(.documentInvalid, "countries: 1 to 250 codes") }
        for code in countries where !Self.isAlpha2(code) {
            throw CatalogError(.documentInvalid, "countries: \(code.prefix(8)) is not an upper-case ISO 3166-1 alpha-2 code")
        }
        guard networks.count <= 2000 else { throw CatalogError(.documentInvalid, "networks: at most 2000") }
        for network in networks where NetworkID(network) == nil {
            throw CatalogError(.documentInvalid, "networks: \(network.prefix(12)) is not MCC-MNC (3 digits, '-', 2 or 3 digits)")
        }
        for (field, text) in [("planId", planId), ("dataMB", dataMB), ("validitySeconds", validitySeconds), ("price", price)] {
            guard (try? UInt256(decimal: text)) != nil else { throw CatalogError(.documentInvalid, "\(field): not a decimal number") }
        }
    }

    static func isAlpha2(_ code: String) -> Bool {
        code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }

    /// A decoding error without the decoder's internals beyond the field path.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "not valid JSON"
        default: "not valid JSON"
        }
    }
}

/// A mobile network as MCC-MNC.
public struct NetworkID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let mcc: String
    public let mnc: String

    /// "262-01" (also "26201" and "262 01"); nil unless 3 + 2..3 digits.
    public init?(_ text: String) {
        let digits = text.filter { $0 != "-" && $0 != " " }
        guard text.count <= 8, (5...6).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        if text.contains("-") || text.contains(" ") {
            let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == " " })
            guard parts.count == 2, parts[0].count == 3 else { return nil }
        }
        mcc = String(digits.prefix(3)); mnc = String(digits.dropFirst(3))
    }

    public var description: String { "\(mcc)-\(mnc)" }
    public static func < (a: NetworkID, b: NetworkID) -> Bool { a.description < b.description }
}
