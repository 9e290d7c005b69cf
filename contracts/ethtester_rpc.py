"""Test-only JSON-RPC shim: serves an in-process eth-tester (py-evm) chain over HTTP on
127.0.0.1 (random port) with just the methods deploy.py and the gas report use."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import TransactionFailed, TransactionNotFound


def _q(n: int) -> str:
    return hex(n)


def _tx_in(tx: dict) -> dict:
    out = {"from": tx["from"], "data": tx.get("data", "0x")}
    if tx.get("to"):
        out["to"] = tx["to"]
    if "value" in tx:
        out["value"] = int(tx["value"], 16)
    out["gas"] = int(tx.get("gas", hex(29_000_000)), 16)
    return out


class Chain:
    def __init__(self, chain_id: int | None = None):
        """`chain_id` replaces eth-tester's default (131277322940537), e.g. 1337 for a devnet."""
        backend = PyEVMBackend()
        if chain_id is not None:
            type(backend.chain).chain_id = chain_id   # the class is created per chain by eth-tester
        self.tester = EthereumTester(backend)
        self.lock = threading.Lock()

    def handle(self, method, params):
        t = self.tester
        if method == "eth_chainId":
            return _q(t.backend.chain.chain_id)
        if method == "eth_getTransactionCount":
            return _q(t.get_nonce(params[0]))
        if method == "eth_getBlockByNumber":
            tag = params[0] if params[0] in ("latest", "earliest", "pending", "safe", "finalized") else int(params[0], 16)
            b = t.get_block_by_number(tag)
            return {"number": _q(b["number"]), "timestamp": _q(b["timestamp"]),
                    "baseFeePerGas": _q(b["base_fee_per_gas"]), "gasLimit": _q(b["gas_limit"])}
        if method == "eth_maxPriorityFeePerGas":
            return _q(10**9)
        if method == "eth_gasPrice":
            return _q(2 * 10**9)
        if method == "eth_estimateGas":
            return _q(t.estimate_gas(_tx_in(params[0])))
        if method == "eth_call":
            return t.call(_tx_in(params[0]))
        if method == "eth_sendRawTransaction":
            return t.send_raw_transaction(params[0])
        if method == "eth_getTransactionReceipt":
            try:
                r = t.get_transaction_receipt(params[0])
            except TransactionNotFound:
                return None
            return {"transactionHash": params[0], "status": _q(r["status"]), "gasUsed": _q(r["gas_used"]),
                    "blockNumber": _q(r["block_number"]), "contractAddress": r["contract_address"],
                    "logs": [{"address": lg["address"], "topics": list(lg["topics"]), "data": lg["data"]} for lg in r["logs"]]}
        raise KeyError(method)


def serve(chain: Chain):
    """Starts the shim on 127.0.0.1:<random>; returns (server, url). Call server.shutdown() to stop."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                with chain.lock:
                    reply = {"jsonrpc": "2.0", "id": req["id"], "result": chain.handle(req["method"], req["params"])}
            except KeyError as e:
                reply = {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32601, "message": f"method not found: {e}"}}
            except (TransactionFailed, ValueError) as e:
                reply = {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32000, "message": str(e)}}
            body = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
