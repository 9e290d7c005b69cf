// EthereumRPC: Ethereum JSON-RPC 2.0 client.
