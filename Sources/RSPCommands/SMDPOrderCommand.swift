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
        abstract: "downloadOrder + confirmOrder(releaseFlag) in one step; prints the activation code.",
        discussion: "The profile is picked by --iccid or as the oldest Available profile of --profile-type. The SM-DP+ address and OID in the activation code come from --address and the PKI's CERT.DPauth."
    )

    @Option(name: .long, help: "ICCID of an Available profile.")
    var iccid: String?

    @Option(name: .customLong("profile-type"), help: "Take the oldest Available profile of this type.")
    var profileType: String?

    @Option(name: .long, help: "Bind the order to this EID (32 digits).")
    var eid: String?

    @Option(name: .customLong("confirmation-code"), help: "Require this confirmation code at download.")
    var confirmationCode: String?

    @OptionGroup var identity: SMDPIdentityOptions
    @OptionGroup var database: SMDPDatabaseOption
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var iccid: String
        var matchingId: String
        var activationCode: String
        var eid: String?
        var confirmationCodeRequired: Bool
    }

    func validate() throws {
        if (iccid == nil) == (profileType == nil) { throw ValidationError("give exactly one of --iccid and --profile-type") }
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
            let report = Report(iccid: confirmed.iccid.digits, matchingId: confirmed.matchingId, activationCode: confirmed.activationCode,
                                eid: confirmed.eid?.digits, confirmationCodeRequired: confirmationCode != nil)
            try output.emit(report) {
                """
                ICCID:           \(report.iccid) (Released)
                matchingId:      \(report.matchingId)
                activation code: \(report.activationCode)
                """
            }
        }
    }
}
