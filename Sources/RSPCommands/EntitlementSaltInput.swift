import ES9PlusAPI
import ES2PlusAPI
import ES2PlusHTTPClient
import Foundation
import RSPCrypto
import SMDPServer

/// The entitlement salt from `--salt HEX` or `--salt-file F` (64 hex digits, or a JSON object with a
/// "salt" field such as the file `plan buy` writes).
enum EntitlementSaltInput {
    static func read(hex: String?, file: String?) throws -> [UInt8] {
        var text = hex
        if let file {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw SMDPCommandError.invalidArgument("cannot read --salt-file \(file)")
            }
            if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                guard let field = object["salt"] as? String else {
                    throw SMDPCommandError.invalidArgument("--salt-file \(file): the JSON has no \"salt\" string")
                }
                text = field
            } else {
                text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        guard var digits = text else { throw SMDPCommandError.invalidArgument("no salt given") }
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = String(digits.dropFirst(2)) }
        guard digits.count == 64, let bytes = try? HexBytes.decode(digits) else {
            throw SMDPCommandError.invalidArgument("the salt must be 64 hex digits (32 bytes)")
        }
        return bytes
    }
}

extension SMDPCommandError {
    /// An ES2+ entitlement order failure: gate refusals and the retryable 8.8/3.7 get their own codes.
    static func entitlementOrderFailure(_ error: any Error) -> SMDPCommandError {
        guard let error = error as? ES2PlusClientError else { return .order("\(error)") }
        guard case .failed(let data) = error else { return .order(error.description) }
        let status = ES9PlusStatus(subjectCode: data.subjectCode, reasonCode: data.reasonCode)
        if status == ES2PlusStatus.entitlementCheckUnavailable { return .entitlementUnavailable(error.description) }
        let refusals: Set<ES9PlusStatus> = [ES2PlusStatus.entitlementUnknown, ES2PlusStatus.entitlementCommitmentMismatch,
                                            ES2PlusStatus.entitlementNotLive, ES2PlusStatus.entitlementAlreadyUsed,
                                            ES2PlusStatus.entitlementProfileTypeRefused]
        return refusals.contains(status) ? .entitlementRefused(error.description) : .order(error.description)
    }
}
