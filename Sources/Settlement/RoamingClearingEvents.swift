// Typed events of contracts/src/RoamingClearing.vy that the operator commands read (every event's
// ABI declaration is in RoamingClearing.Events).
import EthereumCore

extension RoamingClearing {
    public struct AgreementProposed: ContractEvent, Hashable {
        public static let event = Events.AgreementProposed
        public let agreementId: UInt256
        public let partyA: Address
        public let partyB: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            agreementId = try r.uint256(); partyA = try r.address(); partyB = try r.address()
        }
    }

    public struct RecordsCommitted: ContractEvent, Hashable {
        public static let event = Events.RecordsCommitted
        public let agreementId: UInt256
        public let direction: Direction
        public let period: UInt64
        public let committer: Address
        public let root: Hash32
        public let count: UInt64
        public let totals: ServiceTotals
        public let version: UInt64
        public let invoice: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            agreementId = try r.uint256(); direction = try r.enumeration(Direction.self); period = try r.uint64()
            committer = try r.address(); root = try r.bytes32(); count = try r.uint64()
            totals = ServiceTotals(dataMB: try r.uint64(), voiceMinutes: try r.uint64(), smsMessages: try r.uint64())
            version = try r.uint64(); invoice = try r.uint256()
        }
    }

    public struct CommitmentVoided: ContractEvent, Hashable {
        public static let event = Events.CommitmentVoided
        public let agreementId: UInt256
        public let direction: Direction
        public let period: UInt64
        public let version: UInt64
        /// The contradiction code (1 wrong slot … 7 exceeds total, 8 voided by the court).
        public let reason: UInt8
        public let leafIndex: UInt256
        public let recommitDeadline: UInt64
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            agreementId = try r.uint256(); direction = try r.enumeration(Direction.self); period = try r.uint64()
            version = try r.uint64(); reason = try r.uint8(); leafIndex = try r.uint256(); recommitDeadline = try r.uint64()
        }
    }

    public struct PeriodSettled: ContractEvent, Hashable {
        public static let event = Events.PeriodSettled
        public let agreementId: UInt256
        public let period: UInt64
        public let payer: Address
        public let payee: Address
        public let invoiceAOnB: UInt256
        public let invoiceBOnA: UInt256
        public let net: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            agreementId = try r.uint256(); period = try r.uint64(); payer = try r.address(); payee = try r.address()
            invoiceAOnB = try r.uint256(); invoiceBOnA = try r.uint256(); net = try r.uint256()
        }
    }

    public struct CaseOpened: ContractEvent, Hashable {
        public static let event = Events.CaseOpened
        public let caseId: UInt256
        public let agreementId: UInt256
        public let opener: Address
        public let direction: Direction
        public let period: UInt64
        public let seedBlock: UInt256
        public let fee: UInt256
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            caseId = try r.uint256(); agreementId = try r.uint256(); opener = try r.address()
            direction = try r.enumeration(Direction.self); period = try r.uint64(); seedBlock = try r.uint256(); fee = try r.uint256()
        }
    }

    public struct RoundTallied: ContractEvent, Hashable {
        public static let event = Events.RoundTallied
        public let caseId: UInt256
        public let round: UInt8
        public let upholds: UInt256
        public let voids: UInt256
        public let verdict: UInt8
        public let objectionEnd: UInt64
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            caseId = try r.uint256(); round = try r.uint8(); upholds = try r.uint256(); voids = try r.uint256()
            verdict = try r.uint8(); objectionEnd = try r.uint64()
        }
    }
}
