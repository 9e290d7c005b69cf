import ArgumentParser

/// The root of the `openrsp` command tree. Each subcommand lives in its own file.
public struct OpenRSPCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "openrsp",
        abstract: "OpenRSP: verifiable eSIM provisioning (GSMA SGP.22 + Ethereum).",
        discussion: """
            Data directory: $OPENRSP_HOME (default ~/.openrsp). Every command that prints \
            data accepts --json and then prints exactly one JSON envelope of the shape \
            {"type":"lpa","payload":{"code":0,"message":"success","data":...}}.
            """,
        version: OpenRSPVersion.string,
        subcommands: [
            PKICommand.self,
            ChipCommand.self,
            ProfileCommand.self,
            NotificationCommand.self,
            EUICCCommand.self,
            SMDPCommand.self,
        ]
    )

    public init() {}
}

public enum OpenRSPVersion {
    public static let string = "0.1.0"
}

extension OpenRSPCommand {
    /// Parses the process arguments and runs the selected command, async or not.
    /// (From top-level code `await OpenRSPCommand.main()` resolves to the synchronous
    /// `ParsableCommand.main()`, which refuses to run async subcommands.)
    public static func runMain(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
