"""EIP-712 / EIP-2612 / EIP-3009 digests computed in Python, independently of the contract."""
from eth_abi import encode
from eth_account import Account
from eth_hash.auto import keccak

DOMAIN_TYPEHASH = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
PERMIT_TYPEHASH = keccak(b"Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")
TWA_TYPEHASH = keccak(b"TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
RWA_TYPEHASH = keccak(b"ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
CANCEL_TYPEHASH = keccak(b"CancelAuthorization(address authorizer,bytes32 nonce)")
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def domain_separator(token_address: str, chain_id: int, name="OpenRSP Test USD", version="1") -> bytes:
    return keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"],
                         [DOMAIN_TYPEHASH, keccak(name.encode()), keccak(version.encode()), chain_id, token_address]))


def digest(domain: bytes, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + domain + struct_hash)


def sign(account, domain: bytes, struct_hash: bytes):
    sig = Account.unsafe_sign_hash(digest(domain, struct_hash), account.key)
    return sig.v, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")


def high_s(v, r, s):
    """The malleable twin of a valid signature: (v flipped, r, n - s)."""
    return (55 - v), r, (SECP256K1_N - int.from_bytes(s, "big")).to_bytes(32, "big")


def permit_hash(owner, spender, value, nonce, deadline) -> bytes:
    return keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256"],
                         [PERMIT_TYPEHASH, owner, spender, value, nonce, deadline]))


def authorization_hash(typehash, sender, receiver, value, valid_after, valid_before, nonce) -> bytes:
    return keccak(encode(["bytes32", "address", "address", "uint256", "uint256", "uint256", "bytes32"],
                         [typehash, sender, receiver, value, valid_after, valid_before, nonce]))


def cancel_hash(authorizer, nonce) -> bytes:
    return keccak(encode(["bytes32", "address", "bytes32"], [CANCEL_TYPEHASH, authorizer, nonce]))
