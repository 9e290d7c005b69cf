import EthereumRPC
import EthereumRPCHTTP
import Foundation

/// The real devnet (tools/devnet/devnet.py) as a subprocess on a free 127.0.0.1 port with a
/// temporary state directory, for the test targets that talk to a chain. Requires `.venv`
/// (scripts/setup).
public final class DevnetProcess: @unchecked Sendable {
    /// Tests/Support/DevnetTestSupport/DevnetProcess.swift → the package root.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let python = packageRoot.appendingPathComponent(".venv/bin/python")
    public static let script = packageRoot.appendingPathComponent("tools/devnet/devnet.py")
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: python.path) }

    public let process: Process
    public let stateDir: URL
    public let url: String
    public let client: RPCClient

    public struct StartFailure: Error, CustomStringConvertible { public let description: String }

    private init(process: Process, stateDir: URL, url: String, client: RPCClient) {
        self.process = process
        self.stateDir = stateDir
        self.url = url
        self.client = client
    }

    /// `chainId`: the devnet's chain id (default 1337; `--chain-id`).
    public static func start(stateDir existing: URL? = nil, chainId: UInt64? = nil) async throws -> DevnetProcess {
        let stateDir = existing ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("openrsp-devnet-\(UUID().uuidString)", isDirectory: true)
        let info = stateDir.appendingPathComponent("devnet.json")
        try? FileManager.default.removeItem(at: info)
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--port", "0", "--state-dir", stateDir.path, "--quiet"]
            + (chainId.map { ["--chain-id", String($0)] } ?? [])
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
    public func stop() async {
        try? await client.shutdown()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Runs `body` against a fresh devnet (or one on `stateDir`) and always stops it.
    public static func with<T>(stateDir: URL? = nil, chainId: UInt64? = nil, _ body: (DevnetProcess) async throws -> T) async throws -> T {
        let node = try await start(stateDir: stateDir, chainId: chainId)
        do {
            let result = try await body(node)
            await node.stop()
            return result
        } catch {
            await node.stop()
            throw error
        }
    }

    public func removeState() {
        try? FileManager.default.removeItem(at: stateDir)
    }
}
