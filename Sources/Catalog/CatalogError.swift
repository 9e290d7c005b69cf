// Catalog refusals, each with a stable code (docs/CLI-ERRORS.md "catalog").
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// iso-codes or mobile-broadband-provider-info is not installed (or unreadable).
        case dataSetMissing = "catalog-data-set-missing"
        case documentInvalid = "catalog-document-invalid"
        case countryUnknown = "catalog-country-unknown"
        case networkUnknown = "catalog-network-unknown"
        /// The document's keccak256 differs from the plan's on-chain hash (or none is recorded).
        case hashMismatch = "catalog-hash-mismatch"
        /// The document's data, validity, price or profile type differ from the plan's on-chain terms.
        case termsMismatch = "catalog-terms-mismatch"
        case documentMissing = "catalog-document-missing"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { message }
}
