# pragma version 0.4.3
# pragma evm-version cancun
"""Test-only misbehaving ERC-20: mode 1 returns false from transfers, mode 2 skims a 1-unit fee;
in any mode a transfer to a blacklisted address reverts (as USDC/USDT do for blacklisted accounts)."""
balanceOf: public(HashMap[address, uint256])
mode: public(uint256)
blacklisted: public(HashMap[address, bool])

@deploy
def __init__(mode: uint256):
    self.mode = mode

@external
def mint(to: address, amount: uint256):
    self.balanceOf[to] += amount

@external
def approve(spender: address, amount: uint256) -> bool:
    return True

@internal
def _move(a: address, b: address, amount: uint256) -> bool:
    assert not self.blacklisted[b], "blacklisted"
    if self.mode == 1:
        return False
    self.balanceOf[a] -= amount
    fee: uint256 = 0
    if self.mode == 2:
        fee = 1
    self.balanceOf[b] += amount - fee
    return True

@external
def transferFrom(a: address, b: address, amount: uint256) -> bool:
    return self._move(a, b, amount)

@external
def transfer(b: address, amount: uint256) -> bool:
    return self._move(msg.sender, b, amount)

@external
def receiveWithAuthorization(a: address, b: address, amount: uint256, x: uint256, y: uint256, n: bytes32, v: uint8, r: bytes32, s: bytes32):
    self.balanceOf[a] -= amount
    fee: uint256 = 0
    if self.mode == 2:
        fee = 1
    self.balanceOf[b] += amount - fee

@external
def setMode(mode: uint256):
    self.mode = mode

@external
def setBlacklisted(who: address, on: bool):
    self.blacklisted[who] = on
