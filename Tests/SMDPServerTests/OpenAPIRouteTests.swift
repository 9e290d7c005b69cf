import Foundation
import Hummingbird
import SMDPCore
import SMDPServer
import SMDPStoreSQLite
import SMDPTestSupport
import Testing

@Suite("docs/openapi/smdp-es2plus.yaml lists exactly the routes the server registers")
struct OpenAPIRouteTests {
    static var documentURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi/smdp-es2plus.yaml")
    }

    /// `METHOD /path` for every operation under `paths:` (two-space indented paths, four-space indented methods).
    static func documentedOperations(_ text: String) -> Set<String> {
        var operations = Set<String>()
        var inPaths = false
        var currentPath: String?
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if let first = line.first, first != " " { break }  // the next top-level key ends `paths:`
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let currentPath {
                let key = line.dropFirst(4).split(separator: ":").first.map(String.init) ?? ""
                if methods.contains(key) { operations.insert("\(key.uppercased()) \(currentPath)") }
            }
        }
        return operations
    }

    @Test("every registered route is documented and every documented operation is registered")
    func routesMatchDocument() async throws {
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        let documented = Self.documentedOperations(text)
        #expect(documented.count >= 10)

        let site = try await ES2Site()
        defer { site.remove() }
        let store = try SQLiteSMDPStore(inMemoryWith: SystemClock())
        let service = ES9PlusService(store: store, configuration: site.loaded.configuration)
        let es2 = ES2PlusRoutes(service: ES2PlusOrderService(store: store, configuration: site.loaded.configuration),
                                operators: try TestOperators.registry())
        let router = buildRouter(service: service, es2plus: es2)
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        #expect(registered.count >= 10)
        #expect(registered.subtracting(documented).isEmpty, "registered but not in the OpenAPI document: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not registered: \(documented.subtracting(registered).sorted())")
    }

    @Test("the path parser reads methods under their path and stops at the next top-level key")
    func parser() {
        let text = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      summary: x\n    post:\n      responses: {}\n  /b/c:\n    delete:\n      summary: y\ncomponents:\n  /z:\n    get: {}\n"
        #expect(Self.documentedOperations(text) == ["GET /a", "POST /a", "DELETE /b/c"])
    }
}
