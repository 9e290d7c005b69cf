"""The x402 plan purchase (issue 16 item 3) against a real `openrsp portal serve` over HTTPS, on a real devnet
with the real contracts: the official x402 Python client (PyPI `x402`, tools/x402client/pay.py) buys a plan;
`openrsp plan buy --x402 URL` buys one; a stranger who front-runs the payment on chain changes nothing;
replayed, expired, wrong-amount, wrong-network, wrong-asset and someone else's payments get x402's answers and
mint nothing; and the CLI refuses to pay a portal that names another payTo than the purchase's deposit address.
The same portal serves the operator's did:web document, which `openrsp identity did resolve` fetches and checks."""

import base64
import http.server
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from eth_abi import encode
from eth_account import Account
from eth_hash.auto import keccak

from world import ROOT, World, free_port

PAY = ROOT / "tools" / "x402client" / "pay.py"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    catalog = tmp_path_factory.mktemp("catalog")
    world = World()
    try:
        world.build(catalog)
        home = world.home("portal")
        cert, key = world.portal_tls()
        port = free_port()
        world.did_web = f"did:web:127.0.0.1%3A{port}"
        world.did_key = world.rsp("portal", "identity", "did", "new", "--out", str(home / "did.key"))["did"]
        world.start_portal(port, cert, key, catalog, "--did-web", world.did_web, "--did-key", str(home / "did.key"))
        world.token = world.contracts["Token"]
        world.entitlements = world.contracts["PlanEntitlements"]
        world.plan = world.plans["Germany 5 GB"]
        world.price = 12000000
        yield world
    finally:
        if os.environ.get("PORTAL_LOG") == "1" and (world.work / "portal.log").exists():
            print((world.work / "portal.log").read_text()[-4000:])
        world.stop()


# --- chain reads (eth_call) -------------------------------------------------------------------------------------

def rpc(shop, method, *params):
    request = urllib.request.Request(shop.rpc, data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                                                "params": list(params)}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        answer = json.loads(r.read())
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return answer["result"]


def call(shop, to, signature, types, args, out):
    data = keccak(signature.encode())[:4] + encode(types, args)
    result = bytes.fromhex(rpc(shop, "eth_call", {"to": to, "data": "0x" + data.hex()}, "latest")[2:])
    from eth_abi import decode
    return decode(out, result)


def balance(shop, who):
    return call(shop, shop.token, "balanceOf(address)", ["address"], [who], ["uint256"])[0]


def deposit_of(shop, buyer, commitment, nonce):
    return call(shop, shop.entitlements, "depositAddress(address,uint256,bytes32,bytes32)",
                ["address", "uint256", "bytes32", "bytes32"], [buyer, int(shop.plan), commitment, nonce], ["address"])[0]


def last_id(shop):
    return call(shop, shop.entitlements, "lastId()", [], [], ["uint256"])[0]


def entitlement(shop, token_id):
    return call(shop, shop.entitlements, "entitlement(uint256)", ["uint256"], [token_id],
                ["bytes32", "uint256", "uint256", "uint256", "uint8", "address"])


# --- the purchase API -------------------------------------------------------------------------------------------

def purchase_body(buyer, commitment=None, nonce=None):
    commitment, nonce = commitment or secrets.token_bytes(32), nonce or secrets.token_bytes(32)
    return commitment, nonce, {"buyer": buyer, "commitment": "0x" + commitment.hex(), "purchaseNonce": "0x" + nonce.hex()}


def post(shop, body, headers=None):
    """POST to the purchase API; (status, headers, parsed body)."""
    import ssl
    context = ssl.create_default_context(cafile=shop.ca)
    request = urllib.request.Request(f"{shop.url}/api/x402/plans/{shop.plan}/purchase", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


def required(shop, body):
    status, headers, _ = post(shop, body)
    assert status == 402, status
    return json.loads(base64.b64decode(headers["PAYMENT-REQUIRED"]))


def signed_payment(shop, payer_key, requirements, *, value=None, valid_before=None, accepted=None):
    """An x402 v2 exact payment as a client builds it (here, so that each field can be made wrong)."""
    payer = Account.from_key(payer_key)
    authorization = {"from": payer.address, "to": requirements["payTo"], "value": str(value or int(requirements["amount"])),
                     "validAfter": "0", "validBefore": str(valid_before or int(time.time()) + 300),
                     "nonce": "0x" + secrets.token_bytes(32).hex()}
    typed = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                        {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                       "TransferWithAuthorization": [{"name": n, "type": t} for n, t in (
                           ("from", "address"), ("to", "address"), ("value", "uint256"), ("validAfter", "uint256"),
                           ("validBefore", "uint256"), ("nonce", "bytes32"))]},
             "primaryType": "TransferWithAuthorization",
             "domain": {"name": requirements["extra"]["name"], "version": requirements["extra"]["version"],
                        "chainId": shop.chain_id, "verifyingContract": requirements["asset"]},
             "message": {**authorization, "value": int(authorization["value"]), "validAfter": 0,
                         "validBefore": int(authorization["validBefore"]), "nonce": bytes.fromhex(authorization["nonce"][2:])}}
    signature = Account.sign_typed_data(payer_key, full_message=typed).signature
    payload = {"x402Version": 2, "payload": {"signature": "0x" + bytes(signature).hex(), "authorization": authorization},
               "accepted": accepted or requirements}
    return payload, base64.b64encode(json.dumps(payload).encode()).decode()


def funded_key(shop, index):
    account = shop.devnet_accounts[index]
    shop.rsp("gov", "token", "mint", account["address"], "--amount", str(100 * 10**6), *shop.signer("gov", "deployer"))
    return account["privateKey"], account["address"]


# --- tests ------------------------------------------------------------------------------------------------------

def test_the_official_x402_client_buys_a_plan_for_its_commitment(shop, tmp_path):
    key, buyer = funded_key(shop, 3)
    commitment, nonce, body = purchase_body(buyer)
    deposit = deposit_of(shop, buyer, commitment, nonce)
    (tmp_path / "key").write_text(key)
    (tmp_path / "body.json").write_text(json.dumps(body))
    before, escrow = balance(shop, buyer), balance(shop, shop.contracts["UsageSettlement"])
    done = subprocess.run([sys.executable, str(PAY), "--url", f"{shop.url}/api/x402/plans/{shop.plan}/purchase",
                           "--key-file", str(tmp_path / "key"), "--body-file", str(tmp_path / "body.json"),
                           "--network", f"eip155:{shop.chain_id}", "--asset", shop.token, "--max-amount", str(shop.price),
                           "--expect-pay-to", deposit, "--ca-file", shop.ca],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["status"] == 200, out
    assert out["paymentResponse"]["success"] is True
    token_id = int(out["body"]["tokenId"])
    assert entitlement(shop, token_id)[5].lower() == buyer.lower()
    assert entitlement(shop, token_id)[0] == commitment
    assert balance(shop, buyer) == before - shop.price
    assert balance(shop, shop.contracts["UsageSettlement"]) == escrow + shop.price
    assert balance(shop, deposit) == 0
    # asked again (a retry), the portal answers from the chain: the same entitlement, no second payment
    status, _, again = post(shop, body)
    assert (status, again["tokenId"], again["alreadyPurchased"]) == (200, str(token_id), True)
    assert balance(shop, buyer) == before - shop.price


def test_a_front_run_payment_still_buys_for_the_buyer_and_nobody_else(shop):
    key, buyer = funded_key(shop, 4)
    commitment, nonce, body = purchase_body(buyer)
    requirements = required(shop, body)["accepts"][0]
    # (the buyer's wallet paid twice the price by mistake: the rest stays for the buyer, see the end)
    payload, _ = signed_payment(shop, key, requirements, value=2 * shop.price)
    # a stranger saw the payment and sends it to the token first: the money lands at the deposit address
    a = payload["payload"]["authorization"]
    sig = bytes.fromhex(payload["payload"]["signature"][2:])
    stranger = shop.devnet_accounts[5]["privateKey"]
    data = keccak(b"transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)")[:4] + encode(
        ["address", "address", "uint256", "uint256", "uint256", "bytes32", "uint8", "bytes32", "bytes32"],
        [a["from"], a["to"], int(a["value"]), 0, int(a["validBefore"]), bytes.fromhex(a["nonce"][2:]), sig[64], sig[:32], sig[32:64]])
    tx = Account.sign_transaction({"to": shop.token, "data": data, "gas": 200000, "chainId": shop.chain_id,
                                   "nonce": int(rpc(shop, "eth_getTransactionCount", Account.from_key(stranger).address, "pending"), 16),
                                   "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 1}, stranger)
    tx_hash = rpc(shop, "eth_sendRawTransaction", "0x" + bytes(tx.raw_transaction).hex())
    for _ in range(100):
        if rpc(shop, "eth_getTransactionReceipt", tx_hash):
            break
        time.sleep(0.1)
    assert balance(shop, requirements["payTo"]) == 2 * shop.price
    # someone else's purchase body cannot take it: another buyer's deposit is another address, unpaid
    _, _, thief = purchase_body(Account.from_key(stranger).address, commitment, nonce)
    assert required(shop, thief)["accepts"][0]["payTo"] != requirements["payTo"]
    # the buyer's request (no payment header needed now) finishes the purchase for the buyer's commitment
    status, _, answer = post(shop, body)
    assert status == 200, answer
    assert entitlement(shop, int(answer["tokenId"]))[5].lower() == buyer.lower()
    assert entitlement(shop, int(answer["tokenId"]))[0] == commitment
    # what the deposit holds beyond the price is the buyer's to take back, with the CLI
    assert balance(shop, requirements["payTo"]) == shop.price
    user = shop.home("user")
    shop.rsp("user", "account", "import", "fronted", "--private-key-env", "BUYER_KEY", "--password-file", str(user / "password"),
             "--light-kdf", env={"BUYER_KEY": key})
    before = balance(shop, buyer)
    out = shop.rsp("user", "plan", "withdraw-deposit", str(shop.plan), "--commitment", "0x" + commitment.hex(),
                   "--purchase-nonce", "0x" + nonce.hex(), *shop.signer("user", "fronted"))
    assert out["amount"] == str(shop.price)
    assert balance(shop, buyer) == before + shop.price
    assert balance(shop, requirements["payTo"]) == 0


@pytest.mark.parametrize("wrong", ["expired", "amount", "network", "asset", "replayed", "payer"])
def test_bad_payments_get_x402_answers_and_mint_nothing(shop, wrong):
    key, buyer = funded_key(shop, 6)
    commitment, nonce, body = purchase_body(buyer)
    requirements = required(shop, body)["accepts"][0]
    ids, before = last_id(shop), balance(shop, buyer)
    if wrong == "expired":
        _, header = signed_payment(shop, key, requirements, valid_before=int(time.time()) - 10)
    elif wrong == "amount":
        _, header = signed_payment(shop, key, requirements, value=int(requirements["amount"]) - 1)
    elif wrong == "network":
        _, header = signed_payment(shop, key, requirements, accepted={**requirements, "network": "eip155:1"})
    elif wrong == "asset":
        _, header = signed_payment(shop, key, requirements, accepted={**requirements, "asset": shop.contracts["PlanEntitlements"]})
    elif wrong == "replayed":
        # a payment made for another purchase (another deposit address), replayed on this one
        _, _, other = purchase_body(buyer)
        _, header = signed_payment(shop, key, required(shop, other)["accepts"][0])
    else:   # someone else pays: the portal mints only to the payer
        other_key = shop.devnet_accounts[7]["privateKey"]
        _, header = signed_payment(shop, other_key, requirements)
    status, headers, answer = post(shop, body, {"PAYMENT-SIGNATURE": header})
    if wrong == "payer":
        assert (status, answer["error"]["code"]) == (400, "portal-authorization-invalid")
    else:
        assert status == 402, answer
        reason = json.loads(base64.b64decode(headers["PAYMENT-REQUIRED"]))["error"]
        assert reason == {"expired": "invalid_exact_evm_payload_authorization_valid_before",
                          "amount": "invalid_exact_evm_payload_authorization_value_mismatch",
                          "network": "no_matching_payment_requirements",
                          "asset": "no_matching_payment_requirements",
                          "replayed": "no_matching_payment_requirements"}[wrong], reason
    assert last_id(shop) == ids
    assert balance(shop, buyer) == before
    assert balance(shop, requirements["payTo"]) == 0


def test_openrsp_plan_buy_x402_buys_through_the_portal(shop):
    key, buyer = funded_key(shop, 8)
    user = shop.home("user")
    shop.rsp("user", "account", "import", "x402buyer", "--private-key-env", "BUYER_KEY", "--password-file", str(user / "password"),
             "--light-kdf", env={"BUYER_KEY": key})
    before = balance(shop, buyer)
    eid = shop.eid
    report = shop.rsp("user", "plan", "buy", str(shop.plan), "--eid", eid, "--x402", shop.url, "--x402-trust-root", shop.ca,
                      *shop.signer("user", "x402buyer"))
    token_id = int(report["entitlementId"])
    secret = json.loads(Path(report["secretFile"]).read_text())
    commitment = keccak(bytes.fromhex(eid) + bytes.fromhex(secret["salt"][2:]))
    assert entitlement(shop, token_id)[0] == commitment
    assert entitlement(shop, token_id)[5].lower() == buyer.lower()
    assert report["purchaseNonce"] != secret["salt"]
    assert balance(shop, buyer) == before - shop.price
    assert oct(os.stat(report["secretFile"]).st_mode & 0o777) == "0o600"


def test_plan_buy_x402_refuses_a_portal_that_asks_payment_elsewhere(shop):
    """A lying portal names its own address as payTo: the CLI compares it with depositAddress on chain and pays nothing."""
    key, buyer = funded_key(shop, 9)
    user = shop.home("user")
    shop.rsp("user", "account", "import", "victim", "--private-key-env", "BUYER_KEY", "--password-file", str(user / "password"),
             "--light-kdf", env={"BUYER_KEY": key})
    attacker = shop.devnet_accounts[2]["address"]
    token, price, chain_id = shop.token, shop.price, shop.chain_id

    class Liar(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            offer = {"x402Version": 2, "error": "payment required", "resource": {"url": "http://127.0.0.1/"},
                     "accepts": [{"scheme": "exact", "network": f"eip155:{chain_id}", "asset": token, "amount": str(price),
                                  "payTo": attacker, "maxTimeoutSeconds": 300, "extra": {"name": "OpenRSP Test USD", "version": "1"}}]}
            self.send_response(402)
            self.send_header("PAYMENT-REQUIRED", base64.b64encode(json.dumps(offer).encode()).decode())
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            self.paid = self.headers.get("PAYMENT-SIGNATURE")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Liar)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        full = dict(os.environ, OPENRSP_HOME=str(user))
        done = subprocess.run([shop.bin, "plan", "buy", str(shop.plan), "--eid", shop.eid, "--x402",
                               f"http://127.0.0.1:{server.server_address[1]}", *shop.signer("user", "victim"), "--json"],
                              cwd=ROOT, env=full, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
    envelope = json.loads([l for l in done.stdout.splitlines() if l.startswith("{")][-1])
    assert envelope["payload"]["code"] == 316, envelope
    assert "deposit address" in envelope["payload"]["message"]
    assert balance(shop, buyer) == 100 * 10**6


def test_an_x402_v1_x_payment_buys_too(shop):
    key, buyer = funded_key(shop, 1)
    commitment, _, body = purchase_body(buyer)
    requirements = required(shop, body)["accepts"][0]
    payload, _ = signed_payment(shop, key, requirements)
    v1 = {"x402Version": 1, "scheme": "exact", "network": requirements["network"], "payload": payload["payload"]}
    status, headers, answer = post(shop, body, {"X-PAYMENT": base64.b64encode(json.dumps(v1).encode()).decode()})
    assert status == 200, answer
    assert json.loads(base64.b64decode(headers["X-PAYMENT-RESPONSE"]))["success"] is True
    assert entitlement(shop, int(answer["tokenId"]))[0] == commitment


def test_the_portal_serves_its_did_web_document_and_the_cli_resolves_it(shop):
    document = shop.rsp("user", "identity", "did", "resolve", shop.did_web, "--tls-ca", shop.ca)["document"]
    assert document["id"] == shop.did_web
    (method,) = document["verificationMethod"]
    assert method["id"] == shop.did_web + "#key-1"
    assert "did:key:" + method["publicKeyMultibase"] == shop.did_key       # the key of the portal's key file
    assert document["assertionMethod"] == [method["id"]]
    # the same server asked for another DID (localhost reaches 127.0.0.1, whose IP its certificate names) answers
    # with its own document, whose id is not that DID: refused
    other = shop.did_web.replace("127.0.0.1", "localhost")
    full = dict(os.environ, OPENRSP_HOME=str(shop.home("user")))
    done = subprocess.run([shop.bin, "identity", "did", "resolve", other, "--tls-ca", shop.ca, "--json"], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=60)
    envelope = json.loads([l for l in done.stdout.splitlines() if l.startswith("{")][-1])
    assert envelope["payload"]["code"] == 423, envelope
    assert "document's id" in envelope["payload"]["message"]
