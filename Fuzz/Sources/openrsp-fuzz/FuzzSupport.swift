import Foundation

/// A broken invariant: prints what and where, then traps, so libFuzzer records the input as a crash.
/// (A thrown typed error from a decoder is never a finding; only traps, ASan reports and these are.)
func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
               file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        FileHandle.standardError.write(Data("invariant broken at \(file):\(line): \(message())\n".utf8))
        fatalError("fuzz invariant", file: file, line: line)
    }
}

/// Runs `body`, which must not throw (re-encoding or re-decoding what was just accepted).
func mustSucceed<T>(_ what: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line,
                    _ body: () throws -> T) -> T {
    do {
        return try body()
    } catch {
        invariant(false, "\(what()) threw \(error)", file: file, line: line)
        fatalError("unreachable")
    }
}

/// Runs async work to completion from libFuzzer's synchronous callback.
func runBlocking(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}

/// Splits `bytes` into chunks, each prefixed by a 2-byte big-endian length; a short tail is the last chunk.
/// Used by the targets whose input is a sequence of messages (APDU scripts).
func lengthPrefixedChunks(_ bytes: [UInt8]) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var offset = 0
    while offset + 2 <= bytes.count {
        let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
        let start = offset + 2
        let end = min(start + length, bytes.count)
        chunks.append(Array(bytes[start..<end]))
        offset = end
    }
    return chunks
}
