import ActivationCodeQR
import ArgumentParser
import Foundation
import RSPASN1
import SMDPCore

/// `openrsp smdp order`: ES2+ download orders against the local database.
struct SMDPOrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "Create download orders (ES2+ logic, local database; no ES2+ HTTPS endpoint).",
        subcommands: [SMDPOrderCreateCommand.self]
    )
}

struct SMDPOrderCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "downloadOrder + confirmOrder(releaseFlag) in one step; prints the activation code (text and QR Code).",
        discussion: """
            The profile is picked by --iccid or as the oldest Available profile of --profile-type. The SM-DP+ address and OID in \
            the activation code come from --address and the PKI's CERT.DPauth. The QR Code (error correction M, 4-module quiet \
            zone) is printed with Unicode half blocks for a dark terminal background; --qr-png also writes it as a PNG (mode 0600).
            """
    )

    @Option(name: .long, help: "ICCID of an Available profile.")
    var iccid: String?

    @Option(name: .customLong("profile-type"), help: "Take the oldest Available profile of this type.")
    var profileType: String?

    @Option(name: .long, help: "Bind the order to this EID (32 digits).")
    var eid: String?

    @Option(name: .customLong("confirmation-code"), help: "Require this confirmation code at download.")
    var confirmationCode: String?

    @Option(name: .customLong("qr-png"), help: "Also write the activation code's QR Code as a PNG to this file.")
    var qrPNG: String?

    @Option(name: .customLong("qr-scale"), help: "PNG pixels per QR module (1...64).")
    var qrScale = 8

    @OptionGroup var identity: SMDPIdentityOptions
    @OptionGroup var database: SMDPDatabaseOption
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var iccid: String
        var matchingId: String
        var activationCode: String
        var eid: String?
        var confirmationCodeRequired: Bool
        var qrPNG: String?
    }

    func validate() throws {
        if (iccid == nil) == (profileType == nil) { throw ValidationError("give exactly one of --iccid and --profile-type") }
        if !(1...64).contains(qrScale) { throw ValidationError("--qr-scale must be in 1...64") }
    }

    func run() async throws {
        try await output.reportingErrors {
            let iccidValue: ICCID?
            let eidValue: EID?
            do {
                iccidValue = try iccid.map { try ICCID(digits: $0) }
                eidValue = try eid.map { try EID(digits: $0) }
            } catch {
                throw SMDPCommandError.invalidArgument("\(error)")
            }
            let site = try await identity.load(defaultPort: 8443)
            let store = try database.open()
            let orders = ES2PlusOrderService(store: store, configuration: site.configuration)
            let confirmed: ConfirmedOrder
            do {
                let picked = try await orders.downloadOrder(eid: eidValue, iccid: iccidValue, profileType: profileType)
                confirmed = try await orders.confirmOrder(iccid: picked, eid: eidValue, confirmationCode: confirmationCode, releaseFlag: true)
            } catch {
                throw SMDPCommandError.order("\(error)")
            }
            let qr: QRMatrix
            do {
                qr = try QRMatrix.encode(confirmed.activationCode, level: .medium)
                if let qrPNG { try writePrivateFile(try qr.png(scale: qrScale), to: qrPNG) }
            } catch {
                throw SMDPCommandError.order("the order was created (matchingId \(confirmed.matchingId)) but its QR Code failed: \(error)")
            }
            let report = Report(iccid: confirmed.iccid.digits, matchingId: confirmed.matchingId, activationCode: confirmed.activationCode,
                                eid: confirmed.eid?.digits, confirmationCodeRequired: confirmationCode != nil, qrPNG: qrPNG)
            try output.emit(report) {
                """
                ICCID:           \(report.iccid) (Released)
                matchingId:      \(report.matchingId)
                activation code: \(report.activationCode)
                \(qrPNG.map { "QR Code PNG:     \($0)\n" } ?? "")
                \(qr.terminalText(quietZone: 4))
                """
            }
        }
    }
}

/// Errors writing the QR PNG.
struct QRFileError: Error, CustomStringConvertible {
    let description: String
}

/// Writes `bytes` to `path` through a temp file created 0600 (O_EXCL) in the same directory, then rename.
func writePrivateFile(_ bytes: [UInt8], to path: String) throws(QRFileError) {
    let url = URL(fileURLWithPath: path)
    let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else { throw QRFileError(description: "cannot create \(temp): \(String(cString: strerror(errno)))") }
    var written = 0
    let ok = bytes.withUnsafeBytes { buffer -> Bool in
        guard let base = buffer.baseAddress else { return true }
        while written < buffer.count {
            let n = write(fd, base + written, buffer.count - written)
            if n <= 0 { return false }
            written += n
        }
        return true
    }
    let reason = String(cString: strerror(errno))
    close(fd)
    guard ok else {
        unlink(temp)
        throw QRFileError(description: "cannot write \(path): \(reason)")
    }
    guard rename(temp, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temp)
        throw QRFileError(description: "cannot rename to \(path): \(reason)")
    }
}
