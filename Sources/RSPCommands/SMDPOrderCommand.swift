import ArgumentParser
import Foundation
import RSPASN1
import RSPCrypto
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
        discussion: """
            The profile is picked by --iccid or as the oldest Available profile of --profile-type. The SM-DP+ address and \
            OID in the activation code come from --address and the PKI's CERT.DPauth. \
            With --entitlement-id and --salt (and --profile-type) the order is tied to an on-chain entitlement instead: \
            nothing is reserved now; at download the SM-DP+ (serve --rpc-url/--entitlements) checks \
            PlanEntitlements.isLive(id, keccak256(EID ‖ salt)) for the EID of the authenticating eUICC and only then \
            takes an Available profile of that type (docs/CHAIN-TRUST.md). The salt is stored in the SM-DP+ database.
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

    @Option(name: .customLong("entitlement-id"), help: "Tie the order to this PlanEntitlements token id (decimal); needs --salt.")
    var entitlementId: String?

    @Option(name: .customLong("salt"), help: "The entitlement's 32-byte commitment salt, 64 hex digits (0x optional).")
    var salt: String?

    @OptionGroup var identity: SMDPIdentityOptions
    @OptionGroup var database: SMDPDatabaseOption
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        /// nil for an entitlement order (no profile is reserved yet).
        var iccid: String?
        var matchingId: String
        var activationCode: String
        var eid: String?
        var confirmationCodeRequired: Bool
        var entitlementId: String?
    }

    func validate() throws {
        if (iccid == nil) == (profileType == nil) { throw ValidationError("give exactly one of --iccid and --profile-type") }
        if (entitlementId == nil) != (salt == nil) { throw ValidationError("--entitlement-id and --salt go together") }
        if entitlementId != nil, iccid != nil || eid != nil || confirmationCode != nil {
            throw ValidationError("an entitlement order takes --profile-type only (no --iccid, --eid or --confirmation-code)")
        }
    }

    func run() async throws {
        if let entitlementId, let salt {
            try await runEntitlementOrder(entitlementId: entitlementId, saltHex: salt)
            return
        }
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
                ICCID:           \(report.iccid ?? "-") (Released)
                matchingId:      \(report.matchingId)
                activation code: \(report.activationCode)
                """
            }
        }
    }

    /// `--entitlement-id N --salt HEX --profile-type T`: an entitlement order (reserves nothing).
    func runEntitlementOrder(entitlementId: String, saltHex: String) async throws {
        try await output.reportingErrors {
            let entitlement: EntitlementID
            let saltValue: EntitlementSalt
            do {
                entitlement = try EntitlementID(decimal: entitlementId)
                let hexDigits = saltHex.hasPrefix("0x") ? String(saltHex.dropFirst(2)) : saltHex
                saltValue = try EntitlementSalt(bytes: try HexBytes.decode(hexDigits))
            } catch {
                throw SMDPCommandError.invalidArgument("\(error)")
            }
            let site = try await identity.load(defaultPort: 8443)
            let store = try database.open()
            let orders = ES2PlusOrderService(store: store, configuration: site.configuration)
            let receipt: EntitlementOrderReceipt
            do {
                receipt = try await orders.entitlementOrder(profileType: profileType ?? "", entitlement: entitlement, salt: saltValue)
            } catch {
                throw SMDPCommandError.order("\(error)")
            }
            let report = Report(iccid: nil, matchingId: receipt.matchingId, activationCode: receipt.activationCode, eid: nil,
                                confirmationCodeRequired: false, entitlementId: receipt.entitlement.description)
            try output.emit(report) {
                """
                entitlement:     \(receipt.entitlement) (profile type \(receipt.profileType); no profile reserved until the chain check passes)
                matchingId:      \(receipt.matchingId)
                activation code: \(receipt.activationCode)
                """
            }
        }
    }
}
