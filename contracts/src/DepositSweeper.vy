# pragma version 0.4.3
# pragma evm-version cancun
"""
@title DepositSweeper
@notice The code at a plan purchase's deposit address (x402 plan purchase, docs/X402.md).
        PlanEntitlements creates it with CREATE2 at an address derived from the buyer, the plan,
        the EID commitment and a purchase nonce, after the buyer's payment has arrived there;
        only its creator can move what the address holds. It has no other function, no storage
        and no owner to change.
"""

interface IERC20:
    def transfer(receiver: address, amount: uint256) -> bool: nonpayable

CREATOR: immutable(address)


@deploy
def __init__():
    CREATOR = msg.sender


@external
def pay(token: address, receiver: address, amount: uint256):
    """@notice The creator moves `amount` of `token` held here to `receiver`."""
    assert msg.sender == CREATOR, "sweeper: not the creator"
    assert extcall IERC20(token).transfer(receiver, amount, default_return_value=True), "sweeper: transfer failed"
