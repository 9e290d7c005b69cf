import Foundation
import LPA
import Settlement
import UsageService

/// Text from users and operators: activation codes (typed or scanned) and CDR files (CSV, JSON lines).
let textTargets: [FuzzTarget] = [
    FuzzTarget(name: "activation-code", summary: "ActivationCode(parsing:) (LPA); the canonical text parses back equal") { bytes in
        guard let code = try? ActivationCode(parsing: String(decoding: bytes, as: UTF8.self)) else { return }
        let again = mustSucceed("ActivationCode of its own text") { try ActivationCode(parsing: code.description) }
        invariant(again == code, "ActivationCode: parse(text(x)) != x")
    },
    FuzzTarget(name: "cdr", summary: "CDRParser CSV and JSON lines (UsageService); written records parse back equal") { bytes in
        let parser = CDRParser()
        if let records = try? parser.parse(bytes, format: .csv) {
            let text = ([CDRParser.csvHeader] + records.map(\.csvLine)).joined(separator: "\n") + "\n"
            let again = mustSucceed("CSV of parsed records") { try parser.parse(Array(text.utf8), format: .csv) }
            invariant(again == records, "CDR CSV: parse(write(x)) != x")
        }
        if let records = try? parser.parse(bytes, format: .jsonl) {
            let text = records.map(\.jsonLine).joined(separator: "\n") + "\n"
            let again = mustSucceed("JSON lines of parsed records") { try parser.parse(Array(text.utf8), format: .jsonl) }
            invariant(again == records, "CDR JSON lines: parse(write(x)) != x")
        }
    },
]
