import ArgumentParser
import EUICC
import Foundation
import RSPASN1

/// `openrsp chip`: facts about the eUICC.
public struct ChipCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chip",
        abstract: "Read the eUICC: EID, EUICCInfo2, trusted CI keys, configured SM-DP+/SM-DS addresses.",
        subcommands: [ChipInfoCommand.self]
    )

    public init() {}
}

struct ChipInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the EID, EUICCInfo2 essentials, the trusted CI PKIds and the configured addresses."
    )

    @OptionGroup var device: DeviceOptions
    @OptionGroup var output: OutputOptions

    /// lpac `chip info` shape: `eidValue`, `EuiccConfiguredAddresses`, `EUICCInfo2`.
    struct Report: Encodable {
        struct Addresses: Encodable {
            var defaultDpAddress: String?
            var rootDsAddress: String
        }
        struct Info2: Encodable {
            var profileVersion: String
            var svn: String
            var euiccFirmwareVer: String
            var ppVersion: String
            var sasAcreditationNumber: String
            var installedApplications: Int?
            var freeNonVolatileMemory: Int?
            var freeVolatileMemory: Int?
            var euiccCiPKIdListForVerification: [String]
            var euiccCiPKIdListForSigning: [String]
        }
        var eidValue: String
        var EuiccConfiguredAddresses: Addresses
        var EUICCInfo2: Info2
    }

    func run() async throws {
        try await output.reportingErrors {
            let report = try await withES10(device) { client in
                let eid = try await client.getEID()
                let info2 = try await client.getEUICCInfo2()
                let addresses = try await client.getEuiccConfiguredAddresses()
                let resources = ExtCardResource(info2.extCardResource)
                return Report(
                    eidValue: eid.digits,
                    EuiccConfiguredAddresses: .init(defaultDpAddress: addresses.defaultDpAddress, rootDsAddress: addresses.rootDsAddress),
                    EUICCInfo2: .init(
                        profileVersion: info2.profileVersion.description, svn: info2.svn.description,
                        euiccFirmwareVer: info2.euiccFirmwareVer.description, ppVersion: info2.ppVersion.description,
                        sasAcreditationNumber: info2.sasAcreditationNumber,
                        installedApplications: resources.installedApplications,
                        freeNonVolatileMemory: resources.freeNonVolatileMemory, freeVolatileMemory: resources.freeVolatileMemory,
                        euiccCiPKIdListForVerification: info2.euiccCiPKIdListForVerification.map(hex),
                        euiccCiPKIdListForSigning: info2.euiccCiPKIdListForSigning.map(hex)))
            }
            try output.emit(report) { Self.human(report) }
        }
    }

    static func human(_ report: Report) -> String {
        let info = report.EUICCInfo2
        func optional(_ value: Int?) -> String { value.map(String.init) ?? "-" }
        var lines = [
            "EID:                  \(report.eidValue)",
            "SGP.22 version (SVN): \(info.svn)",
            "Profile version:      \(info.profileVersion)",
            "Firmware:             \(info.euiccFirmwareVer)",
            "PP version:           \(info.ppVersion)",
            "SAS accreditation:    \(info.sasAcreditationNumber)",
            "Free NVM / RAM:       \(optional(info.freeNonVolatileMemory)) / \(optional(info.freeVolatileMemory)) bytes",
            "Default SM-DP+:       \(report.EuiccConfiguredAddresses.defaultDpAddress ?? "-")",
            "Root SM-DS:           \(report.EuiccConfiguredAddresses.rootDsAddress)",
            "CI PKIds (verify):",
        ]
        lines += info.euiccCiPKIdListForVerification.map { "  \($0)" }
        lines.append("CI PKIds (sign):")
        lines += info.euiccCiPKIdListForSigning.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// `extCardResource` (SGP.22 §5.7.8, ETSI TS 102 226 §8.2.1.7.2): `81` installed applications,
/// `82` free non-volatile memory, `83` free volatile memory, each a big-endian integer.
/// Unknown or malformed TLVs leave the corresponding value `nil`.
struct ExtCardResource {
    var installedApplications: Int?
    var freeNonVolatileMemory: Int?
    var freeVolatileMemory: Int?

    init(_ bytes: [UInt8]) {
        var index = 0
        while index + 2 <= bytes.count {
            let tag = bytes[index]
            let length = Int(bytes[index + 1])
            let start = index + 2
            guard length <= 8, start + length <= bytes.count else { return }
            let value = bytes[start..<(start + length)].reduce(0) { $0 << 8 | Int($1) }
            switch tag {
            case 0x81: installedApplications = value
            case 0x82: freeNonVolatileMemory = value
            case 0x83: freeVolatileMemory = value
            default: break
            }
            index = start + length
        }
    }
}
