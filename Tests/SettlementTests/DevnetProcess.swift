// Copy of Tests/EthereumRPCTests/DevnetProcess.swift (test targets cannot import each other); keep the two in step
// or move both into a shared test-support target.
import EthereumRPC
import Foundation

/// The real devnet (tools/devnet/devnet.py) as a subprocess on a free 127.0.0.1 port with a
/// temporary state directory. Requires `.venv` (scripts/setup).
final class DevnetProcess: @unchecked Sendable {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = packageRoot.appendingPathComponent(".venv/bin/python")
    static let script = packageRoot.appendingPathComponent("tools/devnet/devnet.py")
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: python.path) }

    let process: Process
    let stateDir: URL
    let url: String
    let client: RPCClient

    struct StartFailure: Error, CustomStringConvertible { let description: String }

    private init(process: Process, stateDir: URL, url: String, client: RPCClient) {
        self.process = process
        self.stateDir = stateDir
        self.url = url
        self.client = client
    }

    static func start(stateDir existing: URL? = nil) async throws -> DevnetProcess {
        let stateDir = existing ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("openrsp-devnet-\(UUID().uuidString)", isDirectory: true)
        let info = stateDir.appendingPathComponent("devnet.json")
        try? FileManager.default.removeItem(at: info)
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--port", "0", "--state-dir", stateDir.path, "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<600 {
            guard process.isRunning else { throw StartFailure(description: "devnet exited with \(process.terminationStatus)") }
            if let data = try? Data(contentsOf: info),
               let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let url = obj["url"] as? String {
                let client = try RPCClient(url: url)
                if (try? await client.chainId()) != nil {
                    return DevnetProcess(process: process, stateDir: stateDir, url: url, client: client)
                }
                try await client.shutdown()
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        process.terminate()
        throw StartFailure(description: "devnet did not become ready")
    }

    /// SIGTERM, wait for exit, close the client. Keeps the state directory (for restart tests).
    func stop() async {
        try? await client.shutdown()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Runs `body` against a fresh devnet (or one on `stateDir`) and always stops it.
    static func with<T>(stateDir: URL? = nil, _ body: (DevnetProcess) async throws -> T) async throws -> T {
        let node = try await start(stateDir: stateDir)
        do {
            let result = try await body(node)
            await node.stop()
            return result
        } catch {
            await node.stop()
            throw error
        }
    }

    func removeState() {
        try? FileManager.default.removeItem(at: stateDir)
    }
}
