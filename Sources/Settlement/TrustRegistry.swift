// Typed binding of contracts/src/TrustRegistry.vy (ABI: contracts/build/TrustRegistry.json).
import EthereumCore

/// Governance-owned registry of GSMA roles: entities (address, role, name, SPKI and certificate
/// hashes, status) and MNO operator keys. `isTrusted(role, spkiHash)` is what the LPA and SM-DP+ check.
public enum TrustRegistry: ContractBinding {
    public static let contractName = "TrustRegistry"

    /// ABI declarations, one per contract function.
    public enum Functions {
        public static let transferOwnership = ABIFunction(name: "transferOwnership", inputs: [.address])
        public static let acceptOwnership = ABIFunction(name: "acceptOwnership", inputs: [])
        public static let register = ABIFunction(name: "register", inputs: [.address, .u8, .string, .b32, .b32])
        public static let suspend = ABIFunction(name: "suspend", inputs: [.address, .u16])
        public static let reinstate = ABIFunction(name: "reinstate", inputs: [.address])
        public static let revoke = ABIFunction(name: "revoke", inputs: [.address, .u16])
        public static let addCertificate = ABIFunction(name: "addCertificate", inputs: [.address, .b32, .b32])
        public static let removeCertificate = ABIFunction(name: "removeCertificate", inputs: [.address, .b32])
        public static let registerOperatorKey = ABIFunction(name: "registerOperatorKey", inputs: [.address])
        public static let revokeOperatorKey = ABIFunction(name: "revokeOperatorKey", inputs: [.address])
        public static let rotateOperatorKey = ABIFunction(name: "rotateOperatorKey", inputs: [.address, .address])
        public static let isTrusted = ABIFunction(name: "isTrusted", inputs: [.u8, .b32], outputs: [.bool])
        public static let isActive = ABIFunction(name: "isActive", inputs: [.address, .u8], outputs: [.bool])
        public static let isOperatorKey = ABIFunction(name: "isOperatorKey", inputs: [.address, .address], outputs: [.bool])
        public static let roleOf = ABIFunction(name: "roleOf", inputs: [.address], outputs: [.u8])
        public static let statusOf = ABIFunction(name: "statusOf", inputs: [.address], outputs: [.u8])
        public static let owner = ABIFunction(name: "owner", inputs: [], outputs: [.address])
        public static let pendingOwner = ABIFunction(name: "pendingOwner", inputs: [], outputs: [.address])
        public static let entities = ABIFunction(name: "entities", inputs: [.address],
                                                 outputs: [.tuple([.u8, .u8, .u16, .string, .b32, .b32])])
        public static let entityBySpki = ABIFunction(name: "entityBySpki", inputs: [.u8, .b32], outputs: [.address])
        public static let operatorKeyMno = ABIFunction(name: "operatorKeyMno", inputs: [.address], outputs: [.address])
        public static let operatorKeyStatus = ABIFunction(name: "operatorKeyStatus", inputs: [.address], outputs: [.u8])
    }

    public static let functions: [ABIFunction] = [
        Functions.transferOwnership, Functions.acceptOwnership, Functions.register, Functions.suspend,
        Functions.reinstate, Functions.revoke, Functions.addCertificate, Functions.removeCertificate,
        Functions.registerOperatorKey, Functions.revokeOperatorKey, Functions.rotateOperatorKey, Functions.isTrusted, Functions.isActive, Functions.isOperatorKey,
        Functions.roleOf, Functions.statusOf, Functions.owner, Functions.pendingOwner, Functions.entities,
        Functions.entityBySpki, Functions.operatorKeyMno, Functions.operatorKeyStatus,
    ] + v2Functions + identityFunctions

    public static let events: [ABIEvent] = [
        OwnershipTransferStarted.event, OwnershipTransferred.event, EntityRegistered.event, EntitySuspended.event,
        EntityReinstated.event, EntityRevoked.event, CertificateAdded.event, CertificateRemoved.event,
        OperatorKeyRegistered.event, OperatorKeyRevoked.event,
    ] + v2Events + identityEvents

    /// `constructor(owner: address)`
    public static let constructor = ContractConstructor(inputs: [.address])

    public static func deploymentData(bytecode: [UInt8], owner: Address) throws(BindingError) -> [UInt8] {
        try constructor.deploymentData(bytecode: bytecode, arguments: [.address(owner)])
    }

    // MARK: Governance

    public static func transferOwnership(newOwner: Address) -> ContractCall<Void> {
        ContractCall(Functions.transferOwnership, [.address(newOwner)])
    }

    public static func acceptOwnership() -> ContractCall<Void> {
        ContractCall(Functions.acceptOwnership, [])
    }

    /// Registers `entity` with one role. `spkiHash` = sha256(SubjectPublicKeyInfo DER), `certHash` = sha256(certificate DER).
    public static func register(entity: Address, role: Role, name: String, spkiHash: Hash32, certHash: Hash32) -> ContractCall<Void> {
        ContractCall(Functions.register, [.address(entity), .u8(role.rawValue), .string(name), .b32(spkiHash), .b32(certHash)])
    }

    public static func suspend(entity: Address, reasonCode: UInt16) -> ContractCall<Void> {
        ContractCall(Functions.suspend, [.address(entity), .u16(reasonCode)])
    }

    public static func reinstate(entity: Address) -> ContractCall<Void> {
        ContractCall(Functions.reinstate, [.address(entity)])
    }

    /// Final: the address and its SPKI hash can never be registered again.
    public static func revoke(entity: Address, reasonCode: UInt16) -> ContractCall<Void> {
        ContractCall(Functions.revoke, [.address(entity), .u16(reasonCode)])
    }

    /// Lists one more certificate key under the entity's role (e.g. an SM-DP+'s CERT.DPtls besides its
    /// CERT.DPauth); trusted while the entity is active. Owner only.
    public static func addCertificate(entity: Address, spkiHash: Hash32, certHash: Hash32) -> ContractCall<Void> {
        ContractCall(Functions.addCertificate, [.address(entity), .b32(spkiHash), .b32(certHash)])
    }

    /// Removes a key added by `addCertificate` (certificate rotation); the primary key cannot be removed. Owner only.
    public static func removeCertificate(entity: Address, spkiHash: Hash32) -> ContractCall<Void> {
        ContractCall(Functions.removeCertificate, [.address(entity), .b32(spkiHash)])
    }

    // MARK: MNO operator keys (sent by the MNO)

    /// Offers `key`; it becomes the MNO's operator key once its holder sends `acceptOperatorKey(mno:)`.
    public static func registerOperatorKey(key: Address) -> ContractCall<Void> {
        ContractCall(Functions.registerOperatorKey, [.address(key)])
    }

    public static func revokeOperatorKey(key: Address) -> ContractCall<Void> {
        ContractCall(Functions.revokeOperatorKey, [.address(key)])
    }

    /// Revokes `oldKey` and offers `newKey` (active once it accepts).
    public static func rotateOperatorKey(oldKey: Address, newKey: Address) -> ContractCall<Void> {
        ContractCall(Functions.rotateOperatorKey, [.address(oldKey), .address(newKey)])
    }

    // MARK: Views

    /// True iff the entity holding `spkiHash` for `role` is active.
    public static func isTrusted(role: Role, spkiHash: Hash32) -> ContractCall<Bool> {
        ContractCall(Functions.isTrusted, [.u8(role.rawValue), .b32(spkiHash)], decoder: Decode.bool)
    }

    public static func isActive(entity: Address, role: Role) -> ContractCall<Bool> {
        ContractCall(Functions.isActive, [.address(entity), .u8(role.rawValue)], decoder: Decode.bool)
    }

    public static func isOperatorKey(mno: Address, key: Address) -> ContractCall<Bool> {
        ContractCall(Functions.isOperatorKey, [.address(mno), .address(key)], decoder: Decode.bool)
    }

    /// The entity's role, nil if not registered.
    public static func roleOf(entity: Address) -> ContractCall<Role?> {
        ContractCall(Functions.roleOf, [.address(entity)]) { (values: [ABIValue]) throws(BindingError) -> Role? in
            var r = ABIValueReader(values: values)
            let raw = try r.uint8()
            if raw == 0 { return nil }
            guard let role = Role(rawValue: raw) else { throw .unknownEnumValue(type: "Role", value: UInt64(raw)) }
            return role
        }
    }

    /// The entity's status, nil if not registered.
    public static func statusOf(entity: Address) -> ContractCall<EntityStatus?> {
        ContractCall(Functions.statusOf, [.address(entity)]) { (values: [ABIValue]) throws(BindingError) -> EntityStatus? in
            var r = ABIValueReader(values: values)
            let raw = try r.uint8()
            if raw == 0 { return nil }
            guard let s = EntityStatus(rawValue: raw) else { throw .unknownEnumValue(type: "EntityStatus", value: UInt64(raw)) }
            return s
        }
    }

    public static func owner() -> ContractCall<Address> {
        ContractCall(Functions.owner, [], decoder: Decode.address)
    }

    public static func pendingOwner() -> ContractCall<Address> {
        ContractCall(Functions.pendingOwner, [], decoder: Decode.address)
    }

    /// `struct Entity` as stored; nil when the address was never registered (role 0).
    public struct Entity: Sendable, Hashable {
        public let role: Role
        public let status: EntityStatus
        public let reasonCode: UInt16
        public let name: String
        public let spkiHash: Hash32
        public let certHash: Hash32
    }

    public static func entities(_ entity: Address) -> ContractCall<Entity?> {
        ContractCall(Functions.entities, [.address(entity)]) { (values: [ABIValue]) throws(BindingError) -> Entity? in
            var outer = ABIValueReader(values: values)
            var r = try outer.tuple()
            let role = try r.uint8(), status = try r.uint8(), reason = try r.uint16()
            let name = try r.string(), spki = try r.bytes32(), cert = try r.bytes32()
            if role == 0 { return nil }
            guard let typedRole = Role(rawValue: role) else { throw .unknownEnumValue(type: "Role", value: UInt64(role)) }
            guard let typedStatus = EntityStatus(rawValue: status) else {
                throw .unknownEnumValue(type: "EntityStatus", value: UInt64(status))
            }
            return Entity(role: typedRole, status: typedStatus, reasonCode: reason, name: name, spkiHash: spki, certHash: cert)
        }
    }

    /// The address bound to (`role`, `spkiHash`); `Address.zero` if none.
    public static func entityBySpki(role: Role, spkiHash: Hash32) -> ContractCall<Address> {
        ContractCall(Functions.entityBySpki, [.u8(role.rawValue), .b32(spkiHash)], decoder: Decode.address)
    }

    public static func operatorKeyMno(key: Address) -> ContractCall<Address> {
        ContractCall(Functions.operatorKeyMno, [.address(key)], decoder: Decode.address)
    }

    /// nil if the key was never registered.
    public static func operatorKeyStatus(key: Address) -> ContractCall<OperatorKeyStatus?> {
        ContractCall(Functions.operatorKeyStatus, [.address(key)]) { (values: [ABIValue]) throws(BindingError) -> OperatorKeyStatus? in
            var r = ABIValueReader(values: values)
            let raw = try r.uint8()
            if raw == 0 { return nil }
            guard let s = OperatorKeyStatus(rawValue: raw) else {
                throw .unknownEnumValue(type: "OperatorKeyStatus", value: UInt64(raw))
            }
            return s
        }
    }

    // MARK: Events

    public struct OwnershipTransferStarted: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "OwnershipTransferStarted", parameters: [
            .init(name: "previousOwner", type: .address, indexed: true), .init(name: "newOwner", type: .address, indexed: true),
        ])
        public let previousOwner: Address
        public let newOwner: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            previousOwner = try r.address(); newOwner = try r.address()
        }
    }

    public struct OwnershipTransferred: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "OwnershipTransferred", parameters: [
            .init(name: "previousOwner", type: .address, indexed: true), .init(name: "newOwner", type: .address, indexed: true),
        ])
        public let previousOwner: Address
        public let newOwner: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            previousOwner = try r.address(); newOwner = try r.address()
        }
    }

    public struct EntityRegistered: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "EntityRegistered", parameters: [
            .init(name: "entity", type: .address, indexed: true), .init(name: "role", type: .u8, indexed: true),
            .init(name: "spkiHash", type: .b32, indexed: true), .init(name: "certHash", type: .b32, indexed: false),
            .init(name: "name", type: .string, indexed: false),
        ])
        public let entity: Address
        public let role: Role
        public let spkiHash: Hash32
        public let certHash: Hash32
        public let name: String
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entity = try r.address(); role = try r.enumeration(Role.self); spkiHash = try r.bytes32()
            certHash = try r.bytes32(); name = try r.string()
        }
    }

    public struct EntitySuspended: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "EntitySuspended", parameters: [
            .init(name: "entity", type: .address, indexed: true), .init(name: "reasonCode", type: .u16, indexed: false),
        ])
        public let entity: Address
        public let reasonCode: UInt16
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entity = try r.address(); reasonCode = try r.uint16()
        }
    }

    public struct EntityReinstated: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "EntityReinstated", parameters: [
            .init(name: "entity", type: .address, indexed: true),
        ])
        public let entity: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entity = try r.address()
        }
    }

    public struct EntityRevoked: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "EntityRevoked", parameters: [
            .init(name: "entity", type: .address, indexed: true), .init(name: "reasonCode", type: .u16, indexed: false),
        ])
        public let entity: Address
        public let reasonCode: UInt16
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entity = try r.address(); reasonCode = try r.uint16()
        }
    }

    public struct CertificateAdded: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "CertificateAdded", parameters: [
            .init(name: "entity", type: .address, indexed: true), .init(name: "role", type: .u8, indexed: true),
            .init(name: "spkiHash", type: .b32, indexed: true), .init(name: "certHash", type: .b32, indexed: false),
        ])
        public let entity: Address
        public let role: Role
        public let spkiHash: Hash32
        public let certHash: Hash32
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entity = try r.address(); role = try r.enumeration(Role.self); spkiHash = try r.bytes32(); certHash = try r.bytes32()
        }
    }

    public struct CertificateRemoved: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "CertificateRemoved", parameters: [
            .init(name: "entity", type: .address, indexed: true), .init(name: "role", type: .u8, indexed: true),
            .init(name: "spkiHash", type: .b32, indexed: true),
        ])
        public let entity: Address
        public let role: Role
        public let spkiHash: Hash32
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            entity = try r.address(); role = try r.enumeration(Role.self); spkiHash = try r.bytes32()
        }
    }

    public struct OperatorKeyRegistered: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "OperatorKeyRegistered", parameters: [
            .init(name: "mno", type: .address, indexed: true), .init(name: "key", type: .address, indexed: true),
        ])
        public let mno: Address
        public let key: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            mno = try r.address(); key = try r.address()
        }
    }

    public struct OperatorKeyRevoked: ContractEvent, Hashable {
        public static let event = ABIEvent(name: "OperatorKeyRevoked", parameters: [
            .init(name: "mno", type: .address, indexed: true), .init(name: "key", type: .address, indexed: true),
        ])
        public let mno: Address
        public let key: Address
        public init(arguments r: ABIValueReader) throws(BindingError) {
            var r = r
            mno = try r.address(); key = try r.address()
        }
    }
}
