// Human forms of on-chain quantities for the pages.
import EthereumCore
import Foundation
import Settlement

enum PortalFormat {
    static func data(_ mb: UInt256) -> String {
        guard let value = Int(mb.description) else { return "\(mb) MB" }
        return value >= 1000 && value % 1000 == 0 ? "\(value / 1000) GB" : "\(value) MB"
    }

    static func duration(_ seconds: UInt256) -> String {
        guard let value = Int(seconds.description) else { return "\(seconds) s" }
        if value >= 86400 && value % 86400 == 0 { return "\(value / 86400) day" + (value == 86400 ? "" : "s") }
        if value >= 3600 && value % 3600 == 0 { return "\(value / 3600) h" }
        return "\(value) s"
    }

    /// Base units with the token's decimals, e.g. 5000000 with 6 decimals → "5 USDT".
    static func amount(_ units: UInt256, decimals: Int, symbol: String) -> String {
        var digits = units.description
        guard decimals > 0 else { return "\(digits) \(symbol)" }
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        let whole = digits.dropLast(decimals)
        var fraction = String(digits.suffix(decimals))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (fraction.isEmpty ? String(whole) : "\(whole).\(fraction)") + " \(symbol)"
    }

    /// ISO 8601 UTC, or "—" for zero.
    static func time(_ seconds: UInt256) -> String {
        guard let value = Double(seconds.description), value > 0 else { return "—" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: value))
    }

    /// What the plan's refund rule does with the unused part of the escrow.
    static func refundRule(_ rule: RefundRule) -> String {
        switch rule {
        case .none: "none"
        case .atExpiry: "unused balance refunded at expiry"
        case .atExpiryOrCancel: "unused balance refunded at expiry or on cancellation"
        }
    }
}
