# pragma version 0.4.3
# pragma evm-version cancun
"""Test-only attacker: holds a deposit, a stake or a credit in RoamingClearing and, when the token
calls its receive hook during a payout, re-enters the clearing contract with `attack` (raw calldata),
recording whether that call succeeded and what it returned."""

interface IERC20:
    def approve(spender: address, amount: uint256) -> bool: nonpayable

target: public(address)
attack: public(Bytes[260])
armed: public(bool)
tried: public(uint256)
lastOk: public(bool)
lastReturn: public(Bytes[256])


@external
def setup(target: address, token: address):
    self.target = target
    extcall IERC20(token).approve(target, max_value(uint256))


@external
def arm(attack: Bytes[260]):
    self.attack = attack
    self.armed = True


@external
def call(data: Bytes[260]):
    """Calls the clearing contract as this contract (deposit, stake, withdraw...)."""
    raw_call(self.target, data)


@external
def onTokenReceived():
    if not self.armed:
        return
    self.armed = False      # one re-entry per payout
    self.tried += 1
    ok: bool = False
    out: Bytes[256] = b""
    ok, out = raw_call(self.target, self.attack, max_outsize=256, revert_on_failure=False)
    self.lastOk = ok
    self.lastReturn = out
