#!/usr/bin/env python3
"""Compiles contracts/src/*.vy with the pinned Vyper and writes contracts/build/<Name>.json
({"contractName", "vyper", "evmVersion", "abi", "bytecode", "deployedBytecode", "sourceSha256"}).

    .venv/bin/python contracts/compile.py            # write artifacts
    .venv/bin/python contracts/compile.py --check    # exit 1 if committed artifacts differ
"""
import argparse
import hashlib
import json
import sys
from pathlib import Path

import vyper
from vyper.compiler import compile_code

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
BUILD = HERE / "build"
CONTRACTS = ("TrustRegistry", "PlanEntitlements", "UsageSettlement", "TestStablecoin", "PedersenVerifier", "RoamingClearing")


def artifact(name: str) -> dict:
    path = SRC / f"{name}.vy"
    source = path.read_text()
    out = compile_code(source, contract_path=path.name, output_formats=["abi", "bytecode", "bytecode_runtime"])
    return {
        "contractName": name,
        "vyper": vyper.__version__,
        "evmVersion": "cancun",
        "sourceSha256": hashlib.sha256(source.encode()).hexdigest(),
        "abi": out["abi"],
        "bytecode": out["bytecode"],
        "deployedBytecode": out["bytecode_runtime"],
    }


def render(a: dict) -> str:
    return json.dumps(a, indent=1, sort_keys=True) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed artifacts, write nothing")
    args = ap.parse_args(argv)
    stale = []
    BUILD.mkdir(exist_ok=True)
    for name in CONTRACTS:
        text = render(artifact(name))
        target = BUILD / f"{name}.json"
        if args.check:
            if not target.exists() or target.read_text() != text:
                stale.append(name)
        else:
            target.write_text(text)
            print(f"wrote {target}")
    if stale:
        print("stale artifacts (run contracts/compile.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
