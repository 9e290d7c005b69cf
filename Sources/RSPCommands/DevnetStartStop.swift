// `openrsp devnet start`, `stop`, `status`.

import ArgumentParser
import EthereumRPC
import Foundation

struct DevnetStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start the devnet in the background.")

    @Option(help: "TCP port on 127.0.0.1 (0 picks a free port).") var port: Int = 8545
    @Option(help: "State directory (default $OPENRSP_HOME/devnet).") var stateDir: String?
    @Option(help: "Python interpreter (default $OPENRSP_DEVNET_PYTHON, else ./.venv/bin/python).") var python: String?
    @Option(help: "devnet.py path (default $OPENRSP_DEVNET_SCRIPT, else ./tools/devnet/devnet.py).") var script: String?
    @Option(help: "Seconds to wait for eth_chainId to answer.") var timeout: Int = 120
    @OptionGroup var output: OutputOptions

    mutating func run() async throws {
        try await output.reportingErrors {
            let info = try await start()
            try output.emit(info) {
                "devnet running: \(info.url) (pid \(info.pid), chain id \(info.chainId ?? 0), block \(info.blockNumber ?? 0))\n"
                    + "state: \(info.stateDir) (dev accounts in accounts.json, DEVNET ONLY keys)"
            }
        }
    }

    func start() async throws -> DevnetRunInfo {
        let env = ProcessInfo.processInfo.environment
        let cwd = FileManager.default.currentDirectoryPath
        let pythonPath = python ?? env["OPENRSP_DEVNET_PYTHON"] ?? "\(cwd)/.venv/bin/python"
        let scriptPath = script ?? env["OPENRSP_DEVNET_SCRIPT"] ?? "\(cwd)/tools/devnet/devnet.py"
        guard FileManager.default.isExecutableFile(atPath: pythonPath) else { throw DevnetCommandError.pythonMissing(pythonPath) }
        guard FileManager.default.fileExists(atPath: scriptPath) else { throw DevnetCommandError.scriptMissing(scriptPath) }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }

        let home = DataDirectory.resolve()
        if let running = try DevnetRuntime.readRun(home), DevnetRuntime.isDevnetAlive(running.pid) {
            throw DevnetCommandError.alreadyRunning(pid: running.pid, url: running.url)
        }
        let state = try stateDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? home.ensure("devnet")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let infoFile = state.appendingPathComponent("devnet.json")
        try? FileManager.default.removeItem(at: infoFile)
        let logURL = state.appendingPathComponent("devnet.log")
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let log = try FileHandle(forWritingTo: logURL)
        try log.seekToEnd()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: pythonPath)
        process.arguments = [scriptPath, "--port", String(port), "--state-dir", state.path, "--detach"]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(timeout))
        var lastError = "devnet.json not written yet"
        while clock.now < deadline {
            if !process.isRunning {
                let tail = (try? String(contentsOf: logURL, encoding: .utf8)).map { String($0.suffix(1500)) } ?? ""
                throw DevnetCommandError.exitedEarly(status: process.terminationStatus, log: tail)
            }
            if let data = try? Data(contentsOf: infoFile),
               let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let url = obj["url"] as? String {
                do {
                    let (chainId, block) = try await DevnetRuntime.query(url: url)
                    let info = DevnetRunInfo(running: true, pid: process.processIdentifier, url: url,
                                             stateDir: state.path, chainId: chainId, blockNumber: block)
                    try DevnetRuntime.writeRun(info, home: home)
                    return info
                } catch {
                    lastError = String(describing: error)
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        kill(process.processIdentifier, SIGTERM)
        throw DevnetCommandError.notReady(lastError)
    }
}

struct DevnetStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the devnet (SIGTERM, then wait).")

    @Option(help: "Seconds to wait for the process to exit.") var timeout: Int = 30
    @OptionGroup var output: OutputOptions

    struct Stopped: Codable { var pid: Int32; var stopped: Bool }

    mutating func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            guard let info = try DevnetRuntime.readRun(home) else { throw DevnetCommandError.notRunning }
            guard DevnetRuntime.isDevnetAlive(info.pid) else {
                try DevnetRuntime.removeRun(home)
                throw DevnetCommandError.notRunning
            }
            kill(info.pid, SIGTERM)
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(timeout))
            while DevnetRuntime.isDevnetAlive(info.pid) {
                guard clock.now < deadline else { throw DevnetCommandError.stopTimedOut(info.pid) }
                try await Task.sleep(for: .milliseconds(100))
            }
            try DevnetRuntime.removeRun(home)
            try output.emit(Stopped(pid: info.pid, stopped: true)) { "devnet (pid \(info.pid)) stopped" }
        }
    }
}

struct DevnetStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show whether the devnet runs, its chain id and block number.")

    @OptionGroup var output: OutputOptions

    mutating func run() async throws {
        try await output.reportingErrors {
            let home = DataDirectory.resolve()
            guard var info = try DevnetRuntime.readRun(home) else { throw DevnetCommandError.notRunning }
            info.running = DevnetRuntime.isDevnetAlive(info.pid)
            info.chainId = nil
            info.blockNumber = nil
            if info.running {
                let (chainId, block) = try await DevnetRuntime.query(url: info.url)
                info.chainId = chainId
                info.blockNumber = block
            }
            try output.emit(info) {
                info.running
                    ? "devnet running: \(info.url) (pid \(info.pid), chain id \(info.chainId ?? 0), block \(info.blockNumber ?? 0))"
                    : "devnet not running (stale pid \(info.pid))"
            }
        }
    }
}
