"""JSON-RPC 2.0 dispatch for the devnet: request validation, error objects, hex encodings.

QUANTITY is 0x-prefixed hex without leading zeros ("0x0" for zero); DATA is 0x-prefixed
even-length hex. Inputs that break those rules are rejected with -32602.
"""

import json
import re

from eth_bloom import BloomFilter
from eth_tester.exceptions import BlockNotFound, TransactionNotFound, ValidationError

import devchain

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000
CLIENT_VERSION = "OpenRSP-devnet/0.1.0/eth-tester-0.14.0b1/py-evm-0.12.1b1"

_QUANTITY = re.compile(r"^0x(0|[1-9a-f][0-9a-f]*)$", re.IGNORECASE)
_DATA = re.compile(r"^0x([0-9a-f]{2})*$", re.IGNORECASE)
_ADDRESS = re.compile(r"^0x[0-9a-f]{40}$", re.IGNORECASE)
_HASH = re.compile(r"^0x[0-9a-f]{64}$", re.IGNORECASE)
_TAGS = ("latest", "earliest", "pending", "safe", "finalized")


class RpcError(Exception):
    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data

    def to_json(self):
        err = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


def invalid(message):
    return RpcError(INVALID_PARAMS, message)


# -- inbound parsing -------------------------------------------------------------------------
def quantity(value, name):
    if not isinstance(value, str) or not _QUANTITY.match(value):
        raise invalid(f"{name}: expected QUANTITY (0x-prefixed hex, no leading zeros), got {value!r}")
    n = int(value, 16)
    if n >= 2**256:
        raise invalid(f"{name}: QUANTITY exceeds 256 bits")
    return n


def data(value, name):
    if not isinstance(value, str) or not _DATA.match(value):
        raise invalid(f"{name}: expected DATA (0x-prefixed, even-length hex), got {value!r}")
    return bytes.fromhex(value[2:])


def address(value, name):
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise invalid(f"{name}: expected a 20-byte address, got {value!r}")
    return value


def block_tag(value, name="block"):
    if isinstance(value, str) and value in _TAGS:
        return value
    return quantity(value, name)


def params_list(params, min_len, max_len):
    if params is None:
        params = []
    if not isinstance(params, list):
        raise invalid("params must be an array")
    if not min_len <= len(params) <= max_len:
        raise invalid(f"expected {min_len}..{max_len} params, got {len(params)}")
    return params + [None] * (max_len - len(params))


def call_object(obj):
    """Converts a JSON-RPC call object to eth-tester's inbound transaction dict."""
    if not isinstance(obj, dict):
        raise invalid("transaction object expected")
    allowed = {"from", "to", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas",
               "value", "data", "input", "nonce", "type", "chainId", "accessList"}
    unknown = set(obj) - allowed
    if unknown:
        raise invalid(f"unknown transaction fields: {sorted(unknown)}")
    tx = {"from": address(obj["from"], "from") if obj.get("from") else "0x" + "00" * 20}
    if obj.get("to") is not None:
        tx["to"] = address(obj["to"], "to")
    for key, out in (("gas", "gas"), ("gasPrice", "gas_price"), ("value", "value"),
                     ("maxFeePerGas", "max_fee_per_gas"),
                     ("maxPriorityFeePerGas", "max_priority_fee_per_gas")):
        if obj.get(key) is not None:
            tx[out] = quantity(obj[key], key)
    payload = obj.get("input", obj.get("data"))
    if payload is not None:
        tx["data"] = "0x" + data(payload, "input").hex()
    return tx


# -- outbound encoding -----------------------------------------------------------------------
def q(n):
    return hex(n)


def hexbytes(b):
    return "0x" + bytes(b).hex()


def bloom_hex(value):
    return "0x" + int(value).to_bytes(256, "big").hex()


def encode_log(log, receipt, index_base):
    return {
        "address": log["address"],
        "topics": list(log["topics"]),
        "data": log["data"],
        "blockNumber": q(receipt["block_number"]),
        "blockHash": receipt["block_hash"],
        "transactionHash": receipt["transaction_hash"],
        "transactionIndex": q(receipt["transaction_index"]),
        "logIndex": q(index_base + log["log_index"]),
        "removed": False,
    }


def encode_receipt(r):
    bloom = BloomFilter()
    for log in r["logs"]:
        bloom.add(bytes.fromhex(log["address"][2:]))
        for topic in log["topics"]:
            bloom.add(bytes.fromhex(topic[2:]))
    return {
        "transactionHash": r["transaction_hash"],
        "transactionIndex": q(r["transaction_index"]),
        "blockHash": r["block_hash"],
        "blockNumber": q(r["block_number"]),
        "from": r["from"],
        "to": r["to"] or None,
        "cumulativeGasUsed": q(r["cumulative_gas_used"]),
        "gasUsed": q(r["gas_used"]),
        "effectiveGasPrice": q(r["effective_gas_price"]),
        "contractAddress": r["contract_address"] or None,
        "logs": [encode_log(log, r, 0) for log in r["logs"]],
        "logsBloom": bloom_hex(int(bloom)),
        "status": q(r["status"]),
        "type": r["type"],
    }


def encode_tx(t):
    out = {
        "type": t["type"],
        "hash": t["hash"],
        "nonce": q(t["nonce"]),
        "blockHash": t["block_hash"],
        "blockNumber": q(t["block_number"]),
        "transactionIndex": q(t["transaction_index"]),
        "from": t["from"],
        "to": t["to"] or None,
        "value": q(t["value"]),
        "gas": q(t["gas"]),
        "gasPrice": q(t["gas_price"]),
        "input": t["data"],
        "v": q(t["v"]),
        "r": q(t["r"]),
        "s": q(t["s"]),
    }
    if "chain_id" in t:
        out["chainId"] = q(t["chain_id"])
    if "access_list" in t:
        out["accessList"] = [
            {"address": e["address"], "storageKeys": list(e["storage_keys"])}
            for e in t["access_list"]]
    for key, name in (("max_fee_per_gas", "maxFeePerGas"),
                      ("max_priority_fee_per_gas", "maxPriorityFeePerGas"),
                      ("y_parity", "yParity")):
        if key in t:
            out[name] = q(t[key])
    return out


def encode_block(b, full):
    return {
        "number": q(b["number"]),
        "hash": b["hash"],
        "parentHash": b["parent_hash"],
        "nonce": b["nonce"],
        "sha3Uncles": b["sha3_uncles"],
        "logsBloom": bloom_hex(b["logs_bloom"]),
        "transactionsRoot": b["transactions_root"],
        "stateRoot": b["state_root"],
        "receiptsRoot": b["receipts_root"],
        "miner": b["coinbase"],
        "difficulty": q(b["difficulty"]),
        "totalDifficulty": q(b["total_difficulty"]),
        "extraData": b["extra_data"],
        "size": q(b["size"]),
        "gasLimit": q(b["gas_limit"]),
        "gasUsed": q(b["gas_used"]),
        "timestamp": q(b["timestamp"]),
        "mixHash": b["mix_hash"],
        "baseFeePerGas": q(b["base_fee_per_gas"]),
        "withdrawalsRoot": b["withdrawals_root"],
        "withdrawals": [],
        "blobGasUsed": q(b["blob_gas_used"]),
        "excessBlobGas": q(b["excess_blob_gas"]),
        "parentBeaconBlockRoot": b["parent_beacon_block_root"],
        "uncles": list(b["uncles"]),
        "transactions": [encode_tx(t) if full else t for t in b["transactions"]],
    }


# -- dispatch --------------------------------------------------------------------------------
class Dispatcher:
    """Maps one JSON-RPC request object to its response object (or None for notifications)."""

    def __init__(self, chain):
        self.chain = chain
        self.methods = {name[4:]: getattr(self, name) for name in dir(self) if name.startswith("rpc_")}

    def handle_body(self, body):
        """Returns the response as a JSON-serialisable value, or None when nothing is due."""
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return error_response(None, RpcError(PARSE_ERROR, f"parse error: {exc}"))
        if isinstance(request, list):
            if not request:
                return error_response(None, RpcError(INVALID_REQUEST, "empty batch"))
            responses = [r for r in (self.handle_one(item) for item in request) if r is not None]
            return responses or None
        return self.handle_one(request)

    def handle_one(self, request):
        if not isinstance(request, dict):
            return error_response(None, RpcError(INVALID_REQUEST, "request must be an object"))
        rid = request.get("id")
        valid_id = rid is None or (isinstance(rid, (str, int, float)) and not isinstance(rid, bool))
        if not valid_id:
            return error_response(None, RpcError(INVALID_REQUEST, "id must be a string, number or null"))
        if request.get("jsonrpc") != "2.0":
            return error_response(rid, RpcError(INVALID_REQUEST, 'jsonrpc must be "2.0"'))
        method = request.get("method")
        if not isinstance(method, str):
            return error_response(rid, RpcError(INVALID_REQUEST, "method must be a string"))
        params = request.get("params")
        if params is not None and not isinstance(params, (list, dict)):
            return error_response(rid, RpcError(INVALID_REQUEST, "params must be an array or object"))
        is_notification = "id" not in request
        try:
            fn = self.methods.get(method)
            if fn is None:
                raise RpcError(METHOD_NOT_FOUND, f"the method {method} does not exist/is not available")
            result = fn(params)
            response = {"jsonrpc": "2.0", "id": rid, "result": result}
        except RpcError as err:
            response = error_response(rid, err)
        except devchain.ChainError as err:
            response = error_response(rid, RpcError(SERVER_ERROR, err.message, err.data))
        except (ValidationError, BlockNotFound) as err:
            response = error_response(rid, RpcError(INVALID_PARAMS, str(err)))
        except Exception as err:  # report, never crash the server
            response = error_response(rid, RpcError(INTERNAL_ERROR, f"internal error: {type(err).__name__}: {err}"))
        return None if is_notification else response

    # -- methods (names after the rpc_ prefix are the JSON-RPC method names) --
    def rpc_eth_chainId(self, params):
        params_list(params, 0, 0)
        return q(self.chain.chain_id)

    def rpc_net_version(self, params):
        params_list(params, 0, 0)
        return str(self.chain.chain_id)

    def rpc_web3_clientVersion(self, params):
        params_list(params, 0, 0)
        return CLIENT_VERSION

    def rpc_eth_accounts(self, params):
        params_list(params, 0, 0)
        return [a for a, _ in devchain.dev_accounts()]

    def rpc_eth_blockNumber(self, params):
        params_list(params, 0, 0)
        return q(self.chain.block_number())

    def rpc_eth_getBalance(self, params):
        acct, tag = params_list(params, 1, 2)
        number = self.chain.resolve_block(block_tag(tag or "latest"))
        return q(self.chain.tester.get_balance(address(acct, "address"), number))

    def rpc_eth_getTransactionCount(self, params):
        acct, tag = params_list(params, 1, 2)
        number = self.chain.resolve_block(block_tag(tag or "latest"))
        # Every accepted transaction is mined at once, so "pending" equals "latest".
        return q(self.chain.tester.get_nonce(address(acct, "address"), number))

    def rpc_eth_getCode(self, params):
        acct, tag = params_list(params, 1, 2)
        number = self.chain.resolve_block(block_tag(tag or "latest"))
        return self.chain.tester.get_code(address(acct, "address"), number)

    def rpc_eth_gasPrice(self, params):
        params_list(params, 0, 0)
        return q(self.chain.base_fee_next() + 10**9)

    def rpc_eth_maxPriorityFeePerGas(self, params):
        params_list(params, 0, 0)
        return q(10**9)

    def rpc_eth_feeHistory(self, params):
        count, newest, percentiles = params_list(params, 2, 3)
        count = quantity(count, "blockCount") if isinstance(count, str) else count
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1024:
            raise invalid("blockCount must be 1..1024")
        newest = self.chain.resolve_block(block_tag(newest, "newestBlock"))
        percentiles = percentiles or []
        if not isinstance(percentiles, list) or not all(
                isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 100 for p in percentiles) \
                or percentiles != sorted(percentiles):
            raise invalid("rewardPercentiles must be increasing numbers in 0..100")
        oldest = max(0, newest - count + 1)
        base_fees, ratios, rewards = [], [], []
        for n in range(oldest, newest + 1):
            block = self.chain.tester.get_block_by_number(n, True)
            base_fees.append(q(block["base_fee_per_gas"]))
            ratios.append(block["gas_used"] / block["gas_limit"])
            tips = sorted(t["gas_price"] - block["base_fee_per_gas"] for t in block["transactions"])
            rewards.append([q(tips[min(len(tips) - 1, int(len(tips) * p / 100))] if tips else 0)
                            for p in percentiles])
        header = self.chain.chain.get_canonical_block_header_by_number(newest)
        next_fee = self.chain.chain.get_vm(header).create_header_from_parent(header).base_fee_per_gas \
            if newest < self.chain.block_number() else self.chain.base_fee_next()
        base_fees.append(q(next_fee))
        result = {"oldestBlock": q(oldest), "baseFeePerGas": base_fees, "gasUsedRatio": ratios}
        if percentiles:
            result["reward"] = rewards
        return result

    def _call(self, obj, tag):
        ok, output, reason = self.chain.call(call_object(obj), block_tag(tag or "latest"))
        if not ok:
            message = reason or "execution reverted"
            if output[:4] == bytes.fromhex("08c379a0"):
                try:
                    from eth_abi import decode
                    message = "execution reverted: " + decode(["string"], output[4:])[0]
                except Exception:
                    pass
            raise RpcError(SERVER_ERROR, message, hexbytes(output) if output else None)
        return output

    def rpc_eth_call(self, params):
        obj, tag = params_list(params, 1, 2)
        return hexbytes(self._call(obj, tag))

    def rpc_eth_estimateGas(self, params):
        obj, tag = params_list(params, 1, 2)
        self._call(obj, tag)  # surfaces reverts with their data
        tx = call_object(obj)
        tx.pop("gas", None)
        number = self.chain.resolve_block(block_tag(tag or "latest"))
        return q(self.chain.tester.estimate_gas(tx, "latest" if number == self.chain.block_number() else number))

    # -- wallet methods for the dev accounts only (as other dev nodes offer; the portal's browser test
    # injects an EIP-1193 provider that forwards to these). Any other address is refused.
    def _dev_key(self, acct):
        wanted = address(acct, "address").lower()
        for addr, key in devchain.dev_accounts():
            if addr.lower() == wanted:
                return key
        raise RpcError(SERVER_ERROR, f"{acct} is not a dev account of this devnet (no key to sign with)")

    def rpc_eth_signTypedData_v4(self, params):
        acct, typed = params_list(params, 2, 2)
        key = self._dev_key(acct)
        if isinstance(typed, str):
            if len(typed) > 64 * 1024:
                raise invalid("typed data over 64 KiB")
            try:
                typed = json.loads(typed)
            except ValueError as exc:
                raise invalid(f"typed data is not JSON: {exc}")
        if not isinstance(typed, dict):
            raise invalid("typed data must be an EIP-712 object or its JSON text")
        from eth_account import Account
        from eth_account.messages import encode_typed_data
        try:
            signed = Account.sign_message(encode_typed_data(full_message=typed), key)
        except Exception as exc:  # malformed types or values
            raise invalid(f"typed data: {type(exc).__name__}: {exc}")
        return hexbytes(bytes(signed.signature))

    def rpc_eth_sendTransaction(self, params):
        (obj,) = params_list(params, 1, 1)
        if not isinstance(obj, dict) or not obj.get("from"):
            raise invalid("transaction object with from expected")
        key = self._dev_key(obj["from"])
        tx = call_object(obj)
        sender = tx["from"]
        number = self.chain.block_number()
        nonce = quantity(obj["nonce"], "nonce") if obj.get("nonce") is not None else self.chain.tester.get_nonce(sender, number)
        if "gas" not in tx:
            self._call(obj, "latest")  # surfaces a revert with its data
            estimate = dict(tx)
            tx["gas"] = self.chain.tester.estimate_gas(estimate, "latest") * 12 // 10
        tip = tx.get("max_priority_fee_per_gas", 10**9)
        fee_cap = tx.get("max_fee_per_gas", 2 * self.chain.base_fee_next() + tip)
        unsigned = {"type": 2, "chainId": self.chain.chain_id, "nonce": nonce, "gas": tx["gas"],
                    "maxFeePerGas": fee_cap, "maxPriorityFeePerGas": tip, "value": tx.get("value", 0),
                    "data": tx.get("data", "0x")}
        if "to" in tx:
            unsigned["to"] = tx["to"]
        from eth_account import Account
        raw = Account.sign_transaction(unsigned, key).raw_transaction
        return hexbytes(self.chain.send_raw_transaction(bytes(raw)))

    def rpc_eth_sendRawTransaction(self, params):
        (raw,) = params_list(params, 1, 1)
        return hexbytes(self.chain.send_raw_transaction(data(raw, "transaction")))

    def _tx_hash(self, params):
        (h,) = params_list(params, 1, 1)
        if not isinstance(h, str) or not _HASH.match(h):
            raise invalid("expected a 32-byte transaction hash")
        return h.lower()

    def rpc_eth_getTransactionReceipt(self, params):
        h = self._tx_hash(params)
        try:
            return encode_receipt(self.chain.tester.get_transaction_receipt(h))
        except TransactionNotFound:
            return None

    def rpc_eth_getTransactionByHash(self, params):
        h = self._tx_hash(params)
        try:
            return encode_tx(self.chain.tester.get_transaction_by_hash(h))
        except TransactionNotFound:
            return None

    def rpc_eth_getBlockByNumber(self, params):
        tag, full = params_list(params, 1, 2)
        try:
            number = self.chain.resolve_block(block_tag(tag))
        except BlockNotFound:
            return None
        return encode_block(self.chain.tester.get_block_by_number(number, bool(full)), bool(full))

    def rpc_eth_getBlockByHash(self, params):
        h, full = params_list(params, 1, 2)
        if not isinstance(h, str) or not _HASH.match(h):
            raise invalid("expected a 32-byte block hash")
        try:
            return encode_block(self.chain.tester.get_block_by_hash(h.lower(), bool(full)), bool(full))
        except BlockNotFound:
            return None

    def rpc_eth_getLogs(self, params):
        (flt,) = params_list(params, 1, 1)
        return logs.get_logs(self.chain, flt)

    # -- dev helpers --
    def rpc_evm_mine(self, params):
        (ts,) = params_list(params, 0, 1)
        self.chain.mine(None if ts is None else quantity(ts, "timestamp"))
        return "0x0"

    def rpc_evm_increaseTime(self, params):
        (secs,) = params_list(params, 1, 1)
        if isinstance(secs, str):
            secs = quantity(secs, "seconds")
        if not isinstance(secs, int) or isinstance(secs, bool) or secs < 0:
            raise invalid("seconds must be a non-negative integer")
        return self.chain.increase_time(secs)

    def rpc_evm_setNextBlockTimestamp(self, params):
        (ts,) = params_list(params, 1, 1)
        if isinstance(ts, str):
            ts = quantity(ts, "timestamp")
        if not isinstance(ts, int) or isinstance(ts, bool):
            raise invalid("timestamp must be an integer")
        self.chain.set_next_block_timestamp(ts)
        return None

    def rpc_evm_snapshot(self, params):
        params_list(params, 0, 0)
        return q(self.chain.snapshot())

    def rpc_evm_revert(self, params):
        (sid,) = params_list(params, 1, 1)
        return self.chain.revert(quantity(sid, "snapshotId"))


def error_response(rid, err):
    return {"jsonrpc": "2.0", "id": rid, "error": err.to_json()}


import logs  # noqa: E402  (logs imports helpers from this module)
