import Foundation
import SMDPTestSupport
import Testing

/// `smdp serve --executor`: the default runs Swift concurrency on the SwiftNIO event loops (said in its start-up
/// log), `pool` keeps Swift's thread pool; a complete download works on both.
@Suite("openrsp smdp serve --executor: a whole download on the event loops and on the thread pool", .serialized)
struct ConcurrencyExecutorTests {
    static let files = ts48Files()
    static let ready = !files.isEmpty && SMDPServeProcess.executable != nil

    @Test("the executor is the one asked for, and the TS.48 profile installs through it",
          .enabled(if: ready, "needs TS.48 test data (<packageRoot>/../shared/testdata/ts48) and the built openrsp binary"),
          arguments: [(nil, "event-loop"), ("pool", "pool"), ("event-loop", "event-loop")] as [(String?, String)])
    func downloadOn(asked: String?, expected: String) async throws {
        let site = try await CrashSite(upp: try ts48Package(Self.files[0]))
        defer { site.remove() }
        let server = try await SMDPServeProcess.start(pki: site.pki, database: site.database.path, address: CrashSite.address,
                                                      home: site.directory, extra: asked.map { ["--executor", $0] } ?? [])
        defer { server.stop() }
        #expect(server.logText.contains("executor=\(expected)"), "start-up log: \(server.logText)")
        let client = try site.client(server)
        let result = try await site.downloader(client).download(site.activationCode)
        try await client.shutdown()
        #expect(result.iccid == site.iccid)
        #expect(result.notificationDelivered)
        #expect(try await site.profileState() == .installed)
        #expect(try await site.installedOnEUICC())
    }

    @Test("an unknown executor is refused before anything starts",
          .enabled(if: SMDPServeProcess.executable != nil, "needs the built openrsp binary"))
    func unknownExecutor() async throws {
        let process = Process()
        process.executableURL = try #require(SMDPServeProcess.executable)
        process.arguments = ["smdp", "serve", "--executor", "threads", "--port", "0"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(output.contains("executor"), "\(output)")
    }
}
