// A data directory ($OPENRSP_HOME) and the real `openrsp` binary run in it as a child process,
// with its JSON envelope parsed. Plus the devnet's funded dev account.
import DevnetTestSupport
import EthereumCore
import Foundation

/// The `openrsp` binary, built by `swift build`/`swift test` next to the test bundle.
enum OpenRSPBinary {
    static var url: URL? {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(DevnetProcess.packageRoot.appendingPathComponent(".build/debug"))
        return candidates.map { $0.appendingPathComponent("openrsp") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

struct CLIFailure: Error, CustomStringConvertible { let description: String }

/// One `$OPENRSP_HOME` in a fresh temporary directory.
struct CLIHome {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("openrsp-chain-cli-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// A finished run: exit status, output, and the envelope (the last stdout line that is JSON).
    struct Result: CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String

        var envelope: [String: Any]? {
            for line in stdout.split(separator: "\n").reversed() {
                if let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], object["type"] as? String == "lpa" {
                    return object
                }
            }
            return nil
        }
        var payload: [String: Any]? { envelope?["payload"] as? [String: Any] }
        /// `payload.code`: 0 success, else the CLI error code.
        var code: Int? { payload?["code"] as? Int }
        var data: [String: Any]? { payload?["data"] as? [String: Any] }
        var list: [[String: Any]]? { payload?["data"] as? [[String: Any]] }
        var message: String { payload?["message"] as? String ?? "" }
        var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// Starts `openrsp ARGS` with OPENRSP_HOME set (and `environment` added); stdout/stderr go to files.
    /// `detached`: in a new session without a controlling terminal (setsid), so no password prompt can block.
    func start(_ arguments: [String], environment: [String: String] = [:], detached: Bool = false) throws -> (Process, URL, URL) {
        guard let binary = OpenRSPBinary.url else { throw CLIFailure(description: "openrsp binary not found (swift build)") }
        let id = UUID().uuidString
        let out = url.appendingPathComponent(".out-\(id)"), err = url.appendingPathComponent(".err-\(id)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        if detached {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
            process.arguments = [binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "OPENRSP_TEST_HOLD")
        env["OPENRSP_HOME"] = url.path
        env.merge(environment) { $1 }
        process.environment = env
        process.currentDirectoryURL = DevnetProcess.packageRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, out, err)
    }

    /// Runs `openrsp ARGS` to completion (polling, so the test's thread is not blocked).
    func run(_ arguments: [String], environment: [String: String] = [:], detached: Bool = false,
             timeout: Duration = .seconds(300)) async throws -> Result {
        let (process, out, err) = try start(arguments, environment: environment, detached: detached)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw CLIFailure(description: "openrsp \(arguments.joined(separator: " ")) did not finish in \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return Result(status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// Runs and requires success (code 0), returning the result.
    @discardableResult
    func ok(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        let result = try await run(arguments, environment: environment)
        guard result.status == 0, result.code == 0 || !arguments.contains("--json") else {
            throw CLIFailure(description: "openrsp \(arguments.joined(separator: " ")) failed:\n\(result)")
        }
        return result
    }

    /// Writes `text` to a 0600 file in the home and returns its path.
    func secretFile(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        return file.path
    }
}

extension DevnetProcess {
    /// The first dev account's private key (public mnemonic: DEVNET ONLY).
    func devKey(_ index: Int = 0) throws -> String {
        let data = try Data(contentsOf: stateDir.appendingPathComponent("accounts.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        guard let accounts = object?["accounts"] as? [[String: Any]], let key = accounts[index]["privateKey"] as? String else {
            throw CLIFailure(description: "no dev account \(index)")
        }
        return key
    }

    /// Mines one empty block (evm_mine).
    func mine() async throws {
        _ = try await client.request("evm_mine", [], retry: .once)
    }
}
