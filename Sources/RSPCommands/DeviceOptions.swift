import ArgumentParser
import EUICC
import EUICCSimulator
import EUICCTransports
import Foundation
import RSPCrypto

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

    /// An ES10 client on the selected eUICC, with the ISD-R session open, and the software eUICC
    /// itself when that is the device (its `lastFailure` explains a refusal beyond the SGP.22 code).
    func openDevice() async throws -> (client: ES10Client, softEUICC: SoftEUICC?) {
        let transport: any APDUTransport
        var card: SoftEUICC?
        if let reader {
            do {
                transport = try await PCSCTransport.open(readerMatching: reader)
            } catch {
                throw DeviceCommandError.reader("\(error)")
            }
        } else {
            let softEUICC = try Self.softEUICC(at: simulatorDirectory())
            card = softEUICC
            transport = InProcessTransport(card: softEUICC)
        }
        let client = try ES10Client(transport: transport)
        do {
            try await client.open()
        } catch {
            throw DeviceCommandError.es10("\(error)")
        }
        return (client, card)
    }

    /// Loads the software eUICC in `directory`; on first use copies the eUICC identity (eUICC
    /// certificate and key, EUM and CI certificates) from `$OPENRSP_HOME/pki` into `directory/pki`.
    static func softEUICC(at directory: URL) throws -> SoftEUICC {
        let identityDirectory = directory.appendingPathComponent("pki", isDirectory: true)
        if !FileManager.default.fileExists(atPath: identityDirectory.path) {
            try provisionIdentity(into: identityDirectory)
        }
        do {
            let identity = try EUICCIdentity.load(pkiDirectory: identityDirectory)
            return try SoftEUICC(identity: identity, store: EUICCStateStore(directory: directory))
        } catch {
            throw DeviceCommandError.simulator("software eUICC in \(directory.path): \(error)")
        }
    }

    private static func provisionIdentity(into target: URL) throws {
        let source = DataDirectory.resolve().url.appendingPathComponent("pki", isDirectory: true)
        let roles: [SGP22CertificateRole] = [.euicc, .eum, .ci]
        var files: [(String, mode_t)] = [(PKIDirectoryLayout.keyName(.euicc), 0o600)]
        for role in roles {
            files.append((PKIDirectoryLayout.derName(role), 0o644))
            files.append((PKIDirectoryLayout.pemName(role), 0o644))
        }
        let present = files.filter { FileManager.default.fileExists(atPath: source.appendingPathComponent($0.0).path) }
        guard present.contains(where: { $0.0 == PKIDirectoryLayout.keyName(.euicc) }) else {
            throw DeviceCommandError.noPKI("no eUICC key in \(source.path); create the PKI first with `openrsp pki init`")
        }
        do {
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for (name, mode) in present {
                let bytes = Array(try Data(contentsOf: source.appendingPathComponent(name)))
                try SecureFileWriter.write(bytes, to: target.appendingPathComponent(name), mode: mode)
            }
            // Further CIs of the PKI (`pki init --extra-ci`) are trusted by the new eUICC too.
            let extraCIs = ExtraCIFolder(pkiDirectory: target)
            for file in PKIDirectoryLayout.extraCIFiles(in: source) {
                try extraCIs.add(certificateBytes: Array(try Data(contentsOf: file)))
            }
        } catch let error as DeviceCommandError {
            throw error
        } catch {
            throw DeviceCommandError.simulator("cannot create the software eUICC identity in \(target.path): \(error)")
        }
    }
}

/// Runs `body` with an open ES10 client and closes the session afterwards (also on failure).
func withES10<T>(_ device: DeviceOptions, _ body: (ES10Client) async throws -> T) async throws -> T {
    try await withES10Device(device) { client, _ in try await body(client) }
}

/// `withES10`, also handing `body` the software eUICC when that is the device.
func withES10Device<T>(_ device: DeviceOptions, _ body: (ES10Client, SoftEUICC?) async throws -> T) async throws -> T {
    let (client, card) = try await device.openDevice()
    let result: T
    do {
        result = try await body(client, card)
    } catch {
        // The command's own error is what the user needs; a failure to close after it adds nothing.
        try? await client.close()
        if let es10 = error as? ES10Error { throw DeviceCommandError.es10("\(es10)") }
        throw error
    }
    do {
        try await client.close()
        try await client.session.transport.disconnect()
    } catch {
        throw DeviceCommandError.es10("closing the ISD-R session: \(error)")
    }
    return result
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
