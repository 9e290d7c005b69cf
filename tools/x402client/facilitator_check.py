"""Drives an x402 facilitator with x402's official Python clients (PyPI `x402`) and prints what it answered.

The payment is made by x402's own `x402ClientSync` (scheme exact, EIP-3009) for the requirements in REQUIREMENTS.json;
the facilitator is called through x402's `HTTPFacilitatorClientSync`: /supported, /verify, /settle, then /verify and
/settle again with the same (now spent) payment.

    python tools/x402client/facilitator_check.py --url URL --token-file F --key-file KEY --requirements-file REQUIREMENTS.json
prints {"supported": ..., "verify": ..., "settle": ..., "verifyAgain": ..., "settleAgain": ...} as JSON.
"""
import argparse
import json
import sys

from x402.http.facilitator_client import HTTPFacilitatorClientSync
from x402.http.facilitator_client_base import CreateHeadersAuthProvider, FacilitatorConfig
from x402.schemas import PaymentRequired, PaymentRequirements

from pay import wallet_client


def dump(model) -> dict:
    return model.model_dump(by_alias=True, exclude_none=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--key-file", required=True)
    parser.add_argument("--requirements-file", required=True)
    args = parser.parse_args()
    token = open(args.token_file).read().strip()
    requirements = PaymentRequirements.model_validate(json.load(open(args.requirements_file)))

    auth = {"Authorization": f"Bearer {token}"}
    facilitator = HTTPFacilitatorClientSync(FacilitatorConfig(
        url=args.url, auth_provider=CreateHeadersAuthProvider(lambda: {"verify": auth, "settle": auth, "supported": {}})))
    client = wallet_client(open(args.key_file).read().strip(), requirements.network, requirements.asset, requirements.amount)
    payload = client.create_payment_payload(PaymentRequired(accepts=[requirements]))

    out = {"supported": dump(facilitator.get_supported())}
    out["verify"] = dump(facilitator.verify(payload, requirements))
    out["settle"] = dump(facilitator.settle(payload, requirements))
    out["verifyAgain"] = dump(facilitator.verify(payload, requirements))
    out["settleAgain"] = dump(facilitator.settle(payload, requirements))
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
