// Strict parsers for the operator's CDR input files (docs/USAGE.md "CDR input"): CSV with a fixed
// header, or JSON lines. Each record carries exactly the fields of the contract's leaf
// (contracts/README.md "Leaf encoding and tree"): entitlement id, sequence, bytes, period start and
// end, and the operator's hash of its full CDR record. A file either parses completely or fails
// with the first bad line; no partial result is returned.
import EthereumCore
import Foundation
import Settlement

/// The two input formats.
public enum CDRFileFormat: String, Sendable, CaseIterable {
    case csv
    case jsonl

    /// `.csv` → csv, `.jsonl`/`.ndjson`/`.json` → jsonl; nil for anything else.
    public static func infer(fromPath path: String) -> CDRFileFormat? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": return .csv
        case "jsonl", "ndjson", "json": return .jsonl
        default: return nil
        }
    }
}

/// A CDR field, named as in the CSV header (1-based column number in `column`).
public enum CDRField: String, Sendable, CaseIterable {
    case entitlementId = "entitlement_id"
    case sequence
    case bytes
    case periodStart = "period_start"
    case periodEnd = "period_end"
    case cdrHash = "cdr_hash"

    /// 1-based CSV column.
    public var column: Int { Self.allCases.firstIndex(of: self)! + 1 }

    /// The JSON key (camelCase).
    public var jsonKey: String {
        switch self {
        case .entitlementId: return "entitlementId"
        case .sequence: return "sequence"
        case .bytes: return "bytes"
        case .periodStart: return "periodStart"
        case .periodEnd: return "periodEnd"
        case .cdrHash: return "cdrHash"
        }
    }

    static func fromJSONKey(_ key: String) -> CDRField? { allCases.first { $0.jsonKey == key } }
}

/// Why a CDR file was refused. Lines are 1-based (the CSV header is line 1).
public enum CDRParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is larger than `CDRParser.Limits.maxFileBytes`.
    case fileTooLarge(bytes: Int, limit: Int)
    /// A line longer than `CDRParser.Limits.maxLineBytes`.
    case lineTooLong(line: Int, limit: Int)
    /// More records than `CDRParser.Limits.maxRecords`.
    case tooManyRecords(limit: Int)
    /// Not valid UTF-8.
    case notUTF8(line: Int)
    /// The CSV header is not exactly `entitlement_id,sequence,bytes,period_start,period_end,cdr_hash`.
    case badHeader(found: String)
    /// The last record does not end with a newline: the file was cut off.
    case truncatedRecord(line: Int)
    /// A CSV record with the wrong number of fields.
    case fieldCount(line: Int, expected: Int, found: Int)
    /// A field whose text is not the expected type (`expected` says what was wanted).
    case invalidField(line: Int, field: CDRField, expected: String)
    /// A number that does not fit the field's on-chain type (uint256 or uint64).
    case outOfRange(line: Int, field: CDRField)
    /// A JSON line that is not one object.
    case notAnObject(line: Int)
    case missingField(line: Int, field: CDRField)
    case unknownField(line: Int, name: String)
    /// Sequences start at 1 on chain.
    case sequenceZero(line: Int)
    /// period_start > period_end.
    case periodReversed(line: Int)
    /// No records at all.
    case empty

    public var description: String {
        switch self {
        case .fileTooLarge(let b, let l): return "CDR file: \(b) bytes exceed the \(l)-byte limit"
        case .lineTooLong(let n, let l): return "CDR line \(n): longer than \(l) bytes"
        case .tooManyRecords(let l): return "CDR file: more than \(l) records"
        case .notUTF8(let n): return "CDR line \(n): not UTF-8"
        case .badHeader(let f): return "CDR CSV header must be \"\(CDRParser.csvHeader)\", found \"\(f.prefix(120))\""
        case .truncatedRecord(let n): return "CDR line \(n): no terminating newline (truncated file?)"
        case .fieldCount(let n, let e, let f): return "CDR line \(n): \(f) fields, expected \(e)"
        case .invalidField(let n, let field, let e): return "CDR line \(n), field \(field.column) (\(field.rawValue)): expected \(e)"
        case .outOfRange(let n, let field): return "CDR line \(n), field \(field.column) (\(field.rawValue)): value out of range"
        case .notAnObject(let n): return "CDR line \(n): not a JSON object"
        case .missingField(let n, let field): return "CDR line \(n): missing \(field.jsonKey)"
        case .unknownField(let n, let name): return "CDR line \(n): unknown field \"\(name.prefix(64))\""
        case .sequenceZero(let n): return "CDR line \(n): sequence must be ≥ 1"
        case .periodReversed(let n): return "CDR line \(n): period_start is after period_end"
        case .empty: return "CDR file: no records"
        }
    }

    /// The 1-based line the error is on, if any.
    public var line: Int? {
        switch self {
        case .lineTooLong(let n, _), .notUTF8(let n), .truncatedRecord(let n), .fieldCount(let n, _, _),
             .invalidField(let n, _, _), .outOfRange(let n, _), .notAnObject(let n), .missingField(let n, _),
             .unknownField(let n, _), .sequenceZero(let n), .periodReversed(let n):
            return n
        case .badHeader: return 1
        case .fileTooLarge, .tooManyRecords, .empty: return nil
        }
    }
}

/// Parses CDR files. Pure: bytes in, `[CDR]` (in file order) out.
public struct CDRParser: Sendable {
    public struct Limits: Sendable {
        public var maxFileBytes: Int
        public var maxLineBytes: Int
        public var maxRecords: Int
        public init(maxFileBytes: Int = 256 << 20, maxLineBytes: Int = 1024, maxRecords: Int = 2_000_000) {
            self.maxFileBytes = maxFileBytes; self.maxLineBytes = maxLineBytes; self.maxRecords = maxRecords
        }
    }

    public static let csvHeader = CDRField.allCases.map(\.rawValue).joined(separator: ",")

    public var limits: Limits
    public init(limits: Limits = Limits()) { self.limits = limits }

    public func parse(_ data: [UInt8], format: CDRFileFormat) throws(CDRParseError) -> [CDR] {
        guard data.count <= limits.maxFileBytes else { throw .fileTooLarge(bytes: data.count, limit: limits.maxFileBytes) }
        let lines = try splitLines(data)
        var records = [CDR]()
        switch format {
        case .csv:
            guard let header = lines.first else { throw .empty }
            guard header.text == Self.csvHeader else { throw .badHeader(found: header.text) }
            for line in lines.dropFirst() where !line.text.isEmpty {
                guard records.count < limits.maxRecords else { throw .tooManyRecords(limit: limits.maxRecords) }
                records.append(try parseCSVRecord(line.text, line: line.number))
            }
        case .jsonl:
            for line in lines where !line.text.isEmpty {
                guard records.count < limits.maxRecords else { throw .tooManyRecords(limit: limits.maxRecords) }
                records.append(try parseJSONRecord(line.text, line: line.number))
            }
        }
        guard !records.isEmpty else { throw .empty }
        return records
    }

    /// One CSV record line (no header), e.g. for `usage prove --cdr-line`.
    public func parseCSVRecord(_ text: String, line: Int) throws(CDRParseError) -> CDR {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == CDRField.allCases.count else {
            throw .fieldCount(line: line, expected: CDRField.allCases.count, found: fields.count)
        }
        return try build(line: line) { field in fields[field.column - 1] }
    }

    /// One JSON object line.
    public func parseJSONRecord(_ text: String, line: Int) throws(CDRParseError) -> CDR {
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? [String: Any] else {
                throw CDRParseError.notAnObject(line: line)
            }
            object = o
        } catch { throw .notAnObject(line: line) }
        for key in object.keys.sorted() where CDRField.fromJSONKey(key) == nil { throw .unknownField(line: line, name: key) }
        // Numbers are read from their JSON text, never through Double: re-serialise each value alone.
        return try build(line: line) { (field: CDRField) throws(CDRParseError) -> String in
            guard let value = object[field.jsonKey] else { throw .missingField(line: line, field: field) }
            if field == .cdrHash {
                guard let s = value as? String else { throw .invalidField(line: line, field: field, expected: "a hex string") }
                return s
            }
            if field == .entitlementId, let s = value as? String { return s }
            guard let n = value as? NSNumber, !Self.isBool(n) else {
                throw .invalidField(line: line, field: field, expected: "an unsigned integer")
            }
            return try Self.integerText(n, line: line, field: field)
        }
    }

    /// JSONSerialization turns `true`/`false` into NSNumber; tell them apart from 1/0.
    private static func isBool(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c" || type(of: n) == type(of: NSNumber(value: true))
    }

    /// The decimal text of an integral NSNumber; fractions and negatives are refused.
    private static func integerText(_ n: NSNumber, line: Int, field: CDRField) throws(CDRParseError) -> String {
        let type = String(cString: n.objCType)
        switch type {
        case "q", "l", "i", "s":
            guard n.int64Value >= 0 else { throw .invalidField(line: line, field: field, expected: "an unsigned integer") }
            return String(n.int64Value)
        case "Q", "L", "I", "S", "C":
            return String(n.uint64Value)
        default:
            // A double: integral values beyond 2^53 have already lost precision, so refuse them.
            let d = n.doubleValue
            guard d >= 0, d.rounded() == d, d < 9_007_199_254_740_992 else {
                throw d.rounded() == d && d >= 0 ? .outOfRange(line: line, field: field)
                    : .invalidField(line: line, field: field, expected: "an unsigned integer")
            }
            return String(UInt64(d))
        }
    }

    private func build(line: Int, _ text: (CDRField) throws(CDRParseError) -> String) throws(CDRParseError) -> CDR {
        let entitlement = try Self.uint256(try text(.entitlementId), line: line, field: .entitlementId)
        let sequence = try Self.uint64(try text(.sequence), line: line, field: .sequence)
        let bytes = try Self.uint64(try text(.bytes), line: line, field: .bytes)
        let start = try Self.uint64(try text(.periodStart), line: line, field: .periodStart)
        let end = try Self.uint64(try text(.periodEnd), line: line, field: .periodEnd)
        let hashText = try text(.cdrHash)
        guard hashText.hasPrefix("0x"), hashText.count == 66 else {
            throw .invalidField(line: line, field: .cdrHash, expected: "0x followed by 64 hex digits")
        }
        let hash: Hash32
        do { hash = try Hash32(hex: hashText) } catch { throw .invalidField(line: line, field: .cdrHash, expected: "0x followed by 64 hex digits") }
        guard sequence >= 1 else { throw .sequenceZero(line: line) }
        guard start <= end else { throw .periodReversed(line: line) }
        return CDR(entitlementId: entitlement, sequence: sequence, bytes: bytes, periodStart: start, periodEnd: end, cdrHash: hash)
    }

    /// Decimal digits only, no sign, no leading zeros (except "0").
    private static func digits(_ s: String, line: Int, field: CDRField) throws(CDRParseError) -> Substring {
        let t = Substring(s)
        guard !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalidField(line: line, field: field, expected: "a decimal unsigned integer")
        }
        guard t == "0" || t.first != "0" else { throw .invalidField(line: line, field: field, expected: "a decimal without leading zeros") }
        return t
    }

    static func uint64(_ s: String, line: Int, field: CDRField) throws(CDRParseError) -> UInt64 {
        let t = try digits(s, line: line, field: field)
        guard let v = UInt64(t) else { throw .outOfRange(line: line, field: field) }
        return v
    }

    static func uint256(_ s: String, line: Int, field: CDRField) throws(CDRParseError) -> UInt256 {
        let t = try digits(s, line: line, field: field)
        guard t.count <= 78 else { throw .outOfRange(line: line, field: field) }
        do { return try UInt256(decimal: String(t)) } catch { throw .outOfRange(line: line, field: field) }
    }

    public struct Line: Sendable { public let number: Int; public let text: String }

    /// Splits on "\n" (a preceding "\r" is dropped). Every non-empty record must end with "\n";
    /// lines are at most `limits.maxLineBytes` and UTF-8. Shared with the roaming record files.
    public func splitLines(_ data: [UInt8]) throws(CDRParseError) -> [Line] {
        var out = [Line]()
        var start = 0, number = 0
        while start < data.count {
            number += 1
            var end = start
            while end < data.count, data[end] != 0x0A { end += 1 }
            guard end - start <= limits.maxLineBytes else { throw .lineTooLong(line: number, limit: limits.maxLineBytes) }
            guard end < data.count else { throw .truncatedRecord(line: number) }
            var slice = data[start..<end]
            if slice.last == 0x0D { slice = slice.dropLast() }
            guard let text = String(validating: slice, as: UTF8.self) else { throw .notUTF8(line: number) }
            out.append(Line(number: number, text: text))
            start = end + 1
        }
        return out
    }
}

extension CDR {
    /// The CSV record line (no newline) in the documented column order.
    public var csvLine: String {
        "\(entitlementId),\(sequence),\(bytes),\(periodStart),\(periodEnd),\(cdrHash.hex)"
    }

    /// The JSON-lines record (no newline); the entitlement id is a decimal string (it is a uint256).
    public var jsonLine: String {
        "{\"entitlementId\":\"\(entitlementId)\",\"sequence\":\(sequence),\"bytes\":\(bytes),\"periodStart\":\(periodStart),"
            + "\"periodEnd\":\(periodEnd),\"cdrHash\":\"\(cdrHash.hex)\"}"
    }
}
