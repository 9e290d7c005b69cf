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
            DevnetCommand.self,
            ChipCommand.self,
            ProfileCommand.self,
            NotificationCommand.self,
            EUICCCommand.self,
            SMDPCommand.self,
            PlanCommand.self,
            IdentityCommand.self,
            PortalCommand.self,
            X402Command.self,
            EntitlementCommand.self,
            WithdrawCommand.self,
            DemoCommand.self,
            UsageCommand.self,
            RoamingCommand.self,
            AccountCommand.self,
            ContractsCommand.self,
            RegistryCommand.self,
            TokenCommand.self,
        ]
    )

    public init() {}
}

public enum OpenRSPVersion {
    public static let string = "0.1.0"
}
