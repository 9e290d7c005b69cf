// Country and network names from Debian's data sets, read at run time (issue 16): iso-codes'
// ISO 3166-1 JSON and mobile-broadband-provider-info's serviceproviders.xml. No hand-typed lists.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

public struct CatalogNames: Sendable {
    public static let defaultISO3166Path = "/usr/share/iso-codes/json/iso_3166-1.json"
    public static let defaultProvidersPath = "/usr/share/mobile-broadband-provider-info/serviceproviders.xml"

    public struct Country: Sendable, Hashable {
        public let code: String
        public let name: String
    }

    /// Alpha-2 → name, and the countries sorted by name.
    public let countries: [String: Country]
    public let countriesByName: [Country]
    /// MCC-MNC → operator names (several providers may share a network id) and the country code of the entry.
    public let networks: [NetworkID: (names: [String], country: String)]

    public init(iso3166Path: String = defaultISO3166Path, providersPath: String = defaultProvidersPath) throws(CatalogError) {
        let countries = try Self.readCountries(iso3166Path)
        self.countries = Dictionary(uniqueKeysWithValues: countries.map { ($0.code, $0) })
        countriesByName = countries.sorted { $0.name < $1.name }
        networks = try Self.readNetworks(providersPath)
    }

    public func country(_ code: String) throws(CatalogError) -> Country {
        guard let country = countries[code.uppercased()] else {
            throw CatalogError(.countryUnknown, "\(code.prefix(8)) is not an ISO 3166-1 alpha-2 code (iso-codes)")
        }
        return country
    }

    /// The network's operator names; `networkUnknown` when mobile-broadband-provider-info does not list it.
    public func network(_ id: NetworkID) throws(CatalogError) -> [String] {
        guard let entry = networks[id] else {
            throw CatalogError(.networkUnknown, "\(id) is not listed in mobile-broadband-provider-info")
        }
        return entry.names
    }

    /// Every country and network of the document exists in the data sets.
    public func check(_ metadata: PlanMetadata) throws(CatalogError) {
        for code in metadata.countries { _ = try country(code) }
        for text in metadata.networks {
            guard let id = NetworkID(text) else { throw CatalogError(.documentInvalid, "networks: \(text.prefix(12)) is not MCC-MNC") }
            _ = try network(id)
        }
    }

    static func read(_ path: String, package: String) throws(CatalogError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CatalogError(.dataSetMissing, "\(path) is missing: install the Debian package \(package) (apt-get install \(package))")
        }
        return data
    }

    static func readCountries(_ path: String) throws(CatalogError) -> [Country] {
        struct File: Decodable {
            struct Entry: Decodable { let alpha_2: String; let name: String; let common_name: String? }
            let entries: [Entry]
            enum CodingKeys: String, CodingKey { case entries = "3166-1" }
        }
        let data = try read(path, package: "iso-codes")
        guard let file = try? JSONDecoder().decode(File.self, from: data), !file.entries.isEmpty else {
            throw CatalogError(.dataSetMissing, "\(path) is not iso-codes' ISO 3166-1 JSON")
        }
        return file.entries.map { Country(code: $0.alpha_2, name: $0.common_name ?? $0.name) }
    }

    static func readNetworks(_ path: String) throws(CatalogError) -> [NetworkID: (names: [String], country: String)] {
        let data = try read(path, package: "mobile-broadband-provider-info")
        let reader = ProviderReader()
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        guard parser.parse(), !reader.networks.isEmpty else {
            throw CatalogError(.dataSetMissing, "\(path) is not mobile-broadband-provider-info's serviceproviders.xml")
        }
        return reader.networks
    }
}

/// SAX reader of serviceproviders.xml: country code → provider (its own <name>) → gsm network-ids.
private final class ProviderReader: NSObject, XMLParserDelegate {
    var networks: [NetworkID: (names: [String], country: String)] = [:]
    private var country = ""
    private var path: [String] = []
    private var providerName = ""
    private var providerNetworks: [NetworkID] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        path.append(element)
        text = ""
        switch element {
        case "country": country = (attributes["code"] ?? "").uppercased()
        case "provider": providerName = ""; providerNetworks = []
        case "network-id":
            if let mcc = attributes["mcc"], let mnc = attributes["mnc"], let id = NetworkID("\(mcc)-\(mnc)") { providerNetworks.append(id) }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        // The provider's own name is <provider><name>; <apn><name> and others are deeper.
        if element == "name", path.count >= 2, path[path.count - 2] == "provider", providerName.isEmpty {
            providerName = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if element == "provider" {
            for id in providerNetworks {
                var entry = networks[id] ?? (names: [], country: country)
                if !providerName.isEmpty, !entry.names.contains(providerName) { entry.names.append(providerName) }
                networks[id] = entry
            }
        }
        path.removeLast()
    }
}
