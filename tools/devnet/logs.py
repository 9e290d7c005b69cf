"""eth_getLogs: filter by block range, address (one or many) and positional topics."""

import rpc

MAX_BLOCK_RANGE = 10_000


def _topic(value, where):
    if value is None:
        return None
    if isinstance(value, list):
        return [rpc.data(v, where).hex() for v in value] or None
    b = rpc.data(value, where)
    if len(b) != 32:
        raise rpc.invalid(f"{where}: topics are 32 bytes")
    return [b.hex()]


def get_logs(chain, flt):
    if not isinstance(flt, dict):
        raise rpc.invalid("filter object expected")
    unknown = set(flt) - {"fromBlock", "toBlock", "address", "topics", "blockHash"}
    if unknown:
        raise rpc.invalid(f"unknown filter fields: {sorted(unknown)}")
    if "blockHash" in flt:
        if "fromBlock" in flt or "toBlock" in flt:
            raise rpc.invalid("blockHash excludes fromBlock/toBlock")
        block = chain.tester.get_block_by_hash(flt["blockHash"].lower())
        lo = hi = block["number"]
    else:
        lo = chain.resolve_block(rpc.block_tag(flt.get("fromBlock") or "latest", "fromBlock"))
        hi = chain.resolve_block(rpc.block_tag(flt.get("toBlock") or "latest", "toBlock"))
    if hi - lo > MAX_BLOCK_RANGE:
        raise rpc.invalid(f"block range exceeds {MAX_BLOCK_RANGE}")
    addresses = flt.get("address")
    if addresses is None:
        addresses = []
    elif isinstance(addresses, str):
        addresses = [addresses]
    addresses = {rpc.address(a, "address").lower() for a in addresses}
    topics = flt.get("topics") or []
    if not isinstance(topics, list) or len(topics) > 4:
        raise rpc.invalid("topics must be an array of at most 4 entries")
    wanted = [_topic(t, f"topics[{i}]") for i, t in enumerate(topics)]

    out = []
    for n in range(lo, hi + 1):
        block = chain.tester.get_block_by_number(n, False)
        log_index = 0
        for tx_hash in block["transactions"]:
            receipt = chain.tester.get_transaction_receipt(tx_hash)
            for log in receipt["logs"]:
                if _matches(log, addresses, wanted):
                    out.append(rpc.encode_log(log, receipt, log_index - log["log_index"]))
                log_index += 1
    return out


def _matches(log, addresses, wanted):
    if addresses and log["address"].lower() not in addresses:
        return False
    topics = [t[2:].lower() for t in log["topics"]]
    for i, options in enumerate(wanted):
        if options is None:
            continue
        if i >= len(topics) or topics[i] not in options:
            return False
    return True
