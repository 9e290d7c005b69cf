#!/usr/bin/env python3
"""Compiles contracts/src/*.vy with the pinned Vyper and writes contracts/build/<Name>.json
({"contractName", "vyper", "evmVersion", "abi", "bytecode", "deployedBytecode", "sourceSha256"}).

    .venv/bin/python contracts/compile.py            # write artifacts
    .venv/bin/python contracts/compile.py --check    # exit 1 if committed artifacts differ
"""
import argparse
import re
import hashlib
import json
import sys
from pathlib import Path

import vyper
from vyper.compiler import compile_code

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
BUILD = HERE / "build"
CONTRACTS = ("DepositSweeper", "TrustRegistry", "IdentityRegistry", "PlanEntitlements", "UsageSettlement", "TestStablecoin", "PedersenVerifier", "RoamingClearing")


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


# PlanEntitlements creates DepositSweeper from its init code, held in this constant of its source.
SWEEPER_LINE = re.compile(r'^DEPOSIT_SWEEPER_INITCODE: constant\(Bytes\[1024\]\) = x"[0-9a-f]*"$', re.M)


def synced_plan_entitlements_source(sweeper_bytecode: str) -> str:
    """PlanEntitlements.vy with DEPOSIT_SWEEPER_INITCODE set to DepositSweeper's compiled init code."""
    source = (SRC / "PlanEntitlements.vy").read_text()
    code = sweeper_bytecode.removeprefix("0x")
    assert len(code) // 2 <= 1024, "DepositSweeper's init code outgrew Bytes[1024]"
    line = f'DEPOSIT_SWEEPER_INITCODE: constant(Bytes[1024]) = x"{code}"'
    if len(SWEEPER_LINE.findall(source)) != 1:
        raise SystemExit("PlanEntitlements.vy: the DEPOSIT_SWEEPER_INITCODE line is missing or repeated")
    return SWEEPER_LINE.sub(line, source)


def render(a: dict) -> str:
    return json.dumps(a, indent=1, sort_keys=True) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed artifacts, write nothing")
    args = ap.parse_args(argv)
    stale = []
    BUILD.mkdir(exist_ok=True)
    for name in CONTRACTS:
        a = artifact(name)
        if name == "DepositSweeper":
            synced = synced_plan_entitlements_source(a["bytecode"])
            source = SRC / "PlanEntitlements.vy"
            if source.read_text() != synced:
                if args.check:
                    stale.append("PlanEntitlements.vy's DEPOSIT_SWEEPER_INITCODE")
                else:
                    source.write_text(synced)
                    print(f"wrote DEPOSIT_SWEEPER_INITCODE in {source}")
        text = render(a)
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
