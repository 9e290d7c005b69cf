import ArgumentParser
import NIOCore
import NIOPosix

/// Where a process's Swift concurrency tasks run. `smdp serve` runs them on the SwiftNIO event loops by
/// default, so a request's handler, its database answer and its response stay on the thread that owns the
/// connection instead of hopping between the event loop and Swift's global thread pool.
public enum ConcurrencyExecutor: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// SwiftNIO's event loops (`MultiThreadedEventLoopGroup.singleton`, one thread per core) are Swift
    /// concurrency's global executor.
    case eventLoop = "event-loop"
    /// Swift's default global executor (its cooperative thread pool).
    case pool

    /// Installs the executor `command` asks for. Call once, from the main thread, before any task runs
    /// (that is, right after parsing in `main`). Only `smdp serve` asks for the event loops: other commands
    /// make blocking calls (PC/SC, terminal prompts) that must not hold an event loop.
    /// Returns whether the event loops were installed.
    @discardableResult
    public static func install(for command: any ParsableCommand) -> Bool {
        guard let serve = command as? SMDPServeCommand, serve.executor == .eventLoop else { return false }
        eventLoopsInstalled = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        return eventLoopsInstalled
    }

    /// Whether `install` made the event loops the executor (written once by `main` before any task runs).
    nonisolated(unsafe) public private(set) static var eventLoopsInstalled = false

    /// What this process runs its tasks on, for the server's start-up log line.
    static var current: ConcurrencyExecutor { eventLoopsInstalled ? .eventLoop : .pool }
}
