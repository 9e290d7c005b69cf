"""The committed contracts/build/*.json artifacts are exactly what the pinned Vyper makes of the sources."""
import json

import vyper

import compile as build


def test_committed_artifacts_match_sources():
    for name in build.CONTRACTS:
        committed = (build.BUILD / f"{name}.json").read_text()
        fresh = build.render(build.artifact(name))
        assert committed == fresh, f"{name}.json is stale: run .venv/bin/python contracts/compile.py"
        art = json.loads(committed)
        assert art["vyper"] == vyper.__version__ == "0.4.3"
        assert art["bytecode"].startswith("0x") and len(art["bytecode"]) > 100
        assert any(i.get("type") == "function" for i in art["abi"])
