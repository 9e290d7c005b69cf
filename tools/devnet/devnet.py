#!/usr/bin/env python3
"""OpenRSP embedded devnet: Ethereum JSON-RPC 2.0 on 127.0.0.1 backed by eth-tester + py-evm.

Usage: devnet.py [--port 8545] [--state-dir DIR] [--chain-id 1337] [--quiet]
  --port 0 picks a free port; the chosen URL is printed ("listening on http://127.0.0.1:PORT")
  and written to DIR/devnet.json together with the pid. DIR/devnet.pid holds the pid.
Chain id 1337 (--chain-id N for another). Dev accounts come from the public "test ... junk" mnemonic (DEVNET ONLY keys)
and are written to DIR/accounts.json (mode 0600). See README.md for the state journal.
"""

import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import devchain  # noqa: E402
import rpc  # noqa: E402

MAX_BODY = 5 * 1024 * 1024


class DevnetServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, dispatcher):
        super().__init__(address, RpcHandler)
        self.dispatcher = dispatcher
        self.chain_lock = threading.Lock()


class RpcHandler(BaseHTTPRequestHandler):
    server_version = "OpenRSP-devnet/0.1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: requests may contain raw transactions
        pass

    def _reply(self, status, body=b"", content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Browsers may call it (the portal test's injected wallet provider), as other dev nodes allow.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):  # CORS preflight for a JSON POST
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "POST")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self._reply(405, b'{"error":"use POST with a JSON-RPC 2.0 body"}')

    def do_POST(self):
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._reply(411, b'{"error":"Content-Length required"}')
            return
        if length < 0 or length > MAX_BODY:
            self._reply(413, b'{"error":"request body too large"}')
            return
        body = self.rfile.read(length)
        with self.server.chain_lock:
            response = self.server.dispatcher.handle_body(body)
        if response is None:  # only notifications
            self._reply(204)
            return
        self._reply(200, json.dumps(response, separators=(",", ":")).encode())


def write_pid_file(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{os.getpid()}\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description="OpenRSP embedded devnet (chain id 1337 unless --chain-id)")
    parser.add_argument("--port", type=int, default=8545, help="TCP port on 127.0.0.1 (0 = pick a free one)")
    parser.add_argument("--state-dir", default=os.path.join(os.path.expanduser("~"), ".openrsp", "devnet"),
                        help="directory for genesis.json, journal.jsonl, accounts.json, devnet.pid, devnet.json")
    parser.add_argument("--chain-id", type=int, default=devchain.CHAIN_ID,
                        help="chain id (default 1337; e.g. 31337 to test that nothing assumes 1337)")
    parser.add_argument("--quiet", action="store_true", help="print only the listening line")
    parser.add_argument("--detach", action="store_true",
                        help="start a new session (used by `openrsp devnet start`), so terminal signals do not reach it")
    args = parser.parse_args(argv)
    if args.detach and os.getsid(0) != os.getpid():
        try:
            os.setsid()
        except PermissionError:  # already a process group leader (e.g. spawned with setsid)
            pass

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    chain = devchain.DevChain(state_dir, chain_id=args.chain_id)
    accounts = devchain.dev_accounts()
    devchain.write_private_json(
        os.path.join(state_dir, "accounts.json"),
        {"warning": "DEVNET ONLY: these keys are public; never use them on a real chain",
         "chainId": chain.chain_id,
         "mnemonic": devchain.DEV_MNEMONIC,
         "accounts": [{"address": a, "privateKey": k} for a, k in accounts]})

    server = DevnetServer(("127.0.0.1", args.port), rpc.Dispatcher(chain))
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}"
    pid_path = os.path.join(state_dir, "devnet.pid")
    info_path = os.path.join(state_dir, "devnet.json")
    write_pid_file(pid_path)
    devchain.write_private_json(info_path, {"url": url, "port": port, "pid": os.getpid(),
                                            "chainId": chain.chain_id})

    if not args.quiet:
        print(f"OpenRSP devnet: chain id {chain.chain_id}, state {state_dir}, "
              f"replayed {chain.replayed} journal entries, block {chain.block_number()}")
        print("Dev accounts (DEVNET ONLY, public keys, 1,000,000 ETH each):")
        for a, k in accounts:
            print(f"  {a}  {k}")
    print(f"listening on {url}", flush=True)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent may hand down a blocked signal mask (Foundation's Process does): unblock ours.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        for path in (pid_path, info_path):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        if not args.quiet:
            print("devnet stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
