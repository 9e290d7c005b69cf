"""The committed binding calldata fixture must be exactly what eth-abi produces today."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import generate  # noqa: E402


def test_committed_fixture_is_eth_abi_output():
    assert generate.FIXTURE.read_text(encoding="utf-8") == generate.render()


def test_every_signature_is_in_the_committed_abi():
    import json
    sigs = set()
    for name in ("TrustRegistry", "PlanEntitlements", "UsageSettlement", "TestStablecoin"):
        abi = json.loads((generate.ROOT / "contracts" / "build" / f"{name}.json").read_text())["abi"]

        def canon(p):
            if p["type"].startswith("tuple"):
                return "(" + ",".join(canon(c) for c in p["components"]) + ")" + p["type"][5:]
            return p["type"]
        for e in abi:
            if e["type"] == "function":
                sigs.add(f"{name}.{e['name']}(" + ",".join(canon(i) for i in e["inputs"]) + ")")
    for name, sig, _ in generate.CALLS:
        assert name.split(".")[0] + "." + sig in sigs, sig
