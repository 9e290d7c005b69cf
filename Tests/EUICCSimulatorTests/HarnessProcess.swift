import EUICC
import Foundation

/// Runs `euicc-crash-harness` as a child process and talks APDUs to it over its stdin/stdout
/// (2-byte length framing), optionally SIGKILLing it after a given number of exchanges.
enum HarnessProcess {
    /// The harness binary, built by `swift build`/`swift test` into the same directory as the test bundle.
    static var executable: URL? {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in candidates {
            let url = directory.appendingPathComponent("euicc-crash-harness")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    struct Result {
        let exchanges: Int
    }

    struct Killed: Error {}

    /// Starts the harness on `pki`/`state`, runs `body` with an ES10 client whose transport is the
    /// pipe, and stops the process. With `killAfter = (n, afterSend)` the process is SIGKILLed at
    /// exchange n: before sending it, or right after sending it without waiting for the answer.
    static func run(_ executable: URL, pki: URL, state: URL, killAfter: (Int, Bool)?,
                    _ body: (ES10Client) async throws -> Void) async throws -> Result {
        // A write to a killed child must fail with EPIPE, not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = executable
        process.arguments = [pki.path, state.path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let transport = PipeTransport(process: process, input: input.fileHandleForWriting, output: output.fileHandleForReading, killAfter: killAfter)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let client = try ES10Client(transport: transport, chunkSize: 200)
        try await client.open()
        try await body(client)
        try await client.close()
        try input.fileHandleForWriting.close()
        return Result(exchanges: await transport.count)
    }
}

/// An `APDUTransport` over a child process's pipes.
actor PipeTransport: APDUTransport {
    let process: Process
    let input: FileHandle
    let output: FileHandle
    let killAfter: (Int, Bool)?
    private(set) var count = 0

    init(process: Process, input: FileHandle, output: FileHandle, killAfter: (Int, Bool)?) {
        self.process = process
        self.input = input
        self.output = output
        self.killAfter = killAfter
    }

    func connect() async throws {}
    func disconnect() async throws {}

    func transmit(_ command: CommandAPDU) async throws -> ResponseAPDU {
        count += 1
        if let (limit, afterSend) = killAfter, count == limit, !afterSend {
            killChild()
            throw HarnessProcess.Killed()
        }
        let bytes = command.bytes
        try input.write(contentsOf: Data([UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes))
        if let (limit, afterSend) = killAfter, count == limit, afterSend {
            killChild()
            throw HarnessProcess.Killed()
        }
        let header = try read(2)
        let length = Int(header[0]) << 8 | Int(header[1])
        return try ResponseAPDU(bytes: try read(length))
    }

    private func killChild() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            guard let chunk = try output.read(upToCount: count - out.count), !chunk.isEmpty else { throw HarnessProcess.Killed() }
            out += chunk
        }
        return out
    }
}
