"""`scripts/demo --portal`: the portal test's world (devnet, contracts, registry, SM-DP+, three plans with
their documents) and `openrsp portal serve` on 127.0.0.1 (ordering profiles from that SM-DP+), left running until Ctrl-C. The browser needs an
EIP-1193 wallet on the devnet (chain id 1337, RPC URL printed below) holding test stablecoin: the
printed dev account has 100 tokens; import its DEVNET ONLY key into the wallet."""

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from world import ROOT, World  # noqa: E402


def main():
    port = os.environ.get("OPENRSP_PORTAL_PORT", "8480")
    catalog = Path(tempfile.mkdtemp(prefix="openrsp-catalog-"))
    world = World()
    proc = None
    try:
        print("portal demo: building the world (devnet, contracts, plans)…", file=sys.stderr)
        world.build(catalog)
        env = dict(os.environ, OPENRSP_HOME=str(world.home("portal")))
        proc = subprocess.Popen([world.bin, "portal", "serve", "--insecure-loopback-http", "--port", port,
                                 "--catalog", str(catalog), "--account", "portal",
                                 "--password-file", str(world.home("portal") / "password"), *world.es2_options(), *world.chain()], cwd=ROOT, env=env)
        buyer = next(a for a in world.devnet_accounts if a["address"] == world.buyer)
        print(f"\nsoftware eUICC EID: {world.eid} (OPENRSP_HOME={world.home('user')} openrsp profile download "
              f"--simulator {world.home('user') / 'euicc'} -a CODE --rpc-url {world.rpc})", file=sys.stderr)
        print(f"\nportal:  http://127.0.0.1:{port}/\ndevnet:  {world.rpc} (chain id {world.chain_id})\n"
              f"buyer:   {buyer['address']} (DEVNET ONLY key {buyer['privateKey']})\nCtrl-C stops both.", file=sys.stderr)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        world.stop()


if __name__ == "__main__":
    main()
