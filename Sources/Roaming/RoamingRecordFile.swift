// Strict parser of roaming usage record files (docs/ROAMING.md "Record files"): what a visited
// network's billing system produces per served call event, with the fields of a GSMA TAP call
// event that the clearing contract keeps. CSV with a fixed header, or JSON lines. A file either
// parses completely or fails with the first bad line; no partial result.
import EthereumCore
import Foundation
import Settlement
import UsageService

/// One record as read from a file (before it is placed in an agreement's period).
public struct RoamingUsageRecord: Sendable, Hashable {
    /// The home network's keyed hash of the IMSI (`IMSIPseudonym`), never the IMSI.
    public var imsiPseudonym: Hash32
    public var service: RoamingClearing.Service
    /// Unix seconds.
    public var start: UInt64
    public var end: UInt64
    /// In the service's unit: MB, minutes, messages.
    public var volume: UInt64
    /// Where the service was used (MCC-MNC).
    public var location: RoamingClearing.PLMN
    /// The wholesale charge in token base units; nil: volume × the agreement's rate.
    public var charge: UInt256?

    public init(imsiPseudonym: Hash32, service: RoamingClearing.Service, start: UInt64, end: UInt64, volume: UInt64,
                location: RoamingClearing.PLMN, charge: UInt256? = nil) {
        self.imsiPseudonym = imsiPseudonym; self.service = service; self.start = start; self.end = end
        self.volume = volume; self.location = location; self.charge = charge
    }
}

/// A field of a record file, named as in the CSV header and the JSON keys.
public enum RoamingRecordField: String, Sendable, CaseIterable {
    case imsiPseudonym = "imsi_pseudonym"
    case service
    case start
    case end
    case volume
    case location
    case charge
}

/// Why a record file was refused. Lines are 1-based (the CSV header is line 1).
public enum RoamingRecordFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileTooLarge(bytes: Int, limit: Int)
    case lineTooLong(line: Int, limit: Int)
    case tooManyRecords(limit: Int)
    case notUTF8(line: Int)
    /// The last line does not end with a newline (cut-off file).
    case truncated(line: Int)
    /// The CSV header is not `imsi_pseudonym,service,start,end,volume,location` (optionally `,charge`).
    case badHeader(found: String)
    case fieldCount(line: Int, expected: Int, found: Int)
    case invalidField(line: Int, field: RoamingRecordField, expected: String)
    case notAnObject(line: Int)
    case missingField(line: Int, field: RoamingRecordField)
    case unknownField(line: Int, name: String)
    /// start > end.
    case timeReversed(line: Int)
    case empty

    public var description: String {
        switch self {
        case .fileTooLarge(let b, let l): "record file: \(b) bytes exceed the \(l)-byte limit"
        case .lineTooLong(let n, let l): "record line \(n): longer than \(l) bytes"
        case .tooManyRecords(let l): "record file: more than \(l) records"
        case .notUTF8(let n): "record line \(n): not UTF-8"
        case .truncated(let n): "record line \(n): no terminating newline (truncated file?)"
        case .badHeader(let f): "record CSV header must be \"\(RoamingRecordParser.csvHeader)\" (optionally \",charge\"), found \"\(f.prefix(120))\""
        case .fieldCount(let n, let e, let f): "record line \(n): \(f) fields, expected \(e)"
        case .invalidField(let n, let field, let e): "record line \(n), \(field.rawValue): expected \(e)"
        case .notAnObject(let n): "record line \(n): not a JSON object"
        case .missingField(let n, let field): "record line \(n): missing \(field.rawValue)"
        case .unknownField(let n, let name): "record line \(n): unknown field \"\(name.prefix(64))\""
        case .timeReversed(let n): "record line \(n): start is after end"
        case .empty: "record file: no records"
        }
    }
}

/// Parses record files. Pure: bytes in, records in file order out.
public struct RoamingRecordParser: Sendable {
    public struct Limits: Sendable {
        public var maxFileBytes: Int
        public var maxLineBytes: Int
        public var maxRecords: Int
        public init(maxFileBytes: Int = 64 << 20, maxLineBytes: Int = 1024, maxRecords: Int = 1_000_000) {
            self.maxFileBytes = maxFileBytes; self.maxLineBytes = maxLineBytes; self.maxRecords = maxRecords
        }
    }

    public static let csvHeader = "imsi_pseudonym,service,start,end,volume,location"

    public var limits: Limits
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Parses `data` as `format` (the CDR formats: csv or jsonl).
    public func parse(_ data: [UInt8], format: CDRFileFormat) throws(RoamingRecordFileError) -> [RoamingUsageRecord] {
        guard data.count <= limits.maxFileBytes else { throw .fileTooLarge(bytes: data.count, limit: limits.maxFileBytes) }
        let lines: [CDRParser.Line]
        do {
            lines = try CDRParser(limits: .init(maxFileBytes: limits.maxFileBytes, maxLineBytes: limits.maxLineBytes)).splitLines(data)
        } catch {
            switch error {
            case .lineTooLong(let n, let l): throw .lineTooLong(line: n, limit: l)
            case .notUTF8(let n): throw .notUTF8(line: n)
            case .truncatedRecord(let n): throw .truncated(line: n)
            default: throw .empty
            }
        }
        var records = [RoamingUsageRecord]()
        switch format {
        case .csv:
            guard let header = lines.first else { throw .empty }
            let withCharge: Bool
            switch header.text {
            case Self.csvHeader: withCharge = false
            case Self.csvHeader + ",charge": withCharge = true
            default: throw .badHeader(found: header.text)
            }
            for line in lines.dropFirst() where !line.text.isEmpty {
                guard records.count < limits.maxRecords else { throw .tooManyRecords(limit: limits.maxRecords) }
                records.append(try csvRecord(line.text, line: line.number, withCharge: withCharge))
            }
        case .jsonl:
            for line in lines where !line.text.isEmpty {
                guard records.count < limits.maxRecords else { throw .tooManyRecords(limit: limits.maxRecords) }
                records.append(try jsonRecord(line.text, line: line.number))
            }
        }
        guard !records.isEmpty else { throw .empty }
        return records
    }

    private func csvRecord(_ text: String, line: Int, withCharge: Bool) throws(RoamingRecordFileError) -> RoamingUsageRecord {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let expected = withCharge ? 7 : 6
        guard fields.count == expected else { throw .fieldCount(line: line, expected: expected, found: fields.count) }
        return try build(line: line, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], withCharge ? fields[6] : nil)
    }

    private func jsonRecord(_ text: String, line: Int) throws(RoamingRecordFileError) -> RoamingUsageRecord {
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? [String: Any] else {
                throw RoamingRecordFileError.notAnObject(line: line)
            }
            object = o
        } catch { throw .notAnObject(line: line) }
        for key in object.keys.sorted() where RoamingRecordField(rawValue: key) == nil { throw .unknownField(line: line, name: key) }
        // Every value is a string: numbers as decimal text (exact for uint64 and uint256, no JSON double).
        func value(_ field: RoamingRecordField) throws(RoamingRecordFileError) -> String? {
            guard let value = object[field.rawValue] else {
                if field == .charge { return nil }
                throw .missingField(line: line, field: field)
            }
            guard let s = value as? String else { throw .invalidField(line: line, field: field, expected: "a JSON string") }
            return s
        }
        return try build(line: line, try value(.imsiPseudonym) ?? "", try value(.service) ?? "", try value(.start) ?? "",
                         try value(.end) ?? "", try value(.volume) ?? "", try value(.location) ?? "", try value(.charge))
    }

    private func build(line: Int, _ pseudonym: String, _ service: String, _ start: String, _ end: String, _ volume: String,
                       _ location: String, _ charge: String?) throws(RoamingRecordFileError) -> RoamingUsageRecord {
        guard pseudonym.hasPrefix("0x"), pseudonym.count == 66, let hash = try? Hash32(hex: pseudonym), hash.bytes.contains(where: { $0 != 0 }) else {
            throw .invalidField(line: line, field: .imsiPseudonym, expected: "0x followed by 64 hex digits, not all zero")
        }
        guard let s = RoamingClearing.Service(name: service) else {
            throw .invalidField(line: line, field: .service, expected: "data, voice or sms")
        }
        let startTime = try Self.uint64(start, line: line, field: .start)
        let endTime = try Self.uint64(end, line: line, field: .end)
        guard startTime <= endTime else { throw .timeReversed(line: line) }
        let units = try Self.uint64(volume, line: line, field: .volume)
        guard let plmn = RoamingClearing.PLMN(location) else {
            throw .invalidField(line: line, field: .location, expected: "MCC-MNC, e.g. 262-01")
        }
        var amount: UInt256?
        if let charge {
            guard Self.isDecimal(charge), charge.count <= 78, let v = try? UInt256(decimal: charge) else {
                throw .invalidField(line: line, field: .charge, expected: "a decimal amount in token base units")
            }
            amount = v
        }
        return RoamingUsageRecord(imsiPseudonym: hash, service: s, start: startTime, end: endTime, volume: units, location: plmn,
                                  charge: amount)
    }

    /// Decimal digits, no sign, no leading zeros (except "0").
    static func isDecimal(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && (s == "0" || s.first != "0")
    }

    static func uint64(_ s: String, line: Int, field: RoamingRecordField) throws(RoamingRecordFileError) -> UInt64 {
        guard isDecimal(s), let v = UInt64(s) else {
            throw .invalidField(line: line, field: field, expected: "a decimal unsigned 64-bit integer without leading zeros")
        }
        return v
    }
}

extension RoamingUsageRecord {
    /// The JSON-lines form (every value a string), as `roaming records export` writes it.
    public var jsonLine: String {
        "{\"imsi_pseudonym\":\"\(imsiPseudonym.hex)\",\"service\":\"\(service.name)\",\"start\":\"\(start)\",\"end\":\"\(end)\","
            + "\"volume\":\"\(volume)\",\"location\":\"\(location)\"" + (charge.map { ",\"charge\":\"\($0)\"" } ?? "") + "}"
    }
}
