"""End-to-end tests of the devnet over HTTP: each method, batches, error objects, replay."""

import json
import os
import stat

from eth_account import Account

from conftest import INIT_CODE, TOPIC0, Devnet

CHAIN_ID = 1337


def sign(devnet, key, **fields):
    sender = Account.from_key(key).address
    tx = {"chainId": CHAIN_ID, "nonce": int(devnet.result("eth_getTransactionCount", sender, "pending"), 16),
          "maxFeePerGas": 10 * 10**9, "maxPriorityFeePerGas": 10**9, "gas": 200_000, "type": 2, "value": 0}
    tx.update(fields)
    return "0x" + bytes(Account.sign_transaction(tx, key).raw_transaction).hex()


def deploy(devnet, key):
    tx_hash = devnet.result("eth_sendRawTransaction", sign(devnet, key, data=INIT_CODE))
    receipt = devnet.result("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1"
    return receipt


def test_identity_methods(devnet):
    assert devnet.result("eth_chainId") == "0x539"
    assert devnet.result("net_version") == "1337"
    assert devnet.result("web3_clientVersion").startswith("OpenRSP-devnet/")
    assert devnet.result("eth_blockNumber") == "0x0"


def test_accounts_file_is_private_and_funded(devnet, accounts):
    path = os.path.join(devnet.state_dir, "accounts.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    listed = json.load(open(path))["accounts"]
    assert [a["address"] for a in listed] == [a for a, _ in accounts]
    assert devnet.result("eth_getBalance", accounts[0][0], "latest") == hex(10**24)
    assert Account.from_key(accounts[3][1]).address == accounts[3][0]


def test_transfer_receipt_and_lookup(devnet, accounts):
    (a, key), (b, _) = accounts[0], accounts[1]
    raw = sign(devnet, key, to=b, value=12345, gas=21000)
    tx_hash = devnet.result("eth_sendRawTransaction", raw)
    assert devnet.result("eth_blockNumber") == "0x1"
    assert devnet.result("eth_getTransactionCount", a, "pending") == "0x1"
    assert devnet.result("eth_getTransactionCount", a, "earliest") == "0x0"
    assert devnet.result("eth_getBalance", b, "latest") == hex(10**24 + 12345)
    receipt = devnet.result("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1" and receipt["gasUsed"] == hex(21000)
    assert receipt["blockNumber"] == "0x1" and receipt["type"] == "0x2"
    tx = devnet.result("eth_getTransactionByHash", tx_hash)
    assert tx["from"] == a and tx["to"] == b and tx["value"] == hex(12345) and tx["nonce"] == "0x0"
    block = devnet.result("eth_getBlockByNumber", "0x1", True)
    assert block["transactions"][0]["hash"] == tx_hash
    assert devnet.result("eth_getBlockByNumber", "latest", False)["transactions"] == [tx_hash]
    assert devnet.result("eth_getBlockByNumber", "0x99", False) is None
    assert devnet.result("eth_getTransactionReceipt", "0x" + "ab" * 32) is None
    # The same bytes again: "already known"; a replaced nonce: "nonce too low".
    again = devnet.call("eth_sendRawTransaction", raw)
    assert again["error"]["code"] == -32000 and again["error"]["message"] == "already known"
    low = devnet.call("eth_sendRawTransaction", sign(devnet, key, to=b, value=1, gas=21000, nonce=0))
    assert "nonce too low" in low["error"]["message"]
    high = devnet.call("eth_sendRawTransaction", sign(devnet, key, to=b, value=1, gas=21000, nonce=5))
    assert "nonce too high" in high["error"]["message"]


def test_wrong_chain_id_rejected(devnet, accounts):
    raw = sign(devnet, accounts[0][1], to=accounts[1][0], gas=21000, chainId=1)
    assert "invalid chain id" in devnet.call("eth_sendRawTransaction", raw)["error"]["message"]


def test_fees(devnet):
    base = int(devnet.result("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    assert int(devnet.result("eth_gasPrice"), 16) > 0
    assert devnet.result("eth_maxPriorityFeePerGas") == hex(10**9)
    devnet.result("evm_mine")
    history = devnet.result("eth_feeHistory", "0x2", "latest", [50])
    assert history["oldestBlock"] == "0x0"
    assert history["baseFeePerGas"][0] == hex(base) and len(history["baseFeePerGas"]) == 3
    assert history["gasUsedRatio"] == [0.0, 0.0] and len(history["reward"]) == 2


def test_contract_call_revert_code_and_logs(devnet, accounts):
    a, key = accounts[0]
    receipt = deploy(devnet, key)
    contract = receipt["contractAddress"]
    assert devnet.result("eth_getCode", contract, "latest") == "0x3660006000373615600f57366000fd5b602a60005260206000f3"
    assert devnet.result("eth_call", {"to": contract}, "latest") == "0x" + "00" * 31 + "2a"
    reverted = devnet.call("eth_call", {"to": contract, "data": "0xdeadbeef"}, "latest")
    assert reverted["error"]["code"] == -32000 and reverted["error"]["data"] == "0xdeadbeef"
    assert "execution reverted" in reverted["error"]["message"]
    est = devnet.call("eth_estimateGas", {"from": a, "to": contract, "data": "0x01"})
    assert est["error"]["data"] == "0x01"
    assert int(devnet.result("eth_estimateGas", {"from": a, "to": contract}), 16) >= 21000
    # Logs: the constructor's LOG2; a second deployment from another sender.
    log = receipt["logs"][0]
    assert log["topics"] == [TOPIC0, "0x" + "00" * 12 + a[2:].lower()]
    assert log["data"] == "0x" + "00" * 31 + "2a"
    deploy(devnet, accounts[1][1])
    all_logs = devnet.result("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest"})
    assert len(all_logs) == 2
    by_address = devnet.result("eth_getLogs", {"fromBlock": "earliest", "address": contract})
    assert [entry["transactionHash"] for entry in by_address] == [receipt["transactionHash"]]
    sender_topic = "0x" + "00" * 12 + accounts[1][0][2:].lower()
    by_topic = devnet.result("eth_getLogs", {"fromBlock": "0x0", "topics": [TOPIC0, sender_topic]})
    assert len(by_topic) == 1 and by_topic[0]["topics"][1] == sender_topic
    either = devnet.result("eth_getLogs", {"fromBlock": "0x0", "topics": [None, [sender_topic, log["topics"][1]]]})
    assert len(either) == 2
    assert devnet.result("eth_getLogs", {"fromBlock": "0x0", "toBlock": "0x1"}) == [log]
    assert devnet.result("eth_getLogs", {"fromBlock": "0x0", "topics": ["0x" + "22" * 32]}) == []


def test_reverting_transaction_is_mined_with_status_zero(devnet, accounts):
    contract = deploy(devnet, accounts[0][1])["contractAddress"]
    tx_hash = devnet.result("eth_sendRawTransaction", sign(devnet, accounts[0][1], to=contract, data="0x01"))
    assert devnet.result("eth_getTransactionReceipt", tx_hash)["status"] == "0x0"


def test_time_travel_and_snapshots(devnet, accounts):
    t0 = int(devnet.result("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    devnet.result("evm_increaseTime", 3600)
    devnet.result("evm_mine")
    t1 = int(devnet.result("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    assert t1 >= t0 + 3600
    devnet.result("evm_setNextBlockTimestamp", t1 + 86400)
    devnet.result("evm_mine")
    assert devnet.result("eth_getBlockByNumber", "latest", False)["timestamp"] == hex(t1 + 86400)
    snap = devnet.result("evm_snapshot")
    devnet.result("eth_sendRawTransaction", sign(devnet, accounts[0][1], to=accounts[1][0], value=1, gas=21000))
    assert devnet.result("eth_blockNumber") == "0x3"
    assert devnet.result("evm_revert", snap) is True
    assert devnet.result("eth_blockNumber") == "0x2"
    assert devnet.result("eth_getTransactionCount", accounts[0][0], "latest") == "0x0"
    assert devnet.result("evm_revert", snap) is False


def test_protocol_errors(devnet):
    assert devnet.post(b"{not json", raw=True)[1]["error"]["code"] == -32700
    assert devnet.post([])[1]["error"]["code"] == -32600
    assert devnet.post({"jsonrpc": "1.0", "id": 1, "method": "eth_chainId"})[1]["error"]["code"] == -32600
    assert devnet.post({"jsonrpc": "2.0", "id": 1, "method": 5})[1]["error"]["code"] == -32600
    assert devnet.post({"jsonrpc": "2.0", "id": [1], "method": "eth_chainId"})[1]["id"] is None
    assert devnet.call("eth_noSuchThing")["error"]["code"] == -32601
    bad = [("eth_getBalance", "0x1234", "latest"),                      # short address
           ("eth_getBalance", "0x" + "00" * 20, "0x01"),                 # leading zero
           ("eth_getBalance", "0x" + "00" * 20, "0x"),                   # empty quantity
           ("eth_getBalance", "0x" + "00" * 20, "12"),                   # missing 0x
           ("eth_sendRawTransaction", "0xabc"),                          # odd-length data
           ("eth_getBlockByNumber", "0x1" + "0" * 64, False),            # > 256 bits
           ("eth_chainId", "extra")]
    for method, *params in bad:
        assert devnet.call(method, *params)["error"]["code"] == -32602, (method, params)
    assert devnet.post(b"x" * 10, raw=True)[1]["id"] is None


def test_batches_and_notifications(devnet):
    status, resp = devnet.post([
        {"jsonrpc": "2.0", "id": "a", "method": "eth_chainId"},
        {"jsonrpc": "2.0", "method": "eth_blockNumber"},  # notification: no response
        {"jsonrpc": "2.0", "id": 2, "method": "nope"},
        5,
    ])
    assert status == 200
    assert resp[0] == {"jsonrpc": "2.0", "id": "a", "result": "0x539"}
    assert resp[1]["id"] == 2 and resp[1]["error"]["code"] == -32601
    assert resp[2]["id"] is None and resp[2]["error"]["code"] == -32600
    assert len(resp) == 3
    assert devnet.post([{"jsonrpc": "2.0", "method": "eth_chainId"}]) == (204, None)


def test_restart_replays_journal(tmp_path, accounts):
    state = str(tmp_path / "state")
    node = Devnet(state).start()
    try:
        contract = deploy(node, accounts[0][1])["contractAddress"]
        node.result("evm_increaseTime", 7200)
        node.result("evm_mine")
        node.result("eth_sendRawTransaction", sign(node, accounts[2][1], to=accounts[3][0], value=777, gas=21000))
        before = node.result("eth_getBlockByNumber", "latest", False)
        balance = node.result("eth_getBalance", accounts[3][0], "latest")
    finally:
        node.stop()
    assert not os.path.exists(os.path.join(state, "devnet.pid"))
    assert stat.S_IMODE(os.stat(os.path.join(state, "journal.jsonl")).st_mode) == 0o600
    node = Devnet(state).start()
    try:
        after = node.result("eth_getBlockByNumber", "latest", False)
        assert after["number"] == before["number"] == "0x3"
        assert after["hash"] == before["hash"] and after["timestamp"] == before["timestamp"]
        assert node.result("eth_getBalance", accounts[3][0], "latest") == balance
        assert node.result("eth_call", {"to": contract}) == "0x" + "00" * 31 + "2a"
        assert node.result("eth_getTransactionCount", accounts[0][0], "pending") == "0x1"
    finally:
        node.stop()


def test_wallet_methods_sign_for_dev_accounts_only(devnet, accounts):
    """eth_signTypedData_v4 and eth_sendTransaction (the portal's browser test wallet), dev accounts only."""
    from eth_account.messages import encode_typed_data
    (a, _), (b, _) = accounts[0], accounts[1]
    typed = {"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
                       "Mail": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}]},
             "primaryType": "Mail", "domain": {"name": "t", "chainId": 1337}, "message": {"to": b, "amount": 2**200}}
    signature = devnet.result("eth_signTypedData_v4", a, json.dumps(typed))
    assert Account.recover_message(encode_typed_data(full_message=typed), signature=signature) == a
    assert devnet.result("eth_signTypedData_v4", a, typed) == signature  # an object as well as its JSON text
    stranger = Account.create().address
    refused = devnet.call("eth_signTypedData_v4", stranger, json.dumps(typed))
    assert refused["error"]["code"] == -32000 and "not a dev account" in refused["error"]["message"]
    assert devnet.call("eth_signTypedData_v4", a, "{not json")["error"]["code"] == -32602
    tx_hash = devnet.result("eth_sendTransaction", {"from": a, "to": b, "value": hex(777)})
    receipt = devnet.result("eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1" and receipt["from"] == a
    assert devnet.result("eth_getBalance", b, "latest") == hex(10**24 + 777)
    assert devnet.call("eth_sendTransaction", {"from": stranger, "to": b, "value": "0x1"})["error"]["code"] == -32000
    assert devnet.result("eth_blockNumber") == "0x1"  # the refused one mined nothing
    reverting = devnet.call("eth_sendTransaction", {"from": a, "data": "0x60006000fd"})  # init code that reverts
    assert reverting["error"]["code"] == -32000 and devnet.result("eth_blockNumber") == "0x1"


def test_cors_preflight_for_browser_wallets(devnet):
    import urllib.request
    req = urllib.request.Request(devnet.url, method="OPTIONS", headers={"Origin": "http://127.0.0.1:1",
                                                                        "Access-Control-Request-Method": "POST"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 204 and resp.headers["Access-Control-Allow-Origin"] == "*"
        assert "Content-Type" in resp.headers["Access-Control-Allow-Headers"]
