// DID documents (W3C DID Core §5): what resolving a DID yields. did:key and did:pkh documents are derived from
// the DID itself; a did:web document is fetched (by the caller: this target does no I/O) and checked here.
import Crypto
import EthereumCore
import Foundation

/// One verification method of a DID document.
public struct DIDVerificationMethod: Sendable, Equatable {
    public let id: String
    public let type: String
    public let controller: String
    /// The key, when it is P-256 or secp256k1 (`publicKeyMultibase`, or an EC `publicKeyJwk` on P-256).
    public let key: DIDPublicKey?
    /// did:pkh: the CAIP-10 account (`eip155:<chainId>:<address>`).
    public let blockchainAccountId: String?

    var json: JSONValue {
        var fields: [String: JSONValue] = ["id": .string(id), "type": .string(type), "controller": .string(controller)]
        if let key { fields["publicKeyMultibase"] = .string(key.multibase) }
        if let blockchainAccountId { fields["blockchainAccountId"] = .string(blockchainAccountId) }
        return .object(fields)
    }
}

public struct DIDDocument: Sendable, Equatable {
    public let id: String
    public let verificationMethods: [DIDVerificationMethod]
    /// Ids of the methods that may authenticate as the DID and that may sign assertions (credentials, messages).
    public let authentication: [String]
    public let assertionMethod: [String]

    /// Largest document `parse` accepts.
    public static let maxBytes = 64 * 1024

    /// The document a did:key or did:pkh resolves to (no I/O); nil for did:web, which must be fetched.
    public static func derived(from did: DID) -> DIDDocument? {
        let id = did.description
        switch did {
        case .key(let key):
            let method = DIDVerificationMethod(id: "\(id)#\(key.multibase)", type: "Multikey", controller: id, key: key,
                                               blockchainAccountId: nil)
            return DIDDocument(id: id, verificationMethods: [method], authentication: [method.id], assertionMethod: [method.id])
        case .pkh(let chainId, let address):
            let method = DIDVerificationMethod(id: "\(id)#blockchainAccountId", type: "EcdsaSecp256k1RecoveryMethod2020",
                                               controller: id, key: nil, blockchainAccountId: "eip155:\(chainId):\(address.checksummed)")
            return DIDDocument(id: id, verificationMethods: [method], authentication: [method.id], assertionMethod: [method.id])
        case .web:
            return nil
        }
    }

    /// The document an operator serves for its did:web (`/.well-known/did.json`): one Multikey method `#key-1`
    /// for authentication and assertions.
    public static func web(_ did: DID, key: DIDPublicKey) -> DIDDocument? {
        guard case .web = did else { return nil }
        let id = did.description
        let method = DIDVerificationMethod(id: "\(id)#key-1", type: "Multikey", controller: id, key: key, blockchainAccountId: nil)
        return DIDDocument(id: id, verificationMethods: [method], authentication: [method.id], assertionMethod: [method.id])
    }

    /// The document as JSON (DID Core's JSON representation).
    public var json: JSONValue {
        .object([
            "@context": .array([.string("https://www.w3.org/ns/did/v1"), .string("https://w3id.org/security/multikey/v1")]),
            "id": .string(id),
            "verificationMethod": .array(verificationMethods.map(\.json)),
            "authentication": .array(authentication.map(JSONValue.string)),
            "assertionMethod": .array(assertionMethod.map(JSONValue.string)),
        ])
    }

    /// A fetched document for `did`: its `id` must be the DID (did:web spec §3.2: a document for another DID is
    /// refused), each verification method must have an id and type, and relative ids (`#key-1`) are made absolute.
    public static func parse(_ bytes: [UInt8], for did: DID) throws(DIDError) -> DIDDocument {
        guard bytes.count <= maxBytes else { throw .malformed("the document is over \(maxBytes) bytes") }
        guard let json = try? JSONValue.parse(bytes), json.objectValue != nil else { throw .malformed("the document is not a JSON object") }
        guard json["id"]?.stringValue == did.description else {
            throw .malformed("the document's id is not \(did.description)")
        }
        let id = did.description
        func absolute(_ reference: String) -> String { reference.hasPrefix("#") ? id + reference : reference }
        var methods: [DIDVerificationMethod] = []
        for entry in json["verificationMethod"]?.arrayValue ?? [] {
            guard let methodId = entry["id"]?.stringValue, let type = entry["type"]?.stringValue else {
                throw .malformed("a verification method without id or type")
            }
            var key: DIDPublicKey?
            if let multibase = entry["publicKeyMultibase"]?.stringValue {
                key = try DIDPublicKey(multibase: multibase)
            } else if let jwk = entry["publicKeyJwk"], jwk["kty"]?.stringValue == "EC", jwk["crv"]?.stringValue == "P-256" {
                guard let x = jwk["x"]?.stringValue.flatMap(Base64URL.decode), let y = jwk["y"]?.stringValue.flatMap(Base64URL.decode),
                      x.count == 32, y.count == 32, let point = try? P256.Signing.PublicKey(rawRepresentation: x + y) else {
                    throw .malformed("\(methodId): publicKeyJwk is not a P-256 point")
                }
                key = DIDPublicKey(p256: point)
            }
            methods.append(DIDVerificationMethod(id: absolute(methodId), type: type, controller: entry["controller"]?.stringValue ?? id,
                                                 key: key, blockchainAccountId: entry["blockchainAccountId"]?.stringValue))
        }
        func references(_ name: String) -> [String] {
            (json[name]?.arrayValue ?? []).compactMap { $0.stringValue ?? $0["id"]?.stringValue }.map(absolute)
        }
        return DIDDocument(id: id, verificationMethods: methods, authentication: references("authentication"),
                           assertionMethod: references("assertionMethod"))
    }

    /// The P-256 key of an assertion method (`kid` names one; nil takes the first), for ES256 signatures.
    public func assertionKey(kid: String? = nil) -> P256.Signing.PublicKey? {
        let allowed = Set(assertionMethod)
        return verificationMethods.first { method in
            allowed.contains(method.id) && (kid == nil || method.id == kid || kid.map { id + $0 } == method.id)
        }?.key?.p256SigningKey
    }
}
