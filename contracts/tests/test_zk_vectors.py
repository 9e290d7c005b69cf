"""The committed Swift known-answer fixture (Tests/ZKProofsTests/Fixtures/bn254-vectors.json) is
exactly what contracts/zk_vectors.py makes from the Python reference today."""
import zk_vectors


def test_committed_swift_vectors_match_the_reference():
    assert zk_vectors.OUT.read_text() == zk_vectors.render(), "stale: run .venv/bin/python contracts/zk_vectors.py"
