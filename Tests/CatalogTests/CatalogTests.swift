// The plan catalog's domain code against Debian's real data sets (iso-codes, mobile-broadband-provider-info).
import Catalog
import EthereumCore
import Foundation
import Testing

struct CatalogTests {
    static let profileType = "OpenRSP portal profile"

    static func document(countries: [String] = ["DE", "FR"], networks: [String] = ["262-01", "208-01"], price: String = "12000000") -> [UInt8] {
        let metadata = PlanMetadata(planId: "3", name: "Europe", description: "Data in Germany and France", mno: "MNO", mvno: "MVNO",
                                    countries: countries, networks: networks, dataMB: "5000", validitySeconds: "2592000", price: price,
                                    profileType: profileType)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try! encoder.encode(metadata))
    }

    static func onChain(_ document: [UInt8]) -> PlanOnChain {
        PlanOnChain(planId: 3, dataMB: 5000, validitySeconds: 2_592_000, price: 12_000_000,
                    profileType: Keccak256.hash(Array(profileType.utf8)), metadataHash: PlanMetadata.hash(document))
    }

    @Test func namesComeFromDebiansDataSets() throws {
        let names = try CatalogNames()
        #expect(try names.country("de").name == "Germany")
        #expect(names.countries.count > 240)
        #expect(try names.network(#require(NetworkID("262-01"))).contains { $0.contains("T-Mobile") })
        #expect(names.networks[try #require(NetworkID("262-01"))]?.country == "DE")
        #expect(throws: CatalogError.self) { try names.country("XX") }
        #expect(throws: CatalogError.self) { try names.network(#require(NetworkID("999-99"))) }
    }

    @Test func missingDataSetsSayWhichPackage() {
        do {
            _ = try CatalogNames(iso3166Path: "/nonexistent/iso_3166-1.json")
            Issue.record("no error")
        } catch {
            #expect(error.code == .dataSetMissing && error.message.contains("iso-codes"))
        }
    }

    @Test func networkIdsAreMccMnc() {
        #expect(NetworkID("262-01")?.description == "262-01")
        #expect(NetworkID("26201")?.description == "262-01")
        #expect(NetworkID("310-260")?.description == "310-260")
        for bad in ["", "26-201", "262-1", "262-0001", "abc-de", "262--01", "2620001"] { #expect(NetworkID(bad) == nil, "\(bad)") }
    }

    @Test func aDocumentVerifiesOnlyAgainstItsHashAndTerms() throws {
        let names = try CatalogNames()
        let document = Self.document()
        let verified = try PlanMetadataCheck.verify(document, against: Self.onChain(document), names: names)
        #expect(verified.countries == ["DE", "FR"])
        #expect(CatalogEntry(planId: 3, metadata: verified).matches(country: "fr", network: nil))
        #expect(!CatalogEntry(planId: 3, metadata: verified).matches(country: "AT", network: nil))
        #expect(CatalogEntry(planId: 3, metadata: verified).matches(country: nil, network: NetworkID("26201")))

        func code(_ bytes: [UInt8], _ plan: PlanOnChain) -> CatalogError.Code? {
            do { _ = try PlanMetadataCheck.verify(bytes, against: plan, names: names); return nil } catch { return error.code }
        }
        var onChain = Self.onChain(document)
        // One byte changed: not the recorded document.
        var tampered = document
        tampered[tampered.count - 2] ^= 1
        #expect(code(tampered, onChain) == .hashMismatch)
        // No hash recorded.
        onChain.metadataHash = .zero
        #expect(code(document, onChain) == .hashMismatch)
        // The hash matches but the document claims another price than the chain.
        let cheaper = Self.document(price: "1")
        #expect(code(cheaper, Self.onChain(cheaper).with(price: 12_000_000)) == .termsMismatch)
        // Countries and networks must exist in the data sets.
        let unknownCountry = Self.document(countries: ["XX"])
        #expect(code(unknownCountry, Self.onChain(unknownCountry)) == .countryUnknown)
        let unknownNetwork = Self.document(networks: ["999-99"])
        #expect(code(unknownNetwork, Self.onChain(unknownNetwork)) == .networkUnknown)
        let lowerCase = Self.document(countries: ["de"])
        #expect(code(lowerCase, Self.onChain(lowerCase)) == .documentInvalid)
        let notJSON = Array("{\"schema\":".utf8)
        #expect(code(notJSON, Self.onChain(notJSON)) == .documentInvalid)
        let huge = [UInt8](repeating: 0x20, count: PlanMetadata.maxBytes + 1)
        #expect(code(huge, Self.onChain(huge)) == .documentInvalid)
    }
}

extension PlanOnChain {
    func with(price: UInt256) -> PlanOnChain { var copy = self; copy.price = price; return copy }
}
