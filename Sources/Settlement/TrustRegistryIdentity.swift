// TrustRegistry calls and events of issue 17: an entity's DID (set by governance or the entity itself; one DID
// names one entity) and the KYC provider role (`Role.kyc`).
import EthereumCore

extension TrustRegistry.Functions {
    public static let setDid = ABIFunction(name: "setDid", inputs: [.address, .string])
    public static let didOf = ABIFunction(name: "didOf", inputs: [.address], outputs: [.string])
    public static let entityByDid = ABIFunction(name: "entityByDid", inputs: [.b32], outputs: [.address])
}

extension TrustRegistry {
    static let identityFunctions: [ABIFunction] = [Functions.setDid, Functions.didOf, Functions.entityByDid]
    static let identityEvents: [ABIEvent] = [EntityDidSet.event]

    public static func setDid(entity: Address, did: String) -> ContractCall<Void> {
        ContractCall(Functions.setDid, [.address(entity), .string(did)])
    }

    public static func didOf(entity: Address) -> ContractCall<String> {
        ContractCall(Functions.didOf, [.address(entity)], decoder: Decode.string)
    }

    /// The entity a DID names (keccak256 of the DID's UTF-8 bytes); zero when none.
    public static func entityByDid(_ did: String) -> ContractCall<Address> {
        ContractCall(Functions.entityByDid, [.b32(Keccak256.hash(Array(did.utf8)))], decoder: Decode.address)
    }

    public struct EntityDidSet: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "EntityDidSet", parameters: [
            .init(name: "entity", type: .address, indexed: true), .init(name: "didHash", type: .b32, indexed: true),
            .init(name: "did", type: .string, indexed: false),
        ])
        public let entity: Address, didHash: Hash32, did: String
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entity = try r.address(); didHash = try r.bytes32(); did = try r.string()
        }
    }
}
