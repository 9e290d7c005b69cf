# pragma version 0.4.3
# pragma evm-version cancun
"""Test-only ERC-20 with a receive hook (as ERC-777 / ERC-1363 style tokens have): a transfer to a
contract calls its `onTokenReceived()` after the balances move, so the receiver can try to re-enter
the payer. Anyone may mint."""
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])


@external
def mint(to: address, amount: uint256):
    self.balanceOf[to] += amount


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    return True


@internal
def _move(a: address, b: address, amount: uint256):
    self.balanceOf[a] -= amount
    self.balanceOf[b] += amount
    if b.is_contract:
        # a receiver without the hook (the clearing contract itself) is fine
        called: bool = raw_call(b, method_id("onTokenReceived()"), revert_on_failure=False)


@external
def transferFrom(a: address, b: address, amount: uint256) -> bool:
    self.allowance[a][msg.sender] -= amount
    self._move(a, b, amount)
    return True


@external
def transfer(b: address, amount: uint256) -> bool:
    self._move(msg.sender, b, amount)
    return True
