import Foundation
@testable import RSPCommands
import Testing

/// The package root (Tests/RSPCommandsTests/<this file> → ../..).
private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite("CLI error codes: one meaning per code across commands, all documented (issue 13 item 9)")
struct CLIErrorCodeTests {
    @Test("no two meanings share a code, over every kind of every CodedCommandError type")
    func uniqueCodes() {
        let byCode = Dictionary(grouping: CLIErrorCatalog.all, by: \.code)
        let shared = byCode.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }
        #expect(shared.isEmpty, "codes with several meanings: \(shared.map { "\($0.key): \($0.value.map(\.name))" })")
        #expect(CLIErrorCatalog.all.allSatisfy { $0.code != 0 }, "0 is success")
    }

    @Test("every CodedCommandError type declared in Sources/RSPCommands is in the catalog")
    func catalogIsComplete() throws {
        let sources = packageRoot.appendingPathComponent("Sources/RSPCommands")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        let declaration = /(?:enum|struct|class)\s+(\w+)\s*:[^{]*\b(?:CodedCommandError|KindedCommandError)\b/
        var declared = Set<String>()
        for file in files {
            for match in try String(contentsOf: file, encoding: .utf8).matches(of: declaration) { declared.insert(String(match.1)) }
        }
        let cataloged = Set(CLIErrorCatalog.types.map { "\($0)" })
        #expect(declared.isSubset(of: cataloged), "not in CLIErrorCatalog.types: \(declared.subtracting(cataloged).sorted())")
        #expect(declared.count >= 7, "the scan found only \(declared.sorted())")
    }

    @Test("docs/CLI-ERRORS.md has one row per code, with the code's name")
    func documented() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/CLI-ERRORS.md"), encoding: .utf8)
        let rows = text.matches(of: /\n\| (\d+) \| `([^`]+)` \|/).map { (Int($0.1)!, String($0.2)) }
        let expected = CLIErrorCatalog.all.map { ($0.code, $0.name) }
        #expect(rows.map(\.0) == expected.map(\.0), "docs rows \(rows.map(\.0)) vs catalog \(expected.map(\.0))")
        #expect(rows.map(\.1) == expected.map(\.1))
    }
}
