import ArgumentParser
import Dispatch
import EUICCSimulator
import EUICCTransports
import Foundation

/// `openrsp euicc`: run the software eUICC.
public struct EUICCCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "euicc",
        abstract: "Run the software eUICC and manage the CIs it trusts.",
        subcommands: [EUICCServeCommand.self, EUICCCICommand.self]
    )

    public init() {}
}

/// `host:port` for the vpcd card side.
struct VPCDEndpoint: ExpressibleByArgument {
    var host: String
    var port: UInt16

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":") else { return nil }
        let host = String(argument[..<colon])
        guard !host.isEmpty, let port = UInt16(argument[argument.index(after: colon)...]), port > 0 else { return nil }
        self.init(host: host, port: port)
    }
}

struct EUICCServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the software eUICC as the card in vsmartcard's vpcd reader (\"Virtual PCD\").",
        discussion: """
            Connects to vpcd's card port (default 127.0.0.1:35963, the first Virtual PCD slot) and answers \
            its APDUs until interrupted (SIGINT/SIGTERM); reconnects with backoff when vpcd is not there. \
            Start pcscd first (scripts/start-pcscd); any PC/SC application then sees the eUICC in the reader, \
            e.g. `openrsp chip info --reader "Virtual PCD 00 00"`.
            """
    )

    @Flag(name: .long, help: "Serve to vsmartcard's vpcd (the only mode so far).")
    var vpcd = false

    @Argument(help: "vpcd card endpoint host:port (default 127.0.0.1:35963).")
    var address: VPCDEndpoint?

    @Option(name: .long, help: "Software eUICC state directory (default: $OPENRSP_HOME/euicc).")
    var simulator: String?

    func validate() throws {
        guard vpcd else { throw ValidationError("choose how to serve the eUICC: --vpcd [host:port]") }
    }

    func run() async throws {
        let card: SoftEUICC
        do {
            card = try DeviceOptions.softEUICC(at: DeviceOptions.simulatorDirectory(simulator))
        } catch let error as CodedCommandError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        // The card answers SGP.22 codes only; the reason behind each refusal goes to this log.
        await card.setDiagnosticHandler { diagnostic in
            FileHandle.standardError.write(Data("euicc serve: \(diagnostic.kind.rawValue): \(diagnostic)\n".utf8))
        }
        let endpoint = address ?? VPCDEndpoint(host: "127.0.0.1", port: 35963)
        let bridge = VPCDBridge(card: card, configuration: .init(host: endpoint.host, port: endpoint.port)) { event in
            let line: String
            switch event {
            case let .connected(address): line = "connected to vpcd at \(address)"
            case let .disconnected(error): line = "disconnected: \(error)"
            case let .connectFailed(error, retry): line = "cannot connect (\(error)); retrying in \(retry)"
            case let .frameError(error): line = "dropping the connection: \(error)"
            }
            FileHandle.standardError.write(Data("euicc serve: \(line)\n".utf8))
        }
        let eid = await card.identity.eid.digits
        print("Serving the software eUICC \(eid) to vpcd at \(endpoint.host):\(endpoint.port); Ctrl-C stops.")
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { Task { await bridge.stop() } }
            source.resume()
            return source
        }
        await bridge.run()
        signals.forEach { $0.cancel() }
        print("Stopped after \(await bridge.apduCount) APDU(s).")
    }
}
