# pragma version 0.4.3
# pragma evm-version cancun
"""
@title TestStablecoin (TEST ONLY)
@notice ERC-20 with 6 decimals, EIP-2612 permit and EIP-3009 transfer/receive/cancel
        authorizations, signed over an EIP-712 domain (name, version "1", chainId,
        verifyingContract). Minting is allowed only to the minter and only while
        `chain.id` is one of the devnet chain ids fixed in this code (1337, 31337), so a
        copy deployed to a public chain can never mint, whatever its deployer claims. The other OpenRSP contracts work
        with any plain ERC-20 (for example USDC); this token exists for devnets and tests.
"""

event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256

event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256

event AuthorizationUsed:
    authorizer: indexed(address)
    nonce: indexed(bytes32)

event AuthorizationCanceled:
    authorizer: indexed(address)
    nonce: indexed(bytes32)

event MinterChanged:
    previous: indexed(address)
    minter: indexed(address)

name: public(constant(String[32])) = "OpenRSP Test USD"
symbol: public(constant(String[8])) = "tUSD"
decimals: public(constant(uint8)) = 6
EIP712_VERSION: constant(String[8]) = "1"   # the EIP-712 domain version (not the release)

# secp256k1 group order / 2: signatures with a larger s are malleable and rejected.
SECP256K1_HALF_N: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168

EIP712_DOMAIN_TYPEHASH: constant(bytes32) = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
PERMIT_TYPEHASH: constant(bytes32) = keccak256(
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
)
TRANSFER_WITH_AUTHORIZATION_TYPEHASH: constant(bytes32) = keccak256(
    "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
)
RECEIVE_WITH_AUTHORIZATION_TYPEHASH: constant(bytes32) = keccak256(
    "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
)
CANCEL_AUTHORIZATION_TYPEHASH: constant(bytes32) = keccak256(
    "CancelAuthorization(address authorizer,bytes32 nonce)"
)

VERSION: public(constant(uint256)) = 2   # the OpenRSP contracts release
# the devnet chain ids where `mint` works (Hardhat/Anvil 31337, Ganache/geth --dev/this repo's devnet 1337)
DEVNET_CHAIN_IDS: constant(uint256[2]) = [1337, 31337]

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)
nonces: public(HashMap[address, uint256])
authorizationState: public(HashMap[address, HashMap[bytes32, bool]])
minter: public(address)


@deploy
def __init__():
    self.minter = msg.sender
    log MinterChanged(previous=empty(address), minter=msg.sender)


@view
@external
def devnetChainIds(arg0: uint256) -> uint256:
    """@notice Devnet chain id number `arg0` (0 or 1) of the fixed set."""
    return DEVNET_CHAIN_IDS[arg0]


@view
@external
def DOMAIN_SEPARATOR() -> bytes32:
    return self._domain_separator()


@view
@external
def eip712Domain() -> (bytes1, String[32], String[8], uint256, address, bytes32, DynArray[uint256, 1]):
    """@notice EIP-5267 description of the signing domain."""
    return (0x0f, name, EIP712_VERSION, chain.id, self, empty(bytes32), [])


@view
@internal
def _domain_separator() -> bytes32:
    # Computed per call so a chain fork (new chain id) never accepts old signatures.
    return keccak256(abi_encode(
        EIP712_DOMAIN_TYPEHASH, keccak256(name), keccak256(EIP712_VERSION), chain.id, self
    ))


@view
@internal
def _recover(struct_hash: bytes32, v: uint8, r: bytes32, s: bytes32) -> address:
    assert convert(s, uint256) <= SECP256K1_HALF_N, "signature: high s"
    assert v == 27 or v == 28, "signature: bad v"
    digest: bytes32 = keccak256(concat(b"\x19\x01", self._domain_separator(), struct_hash))
    signer: address = ecrecover(digest, v, r, s)
    assert signer != empty(address), "signature: invalid"
    return signer


@internal
def _transfer(sender: address, receiver: address, amount: uint256):
    assert receiver != empty(address), "transfer to zero address"
    assert self.balanceOf[sender] >= amount, "insufficient balance"
    self.balanceOf[sender] -= amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=sender, receiver=receiver, value=amount)


@internal
def _approve(owner: address, spender: address, amount: uint256):
    assert spender != empty(address), "approve to zero address"
    self.allowance[owner][spender] = amount
    log Approval(owner=owner, spender=spender, value=amount)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self._approve(msg.sender, spender, amount)
    return True


@external
def transferFrom(sender: address, receiver: address, amount: uint256) -> bool:
    allowed: uint256 = self.allowance[sender][msg.sender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "insufficient allowance"
        self.allowance[sender][msg.sender] = allowed - amount
    self._transfer(sender, receiver, amount)
    return True


@external
def permit(owner: address, spender: address, amount: uint256, deadline: uint256, v: uint8, r: bytes32, s: bytes32):
    """@notice EIP-2612: approve by signature."""
    assert block.timestamp <= deadline, "permit: expired"
    assert owner != empty(address), "permit: zero owner"
    nonce: uint256 = self.nonces[owner]
    struct_hash: bytes32 = keccak256(abi_encode(PERMIT_TYPEHASH, owner, spender, amount, nonce, deadline))
    assert self._recover(struct_hash, v, r, s) == owner, "permit: wrong signer"
    self.nonces[owner] = nonce + 1
    self._approve(owner, spender, amount)


@internal
def _use_authorization(typehash: bytes32, sender: address, receiver: address, amount: uint256,
                       valid_after: uint256, valid_before: uint256, nonce: bytes32,
                       v: uint8, r: bytes32, s: bytes32):
    assert block.timestamp > valid_after, "authorization: not yet valid"
    assert block.timestamp < valid_before, "authorization: expired"
    assert not self.authorizationState[sender][nonce], "authorization: used or canceled"
    struct_hash: bytes32 = keccak256(abi_encode(typehash, sender, receiver, amount, valid_after, valid_before, nonce))
    assert self._recover(struct_hash, v, r, s) == sender, "authorization: wrong signer"
    self.authorizationState[sender][nonce] = True
    log AuthorizationUsed(authorizer=sender, nonce=nonce)
    self._transfer(sender, receiver, amount)


@external
def transferWithAuthorization(sender: address, receiver: address, amount: uint256,
                              valid_after: uint256, valid_before: uint256, nonce: bytes32,
                              v: uint8, r: bytes32, s: bytes32):
    """@notice EIP-3009: anyone may submit the holder's signed transfer."""
    self._use_authorization(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, sender, receiver, amount,
                            valid_after, valid_before, nonce, v, r, s)


@external
def receiveWithAuthorization(sender: address, receiver: address, amount: uint256,
                             valid_after: uint256, valid_before: uint256, nonce: bytes32,
                             v: uint8, r: bytes32, s: bytes32):
    """@notice EIP-3009: only the payee may submit, which stops front-running of the signature."""
    assert msg.sender == receiver, "authorization: caller must be the payee"
    self._use_authorization(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, sender, receiver, amount,
                            valid_after, valid_before, nonce, v, r, s)


@external
def cancelAuthorization(authorizer: address, nonce: bytes32, v: uint8, r: bytes32, s: bytes32):
    """@notice EIP-3009: the authorizer voids an unused authorization nonce."""
    assert not self.authorizationState[authorizer][nonce], "authorization: used or canceled"
    struct_hash: bytes32 = keccak256(abi_encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce))
    assert self._recover(struct_hash, v, r, s) == authorizer, "authorization: wrong signer"
    self.authorizationState[authorizer][nonce] = True
    log AuthorizationCanceled(authorizer=authorizer, nonce=nonce)


@external
def mint(receiver: address, amount: uint256):
    """@notice Test-only faucet: minter only, devnet chain ids only."""
    assert msg.sender == self.minter, "mint: not minter"
    assert chain.id in DEVNET_CHAIN_IDS, "mint: not a devnet chain"
    assert receiver != empty(address), "mint: zero address"
    self.totalSupply += amount
    self.balanceOf[receiver] += amount
    log Transfer(sender=empty(address), receiver=receiver, value=amount)


@external
def setMinter(new_minter: address):
    assert msg.sender == self.minter, "setMinter: not minter"
    log MinterChanged(previous=self.minter, minter=new_minter)
    self.minter = new_minter
