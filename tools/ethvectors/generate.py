"""Generate EthereumCore's cross-check fixture with eth-account (pinned in requirements.txt).

The fixture holds signed transactions (legacy/EIP-155, EIP-2930, EIP-1559), personal_sign
(EIP-191) signatures and an EIP-712 signature, all from fixed private keys, so the output is
deterministic (RFC 6979 nonces). The Swift test EthAccountFixtureTests reproduces every entry
byte for byte; test_fixture.py asserts the committed file equals this script's output.

Usage: .venv/bin/python tools/ethvectors/generate.py  (rewrites the fixture)
"""
import json
import pathlib

import eth_account
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "Tests" / "EthereumCoreTests" / "Fixtures" / "eth-account-vectors.json"

KEYS = [
    "0x4646464646464646464646464646464646464646464646464646464646464646",
    "0x0000000000000000000000000000000000000000000000000000000000000001",
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
]
TO = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
ACCESS_LIST = [
    {
        "address": "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "storageKeys": [
            "0x0000000000000000000000000000000000000000000000000000000000000000",
            "0x00000000000000000000000000000000000000000000000000000000000000ff",
        ],
    }
]

# Integer fields are decimal strings in the fixture so no JSON reader loses precision.
TRANSACTIONS = [
    ("legacy-eip155-transfer", "legacy", {"nonce": 9, "gasPrice": 20_000_000_000, "gas": 21000, "to": TO,
                                          "value": 10**18, "data": "0x", "chainId": 1}),
    ("legacy-eip155-call-devnet", "legacy", {"nonce": 0, "gasPrice": 1, "gas": 100000, "to": TO,
                                             "value": 0, "data": "0xa9059cbb" + "00" * 64, "chainId": 31337}),
    ("legacy-create", "legacy", {"nonce": 1, "gasPrice": 875000000, "gas": 3_000_000, "to": None,
                                 "value": 0, "data": "0x6080604052", "chainId": 1337}),
    ("eip2930-access-list", "eip2930", {"type": 1, "chainId": 1, "nonce": 3, "gasPrice": 30_000_000_000, "gas": 60000,
                                        "to": TO, "value": 12345, "data": "0x01020304", "accessList": ACCESS_LIST}),
    ("eip2930-empty-list", "eip2930", {"type": 1, "chainId": 31337, "nonce": 0, "gasPrice": 7, "gas": 21000,
                                       "to": TO, "value": 1, "data": "0x", "accessList": []}),
    ("eip1559-transfer", "eip1559", {"type": 2, "chainId": 1, "nonce": 42, "maxPriorityFeePerGas": 2_000_000_000,
                                     "maxFeePerGas": 100_000_000_000, "gas": 21000, "to": TO,
                                     "value": 2**255 + 1, "data": "0x", "accessList": []}),
    ("eip1559-access-list-devnet", "eip1559", {"type": 2, "chainId": 31337, "nonce": 7, "maxPriorityFeePerGas": 0,
                                               "maxFeePerGas": 1, "gas": 500000, "to": TO, "value": 0,
                                               "data": "0xdeadbeef", "accessList": ACCESS_LIST}),
]

MESSAGES = [b"hello", b"", "OpenRSP ✓ eSIM".encode(), bytes(range(256))]

MAIL = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"},
        ],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                 {"name": "contents", "type": "string"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!",
    },
}

PERMIT = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Usage": [{"name": "eid", "type": "bytes32"}, {"name": "bytesUsed", "type": "uint256[]"},
                  {"name": "delta", "type": "int64"}, {"name": "final", "type": "bool"}, {"name": "memo", "type": "bytes"}],
    },
    "primaryType": "Usage",
    "domain": {"name": "OpenRSP Settlement", "chainId": 31337,
               "verifyingContract": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
    "message": {"eid": "0x" + "89" * 32, "bytesUsed": [1, 2, 3000000000], "delta": -5, "final": True,
                "memo": "0x0102"},
}


def hexstr(b: bytes) -> str:
    return "0x" + bytes(b).hex()


def stringify(fields: dict) -> dict:
    return {k: (str(v) if isinstance(v, int) else v) for k, v in fields.items()}


def build() -> dict:
    txs = []
    for i, (name, kind, fields) in enumerate(TRANSACTIONS):
        key = KEYS[i % len(KEYS)]
        signed = Account.sign_transaction(fields, key)
        txs.append({
            "name": name, "kind": kind, "privateKey": key, "fields": stringify(fields),
            "raw": hexstr(signed.raw_transaction), "hash": hexstr(signed.hash),
            "sender": Account.from_key(key).address,
        })
    personal = []
    for i, message in enumerate(MESSAGES):
        key = KEYS[i % len(KEYS)]
        signed = Account.sign_message(encode_defunct(primitive=message), key)
        personal.append({"privateKey": key, "message": hexstr(message), "messageHash": hexstr(signed.message_hash),
                         "signature": hexstr(signed.signature), "address": Account.from_key(key).address})
    typed = []
    for i, data in enumerate([MAIL, PERMIT]):
        key = KEYS[i % len(KEYS)]
        signed = Account.sign_message(encode_typed_data(full_message=data), key)
        typed.append({"privateKey": key, "typedData": data, "signingHash": hexstr(signed.message_hash),
                      "signature": hexstr(signed.signature), "address": Account.from_key(key).address})
    return {
        "generator": f"tools/ethvectors/generate.py with eth-account {eth_account.__version__}",
        "transactions": txs, "personalSign": personal, "typedData": typed,
    }


def render() -> str:
    return json.dumps(build(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    FIXTURE.write_text(render(), encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(ROOT)}")
