"""The committed status list fixture is what the generator makes, and the draft's own examples decode as printed."""
import base64
import importlib.util
import json
import pathlib
import zlib

_spec = importlib.util.spec_from_file_location("statuslistvectors_generate", pathlib.Path(__file__).resolve().parent / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


def test_fixture_is_regenerated_identically():
    committed = json.loads(generate.FIXTURE.read_text(encoding="utf-8"))
    fresh = generate.vectors()
    assert [(c["count"], c["nonzero"]) for c in committed["cases"]] == [(c["count"], c["nonzero"]) for c in fresh["cases"]]
    # The compressed text may differ between zlib versions; what it inflates to may not.
    for old, new in zip(committed["cases"], fresh["cases"]):
        inflate = lambda lst: zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
        assert inflate(old["lst"]) == inflate(new["lst"])


def test_draft_examples():
    # draft-ietf-oauth-status-list §4.1: the 1-bit example (bytes b9 a3) and the 2-bit example (c9 44 f9).
    assert generate.encode([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], 1)["lst"] == "eNrbuRgAAhcBXQ"
    assert generate.encode([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3], 2)["lst"] == "eNo76fITAAPfAgc"
