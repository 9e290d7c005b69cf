import ArgumentParser
import EUICC
import Foundation
import RSPASN1

/// `openrsp profile`: profiles on the eUICC (ES10c).
public struct ProfileCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "List, enable, disable, delete and name the profiles on the eUICC.",
        subcommands: [ProfileListCommand.self, ProfileDownloadCommand.self, ProfileEnableCommand.self, ProfileDisableCommand.self,
                      ProfileDeleteCommand.self, ProfileNicknameCommand.self]
    )

    public init() {}
}

/// One profile as lpac's `profile list` prints it.
struct ProfileRow: Encodable {
    var iccid: String?
    var isdpAid: String?
    var profileState: String?
    var profileNickname: String?
    var serviceProviderName: String?
    var profileName: String?
    var profileClass: String?

    init(_ info: ProfileInfo) {
        iccid = info.iccid?.digits
        isdpAid = info.isdpAid.map(hex)
        profileState = info.profileState?.description
        profileNickname = info.profileNickname
        serviceProviderName = info.serviceProviderName
        profileName = info.profileName
        profileClass = info.profileClass?.description
    }
}

struct ProfileListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the installed profiles (ES10c.GetProfilesInfo).")

    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let rows = try await withES10(device) { client in
                switch try await client.getProfilesInfo() {
                case let .ok(list): return list.map(ProfileRow.init)
                case let .error(code): throw DeviceCommandError.refused("GetProfilesInfo error \(code)")
                }
            }
            try output.emit(rows) {
                if rows.isEmpty { return "No profiles." }
                return textTable(["ICCID", "STATE", "NICKNAME", "PROVIDER", "NAME", "CLASS"], rows.map {
                    [$0.iccid ?? "-", $0.profileState ?? "-", $0.profileNickname ?? "", $0.serviceProviderName ?? "",
                     $0.profileName ?? "", $0.profileClass ?? "-"]
                })
            }
        }
    }
}

/// `ICCID` (19–20 digits) or ISD-P AID (`A0…`, hex) naming a profile.
struct ProfileTarget: ParsableArguments {
    @Argument(help: "The profile's ICCID, or its ISD-P AID in hex.")
    var profile: String

    func identifier() throws -> ProfileIdentifier {
        if profile.count >= 18, profile.count <= 20, profile.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "F" || $0 == "f") }) {
            do {
                return .iccid(try ICCID(digits: profile))
            } catch {
                throw DeviceCommandError.invalidArgument("invalid ICCID \(profile): \(error)")
            }
        }
        let digits = Array(profile.utf8)
        guard digits.count % 2 == 0, (10...32).contains(digits.count), let aid = Self.hexBytes(profile) else {
            throw DeviceCommandError.invalidArgument("\(profile) is neither an ICCID nor an ISD-P AID in hex")
        }
        return .isdpAid(aid)
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let h = high.hexDigitValue, let l = low.hexDigitValue else { return nil }
            bytes.append(UInt8(h << 4 | l))
        }
        return bytes
    }
}

/// The JSON data of enable/disable/delete/nickname: the result code name.
struct ResultReport: Encodable {
    var profile: String
    var result: String
}

/// Shared run logic: call `operation`, fail with its code unless it is `ok`.
func runProfileOperation<Code: IntegerCode>(
    _ device: DeviceOptions, _ output: OutputOptions, _ target: ProfileTarget, verb: String,
    _ operation: @escaping (ES10Client, ProfileIdentifier) async throws -> Code
) async throws {
    try await output.reportingErrors {
        let identifier = try target.identifier()
        let code = try await withES10(device) { client in try await operation(client, identifier) }
        guard code.rawValue == 0 else { throw DeviceCommandError.refused("\(verb) \(target.profile): \(code)") }
        try output.emit(ResultReport(profile: target.profile, result: code.description)) { "\(verb) \(target.profile): ok" }
    }
}

struct ProfileEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a profile (ES10c.EnableProfile); the enabled one is disabled.")
    @OptionGroup var target: ProfileTarget
    @Flag(name: .long, help: "Ask the device to refresh (REFRESH proactive command) after the change.")
    var refresh = false
    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let refresh = self.refresh
        try await runProfileOperation(device, output, target, verb: "enable") { try await $0.enableProfile($1, refreshFlag: refresh) }
    }
}

struct ProfileDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a profile (ES10c.DisableProfile).")
    @OptionGroup var target: ProfileTarget
    @Flag(name: .long, help: "Ask the device to refresh after the change.")
    var refresh = false
    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let refresh = self.refresh
        try await runProfileOperation(device, output, target, verb: "disable") { try await $0.disableProfile($1, refreshFlag: refresh) }
    }
}

struct ProfileDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a disabled profile (ES10c.DeleteProfile).")
    @OptionGroup var target: ProfileTarget
    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runProfileOperation(device, output, target, verb: "delete") { try await $0.deleteProfile($1) }
    }
}

struct ProfileNicknameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nickname", abstract: "Set a profile's nickname (ES10c.SetNickname, ICCID only).")
    @Argument(help: "The profile's ICCID.")
    var iccid: String
    @Argument(help: "The nickname (up to 64 bytes of UTF-8).")
    var nickname: String
    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await output.reportingErrors {
            let value: ICCID
            do {
                value = try ICCID(digits: iccid)
            } catch {
                throw DeviceCommandError.invalidArgument("invalid ICCID \(iccid): \(error)")
            }
            let nickname = self.nickname
            let code = try await withES10(device) { client in try await client.setNickname(iccid: value, nickname: nickname) }
            guard code == .ok else { throw DeviceCommandError.refused("nickname \(iccid): \(code)") }
            try output.emit(ResultReport(profile: iccid, result: code.description)) { "nickname \(iccid): ok" }
        }
    }
}
