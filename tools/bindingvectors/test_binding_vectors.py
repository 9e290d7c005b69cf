"""The committed binding calldata fixture must be exactly what eth-abi produces today."""
import importlib.util
import pathlib

# Loaded under a unique module name: tools/*/generate.py share a basename.
_spec = importlib.util.spec_from_file_location("bindingvectors_generate", pathlib.Path(__file__).resolve().parent / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


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


def test_ledger_and_cdr_types_are_the_contracts():
    import sys
    sys.path.insert(0, str(generate.ROOT / "contracts"))
    import ledger
    assert (generate.LEDGER_T, generate.CDR_T) == (ledger.LEDGER_T, ledger.CDR_T)
    for value in (generate.LEDGER_IDLE, generate.LEDGER_PENDING, generate.LEDGER_CLOSED):
        led = ledger.Ledger.from_tuple(value)
        assert led.as_tuple() == value
    # the idle and closed ledgers have no batch pending; the pending one does (as settle/dispute need)
    assert [ledger.Ledger.from_tuple(v).has_pending for v in (generate.LEDGER_IDLE, generate.LEDGER_PENDING,
                                                               generate.LEDGER_CLOSED)] == [False, True, False]
