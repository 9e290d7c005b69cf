import ActivationCodeQR
import ArgumentParser
import ES2PlusAPI
import ES2PlusHTTPClient
import Foundation
import RSPASN1
import RSPCrypto
import SMDPCore
import SMDPServer

/// `openrsp smdp order`: ES2+ download orders, over HTTPS (`--url`) or against a local database.
struct SMDPOrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "ES2+ download orders: create, confirm, release, cancel.",
        discussion: """
            With --url https://HOST:PORT --token-file F --requester ID the functions are called over ES2+ HTTPS \
            (the server's TLS certificate is checked against --trust-root, default the PKI directory's CI certificate). \
            Without --url they run in-process against --database (SQLite path or postgres:// URL).
            """,
        subcommands: [SMDPOrderCreateCommand.self, SMDPOrderConfirmCommand.self, SMDPOrderReleaseCommand.self,
                      SMDPOrderCancelCommand.self]
    )
}

/// Where order functions run: a remote SM-DP+ (ES2+ over HTTPS) or the local database.
struct SMDPOrderTargetOptions: ParsableArguments {
    @Option(name: .long, help: "ES2+ base URL of the SM-DP+ (https://HOST:PORT). Without it: in-process against --database.")
    var url: String?

    @Option(name: .customLong("token-file"), help: "File holding the operator's bearer token (with --url).")
    var tokenFile: String?

    @Option(name: .long, help: "functionRequesterIdentifier: the operator id configured on the server (with --url).")
    var requester: String?

    @Option(name: .customLong("trust-root"), help: "PEM/DER certificate trusted for the server's TLS (repeatable; default: the PKI's CI certificate if present, else system roots).")
    var trustRoots: [String] = []

    @Option(name: .long, help: "In-process mode: SQLite database path or postgres:// URL (default: $OPENRSP_HOME/smdp/smdp.sqlite).")
    var database: String?

    @Option(name: .customLong("postgres-schema"), help: "In-process mode with a postgres:// --database: the schema (default openrsp_smdp).")
    var postgresSchema: String?

    @Option(name: .long, help: ArgumentHelp(
        "In-process mode: the `smdp serve --config` JSON file of the server that will serve the order.",
        discussion: "Its address (or localhost:<its port>), pki, database and postgresSchema apply unless given as flags, " +
            "so the activation code names the address that server checks in initiateAuthentication."))
    var config: String?

    @OptionGroup var identity: SMDPIdentityOptions

    func validateTarget() throws {
        if url != nil {
            guard tokenFile != nil, requester != nil else { throw ValidationError("--url needs --token-file and --requester") }
            if database != nil || config != nil { throw ValidationError("give either --url or --database/--config, not both") }
        } else if tokenFile != nil || requester != nil {
            throw ValidationError("--token-file and --requester go with --url")
        }
    }

    /// A connected ES2+ client (remote mode), or nil (in-process mode).
    func remoteClient() throws -> ES2PlusHTTPClient? {
        guard let url, let tokenFile, let requester else { return nil }
        return try Self.client(url: url, tokenFile: tokenFile, requester: requester, trustRoots: trustRoots,
                               pkiDirectory: identity.pkiDirectory)
    }

    /// An ES2+ client with the operator's token from `tokenFile`, trusting `trustRoots` (default: the PKI's CI).
    static func client(url: String, tokenFile: String, requester: String, trustRoots: [String], pkiDirectory: URL) throws -> ES2PlusHTTPClient {
        let token: String
        do { token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
            throw SMDPCommandError.invalidArgument("cannot read --token-file \(tokenFile)")
        }
        guard !token.isEmpty else { throw SMDPCommandError.invalidArgument("--token-file \(tokenFile) is empty") }
        var roots = try TLSCredentialFiles.certificates(trustRoots)
        if roots.isEmpty {
            let ci = pkiDirectory.appendingPathComponent(PKIDirectoryLayout.derName(.ci))
            if FileManager.default.fileExists(atPath: ci.path) { roots = try TLSCredentialFiles.certificates([ci.path]) }
        }
        do { return try ES2PlusHTTPClient(baseURL: url, requesterId: requester, token: token, trustRootsDER: roots) } catch {
            throw SMDPCommandError.invalidArgument(error.description)
        }
    }

    /// Runs `remote` with an ES2+ client, or `local` with the order service on the local store. In-process,
    /// `needsAddress` (functions that issue an activation code) refuses to guess the SM-DP+ address.
    func run<T: Sendable>(needsAddress: Bool = true, remote: (ES2PlusHTTPClient) async throws -> T,
                          local: (ES2PlusOrderService, SMDPConfiguration) async throws -> T) async throws -> T {
        if let client = try remoteClient() {
            do {
                let value = try await remote(client)
                try await client.shutdown()
                return value
            } catch {
                try await client.shutdown()
                if let error = error as? ES2PlusClientError { throw SMDPCommandError.order(error.description) }
                throw error
            }
        }
        let file = try config.map { try SMDPServeConfigurationFile.load($0) }
        let address = identity.address ?? file.map { $0.address ?? "localhost:\($0.port ?? 8443)" }
        guard let address = address ?? (needsAddress ? nil : "localhost:8443") else {
            throw SMDPCommandError.invalidArgument(
                "in-process the activation code needs the SM-DP+ address the server checks: give --address HOST[:PORT] " +
                    "(the value of `smdp serve --address`) or --config FILE (the server's configuration)")
        }
        let site = try await identity.load(address: address, configuredPKI: file?.pki)
        return try await SMDPStoreLocation.withStore(database ?? file?.database, postgresSchema: postgresSchema ?? file?.postgresSchema) { store in
            try await local(ES2PlusOrderService(store: store, configuration: site.configuration), site.configuration)
        }
    }
}

func parseICCID(_ text: String) throws -> ICCID {
    do { return try ICCID(digits: text) } catch { throw SMDPCommandError.invalidArgument("invalid ICCID \(text): \(error)") }
}

func parseEID(_ text: String?) throws -> EID? {
    guard let text else { return nil }
    do { return try EID(digits: text) } catch { throw SMDPCommandError.invalidArgument("invalid EID \(text): \(error)") }
}

struct SMDPOrderCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "downloadOrder + confirmOrder(releaseFlag) in one step; prints the activation code (text and QR Code).",
        discussion: """
            The profile is picked by --iccid or as the oldest Available profile of --profile-type. With --hold only \
            downloadOrder runs (confirm later with `order confirm`). In-process, the SM-DP+ address in the activation code is \
            --address, else the address of the server's --config (its "address", or localhost:<its "port">); without either \
            the order is refused rather than naming an address the server may not check; the OID comes from the PKI's \
            CERT.DPauth. Over --url, from the server's smdpAddress (no OID). \
            With --entitlement-id and --salt or --salt-file (and --profile-type) the order is tied to an on-chain \
            entitlement instead: nothing is reserved now; at download the SM-DP+ (serve --rpc-url/--entitlements) checks \
            PlanEntitlements.isLive(id, keccak256(EID ‖ salt)) for the EID of the authenticating eUICC and only then \
            takes an Available profile of that type (docs/CHAIN-TRUST.md). The salt is stored in the SM-DP+ database. \
            Over --url such an order also needs --eid (the EID the commitment opens to): the SM-DP+ checks the \
            entitlement on chain before storing the order and refuses with its own ES2+ code (unknown 8.10.1/3.9, \
            commitment mismatch 8.10.1/3.10, not live 8.10.1/4.1, already used 8.10.1/3.3, other profile type 8.2.5/3.8, \
            chain unavailable 8.8/3.7 retryable); in-process (--database) no check is made until the download. \
            The QR Code (error correction M, 4-module quiet zone) is printed with Unicode half blocks for a dark terminal \
            background; --qr-png also writes it as a PNG (mode 0600).
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

    @Option(name: .customLong("salt"), help: "The entitlement's 32-byte commitment salt, 64 hex digits (0x optional); prefer --salt-file.")
    var salt: String?

    @Option(name: .customLong("salt-file"), help: ArgumentHelp(
        "File holding the salt: 64 hex digits, or the JSON `plan buy` writes (its \"salt\" field).",
        discussion: "Keeps the salt out of shell history and process listings."))
    var saltFile: String?

    @Option(name: .customLong("matching-id"), help: "Entitlement orders: the matchingId to use (default: generated).")
    var matchingId: String?

    @Flag(name: .long, help: "Only downloadOrder: reserve the profile (Allocated/Linked), do not confirm.")
    var hold = false

    @Option(name: .customLong("qr-png"), help: "Also write the activation code's QR Code as a PNG to this file.")
    var qrPNG: String?

    @Option(name: .customLong("qr-scale"), help: "PNG pixels per QR module (1...64).")
    var qrScale = 8

    @OptionGroup var target: SMDPOrderTargetOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        /// nil for an entitlement order (no profile is reserved yet).
        var iccid: String?
        var state: String
        var matchingId: String?
        var activationCode: String?
        var eid: String?
        var confirmationCodeRequired: Bool
        var entitlementId: String? = nil
        var qrPNG: String? = nil
    }

    /// The activation code's QR Code (level M); written to --qr-png if given. Returns the terminal drawing.
    private func activationCodeQR(_ code: String, matchingId: String?) throws -> String {
        do {
            let qr = try QRMatrix.encode(code, level: .medium)
            if let qrPNG { try SecureFileWriter.write(try qr.png(scale: qrScale), to: URL(fileURLWithPath: qrPNG), mode: 0o600) }
            return qr.terminalText(quietZone: 4)
        } catch {
            throw SMDPCommandError.order("the order was created (matchingId \(matchingId ?? "-")) but its QR Code failed: \(error)")
        }
    }

    func validate() throws {
        if (iccid == nil) == (profileType == nil) { throw ValidationError("give exactly one of --iccid and --profile-type") }
        if !(1...64).contains(qrScale) { throw ValidationError("--qr-scale must be in 1...64") }
        if salt != nil, saltFile != nil { throw ValidationError("give --salt or --salt-file, not both") }
        if (entitlementId == nil) != (salt == nil && saltFile == nil) { throw ValidationError("--entitlement-id and --salt (or --salt-file) go together") }
        if entitlementId != nil, iccid != nil || confirmationCode != nil {
            throw ValidationError("an entitlement order takes --profile-type (no --iccid or --confirmation-code)")
        }
        try target.validateTarget()
        if entitlementId != nil, hold { throw ValidationError("an entitlement order is made without --hold") }
        if entitlementId == nil, matchingId != nil { throw ValidationError("--matching-id goes with --entitlement-id (else use `order confirm --matching-id`)") }
        if entitlementId != nil, target.url != nil, eid == nil {
            throw ValidationError("an entitlement order over --url needs --eid (the SM-DP+ checks the commitment on chain)")
        }
        if entitlementId != nil, target.url == nil, eid != nil {
            throw ValidationError("--eid with --entitlement-id goes with --url (in-process the EID is checked at download)")
        }
    }

    func run() async throws {
        if let entitlementId {
            try await runEntitlementOrder(entitlementId: entitlementId)
            return
        }
        try await output.reportingErrors {
            let iccidValue = try iccid.map(parseICCID)
            let eidValue = try parseEID(eid)
            let base: Report = try await target.run(remote: { client in
                let ordered = try await client.downloadOrder(eid: eid, iccid: iccidValue?.digits, profileType: profileType)
                guard let picked = ordered.iccid else { throw SMDPCommandError.order("downloadOrder answered without an ICCID") }
                if hold {
                    return Report(iccid: picked, state: eid == nil ? "Allocated" : "Linked", eid: eid, confirmationCodeRequired: false)
                }
                let confirmed = try await client.confirmOrder(iccid: picked, eid: eid, confirmationCode: confirmationCode, releaseFlag: true)
                guard let matchingId = confirmed.matchingId, let address = confirmed.smdpAddress else {
                    throw SMDPCommandError.order("confirmOrder answered without matchingId/smdpAddress")
                }
                let code = try ActivationCode.make(smdpAddress: address, matchingId: matchingId,
                                                   confirmationCodeRequired: confirmationCode != nil)
                return Report(iccid: picked, state: "Released", matchingId: matchingId, activationCode: code, eid: confirmed.eid,
                              confirmationCodeRequired: confirmationCode != nil)
            }, local: { orders, _ in
                do {
                    let picked = try await orders.downloadOrder(eid: eidValue, iccid: iccidValue, profileType: profileType)
                    if hold {
                        return Report(iccid: picked.digits, state: eidValue == nil ? "Allocated" : "Linked", eid: eidValue?.digits,
                                      confirmationCodeRequired: false)
                    }
                    let confirmed = try await orders.confirmOrder(iccid: picked, eid: eidValue, confirmationCode: confirmationCode, releaseFlag: true)
                    return Report(iccid: confirmed.iccid.digits, state: "Released", matchingId: confirmed.matchingId,
                                  activationCode: confirmed.activationCode, eid: confirmed.eid?.digits,
                                  confirmationCodeRequired: confirmationCode != nil)
                } catch {
                    throw SMDPCommandError.order("\(error)")
                }
            })
            var report = base
            let qrText = try report.activationCode.map { try activationCodeQR($0, matchingId: report.matchingId) }
            if qrText != nil { report.qrPNG = qrPNG }
            try output.emit(report) {
                var lines = ["ICCID:           \(report.iccid ?? "-") (\(report.state))"]
                if let m = report.matchingId { lines.append("matchingId:      \(m)") }
                if let c = report.activationCode { lines.append("activation code: \(c)") }
                if let png = report.qrPNG { lines.append("QR Code PNG:     \(png)") }
                if let qrText { lines.append(qrText) }
                return lines.joined(separator: "\n")
            }
        }
    }

    /// `--entitlement-id N --salt HEX|--salt-file F --profile-type T [--eid E]`: an entitlement order (reserves nothing).
    func runEntitlementOrder(entitlementId: String) async throws {
        try await output.reportingErrors {
            let entitlement: EntitlementID
            let saltValue: EntitlementSalt
            do {
                entitlement = try EntitlementID(decimal: entitlementId)
                saltValue = try EntitlementSalt(bytes: try EntitlementSaltInput.read(hex: salt, file: saltFile))
            } catch let error as SMDPCommandError {
                throw error
            } catch {
                throw SMDPCommandError.invalidArgument("\(error)")
            }
            let eidValue = try parseEID(eid)
            let receipt: EntitlementOrderReceipt = try await target.run(remote: { client in
                let answer: ES2PlusDownloadOrderResponse
                do {
                    answer = try await client.entitlementOrder(entitlementId: entitlement.description, eid: eidValue?.digits ?? "",
                                                               salt: HexBytes.encode(saltValue.bytes), profileType: profileType ?? "",
                                                               matchingId: matchingId)
                } catch {
                    throw SMDPCommandError.entitlementOrderFailure(error)
                }
                guard let matchingId = answer.matchingId, let code = answer.activationCode else {
                    throw SMDPCommandError.order("downloadOrder answered without matchingId/activationCode")
                }
                return EntitlementOrderReceipt(matchingId: matchingId, entitlement: entitlement, profileType: profileType ?? "",
                                               activationCode: code)
            }, local: { orders, _ in
                do {
                    return try await orders.entitlementOrder(profileType: profileType ?? "", entitlement: entitlement, salt: saltValue,
                                                             matchingId: matchingId)
                } catch {
                    throw SMDPCommandError.order("\(error)")
                }
            })
            let qrText = try activationCodeQR(receipt.activationCode, matchingId: receipt.matchingId)
            let report = Report(iccid: nil, state: "none reserved", matchingId: receipt.matchingId, activationCode: receipt.activationCode,
                                eid: nil, confirmationCodeRequired: false, entitlementId: receipt.entitlement.description, qrPNG: qrPNG)
            try output.emit(report) {
                """
                entitlement:     \(receipt.entitlement) (profile type \(receipt.profileType); no profile reserved until the chain check passes)
                matchingId:      \(receipt.matchingId)
                activation code: \(receipt.activationCode)
                \(qrPNG.map { "QR Code PNG:     \($0)\n" } ?? "")\(qrText)
                """
            }
        }
    }
}

struct SMDPOrderConfirmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "confirm", abstract: "ES2+ confirmOrder for an Allocated or Linked profile.")

    @Option(name: .long, help: "ICCID of the ordered profile.")
    var iccid: String

    @Option(name: .long, help: "EID to bind (32 digits).")
    var eid: String?

    @Option(name: .customLong("matching-id"), help: "matchingId to use (default: generated).")
    var matchingId: String?

    @Option(name: .customLong("confirmation-code"), help: "Require this confirmation code at download.")
    var confirmationCode: String?

    @Flag(name: .long, help: "Also release the profile (releaseFlag).")
    var release = false

    @OptionGroup var target: SMDPOrderTargetOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var iccid: String
        var matchingId: String
        var smdpAddress: String
        var eid: String?
        var released: Bool
    }

    func validate() throws { try target.validateTarget() }

    func run() async throws {
        try await output.reportingErrors {
            let iccidValue = try parseICCID(iccid)
            let eidValue = try parseEID(eid)
            let report: Report = try await target.run(remote: { client in
                let confirmed = try await client.confirmOrder(iccid: iccidValue.digits, eid: eid, matchingId: matchingId,
                                                              confirmationCode: confirmationCode, releaseFlag: release)
                return Report(iccid: iccidValue.digits, matchingId: confirmed.matchingId ?? "", smdpAddress: confirmed.smdpAddress ?? "",
                              eid: confirmed.eid, released: release)
            }, local: { orders, configuration in
                do {
                    let confirmed = try await orders.confirmOrder(iccid: iccidValue, eid: eidValue, matchingId: matchingId,
                                                                  confirmationCode: confirmationCode, releaseFlag: release)
                    return Report(iccid: iccidValue.digits, matchingId: confirmed.matchingId, smdpAddress: configuration.address.description,
                                  eid: confirmed.eid?.digits, released: release)
                } catch {
                    throw SMDPCommandError.order("\(error)")
                }
            })
            try output.emit(report) {
                "ICCID \(report.iccid) confirmed\(report.released ? " and released" : ""); matchingId \(report.matchingId) at \(report.smdpAddress)"
            }
        }
    }
}

struct SMDPOrderReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "release", abstract: "ES2+ releaseProfile: Confirmed → Released.")

    @Option(name: .long, help: "ICCID of the confirmed profile.")
    var iccid: String

    @OptionGroup var target: SMDPOrderTargetOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var iccid: String; var state: String }

    func validate() throws { try target.validateTarget() }

    func run() async throws {
        try await output.reportingErrors {
            let iccidValue = try parseICCID(iccid)
            try await target.run(needsAddress: false, remote: { client in
                try await client.releaseProfile(iccid: iccidValue.digits)
            }, local: { orders, _ in
                do { try await orders.releaseProfile(iccid: iccidValue) } catch { throw SMDPCommandError.order("\(error)") }
            })
            try output.emit(Report(iccid: iccidValue.digits, state: "Released")) { "ICCID \(iccidValue.digits) released" }
        }
    }
}

struct SMDPOrderCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "ES2+ cancelOrder: end the order; the profile becomes Available or Unavailable.")

    @Option(name: .long, help: "ICCID of the ordered profile.")
    var iccid: String

    @Option(name: .long, help: "EID the order must be bound to.")
    var eid: String?

    @Option(name: .customLong("matching-id"), help: "matchingId the order must have.")
    var matchingId: String?

    @Option(name: .customLong("final-state"), help: "Available or Unavailable (finalProfileStatusIndicator).")
    var finalState: String = "Available"

    @OptionGroup var target: SMDPOrderTargetOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable { var iccid: String; var state: String }

    func validate() throws {
        guard finalState == "Available" || finalState == "Unavailable" else { throw ValidationError("--final-state is Available or Unavailable") }
        try target.validateTarget()
    }

    func run() async throws {
        try await output.reportingErrors {
            let iccidValue = try parseICCID(iccid)
            let eidValue = try parseEID(eid)
            try await target.run(needsAddress: false, remote: { client in
                try await client.cancelOrder(iccid: iccidValue.digits, eid: eid, matchingId: matchingId, finalProfileStatusIndicator: finalState)
            }, local: { orders, _ in
                do {
                    try await orders.cancelOrder(iccid: iccidValue, eid: eidValue, matchingId: matchingId,
                                                 finalProfileState: finalState == "Available" ? .available : .unavailable)
                } catch {
                    throw SMDPCommandError.order("\(error)")
                }
            })
            try output.emit(Report(iccid: iccidValue.digits, state: finalState)) { "ICCID \(iccidValue.digits) order cancelled; profile \(finalState)" }
        }
    }
}
