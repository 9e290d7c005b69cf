import Foundation

/// A chain query that did not finish within its time budget.
public struct ChainQueryTimedOut: Error, Sendable, CustomStringConvertible {
    public let timeout: Duration
    public var description: String { "no answer from the chain within \(timeout)" }
}

/// Runs `body` and gives up after `timeout` (the body's task is cancelled; AsyncHTTPClient requests
/// stop on cancellation).
public func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw ChainQueryTimedOut(timeout: timeout) }
        return value
    }
}
