# pragma version 0.4.3
# pragma evm-version cancun
"""Test-only ERC-1155 receiver: answers with the given selectors and records what it got."""
single_answer: public(bytes4)
batch_answer: public(bytes4)
received: public(uint256)

@deploy
def __init__(single_answer: bytes4, batch_answer: bytes4):
    self.single_answer = single_answer
    self.batch_answer = batch_answer

@external
def onERC1155Received(operator: address, sender: address, id: uint256, amount: uint256, data: Bytes[1024]) -> bytes4:
    self.received += 1
    return self.single_answer

@external
def onERC1155BatchReceived(operator: address, sender: address, ids: DynArray[uint256, 128], amounts: DynArray[uint256, 128], data: Bytes[1024]) -> bytes4:
    self.received += len(ids)
    return self.batch_answer

@external
def buy(plans: address, plan_id: uint256, commitment: bytes32, token: address, price: uint256) -> uint256:
    """Lets a contract account buy (to test the mint-time receiver check)."""
    raw_call(token, abi_encode(plans, max_value(uint256), method_id=method_id("approve(address,uint256)")))
    res: Bytes[32] = raw_call(plans, abi_encode(plan_id, commitment, method_id=method_id("buy(uint256,bytes32)")), max_outsize=32)
    return convert(res, uint256)
