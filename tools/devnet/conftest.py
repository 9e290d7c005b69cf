"""Fixtures: a real devnet subprocess on a free 127.0.0.1 port with its own state dir."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# Handcrafted contract used by the tests (also used by the Swift integration test).
# Constructor: LOG2(data = uint256(42), topic0 = 0x11..11, topic1 = CALLER), then deploys RUNTIME.
# Runtime: empty calldata -> returns uint256(42); any calldata -> REVERT with the calldata as data.
TOPIC0 = "0x" + "11" * 32
RUNTIME = "3660006000373615600f57366000fd5b602a60005260206000f3"
INIT_CODE = "0x602a600052337f" + "11" * 32 + "60206000a2601a60386000396" + "01a6000f3" + RUNTIME


class Devnet:
    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.proc = None
        self.url = None

    def start(self):
        script = os.path.join(HERE, "devnet.py")
        self.proc = subprocess.Popen(
            [sys.executable, script, "--port", "0", "--state-dir", self.state_dir, "--quiet"],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("listening on "), f"unexpected devnet output: {line!r}"
        self.url = line.split()[-1]
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        if self.proc:
            self.proc.stdout.close()

    def post(self, payload, raw=False):
        body = payload if raw else json.dumps(payload).encode()
        req = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                data = resp.read()
                return resp.status, (json.loads(data) if data else None)
        except urllib.error.HTTPError as err:
            return err.code, None

    def call(self, method, *params):
        _, resp = self.post({"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)})
        assert resp["id"] == 7 and resp["jsonrpc"] == "2.0"
        return resp

    def result(self, method, *params):
        resp = self.call(method, *params)
        assert "error" not in resp, resp
        return resp["result"]


@pytest.fixture
def devnet(tmp_path):
    node = Devnet(str(tmp_path / "state")).start()
    yield node
    node.stop()


@pytest.fixture(scope="module")
def accounts():
    import devchain
    return devchain.dev_accounts()
