// `openrsp devnet start|stop|status`: runs the embedded devnet (tools/devnet/devnet.py) detached.

import ArgumentParser
import EthereumRPC
import EthereumRPCHTTP
import Foundation

public struct DevnetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "devnet",
        abstract: "Run the embedded local Ethereum devnet (chain id 1337, 127.0.0.1).",
        discussion: """
            The devnet is tools/devnet/devnet.py run by the project's venv (.venv/bin/python, \
            created by scripts/setup). Its pid and URL are kept in $OPENRSP_HOME/devnet/run.json; \
            chain state (journal.jsonl) and dev accounts (accounts.json, DEVNET ONLY keys) live in \
            the state directory, by default $OPENRSP_HOME/devnet.
            """,
        subcommands: [DevnetStartCommand.self, DevnetStopCommand.self, DevnetStatusCommand.self]
    )

    public init() {}
}

/// What `start` and `status` report.
struct DevnetRunInfo: Codable, Sendable {
    var running: Bool
    var pid: Int32
    var url: String
    var stateDir: String
    var chainId: UInt64?
    var blockNumber: UInt64?
}

enum DevnetCommandError: KindedCommandError {
    case pythonMissing(String)
    case scriptMissing(String)
    case alreadyRunning(pid: Int32, url: String)
    case notRunning
    case exitedEarly(status: Int32, log: String)
    case notReady(String)
    case stopTimedOut(Int32)
    case io(String)

    enum Kind: Int, CLIErrorKind {
        case pythonMissing = 2, scriptMissing, alreadyRunning, notRunning, exitedEarly, notReady, stopTimedOut, io

        var meaning: String {
            switch self {
            case .pythonMissing: "devnet: the Python venv is missing (run scripts/setup)"
            case .scriptMissing: "devnet: tools/devnet/devnet.py is not found"
            case .alreadyRunning: "devnet start: a devnet is already running"
            case .notRunning: "devnet stop/status: no devnet is running"
            case .exitedEarly: "devnet start: the devnet process exited during start"
            case .notReady: "devnet start: the devnet did not answer JSON-RPC in time"
            case .stopTimedOut: "devnet stop: the process did not stop in time"
            case .io: "devnet: a state file cannot be read or written"
            }
        }
    }

    var kind: Kind {
        switch self {
        case .pythonMissing: .pythonMissing
        case .scriptMissing: .scriptMissing
        case .alreadyRunning: .alreadyRunning
        case .notRunning: .notRunning
        case .exitedEarly: .exitedEarly
        case .notReady: .notReady
        case .stopTimedOut: .stopTimedOut
        case .io: .io
        }
    }

    var description: String {
        switch self {
        case .pythonMissing(let p):
            return "Python venv not found at \(p): run scripts/setup in the repository (or pass --python / set OPENRSP_DEVNET_PYTHON)"
        case .scriptMissing(let p):
            return "devnet script not found at \(p): run from the repository root (or pass --script / set OPENRSP_DEVNET_SCRIPT)"
        case .alreadyRunning(let pid, let url): return "devnet already running (pid \(pid), \(url))"
        case .notRunning: return "devnet is not running"
        case .exitedEarly(let status, let log): return "devnet exited with status \(status) during start; log tail:\n\(log)"
        case .notReady(let s): return "devnet did not become ready: \(s)"
        case .stopTimedOut(let pid): return "devnet (pid \(pid)) did not stop within the timeout"
        case .io(let s): return s
        }
    }
}

/// Files and process checks shared by the subcommands.
enum DevnetRuntime {
    static func runFile(_ home: DataDirectory) throws -> URL {
        try home.ensure("devnet").appendingPathComponent("run.json")
    }

    static func readRun(_ home: DataDirectory) throws -> DevnetRunInfo? {
        let url = try runFile(home)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(DevnetRunInfo.self, from: Data(contentsOf: url))
        } catch {
            throw DevnetCommandError.io("cannot read \(url.path): \(error)")
        }
    }

    static func writeRun(_ info: DevnetRunInfo, home: DataDirectory) throws {
        let url = try runFile(home)
        let tmp = url.deletingLastPathComponent().appendingPathComponent("run.json.tmp.\(getpid())")
        let data = try JSONEncoder().encode(info)
        guard FileManager.default.createFile(atPath: tmp.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw DevnetCommandError.io("cannot write \(tmp.path)")
        }
        guard rename(tmp.path, url.path) == 0 else { throw DevnetCommandError.io("cannot rename to \(url.path)") }
    }

    static func removeRun(_ home: DataDirectory) throws {
        let url = try runFile(home)
        try? FileManager.default.removeItem(at: url)
    }

    /// True if `pid` is a live (non-zombie) process running the devnet script.
    static func isDevnetAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 else { return false }
        #if os(Linux)
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            if state == "Z" { return false }
        }
        if let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) {
            return String(decoding: cmdline, as: UTF8.self).contains("devnet")
        }
        #endif
        return true
    }

    static func query(url: String) async throws -> (chainId: UInt64, blockNumber: UInt64) {
        let client = try RPCClient(url: url, retry: .none, requestTimeout: .seconds(5))
        do {
            let chainId = try await client.chainId()
            let block = try await client.blockNumber()
            try await client.shutdown()
            return (chainId, block)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
