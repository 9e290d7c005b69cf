"""The committed Swift Merkle fixture must be exactly what contracts/merkle.py produces today."""
import importlib.util
import pathlib

# Loaded under a unique module name: tools/*/generate.py share a basename.
_spec = importlib.util.spec_from_file_location("merklevectors_generate", pathlib.Path(__file__).resolve().parent / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


def test_committed_fixture_is_reference_output():
    committed = generate.FIXTURE.read_text(encoding="utf-8")
    assert committed == generate.render()


def test_fixture_covers_required_batch_sizes():
    counts = {b["count"] for b in generate.build()["batches"]}
    assert {1, 2, 3, 1000} <= counts


def test_every_proof_verifies_and_a_tampered_one_does_not():
    for batch in generate.build()["batches"]:
        root = bytes.fromhex(batch["root"][2:])
        leaves = [bytes.fromhex(c["leaf"][2:]) for c in batch["cdrs"]]
        for entry in batch["proofs"]:
            proof = [bytes.fromhex(h[2:]) for h in entry["proof"]]
            i = entry["index"]
            assert generate.merkle.verify(root, leaves[i], i, batch["count"], proof)
            if batch["count"] > 1:
                assert not generate.merkle.verify(root, leaves[i], (i + 1) % batch["count"], batch["count"], proof)
