"""Generate the Settlement binding calldata fixture with eth-abi / eth-hash (pinned in requirements.txt).

Each entry is one contract call with fixed arguments: the canonical signature, the arguments (as
JSON: integers as decimal strings, bytes as 0x-hex) and the calldata selector || abi.encode(args)
computed here independently of the Swift ABI codec. Constructor entries hold the encoded
constructor arguments. Tests/SettlementTests/BindingVectorTests.swift builds the same calls through
the typed bindings and must produce identical bytes; test_binding_vectors.py asserts the committed file
equals this script's output.

Usage: .venv/bin/python tools/bindingvectors/generate.py  (rewrites the fixture)
"""
import json
import pathlib

from eth_abi import encode
from eth_hash.auto import keccak

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "Tests" / "SettlementTests" / "Fixtures" / "binding_vectors.json"

A = "0x" + "aa" * 20
B = "0x" + "bb" * 20
C = "0x" + "cc" * 20
H1, H2, H3, H4 = (bytes([x]) * 32 for x in (0x11, 0x22, 0x33, 0x44))
R = bytes.fromhex("c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5")
S = bytes.fromhex("1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a")
# UsageSettlement.Ledger (settledBytes, lastSeq, nonce, closed, pendingRoot, pendingBytes, pendingFirstSeq,
# pendingPostedAt): one with no batch pending (as postUsage and close take it), one with batch nonce 41
# (CDRs 1..3) pending (as settle and dispute take it), and a closed one (escrowOf).
LEDGER_T = "(uint64,uint64,uint64,bool,bytes32,uint64,uint64,uint64)"
CDR_T = "(uint256,uint64,uint64,uint64,uint64,bytes32)"
LEDGER_IDLE = (5_000_000, 3, 40, False, bytes(32), 0, 0, 0)
LEDGER_PENDING = (5_000_000, 3, 41, False, H1, 22_654_322, 1, 1_700_000_000)
LEDGER_CLOSED = (2**64 - 1, 2**64 - 1, 2**64 - 1, True, bytes(32), 0, 0, 0)
CDR = (7, 2, 7_654_321, 1_700_000_600, 1_700_001_199, H2)

CALLS = [
    ("TrustRegistry.register", "register(address,uint8,string,bytes32,bytes32)", [A, 3, "SM-DP+ \u00fc", H1, H2]),
    ("TrustRegistry.rotateOperatorKey", "rotateOperatorKey(address,address)", [A, B]),
    ("TrustRegistry.suspend", "suspend(address,uint16)", [A, 65535]),
    ("TrustRegistry.isTrusted", "isTrusted(uint8,bytes32)", [6, H3]),
    ("TrustRegistry.acceptOperatorKey", "acceptOperatorKey(address)", [A]),
    ("TrustRegistry.approveMvno", "approveMvno(address,uint256)", [B, 2500]),
    ("TrustRegistry.setDeployment", "setDeployment(uint256,address,address)", [2, B, C]),
    ("PlanEntitlements.listPlan",
     "listPlan(address,uint256,uint256,uint256,uint256,uint256,bool,uint8,uint8,address,bytes32,uint256)",
     [A, 100, 2_592_000, 12_345_678, 1500, 10, True, 2, 1, C, H3, 604_800]),
    ("PlanEntitlements.relistPlan", "relistPlan(uint256)", [3]),
    ("PlanEntitlements.markDelivered", "markDelivered(uint256,bytes32)", [7, H2]),
    ("PlanEntitlements.bindCommitment", "bindCommitment(uint256,bytes32)", [7, H3]),
    ("PlanEntitlements.deliveryTerms", "deliveryTerms(uint256)", [7]),
    ("PlanEntitlements.buy", "buy(uint256,bytes32)", [1, H4]),
    ("PlanEntitlements.buyWithAuthorization",
     "buyWithAuthorization(uint256,bytes32,bytes32,address,uint256,uint256,uint8,bytes32,bytes32)",
     [1, H1, H2, B, 0, 2**64, 28, R, S]),
    ("PlanEntitlements.safeBatchTransferFrom", "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
     [A, B, [1, 2, 3], [1, 1, 1], b"\x01\x02\x03"]),
    ("PlanEntitlements.balanceOfBatch", "balanceOfBatch(address[],uint256[])", [[A, B], [1, 2]]),
    ("PlanEntitlements.supportsInterface", "supportsInterface(bytes4)", [bytes.fromhex("d9b67a26")]),
    ("UsageSettlement.postUsage", f"postUsage(uint256,{LEDGER_T},bytes32,uint64,uint64,uint64,uint64)",
     [7, LEDGER_IDLE, H1, 2**64 - 1, 4, 1003, 2**64 - 1]),
    ("UsageSettlement.settle", f"settle(uint256,{LEDGER_T})", [7, LEDGER_PENDING]),
    ("UsageSettlement.dispute", f"dispute(uint256,{LEDGER_T},{CDR_T},uint256,bytes32[])",
     [7, LEDGER_PENDING, CDR, 1, [H1, H2, H4]]),
    ("UsageSettlement.close", f"close(uint256,{LEDGER_T})", [7, LEDGER_IDLE]),
    ("UsageSettlement.voidBatch", f"voidBatch(uint256,{LEDGER_T})", [7, LEDGER_PENDING]),
    ("UsageSettlement.withdraw", "withdraw(address)", [C]),
    ("UsageSettlement.escrowOf", f"escrowOf(uint256,{LEDGER_T})", [2**256 - 1, LEDGER_CLOSED]),
    ("UsageSettlement.verifyCdr", f"verifyCdr(bytes32,{CDR_T},uint256,uint256,bytes32[])", [H1, CDR, 0, 1, []]),
    ("TestStablecoin.receiveWithAuthorization",
     "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)",
     [A, B, 12_345_678, 0, 1_800_000_000, H4, 27, R, S]),
    ("TestStablecoin.permit", "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
     [A, C, 2**256 - 1, 1_800_000_000, 28, R, S]),
]

CONSTRUCTORS = [
    ("TestStablecoin", [], []),
    ("TrustRegistry", ["address"], [A]),
    ("PlanEntitlements", ["address", "address", "string"], [A, B, "https://openrsp.invalid/entitlement/{id}.json"]),
    ("UsageSettlement", ["address", "address", "address", "uint256", "uint256"], [A, B, C, 86400, 172800]),
]


def split_types(sig: str) -> list:
    inner = sig[sig.index("(") + 1:-1]
    out, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur:
        out.append(cur)
    return out


def build() -> dict:
    calls = []
    for name, sig, args in CALLS:
        data = keccak(sig.encode())[:4] + encode(split_types(sig), args)
        calls.append({"name": name, "signature": sig, "calldata": "0x" + data.hex()})
    ctors = [{"contract": c, "arguments": "0x" + encode(t, a).hex()} for c, t, a in CONSTRUCTORS]
    return {"source": "eth-abi encode + eth-hash keccak via tools/bindingvectors/generate.py",
            "calls": calls, "constructors": ctors}


def render() -> str:
    return json.dumps(build(), indent=1) + "\n"


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(render(), encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(ROOT)}")
