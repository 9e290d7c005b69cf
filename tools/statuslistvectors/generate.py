"""Status list vectors for the Swift IETF Token Status List code (Sources/Identity/StatusList.swift), made with
Python's own zlib and an independent bit packing written from draft-ietf-oauth-status-list §4.1.

    .venv/bin/python tools/statuslistvectors/generate.py   # rewrites Tests/IdentityTests/Fixtures/status-lists.json
"""
import base64
import json
import pathlib
import random
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "Tests/IdentityTests/Fixtures/status-lists.json"


def pack(statuses, bits):
    """Entry i occupies bits (i % (8/bits))*bits … of byte i // (8/bits), least significant first."""
    per_byte = 8 // bits
    out = bytearray((len(statuses) + per_byte - 1) // per_byte)
    for i, value in enumerate(statuses):
        assert 0 <= value < (1 << bits)
        out[i // per_byte] |= value << ((i % per_byte) * bits)
    return bytes(out)


def encode(statuses, bits):
    lst = base64.urlsafe_b64encode(zlib.compress(pack(statuses, bits), 9)).rstrip(b"=").decode()
    return {"bits": bits, "lst": lst}


def vectors():
    cases = []
    for bits, count, seed in [(1, 16, 1), (1, 10_000, 2), (2, 12, 3), (2, 4_096, 4), (4, 1_000, 5), (8, 777, 6)]:
        rng = random.Random(seed)
        # Mostly valid, as real lists are; that is what makes them compress.
        statuses = [rng.randrange(1 << bits) if rng.random() < 0.05 else 0 for _ in range(count)]
        nonzero = [[i, v] for i, v in enumerate(statuses) if v]
        cases.append({"count": count, "nonzero": nonzero, **encode(statuses, bits)})
    return {"source": "tools/statuslistvectors/generate.py (Python zlib " + zlib.ZLIB_VERSION + ")", "cases": cases}


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(vectors(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE.relative_to(ROOT)}")
