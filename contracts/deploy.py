#!/usr/bin/env python3
"""Deploys and wires the OpenRSP contracts to any Ethereum JSON-RPC endpoint.

    .venv/bin/python contracts/deploy.py --rpc-url http://127.0.0.1:8545 --key-file ~/.openrsp/deployer.key
    .venv/bin/python contracts/deploy.py --private-key-env DEPLOYER_KEY --token 0xA0b8...  # existing ERC-20

Signs raw transactions locally with eth-account and talks plain JSON-RPC over urllib (no web3),
waiting for each receipt. Order: TestStablecoin (only on a devnet chain id, 1337 or 31337 as fixed
in the contract, and only without --token), TrustRegistry, IdentityRegistry(registry),
PlanEntitlements, UsageSettlement, RoamingClearing(registry, token, the parameters of
roaming_parameters), then PlanEntitlements.setSettlement, PlanEntitlements.setIdentityRegistry and, when the deployer is governance, TrustRegistry.setDeployment
(the registry names this version's deployment as the current one). Writes the addresses and the
contracts' VERSION to --out (default $OPENRSP_HOME/contracts.json, i.e. ~/.openrsp/contracts.json)
and prints them.
"""
import argparse
import json
import os
import stat
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from eth_abi import encode
from eth_account import Account
from eth_hash.auto import keccak

BUILD = Path(__file__).resolve().parent / "build"
DEFAULT_RPC = "http://127.0.0.1:8545"
VERSION = 2                        # the contracts' VERSION constant (checked against the deployment)
DEVNET_CHAIN_IDS = (1337, 31337)   # TestStablecoin.DEVNET_CHAIN_IDS
DISPUTE_WINDOW = 86400
ROAMING_WINDOW = 7 * 86400         # RoamingClearing: to commit after a period, and to review a commitment
COURT_PERIOD = 3 * 86400           # RoamingClearing: vote, reveal and objection periods of the court
POSTING_GRACE = 2 * 86400          # >= DISPUTE_WINDOW + 1 h (UsageSettlement.MIN_FINAL_POST_TIME)


class RpcError(Exception):
    pass


class Rpc:
    """Minimal Ethereum JSON-RPC client (HTTP POST, JSON in and out)."""

    def __init__(self, url: str, timeout: float = 30.0):
        self.url, self.timeout, self._id = url, timeout, 0

    def __call__(self, method: str, *params):
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": list(params)}).encode()
        req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            reply = json.loads(resp.read())
        if "error" in reply and reply["error"] is not None:
            raise RpcError(f"{method}: {reply['error']}")
        return reply["result"]


def load_artifact(name: str) -> dict:
    return json.loads((BUILD / f"{name}.json").read_text())


def constructor_types(abi: list) -> list:
    for item in abi:
        if item["type"] == "constructor":
            return [i["type"] for i in item["inputs"]]
    return []


def calldata(signature: str, types: list, args: list) -> bytes:
    return keccak(signature.encode())[:4] + encode(types, args)


def load_key(args) -> str:
    if args.key_file:
        path = Path(args.key_file).expanduser()
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            print(f"warning: {path} is readable by group/others; use chmod 600", file=sys.stderr)
        key = path.read_text().strip()
    else:
        key = os.environ.get(args.private_key_env, "").strip()
        if not key:
            raise SystemExit(f"environment variable {args.private_key_env} is empty or unset")
    return key if key.startswith("0x") else "0x" + key


class Deployer:
    def __init__(self, rpc: Rpc, key: str, receipt_timeout: float = 120.0):
        self.rpc, self.account, self.receipt_timeout = rpc, Account.from_key(key), receipt_timeout
        self.chain_id = int(rpc("eth_chainId"), 16)
        self.nonce = int(rpc("eth_getTransactionCount", self.account.address, "pending"), 16)
        self.receipts = []

    def _fees(self) -> dict:
        block = self.rpc("eth_getBlockByNumber", "latest", False)
        if block.get("baseFeePerGas") is not None:
            try:
                tip = int(self.rpc("eth_maxPriorityFeePerGas"), 16)
            except RpcError:
                tip = 10**9
            return {"maxFeePerGas": 2 * int(block["baseFeePerGas"], 16) + tip, "maxPriorityFeePerGas": tip, "type": 2}
        return {"gasPrice": int(self.rpc("eth_gasPrice"), 16)}

    def send(self, to: str | None, data: bytes, label: str) -> dict:
        tx = {"from": self.account.address, "data": "0x" + data.hex()}
        if to:
            tx["to"] = to
        gas = int(self.rpc("eth_estimateGas", tx), 16)
        signed_tx = {"nonce": self.nonce, "gas": gas * 12 // 10 + 10_000, "value": 0, "data": data,
                     "chainId": self.chain_id, **self._fees()}
        if to:
            signed_tx["to"] = to
        signed = self.account.sign_transaction(signed_tx)
        tx_hash = self.rpc("eth_sendRawTransaction", "0x" + signed.raw_transaction.hex())
        self.nonce += 1
        receipt = self.wait(tx_hash)
        if int(receipt["status"], 16) != 1:
            raise RpcError(f"{label}: transaction {tx_hash} reverted")
        self.receipts.append((label, receipt))
        return receipt

    def wait(self, tx_hash: str) -> dict:
        deadline = time.monotonic() + self.receipt_timeout
        while True:
            receipt = self.rpc("eth_getTransactionReceipt", tx_hash)
            if receipt is not None:
                return receipt
            if time.monotonic() > deadline:
                raise RpcError(f"no receipt for {tx_hash}")
            time.sleep(0.2)

    def deploy(self, name: str, args: list) -> str:
        art = load_artifact(name)
        code = bytes.fromhex(art["bytecode"].removeprefix("0x")) + encode(constructor_types(art["abi"]), args)
        receipt = self.send(None, code, f"deploy {name}")
        return receipt["contractAddress"]

    def call(self, to: str, signature: str, types: list, args: list) -> dict:
        return self.send(to, calldata(signature, types, args), signature)


def roaming_parameters(roaming_window: int, court_period: int) -> list:
    """RoamingClearing's constructor arguments after (registry, token), as ContractsDeployment.swift
    makes them: commit and review windows, deposit notice (4 windows), min stake 1,000 and court fee
    100 tokens (6 decimals), slash 10 %, draw delay 5 blocks, vote/reveal/objection periods."""
    return [roaming_window, roaming_window, 4 * roaming_window, 1_000 * 10**6, 1_000, 100 * 10**6, 5,
            court_period, court_period, court_period]


def deploy_all(rpc: Rpc, key: str, *, token: str | None = None, governance: str | None = None,
               dispute_window=DISPUTE_WINDOW, posting_grace=POSTING_GRACE, roaming_window=ROAMING_WINDOW,
               court_period=COURT_PERIOD, metadata_uri="https://openrsp.invalid/entitlement/{id}.json") -> dict:
    d = Deployer(rpc, key)
    contracts = {}
    if token is None:
        if d.chain_id not in DEVNET_CHAIN_IDS:
            raise SystemExit(f"chain id {d.chain_id} is not a devnet ({list(DEVNET_CHAIN_IDS)}): pass --token "
                             "with an existing ERC-20 (TestStablecoin is test-only)")
        token = contracts["TestStablecoin"] = d.deploy("TestStablecoin", [])
    contracts["Token"] = token
    contracts["TrustRegistry"] = registry = d.deploy("TrustRegistry", [governance or d.account.address])
    contracts["IdentityRegistry"] = identity = d.deploy("IdentityRegistry", [registry])
    contracts["PlanEntitlements"] = plans = d.deploy("PlanEntitlements", [registry, token, metadata_uri])
    contracts["UsageSettlement"] = settlement = d.deploy(
        "UsageSettlement", [registry, plans, token, dispute_window, posting_grace])
    contracts["RoamingClearing"] = d.deploy("RoamingClearing", [registry, token, *roaming_parameters(roaming_window, court_period)])
    d.call(plans, "setSettlement(address)", ["address"], [settlement])
    d.call(plans, "setIdentityRegistry(address)", ["address"], [identity])
    current = governance is None or governance.lower() == d.account.address.lower()
    if current:
        d.call(registry, "setDeployment(uint256,address,address)", ["uint256", "address", "address"],
               [VERSION, plans, settlement])
    return {
        "chainId": d.chain_id,
        "version": VERSION,
        "deployer": d.account.address,
        "governance": governance or d.account.address,
        "registryPointsHere": current,   # else governance calls TrustRegistry.setDeployment itself
        "vyper": load_artifact("TrustRegistry")["vyper"],
        "disputeWindow": dispute_window,
        "postingGrace": posting_grace,
        "roamingWindow": roaming_window,
        "courtPeriod": court_period,
        "contracts": contracts,
        "gasUsed": {label: int(r["gasUsed"], 16) for label, r in d.receipts},
    }


def write_json_atomic(path: Path, data: dict):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".contracts-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def default_out() -> Path:
    home = os.environ.get("OPENRSP_HOME") or str(Path.home() / ".openrsp")
    return Path(home) / "contracts.json"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Deploy and wire the OpenRSP contracts over JSON-RPC.")
    ap.add_argument("--rpc-url", default=DEFAULT_RPC)
    keys = ap.add_mutually_exclusive_group(required=True)
    keys.add_argument("--key-file", help="file holding the deployer's hex private key (mode 0600)")
    keys.add_argument("--private-key-env", help="environment variable holding the deployer's hex private key")
    ap.add_argument("--out", type=Path, default=None, help="output JSON (default $OPENRSP_HOME/contracts.json)")
    ap.add_argument("--token", help="use this existing ERC-20 instead of deploying TestStablecoin")
    ap.add_argument("--governance", help="TrustRegistry owner (default: the deployer)")
    ap.add_argument("--dispute-window", type=int, default=DISPUTE_WINDOW, help="seconds (default 1 day)")
    ap.add_argument("--posting-grace", type=int, default=POSTING_GRACE,
                    help="seconds after an entitlement ends (default 2 days; at least the dispute window + 1 h)")
    ap.add_argument("--roaming-window", type=int, default=ROAMING_WINDOW,
                    help="RoamingClearing commit and review windows in seconds (default 7 days)")
    ap.add_argument("--court-period", type=int, default=COURT_PERIOD,
                    help="RoamingClearing court vote, reveal and objection periods in seconds (default 3 days)")
    args = ap.parse_args(argv)
    result = deploy_all(Rpc(args.rpc_url), load_key(args), token=args.token, governance=args.governance,
                        dispute_window=args.dispute_window, posting_grace=args.posting_grace,
                        roaming_window=args.roaming_window, court_period=args.court_period)
    result["rpcUrl"] = args.rpc_url
    out = args.out or default_out()
    write_json_atomic(out, result)
    for name, addr in result["contracts"].items():
        print(f"{name:18} {addr}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
