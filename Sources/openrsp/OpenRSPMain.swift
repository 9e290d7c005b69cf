// The `openrsp` executable: a thin shim over RSPCommands.
import ArgumentParser
import RSPCommands

@main
struct OpenRSPMain {
    /// `await OpenRSPCommand.main()` in main.swift top-level code resolves to the synchronous
    /// ParsableCommand.main(), which refuses async subcommands; an async @main calls the async one.
    static func main() async {
        await OpenRSPCommand.main()
    }
}
