// The `openrsp` executable: a thin shim over RSPCommands.
import RSPCommands

await OpenRSPCommand.runMain()
