// EthereumCore: Ethereum primitives: Keccak-256, RLP, ABI, secp256k1, addresses, transactions.
