// The `openrsp` executable: a thin shim over RSPCommands.
import ArgumentParser
import RSPCommands

@main
struct OpenRSPMain {
    /// Parses, installs the concurrency executor the command asks for (before any task runs), then runs
    /// the command as `AsyncParsableCommand.main()` would. (`await OpenRSPCommand.main()` in main.swift
    /// top-level code resolves to the synchronous ParsableCommand.main(), which refuses async subcommands.)
    static func main() async {
        let command: any ParsableCommand
        do { command = try OpenRSPCommand.parseAsRoot() } catch { OpenRSPCommand.exit(withError: error) }
        ConcurrencyExecutor.install(for: command)
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch {
            OpenRSPCommand.exit(withError: error)
        }
    }
}
