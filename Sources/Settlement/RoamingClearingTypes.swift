// Value types of contracts/src/RoamingClearing.vy: PLMN identities, rates, directions, the record
// leaf (cross-checked against contracts/roaming.py), agreements, commitments and court cases.
import EthereumCore

extension RoamingClearing {
    /// A PLMN identity as the contract stores it: the 3 octets of 3GPP TS 24.008 10.5.1.3 (MCC digit
    /// 2|1, MNC digit 3|MCC digit 3, MNC digit 2|1; a 2-digit MNC has F as its third digit), big-endian.
    public struct PLMN: Sendable, Hashable, CustomStringConvertible {
        public let value: UInt32

        public init(value: UInt32) { self.value = value }

        /// From "MCC-MNC" digits, e.g. "262-01" or "310-410"; nil unless MCC is 3 digits and MNC 2 or 3.
        public init?(_ text: String) {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 3, parts[1].count == 2 || parts[1].count == 3,
                  (parts[0] + parts[1]).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            let d = parts[0].map { UInt32($0.wholeNumberValue ?? 0) }
            let n = parts[1].map { UInt32($0.wholeNumberValue ?? 0) } + (parts[1].count == 2 ? [0xF] : [])
            value = ((d[1] << 4 | d[0]) << 16) | ((n[2] << 4 | d[2]) << 8) | (n[1] << 4 | n[0])
        }

        /// "MCC-MNC" (2- or 3-digit MNC), or the hex value if the octets are not BCD digits.
        public var description: String {
            let d1 = (value >> 16) & 0xF, d2 = (value >> 20) & 0xF, d3 = (value >> 8) & 0xF
            let n3 = (value >> 12) & 0xF, n1 = value & 0xF, n2 = (value >> 4) & 0xF
            guard [d1, d2, d3, n1, n2].allSatisfy({ $0 <= 9 }), n3 <= 9 || n3 == 0xF else {
                return "0x" + String(value, radix: 16)
            }
            return "\(d1)\(d2)\(d3)-\(n1)\(n2)" + (n3 == 0xF ? "" : "\(n3)")
        }
    }

    /// Wholesale rates in token units per MB, per minute and per SMS.
    public struct Rates: Sendable, Hashable {
        public var data: UInt64
        public var voice: UInt64
        public var sms: UInt64
        public init(data: UInt64, voice: UInt64, sms: UInt64) { self.data = data; self.voice = voice; self.sms = sms }

        public func rate(of service: Service) -> UInt64 {
            switch service {
            case .data: return data
            case .voice: return voice
            case .sms: return sms
            }
        }

        /// totals × rates (the contract's `invoice`); nil if it overflows 256 bits (it cannot for uint64 inputs).
        public func invoice(_ totals: ServiceTotals) -> UInt256? {
            try? UInt256(totals.dataMB).multiplied(by: UInt256(data))
                .adding(UInt256(totals.voiceMinutes).multiplied(by: UInt256(voice)))
                .adding(UInt256(totals.smsMessages).multiplied(by: UInt256(sms)))
        }
    }

    /// DIR_A_ON_B (0): party A's subscribers on B's network (B commits, A reviews and pays);
    /// DIR_B_ON_A (1): B's subscribers on A's network.
    public enum Direction: UInt8, Sendable, Hashable, CaseIterable {
        case aOnB = 0
        case bOnA = 1
    }

    /// Services and their charging units.
    public enum Service: UInt8, Sendable, Hashable, CaseIterable {
        case data = 1    // megabytes (10^6 bytes)
        case voice = 2   // minutes
        case sms = 3     // messages

        public var name: String {
            switch self {
            case .data: return "data"
            case .voice: return "voice"
            case .sms: return "sms"
            }
        }

        public init?(name: String) {
            guard let s = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = s
        }
    }

    /// Totals per service of one commitment.
    public struct ServiceTotals: Sendable, Hashable {
        public var dataMB: UInt64
        public var voiceMinutes: UInt64
        public var smsMessages: UInt64
        public init(dataMB: UInt64 = 0, voiceMinutes: UInt64 = 0, smsMessages: UInt64 = 0) {
            self.dataMB = dataMB; self.voiceMinutes = voiceMinutes; self.smsMessages = smsMessages
        }

        public func total(of service: Service) -> UInt64 {
            switch service {
            case .data: return dataMB
            case .voice: return voiceMinutes
            case .sms: return smsMessages
            }
        }

        /// Adds a record's volume; false (unchanged) if the total would pass 2^64 − 1.
        public mutating func add(_ service: Service, _ volume: UInt64) -> Bool {
            let (sum, overflow) = total(of: service).addingReportingOverflow(volume)
            guard !overflow else { return false }
            switch service {
            case .data: dataMB = sum
            case .voice: voiceMinutes = sum
            case .sms: smsMessages = sum
            }
            return true
        }

        public var isZero: Bool { dataMB == 0 && voiceMinutes == 0 && smsMessages == 0 }
    }

    /// One roaming record as the contract sees it (`struct Record`, the fields of a GSMA TAP call event).
    public struct Record: Sendable, Hashable {
        public var agreementId: UInt256
        public var direction: Direction
        public var period: UInt64
        public var index: UInt64
        public var imsiPseudonym: Hash32
        public var service: Service
        public var startTime: UInt64
        public var endTime: UInt64
        public var volume: UInt64
        public var location: PLMN
        public var charge: UInt256

        public init(agreementId: UInt256, direction: Direction, period: UInt64, index: UInt64, imsiPseudonym: Hash32, service: Service,
                    startTime: UInt64, endTime: UInt64, volume: UInt64, location: PLMN, charge: UInt256) {
            self.agreementId = agreementId; self.direction = direction; self.period = period; self.index = index
            self.imsiPseudonym = imsiPseudonym; self.service = service; self.startTime = startTime; self.endTime = endTime
            self.volume = volume; self.location = location; self.charge = charge
        }

        public static let abiType = ABIType.tuple([.uint256, .u8, .u64, .u64, .b32, .u8, .u64, .u64, .u64, .uint(24), .uint256])

        var abiValues: [ABIValue] {
            [.u256(agreementId), .u8(direction.rawValue), .u64(period), .u64(index), .b32(imsiPseudonym), .u8(service.rawValue),
             .u64(startTime), .u64(endTime), .u64(volume), .u24(location.value), .u256(charge)]
        }

        /// keccak256(abi.encode(...)) of the eleven static fields: the contract's `_leaf`.
        public var leaf: Hash32 {
            var enc = agreementId.bigEndianBytes
            for x in [UInt64(direction.rawValue), period, index] { enc += UInt256(x).bigEndianBytes }
            enc += imsiPseudonym.bytes
            for x in [UInt64(service.rawValue), startTime, endTime, volume, UInt64(location.value)] { enc += UInt256(x).bigEndianBytes }
            enc += charge.bigEndianBytes
            return Keccak256.hash(enc)
        }
    }

    public enum AgreementStatus: UInt8, Sendable, Hashable {
        case none = 0
        case proposed = 1
        case active = 2
    }

    public struct Agreement: Sendable, Hashable {
        public let partyA: Address
        public let partyB: Address
        public let plmnA: PLMN
        public let plmnB: PLMN
        public let rates: Rates
        public let start: UInt64
        public let periodSeconds: UInt64
        /// First period not covered (2^64 − 1 until terminated).
        public let endPeriod: UInt64
        public let status: AgreementStatus

        init(reader r: inout ABIValueReader) throws(BindingError) {
            partyA = try r.address(); partyB = try r.address()
            plmnA = PLMN(value: UInt32(try r.uint64())); plmnB = PLMN(value: UInt32(try r.uint64()))
            rates = Rates(data: try r.uint64(), voice: try r.uint64(), sms: try r.uint64())
            start = try r.uint64(); periodSeconds = try r.uint64(); endPeriod = try r.uint64()
            status = try r.enumeration(AgreementStatus.self)
        }

        /// (visited, home, visited PLMN) of a direction, as the contract's `_parties`.
        public func parties(_ direction: Direction) -> (visited: Address, home: Address, visitedPLMN: PLMN) {
            direction == .aOnB ? (partyB, partyA, plmnB) : (partyA, partyB, plmnA)
        }

        /// The direction `who` commits as the visited network, nil if not a party.
        public func direction(committedBy who: Address) -> Direction? {
            if who == partyB { return .aOnB }
            if who == partyA { return .bOnA }
            return nil
        }

        /// [start, end) of a period in Unix seconds; nil if it does not fit 64 bits.
        public func periodBounds(_ period: UInt64) -> (start: UInt64, end: UInt64)? {
            let (offset, o1) = period.multipliedReportingOverflow(by: periodSeconds)
            let (begin, o2) = start.addingReportingOverflow(offset)
            let (end, o3) = begin.addingReportingOverflow(periodSeconds)
            guard !o1, !o2, !o3 else { return nil }
            return (begin, end)
        }
    }

    public enum CommitmentStatus: UInt8, Sendable, Hashable {
        case none = 0
        case committed = 1
        case accepted = 2
        case inCourt = 3
        case voided = 4

        public var name: String {
            switch self {
            case .none: return "none"
            case .committed: return "committed"
            case .accepted: return "accepted"
            case .inCourt: return "in court"
            case .voided: return "voided"
            }
        }
    }

    public struct Commitment: Sendable, Hashable {
        public let root: Hash32
        public let count: UInt64
        public let totals: ServiceTotals
        public let status: CommitmentStatus
        public let version: UInt64
        public let committedAt: UInt64
        public let deadline: UInt64
        public let caseId: UInt64

        init(reader r: inout ABIValueReader) throws(BindingError) {
            root = try r.bytes32(); count = try r.uint64()
            totals = ServiceTotals(dataMB: try r.uint64(), voiceMinutes: try r.uint64(), smsMessages: try r.uint64())
            status = try r.enumeration(CommitmentStatus.self); version = try r.uint64(); committedAt = try r.uint64()
            deadline = try r.uint64(); caseId = try r.uint64()
        }
    }

    /// An auditor's vote: uphold the commitment or void it.
    public enum Vote: UInt8, Sendable, Hashable, CaseIterable {
        case uphold = 1
        case void = 2

        public var name: String { self == .uphold ? "uphold" : "void" }
        public init?(name: String) {
            guard let v = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = v
        }
    }

    public enum CaseState: UInt8, Sendable, Hashable {
        case none = 0
        case drawing = 1
        case voting = 2
        case decided = 3
        case closed = 4

        public var name: String {
            switch self {
            case .none: return "none"
            case .drawing: return "drawing"
            case .voting: return "voting"
            case .decided: return "decided"
            case .closed: return "closed"
            }
        }
    }

    public struct Case: Sendable, Hashable {
        public let agreementId: UInt256
        public let direction: Direction
        public let period: UInt64
        public let opener: Address
        public let state: CaseState
        public let round: UInt8
        public let seedBlock: UInt256
        public let commitEnd: UInt64
        public let revealEnd: UInt64
        public let panel: [Address]
        public let voteHash: [Hash32]
        /// 0 (not revealed), 1 uphold, 2 void.
        public let vote: [UInt8]
        public let verdict: UInt8
        public let objectionEnd: UInt64
        public let pot: UInt256

        init(reader r: inout ABIValueReader) throws(BindingError) {
            agreementId = try r.uint256(); direction = try r.enumeration(Direction.self); period = try r.uint64()
            opener = try r.address(); state = try r.enumeration(CaseState.self); round = try r.uint8(); seedBlock = try r.uint256()
            commitEnd = try r.uint64(); revealEnd = try r.uint64()
            var p = try r.array()
            panel = [try p.address(), try p.address(), try p.address()]
            var h = try r.array()
            voteHash = [try h.bytes32(), try h.bytes32(), try h.bytes32()]
            var v = try r.array()
            vote = [try v.uint8(), try v.uint8(), try v.uint8()]
            verdict = try r.uint8(); objectionEnd = try r.uint64(); pot = try r.uint256()
        }
    }
}
