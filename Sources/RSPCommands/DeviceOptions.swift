import ArgumentParser
import EUICC
import EUICCSimulator
import EUICCTransports
import Foundation
import LPAClient

/// Errors of the device commands (`chip`, `profile`, `notification`, `euicc`), with stable codes.
enum DeviceCommandError: KindedCommandError {
    case noPKI(String)
    case simulator(String)
    case reader(String)
    case es10(String)
    case refused(String)
    case invalidArgument(String)

    enum Kind: Int, CLIErrorKind {
        case noPKI = 20, simulator, reader, es10, refused, invalidArgument

        var meaning: String {
            switch self {
            case .noPKI: "no PKI or TLS trust root: run `openrsp pki init` or give --tls-ca"
            case .simulator: "the software eUICC (--simulator DIR) cannot be opened or saved"
            case .reader: "the PC/SC reader or card (--reader) is not usable"
            case .es10: "an ES10 exchange with the eUICC failed"
            case .refused: "the eUICC refused the operation (its result code is in the message)"
            case .invalidArgument: "an argument or option value is invalid"
            }
        }
    }

    var kind: Kind {
        switch self {
        case .noPKI: .noPKI
        case .simulator: .simulator
        case .reader: .reader
        case .es10: .es10
        case .refused: .refused
        case .invalidArgument: .invalidArgument
        }
    }

    var description: String {
        switch self {
        case let .noPKI(message), let .simulator(message), let .reader(message), let .es10(message),
             let .refused(message), let .invalidArgument(message):
            message
        }
    }
}

/// Which eUICC a device command talks to: a card in a PC/SC reader (`--reader`) or the software
/// eUICC (`--simulator DIR`, default `$OPENRSP_HOME/euicc`).
public struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "PC/SC reader: its full name or a unique part of it (see pcscd).")
    var reader: String?

    @Option(name: .long, help: "Software eUICC state directory (default: $OPENRSP_HOME/euicc; created from $OPENRSP_HOME/pki on first use).")
    var simulator: String?

    public init() {}

    public func validate() throws {
        if reader != nil && simulator != nil { throw ValidationError("--reader and --simulator exclude each other") }
    }

    /// The software eUICC directory that `--simulator` (or the default) names.
    func simulatorDirectory() -> URL { Self.simulatorDirectory(simulator) }

    static func simulatorDirectory(_ path: String?) -> URL {
        if let path, !path.isEmpty { return URL(fileURLWithPath: path, isDirectory: true) }
        return DataDirectory.resolve().url.appendingPathComponent("euicc", isDirectory: true)
    }

    /// The transport to the selected eUICC, and the software eUICC itself when that is the device (its
    /// `lastFailure` explains a refusal beyond the SGP.22 code).
    func openTransport() async throws -> (transport: any APDUTransport, softEUICC: SoftEUICC?) {
        if let reader {
            do {
                return (try await PCSCTransport.open(readerMatching: reader), nil)
            } catch {
                throw DeviceCommandError.reader("\(error)")
            }
        }
        let softEUICC = try Self.softEUICC(at: simulatorDirectory())
        return (InProcessTransport(card: softEUICC), softEUICC)
    }

    /// Loads the software eUICC in `directory`; on first use copies the eUICC identity (eUICC
    /// certificate and key, EUM and CI certificates) from `$OPENRSP_HOME/pki` into `directory/pki`.
    static func softEUICC(at directory: URL) throws -> SoftEUICC {
        let pki = DataDirectory.resolve().url.appendingPathComponent("pki", isDirectory: true)
        do {
            return try SoftEUICCProvisioning.open(at: directory, pkiSource: pki)
        } catch {
            switch error {
            case .noEUICCKey: throw DeviceCommandError.noPKI(error.description)
            case .failed(let message): throw DeviceCommandError.simulator(message)
            }
        }
    }
}

/// Runs `body` with an open ES10 client; afterwards closes the ISD-R session and releases the transport
/// (also on failure, `ES10Access`).
func withES10<T>(_ device: DeviceOptions, _ body: (ES10Client) async throws -> T) async throws -> T {
    try await withES10Device(device) { client, _ in try await body(client) }
}

/// `withES10`, also handing `body` the software eUICC when that is the device.
func withES10Device<T>(_ device: DeviceOptions, _ body: (ES10Client, SoftEUICC?) async throws -> T) async throws -> T {
    let (transport, card) = try await device.openTransport()
    do {
        return try await ES10Access.with(transport) { client in try await body(client, card) }
    } catch let es10 as ES10Error {
        throw DeviceCommandError.es10("\(es10)")
    }
}

/// Left-aligned text columns for the human output.
func textTable(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ row: [String]) -> String {
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02X", $0) }.joined()
}
