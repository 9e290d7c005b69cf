"""Pays for one x402-protected request with the official x402 Python client (PyPI `x402`) and prints the outcome.

Used by the Swift tests (X402ProfileStatusTests) against a real `smdp serve`: the client is x402's own
`x402ClientSync` with the `exact` EVM scheme and its `requests` adapter; only the wallet is ours (an eth-account
key, as any wallet adapter would be).

    python tools/x402client/pay.py --url URL --key-file KEYFILE --body-file BODY.json
prints one JSON object: {"status": HTTP status, "body": parsed body, "paymentResponse": decoded PAYMENT-RESPONSE or null}.
"""
import argparse
import json
import sys

import requests
from eth_account import Account
from x402 import x402ClientSync
from x402.http.clients.requests import x402_requests
from x402.http.utils import decode_payment_required_header, decode_payment_response_header
from x402.mechanisms.evm.exact.register import register_exact_evm_client


class LocalWallet:
    """x402's ClientEvmSigner protocol over an eth-account key."""

    def __init__(self, key: str):
        self._account = Account.from_key(key)

    @property
    def address(self) -> str:
        return self._account.address

    def sign_typed_data(self, domain, types, primary_type, message) -> bytes:
        domain_dict = domain if isinstance(domain, dict) else {
            "name": domain.name, "version": domain.version,
            "chainId": domain.chain_id, "verifyingContract": domain.verifying_contract,
        }
        types_dict = {name: [f if isinstance(f, dict) else {"name": f.name, "type": f.type} for f in fields]
                      for name, fields in types.items()}
        signed = self._account.sign_typed_data(domain_data=domain_dict, message_types=types_dict, message_data=message)
        return bytes(signed.signature)


def wallet_client(key: str, network: str, asset: str, max_amount: str) -> x402ClientSync:
    """x402's client with the exact EVM scheme, allowed to pay only `asset` on `network`, at most `max_amount` each time."""
    client = x402ClientSync()
    client.set_spend_controls({"allowed_assets": [{"network": network, "asset": asset, "max_amount_per_payment": max_amount}]})
    register_exact_evm_client(client, LocalWallet(key))
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--key-file", required=True, help="file with the payer's hex private key")
    parser.add_argument("--body-file", required=True, help="JSON request body")
    parser.add_argument("--network", required=True, help="CAIP-2 network the wallet pays on, e.g. eip155:1337")
    parser.add_argument("--asset", required=True, help="the one token the wallet pays with (x402's spend controls)")
    parser.add_argument("--max-amount", required=True, help="the most it pays per request, in base units")
    parser.add_argument("--expect-pay-to", help="pay only if the 402 names this payTo (e.g. the purchase's deposit address, computed on chain)")
    parser.add_argument("--ca-file", help="PEM CA the server's TLS certificate must chain to")
    args = parser.parse_args()
    key = open(args.key_file).read().strip()
    body = open(args.body_file).read()

    verify = args.ca_file or True
    if args.expect_pay_to:
        # the wallet's own check before it signs anything: the server must ask for payment to the expected address
        first = requests.post(args.url, data=body, headers={"Content-Type": "application/json"}, timeout=60, verify=verify)
        if first.status_code == 402:
            required = decode_payment_required_header(first.headers["PAYMENT-REQUIRED"])
            if not any(a.pay_to.lower() == args.expect_pay_to.lower() for a in required.accepts):
                json.dump({"status": "refused-by-wallet", "body": "payTo is not the expected address", "paymentResponse": None}, sys.stdout)
                return 0
    client = wallet_client(key, args.network, args.asset, args.max_amount)
    session = x402_requests(client)
    response = session.post(args.url, data=body, headers={"Content-Type": "application/json"}, timeout=60, verify=verify)
    header = response.headers.get("PAYMENT-RESPONSE")
    payment = decode_payment_response_header(header).model_dump(by_alias=True, exclude_none=True) if header else None
    try:
        parsed = response.json()
    except ValueError:
        parsed = response.text
    json.dump({"status": response.status_code, "body": parsed, "paymentResponse": payment}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
