import EthereumCore

/// Ethereum bytes from nodes and contracts (EthereumCore):
/// - `rlp`: strict RLP items and signed transactions; re-encoding gives the input back;
/// - `abi`: the input is `<type>\n<data>`; ABI-decoded values re-encode and decode equal;
///   the data alone is also decoded as a revert reason.
let ethereumTargets: [FuzzTarget] = [
    FuzzTarget(name: "rlp", summary: "RLP items and signed transactions (EthereumCore); re-encoding equals the input") { bytes in
        if let item = try? RLP.decode(bytes) {
            invariant(RLP.encode(item) == bytes, "RLP: encode(decode(x)) != x")
        }
        if let transaction = try? SignedTransaction.decode(raw: bytes) {
            invariant(transaction.rawEncoding == bytes, "SignedTransaction: rawEncoding != input")
            _ = try? transaction.sender()
        }
    },
    FuzzTarget(name: "abi", summary: "ABI type text and strict ABI decoding, revert reasons (EthereumCore)") { bytes in
        let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
        let data = Array(bytes[(newline < bytes.endIndex ? newline + 1 : newline)...])
        _ = try? RevertReason.decode(data)
        guard let type = try? ABIType(parsing: String(decoding: bytes[..<newline], as: UTF8.self)),
              let values = try? ABI.decode([type], from: data) else { return }
        let encoded = mustSucceed("ABI encode of decoded values") { try ABI.encode([type], values) }
        let again = mustSucceed("ABI decode of its own encoding") { try ABI.decode([type], from: encoded) }
        invariant(again == values, "ABI: decode(encode(x)) != x for \(type)")
    },
]
