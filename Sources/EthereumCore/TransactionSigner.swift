// Who signs a transaction. A local secp256k1 key is one signer; a hardware wallet or a remote
// signer would be another conformer (the CLI's chain commands only see this protocol).

/// Signs transactions for one account.
public protocol TransactionSigner: Sendable {
    /// The account whose nonce and balance the transactions use.
    var address: Address { get }
    /// Signs `transaction`; the result's `sender()` must be `address`.
    func sign(_ transaction: Transaction) async throws -> SignedTransaction
}

/// A signer holding its private key in memory (decrypted from a keystore or read from a key file).
public struct LocalKeySigner: TransactionSigner {
    public let address: Address
    private let key: PrivateKey

    public init(_ key: PrivateKey) throws(Secp256k1Error) {
        self.key = key
        self.address = try key.address()
    }

    public func sign(_ transaction: Transaction) async throws -> SignedTransaction {
        try transaction.sign(with: key)
    }
}
