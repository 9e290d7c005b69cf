import Foundation

/// `openrsp smdp serve` as a child process on 127.0.0.1 with an OS-picked port, learnt from its
/// "SM-DP+ listening" log line. Its stderr is drained continuously (kept for failure messages).
final class SMDPServeProcess: @unchecked Sendable {
    enum Failure: Error, CustomStringConvertible {
        case binaryNotFound
        case exitedBeforeListening(status: Int32, log: String)
        case noPortWithin(seconds: Int, log: String)

        var description: String {
            switch self {
            case .binaryNotFound: "openrsp binary not found next to the test bundle (swift build)"
            case let .exitedBeforeListening(status, log): "openrsp smdp serve exited with \(status) before listening:\n\(log)"
            case let .noPortWithin(seconds, log): "openrsp smdp serve did not listen within \(seconds) s:\n\(log)"
            }
        }
    }

    /// The `openrsp` binary, built by `swift build`/`swift test` into the same directory as the test bundle.
    static var executable: URL? {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in candidates {
            let url = directory.appendingPathComponent("openrsp")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    let process: Process
    let port: Int
    private let log: LogBuffer

    private final class LogBuffer: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ chunk: Data) { lock.lock(); data.append(chunk); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    }

    private init(process: Process, port: Int, log: LogBuffer) {
        self.process = process
        self.port = port
        self.log = log
    }

    var logText: String { log.text }

    /// Starts `openrsp smdp serve --port 0` and waits (up to 120 s on a loaded machine) for its port.
    static func start(pki: URL, database: URL, address: String, home: URL) async throws -> SMDPServeProcess {
        try await start(pki: pki, database: database.path, address: address, home: home)
    }

    /// `database` is a SQLite path or a `postgres://` URL; `extra` are further `smdp serve` arguments.
    static func start(pki: URL, database: String, address: String, home: URL, extra: [String] = []) async throws -> SMDPServeProcess {
        guard let executable else { throw Failure.binaryNotFound }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["smdp", "serve", "--host", "127.0.0.1", "--port", "0", "--pki", pki.path,
                             "--database", database, "--address", address, "--log-level", "info"] + extra
        var environment = ProcessInfo.processInfo.environment
        environment["OPENRSP_HOME"] = home.path
        process.environment = environment
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        let log = LogBuffer()
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil } else { log.append(chunk) }
        }
        try process.run()
        let pattern = /url=https:\/\/127\.0\.0\.1:(\d+)/
        for _ in 0..<1200 {
            if let match = log.text.firstMatch(of: pattern), let port = Int(match.1) {
                return SMDPServeProcess(process: process, port: port, log: log)
            }
            if !process.isRunning {
                throw Failure.exitedBeforeListening(status: process.terminationStatus, log: log.text)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw Failure.noPortWithin(seconds: 120, log: log.text)
    }

    /// SIGKILL: no graceful shutdown, no flushing beyond what the process already wrote.
    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM (graceful shutdown) and wait.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
